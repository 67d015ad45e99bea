# Updates the given arrays in place, entry by entry (flat views), and returns the same list.
# The grader must copy each returned value right after the call.
import math

import numpy as np


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m, self.v = [], []

    def step(self, params, grads):
        if not self.m:
            self.m = [[0.0] * np.size(p) for p in params]
            self.v = [[0.0] * np.size(p) for p in params]
        self.t += 1
        c1 = 1 - self.b1**self.t
        c2 = 1 - self.b2**self.t
        for k, (p, g) in enumerate(zip(params, grads)):
            pf, gf = p.reshape(-1), np.asarray(g).reshape(-1)
            for i in range(pf.size):
                self.m[k][i] = self.b1 * self.m[k][i] + (1 - self.b1) * gf[i]
                self.v[k][i] = self.b2 * self.v[k][i] + (1 - self.b2) * gf[i] * gf[i]
                pf[i] -= self.lr * (self.m[k][i] / c1) / (math.sqrt(self.v[k][i] / c2) + self.eps)
        return params
