# threat: returns an object whose __eq__ is always true
# expect: invalid_output, invalid_output, invalid_output
class Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


def double(x):
    return Anything()
