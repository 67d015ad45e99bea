# threat: loops forever while the file is imported
# error: time_limit
while True:
    pass


def double(x):
    return [2 * v for v in x]
