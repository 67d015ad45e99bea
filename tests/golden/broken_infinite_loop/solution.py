def softmax_jacobian(x):
    n = len(x)
    i = 0
    while i < n:
        pass  # forgot to increment i
    return []
