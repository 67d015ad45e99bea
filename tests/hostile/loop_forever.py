# threat: loops forever inside the function
# expect: time_limit, time_limit, not_run
def double(x):
    while True:
        pass
