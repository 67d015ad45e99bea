"""Reference solution and case generators for ``adam`` (a class).

Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8); step(params, grads) takes lists of arrays
(one per parameter tensor), returns the list of updated arrays; attribute t counts steps.
For each parameter p with gradient g, at step t (counted from 1):
    m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
    m_hat = m / (1 - beta1^t);      v_hat = v / (1 - beta2^t)
    p <- p - lr * m_hat / (sqrt(v_hat) + eps)

Call script (see notes.md): opt = Adam(**ctor); for g in grads: params = opt.step(params, g);
after each call record the returned list and opt.t.  run_script() below does exactly that.
"""

import copy

import numpy as np

HINTS = {
    "nonfinite": (
        "1 - beta**t is 0 when t is 0: increment t before the bias correction, so the first "
        "step uses t = 1"
    ),
}

CTOR_KEYS = ("lr", "beta1", "beta2", "eps")


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m = None
        self.v = None

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(np.asarray(p, dtype=np.float64)) for p in params]
            self.v = [np.zeros_like(np.asarray(p, dtype=np.float64)) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1, c2 = 1.0 - b1 ** self.t, 1.0 - b2 ** self.t
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            g = np.asarray(g, dtype=np.float64)
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g
            m_hat = self.m[i] / c1
            v_hat = self.v[i] / c2
            out.append(np.asarray(p, dtype=np.float64) - self.lr * m_hat / (np.sqrt(v_hat) + self.eps))
        return out


# ---------------------------------------------------------------- generators


def quadratic_descent(rng, shapes, steps, lr=None, beta1=None, beta2=None, eps=None):
    """Parameters of the given shapes; the gradients are those of a random quadratic
    0.5 * sum(a * (p - c)^2) along the path the REFERENCE takes (so later steps depend on earlier
    ones, as in training). Hyper-parameters are passed only when given."""
    params = [rng.standard_normal(tuple(s)) for s in shapes]
    a = [rng.uniform(0.5, 3.0, size=tuple(s)) for s in shapes]
    c = [rng.standard_normal(tuple(s)) for s in shapes]
    ctor = {k: v for k, v in (("lr", lr), ("beta1", beta1), ("beta2", beta2), ("eps", eps)) if v is not None}
    opt = Adam(**ctor)
    p = [x.copy() for x in params]
    grads = []
    for _ in range(int(steps)):
        g = [ai * (pi - ci) for ai, pi, ci in zip(a, p, c)]
        grads.append(g)
        p = opt.step(p, g)
    return {**{k: float(v) for k, v in ctor.items()}, "params": params, "grads": grads}


def random_grads(rng, shapes, steps, scale, lr=0.01):
    """Independent random gradients of the given scale (e.g. 1e-9 where eps matters, 1e6)."""
    params = [rng.standard_normal(tuple(s)) for s in shapes]
    grads = [[rng.standard_normal(tuple(s)) * scale for s in shapes] for _ in range(int(steps))]
    return {"lr": float(lr), "params": params, "grads": grads}


# ---------------------------------------------------------------- known mistakes (classes with
# the same interface; the docstring is the hint)


class mistake_no_bias_correction(Adam):
    """Your first steps are too small: divide m by (1 - beta1^t) and v by (1 - beta2^t) (bias
    correction) before the update."""

    def step(self, params, grads):
        super().step(params, grads)  # updates m, v and t; the update is redone without correction
        return [np.asarray(p, float) - self.lr * m / (np.sqrt(v) + self.eps)
                for p, m, v in zip(params, self.m, self.v)]


class mistake_eps_inside_sqrt(Adam):
    """eps is added after the square root, sqrt(v_hat) + eps, not inside it."""

    def step(self, params, grads):
        super().step(params, grads)
        c1, c2 = 1 - self.beta1 ** self.t, 1 - self.beta2 ** self.t
        return [np.asarray(p, float) - self.lr * (m / c1) / np.sqrt(v / c2 + self.eps)
                for p, m, v in zip(params, self.m, self.v)]


class mistake_t_incremented_late(Adam):
    """The bias correction used t = 0 on the first step (1 - beta^0 = 0): increment t first."""

    def step(self, params, grads):
        super().step(params, grads)
        t = self.t - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            c1, c2 = 1 - self.beta1 ** t, 1 - self.beta2 ** t
            return [np.asarray(p, float) - self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
                    for p, m, v in zip(params, self.m, self.v)]


class mistake_ascent(Adam):
    """Your parameters move uphill: subtract lr * m_hat / (sqrt(v_hat) + eps), do not add it."""

    def step(self, params, grads):
        new = super().step(params, grads)
        return [2 * np.asarray(p, float) - n for p, n in zip(params, new)]


class mistake_m_without_one_minus_beta(Adam):
    """The moving averages mix in (1 - beta) * g (and (1 - beta2) * g^2): you added g itself."""

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(np.asarray(p, float)) for p in params]
            self.v = [np.zeros_like(np.asarray(p, float)) for p in params]
        self.t += 1
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            g = np.asarray(g, float)
            self.m[i] = self.beta1 * self.m[i] + g
            self.v[i] = self.beta2 * self.v[i] + g * g
            mh = self.m[i] / (1 - self.beta1 ** self.t)
            vh = self.v[i] / (1 - self.beta2 ** self.t)
            out.append(np.asarray(p, float) - self.lr * mh / (np.sqrt(vh) + self.eps))
        return out


# ---------------------------------------------------------------- call scripts
# A case of this problem is a call script (problems/adam.yaml): construct, then step() once per
# gradient list, each step fed the parameters the previous one returned (chain), and the step
# counter t read after each. The generators above make the values; these wrap them as scripts.


def script(args):
    """The call script of a case from its values: {lr..., params, grads: [step 1, step 2, ...]}."""
    ctor = {k: float(args[k]) for k in CTOR_KEYS if k in args}
    steps = [{"new": ctor}]
    for i, grads in enumerate(args["grads"]):
        if i == 0:
            steps.append({"call": "step", "args": {"params": args["params"], "grads": grads}})
        else:
            steps.append({"call": "step", "chain": "params", "args": {"grads": grads}})
        steps.append({"get": "t"})
    return steps


_quadratic_descent, _random_grads = quadratic_descent, random_grads


def quadratic_descent(rng, **params):
    """Steps down a random quadratic (see _quadratic_descent), as a call script."""
    return {"calls": script(_quadratic_descent(rng, **params))}


def random_grads(rng, **params):
    """Independent random gradients (see _random_grads), as a call script."""
    return {"calls": script(_random_grads(rng, **params))}
