"""Reference solution, case generators and checkers for ``dropout`` (inverted dropout).

Seed contract: the caller passes a numpy Generator `rng` (numpy.random.default_rng(seed)); the
solution draws exactly one array u = rng.random(x.shape) (uniform in [0, 1), C order) and keeps
entry i when u_i >= p. Kept entries are scaled by 1 / (1 - p), dropped ones are 0.
Returns the output array (shape of x). p is in [0, 1).
"""

import numpy as np

HINTS = {
    "nonfinite": "p = 1 is never used; check the scale 1 / (1 - p) and any division by a mask",
}


def dropout(x, p, rng):
    x = np.asarray(x, dtype=np.float64)
    keep = rng.random(x.shape) >= p
    return np.where(keep, x / (1.0 - p), 0.0)


# ---------------------------------------------------------------- generators
# The argument `rng` is given as an integer seed; the harness turns it into
# numpy.random.default_rng(seed) for the reference and for the submission alike.


def activations(rng, shape, p):
    """Random activations of the given shape (nonzero), drop probability p, a seed for rng."""
    x = rng.standard_normal(tuple(shape)) + 0.1
    x[x == 0] = 1.0
    return {"x": x, "p": float(p), "rng": int(rng.integers(0, 2**31 - 1))}


def random_p(rng, shape):
    """Like activations, with p drawn uniformly from [0.05, 0.95]."""
    return activations(rng, shape, float(rng.uniform(0.05, 0.95)))


# ---------------------------------------------------------------- mode B: properties over the
# draw, for a checker that does not rely on the seed contract (declare one mode in the spec)


def check_dropout_distribution(got, expected, args):
    """Seed-free check: every entry is 0 or x / (1 - p), and the fraction of dropped entries
    (among nonzero x) is within 4.5 binomial standard deviations of p. Returns (ok, message)."""
    x = np.asarray(args["x"], dtype=np.float64)
    p = float(args["p"])
    g = np.asarray(got, dtype=np.float64)
    if g.shape != x.shape:
        return False, f"shape {g.shape}, expected {x.shape}"
    if not np.all(np.isfinite(g)):
        return False, "NaN or inf in the result"
    kept = np.isclose(g, x / (1 - p), rtol=1e-9, atol=1e-12)
    dropped = np.abs(g) <= 1e-12
    if not np.all(kept | dropped):
        return False, "some entries are neither 0 nor x / (1 - p)"
    nz = x != 0
    n = int(nz.sum())
    if n:
        frac = float(np.mean(dropped[nz] & ~kept[nz]))
        sd = np.sqrt(p * (1 - p) / n)
        if abs(frac - p) > 4.5 * sd + 1e-12:
            return False, f"{frac:.3f} of the entries were dropped; expected about p = {p:g}"
    return True, ""


# ---------------------------------------------------------------- known mistakes


def mistake_keep_probability_swapped(x, p, rng):
    """You kept each entry with probability p: p is the probability of DROPPING it (keep when
    u >= p)."""
    x = np.asarray(x, dtype=np.float64)
    keep = rng.random(x.shape) < p
    return np.where(keep, x / (1.0 - p), 0.0)


def mistake_not_rescaled(x, p, rng):
    """Inverted dropout scales the kept entries by 1 / (1 - p), so the expected output equals x;
    yours are not rescaled."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(rng.random(x.shape) >= p, x, 0.0)


def mistake_scaled_by_p(x, p, rng):
    """Kept entries are divided by the KEEP probability 1 - p, not by p."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(rng.random(x.shape) >= p, x / p, 0.0)


def mistake_strict_inequality_flipped(x, p, rng):
    """The contract keeps an entry when u >= p; you kept it when u > 1 - p (a different mask for
    the same seed): draw u = rng.random(x.shape) and keep u >= p."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(rng.random(x.shape) > 1 - p, x / (1.0 - p), 0.0)


def mistake_ignores_seed_contract(x, p, rng):
    """Your mask is random but not the one the seed contract defines: draw exactly
    u = rng.random(x.shape) and keep the entries with u >= p (rng.binomial or rng.choice consume
    the stream differently)."""
    x = np.asarray(x, dtype=np.float64)
    return x * rng.binomial(1, 1 - p, size=x.shape) / (1 - p)


def mistake_global_random_state(x, p, rng):
    """You drew from numpy's global random state: use the Generator passed as `rng`
    (rng.random(x.shape)), so the mask is reproducible."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(np.random.random(x.shape) >= p, x / (1.0 - p), 0.0)


# ---------------------------------------------------------------- properties


def property_entries_zero_or_scaled(x, p, rng, result):
    """Every output entry is either 0 (dropped) or x / (1 - p) (kept); some of yours are neither."""
    r = np.asarray(result, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if r.shape != x.shape:
        return True
    return bool(np.all(np.isclose(r, x / (1 - p), rtol=1e-9, atol=1e-12) | (np.abs(r) <= 1e-12)))


def property_drop_fraction_near_p(x, p, rng, result):
    """About a fraction p of the entries should be dropped; yours drops a very different fraction
    (is p the drop probability in your code?)."""
    r = np.asarray(result, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if r.shape != x.shape or x.size < 100:
        return True
    nz = x != 0
    frac = float(np.mean(np.abs(r[nz]) <= 1e-12))
    return abs(frac - p) <= 4.5 * np.sqrt(p * (1 - p) / nz.sum()) + 1e-12
