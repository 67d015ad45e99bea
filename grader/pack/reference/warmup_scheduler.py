"""Reference solution and case generators for ``warmup_scheduler`` (a class).

WarmupScheduler(base_lr, warmup_steps, total_steps=None) keeps a step counter s, 0 at the start.
get_lr() returns the learning rate at the current s without changing anything:
    s < warmup_steps                 -> base_lr * s / warmup_steps        (linear warm-up from 0)
    otherwise, total_steps is None   -> base_lr                            (constant)
    otherwise                        -> base_lr * max(0, (total_steps - s) / (total_steps - warmup_steps))
step() increments s and returns get_lr() for the new s.

Call script: construct with the case's constructor args, then for each name in case["calls"]
call that method with no arguments and record its return value (run_script below).
"""

HINTS = {
    "nonfinite": "warmup_steps may be 0 (no warm-up): do not divide by it in that case",
}

CTOR_KEYS = ("base_lr", "warmup_steps", "total_steps")


class WarmupScheduler:
    def __init__(self, base_lr, warmup_steps, total_steps=None):
        self.base_lr = float(base_lr)
        self.warmup_steps = int(warmup_steps)
        self.total_steps = total_steps
        self.s = 0

    def get_lr(self):
        s, w = self.s, self.warmup_steps
        if s < w:
            return self.base_lr * s / w
        if self.total_steps is None:
            return self.base_lr
        return self.base_lr * max(0.0, (self.total_steps - s) / (self.total_steps - w))

    def step(self):
        self.s += 1
        return self.get_lr()


# ---------------------------------------------------------------- generators


def schedule(rng, warmup, total, extra, base_lr=None, peek_every=0):
    """A random base_lr (unless given), the given warmup_steps and total_steps (None: omitted,
    constant after warm-up), and a call list: get_lr, then step() until `extra` steps past the
    end (or past warm-up when total is None), with a get_lr every `peek_every` steps."""
    lr = float(base_lr) if base_lr is not None else float(10 ** rng.uniform(-4, -1))
    end = (total if total is not None else warmup) + int(extra)
    calls = ["get_lr"]
    for i in range(1, end + 1):
        calls.append("step")
        if peek_every and i % peek_every == 0:
            calls.append("get_lr")
    args = {"base_lr": lr, "warmup_steps": int(warmup), "calls": calls}
    if total is not None:
        args["total_steps"] = int(total)
    return args


# ---------------------------------------------------------------- known mistakes (classes)


class mistake_warmup_off_by_one(WarmupScheduler):
    """During warm-up the rate is base_lr * s / warmup_steps, which is 0 before the first step;
    yours is one step ahead ((s + 1) / warmup_steps)."""

    def get_lr(self):
        if self.s < self.warmup_steps:
            return self.base_lr * (self.s + 1) / self.warmup_steps
        return super().get_lr()


class mistake_decay_from_zero(WarmupScheduler):
    """The decay runs from the end of warm-up: the fraction is (total - s) / (total - warmup),
    not (total - s) / total."""

    def get_lr(self):
        if self.s < self.warmup_steps or self.total_steps is None:
            return super().get_lr()
        return self.base_lr * max(0.0, (self.total_steps - self.s) / self.total_steps)


class mistake_no_clamp(WarmupScheduler):
    """After total_steps the rate stays at 0; yours goes negative (clamp with max(0, ...))."""

    def get_lr(self):
        if self.s < self.warmup_steps or self.total_steps is None:
            return super().get_lr()
        return self.base_lr * (self.total_steps - self.s) / (self.total_steps - self.warmup_steps)


class mistake_step_returns_old_lr(WarmupScheduler):
    """step() must return the rate for the NEW step (increment first, then compute); yours returns
    the rate from before the increment."""

    def step(self):
        lr = self.get_lr()
        self.s += 1
        return lr


class mistake_get_lr_advances(WarmupScheduler):
    """get_lr() must not change the scheduler: calling it twice in a row gives the same rate.
    Only step() advances the counter."""

    def get_lr(self):
        lr = super().get_lr()
        self.s += 1
        return lr

    def step(self):
        self.s += 1
        return WarmupScheduler.get_lr(self)


# ---------------------------------------------------------------- call scripts
# A case of this problem is a call script (problems/warmup_scheduler.yaml): construct, then
# get_lr() and step() in the order the case lists them, each returned rate checked.


def script(args):
    """The call script of a case from its values: {base_lr, warmup_steps, total_steps?, calls}."""
    steps = [{"new": {k: args[k] for k in CTOR_KEYS if k in args}}]
    for name in args["calls"]:
        if steps[-1].get("call") == name:
            steps[-1]["repeat"] = steps[-1].get("repeat", 1) + 1
        else:
            steps.append({"call": name})
    return steps


_schedule = schedule


def schedule(rng, **params):
    """A random schedule and call list (see _schedule), as a call script."""
    return {"calls": script(_schedule(rng, **params))}
