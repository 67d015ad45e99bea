# Computes a multiplier function once (like torch's LambdaLR) and applies it.


class WarmupScheduler:
    def __init__(self, base_lr, warmup_steps, total_steps=None):
        self.base_lr = base_lr
        w, T = warmup_steps, total_steps

        def factor(s):
            if s < w:
                return s / w
            if T is None:
                return 1.0
            return max(0.0, (T - s) / (T - w))

        self.factor = factor
        self.last = 0

    def get_lr(self):
        return self.base_lr * self.factor(self.last)

    def step(self):
        self.last += 1
        return self.get_lr()
