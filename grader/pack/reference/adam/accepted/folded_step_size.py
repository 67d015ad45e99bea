# The "efficient" form from the Adam paper, with eps rescaled so it is the same formula:
# alpha_t = lr * sqrt(1 - b2^t) / (1 - b1^t);  p -= alpha_t * m / (sqrt(v) + eps * sqrt(1 - b2^t)).
import numpy as np


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m = self.v = None

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros(np.shape(p)) for p in params]
            self.v = [np.zeros(np.shape(p)) for p in params]
        self.t += 1
        root = np.sqrt(1 - self.beta2 ** self.t)
        alpha = self.lr * root / (1 - self.beta1 ** self.t)
        out = []
        for i, g in enumerate(grads):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * np.square(g)
            out.append(params[i] - alpha * self.m[i] / (np.sqrt(self.v[i]) + self.eps * root))
        return out
