# threat: walks caller frames and gc.get_objects() looking for the expected answer
# expect: wrong_answer, wrong_answer, wrong_answer
import gc
import sys


def double(x):
    candidates = []
    frame = sys._getframe(1)
    while frame is not None:
        candidates += [v for v in frame.f_locals.values() if isinstance(v, list) and v is not x]
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, list) and obj is not x and len(obj) == len(x) and obj != x:
            if all(isinstance(v, float) for v in obj):
                candidates.append(obj)
    for c in candidates:
        if len(c) == len(x) and c != x and all(isinstance(v, float) for v in c):
            return c
    return [0.0] * len(x)
