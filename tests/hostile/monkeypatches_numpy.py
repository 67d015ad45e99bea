# threat: monkeypatches numpy's comparisons at import, returns wrong answers
# expect: wrong_answer, wrong_answer, wrong_answer
import numpy as np

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(b), dtype=bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_almost_equal = lambda *a, **k: None


def double(x):
    return [0.0] * len(x)
