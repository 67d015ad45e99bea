import time

while True:
    time.sleep(0.05)


def softmax_jacobian(x):
    return [[0.0]]
