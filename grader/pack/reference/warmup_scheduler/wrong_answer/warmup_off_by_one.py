# (s + 1) / warmup_steps: the first rate is base_lr / warmup_steps instead of 0.


class WarmupScheduler:
    def __init__(self, base_lr, warmup_steps, total_steps=None):
        self.base_lr, self.warmup_steps, self.total_steps = base_lr, warmup_steps, total_steps
        self.s = 0

    def get_lr(self):
        if self.s < self.warmup_steps:
            return self.base_lr * (self.s + 1) / self.warmup_steps
        if self.total_steps is None:
            return self.base_lr
        return self.base_lr * max(0.0, (self.total_steps - self.s) / (self.total_steps - self.warmup_steps))

    def step(self):
        self.s += 1
        return self.get_lr()
