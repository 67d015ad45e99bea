# One query at a time with plain Python lists; returns lists of lists.
import math


def attention(Q, K, V, mask=None):
    Q, K, V = Q.tolist(), K.tolist(), V.tolist()
    d_k = len(K[0])
    out, weights = [], []
    for i, q in enumerate(Q):
        s = [sum(a * b for a, b in zip(q, k)) / math.sqrt(d_k) for k in K]
        if mask is not None:
            s = [v + float(mask[i][j]) for j, v in enumerate(s)]
        top = max(s)
        e = [math.exp(v - top) for v in s]
        tot = sum(e)
        w = [v / tot for v in e]
        weights.append(w)
        out.append([sum(w[j] * V[j][c] for j in range(len(V))) for c in range(len(V[0]))])
    return out, weights
