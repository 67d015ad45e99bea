# Correct but different: through the SVD of the centred data, then every other component is
# negated on purpose. Eigenvectors are only defined up to sign, so this must be accepted.
import numpy as np


def pca(X, k):
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    comps = Vt[:k].T.copy()
    # make the sign deterministic, then flip components 0, 2, 4, ... relative to that
    big = np.argmax(np.abs(comps), axis=0)
    comps *= np.sign(comps[big, np.arange(comps.shape[1])])
    comps[:, ::2] *= -1
    return comps, s[:k] ** 2 / (X.shape[0] - 1)
