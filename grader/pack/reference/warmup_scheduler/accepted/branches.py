class WarmupScheduler:
    def __init__(self, base_lr, warmup_steps, total_steps=None):
        self.base_lr = base_lr
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps
        self.step_count = 0

    def get_lr(self):
        t = self.step_count
        if t < self.warmup_steps:
            return self.base_lr * t / self.warmup_steps
        if self.total_steps is None:
            return self.base_lr
        remaining = max(self.total_steps - t, 0)
        return self.base_lr * remaining / (self.total_steps - self.warmup_steps)

    def step(self):
        self.step_count += 1
        return self.get_lr()
