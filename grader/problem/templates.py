"""What ``grader new ID --kind K`` writes: a spec whose comments teach the format, a reference to
fill in (with a generator), and one known-verdict submission, for each kind of exercise.

Kinds: ``array`` (the default: a vector in, a vector out), ``scalar`` (one number out),
``structured`` (a tuple of named parts), ``class`` (a class driven by a call script), ``random``
(a numpy Generator argument under a seed contract). Every template is ``str.format``-ed with
``id``, ``title`` and ``cls`` (the id in CamelCase).
"""

from __future__ import annotations

KINDS = ("array", "scalar", "structured", "class", "random")

_HEAD = """\
# {id}: a problem for grader. Every key is described in docs/authoring.md; unknown keys are
# errors. Check the problem with:  grader check {id}
id: {id}                        # = the file name
title: {title}
"""
_LIMITS = """\
limits:
  time_total: 15s               # time_per_case is derived from the reference when omitted
  memory: 1GiB
"""
_GENERATED = """\
generated:                      # hidden cases made by a function of the reference
  - name: random vectors
    generator: random_vector    # reference/{id}.py: random_vector(rng, **params) -> args
    params: {{n: [2, 20], scale: 3.0}}
    count: 10
    seed: 1                     # case k uses numpy.random.default_rng([seed, k])
"""

SPECS = {
    "array": _HEAD
    + """\
entry_point: {id}               # the function learners define
signature: "{id}(x: list[float]) -> list[float]"
arguments:                      # name: type, in call order (float, int, bool, str, none, list,
  x: list                       # nested, dict, ndarray, ndarrays, any, generator, or a union)
statement: |                    # Markdown, shown by `grader show {id}`
  Say what {id}(x) must return, for which inputs, and how it is checked: an entry passes when
  |got - expected| <= 1e-4 (so values rounded to 4 decimals pass).
"""
    + _LIMITS
    + """\
check:                          # the comparison rule; a case may override it with its own check
  atol: 1.0e-4
  rtol: 0.0
examples:                       # learners see inputs, expected values and what they returned
  - name: first example
    args: {{x: [1.0, 2.0, 3.0]}}
    # expected: [...]           # optional: the value you publish, checked against the reference
hidden:                         # learners see names, verdicts and times only
  - name: single value
    args: {{x: [5.0]}}
  - name: large values
    args: {{x: [1000.0, 1001.0, 1002.0]}}
    weight: 2                   # points of this case (default 1)
"""
    + _GENERATED,
    "scalar": _HEAD
    + """\
entry_point: {id}
signature: "{id}(x: numpy.ndarray) -> float"
arguments:
  x: ndarray                    # passed as a numpy array (dtype: float64 to fix its type)
result: float                   # one number: a float, a numpy scalar or a 0-d array; an array
                                # where a number is expected (or the reverse) is wrong_shape
statement: |
  Say what number {id}(x) returns. It passes when |got - expected| <= 1e-6.
"""
    + _LIMITS
    + """\
check: {{atol: 1.0e-6, rtol: 0.0}}
examples:
  - name: three values
    args: {{x: [1.0, 2.0, 3.0]}}
hidden:
  - {{name: one value, args: {{x: [5.0]}}}}
  - {{name: negative values, args: {{x: [-1.0, -2.5, 0.0]}}}}
"""
    + _GENERATED,
    "structured": _HEAD
    + """\
entry_point: {id}
signature: "{id}(x: numpy.ndarray, scale: float = 1.0) -> tuple[float, numpy.ndarray]"
arguments:
  x: ndarray
  scale: {{type: float, default: 1.0}}   # a case may omit it (the function's default is used)
result:                         # a tuple of named parts, each compared on its own; messages say
  tuple:                        # which part is wrong: result[1] (gradient): 2 of 5 entries differ
    - {{name: value, type: float}}
    - {{name: gradient, type: float, check: {{atol: 1.0e-5}}}}
statement: |
  Return (value, gradient): say what each part is. Parts pass within 1e-6 (the gradient 1e-5).
"""
    + _LIMITS
    + """\
check: {{atol: 1.0e-6, rtol: 0.0}}
examples:
  - name: three values
    args: {{x: [1.0, 2.0, 3.0]}}
hidden:
  - {{name: scale given by name, args: {{x: [1.0, -1.0], scale: 0.5}}}}
  - {{name: one value, args: {{x: [4.0]}}}}
"""
    + _GENERATED,
    "class": _HEAD
    + """\
entry_point: {cls}              # a class: each case constructs it and calls its methods
signature: "class {cls}: __init__(start=0.0); add(x) -> float; count: int"
arguments:                      # the constructor's arguments
  start: {{type: float, default: 0.0}}
methods:                        # what a call script may call; returns: what is checked
  add: {{args: {{x: float}}, returns: float}}
attributes:                     # what a script may read and check after a call
  count: int
statement: |
  Say what the class keeps, what each method does and returns. Values pass within 1e-9.
"""
    + _LIMITS
    + """\
check: {{atol: 1.0e-9, rtol: 0.0}}
examples:
  - name: three additions
    calls:                      # the call script: new first, then call and get steps
      - new: {{}}
      - {{call: add, args: {{x: 1.0}}}}
      - {{call: add, args: {{x: 2.5}}, repeat: 2}}   # the same call twice, both checked
      - get: count              # an attribute, checked after the calls before it
hidden:
  - name: a start value
    calls:
      - new: {{start: 10.0}}
      - {{call: add, args: {{x: -4.0}}}}
      - get: count
"""
    + """\
generated:
  - {{name: random additions, generator: random_script, params: {{n: 6}}, count: 5, seed: 1}}
""",
    "random": _HEAD
    + """\
entry_point: {id}
signature: "{id}(x: numpy.ndarray, scale: float, rng: numpy.random.Generator) -> numpy.ndarray"
arguments:
  x: ndarray
  scale: float
  rng: generator                # numpy.random.default_rng(seed): the case's seed, or the
                                # integer the case gives; random and numpy.random are seeded too
seed: 0                         # every case's seed unless it sets its own (seed: N)
statement: |
  A seed contract makes a random answer checkable: say exactly what to draw from rng, in which
  order. Here: noise = rng.standard_normal(x.shape); return x + scale * noise. Entries pass
  within 1e-8. (Random by design with no contract? Compare by properties: see
  docs/authoring.md.)
"""
    + _LIMITS
    + """\
check: {{atol: 1.0e-8, rtol: 0.0}}
examples:
  - name: three values
    args: {{x: [0.0, 1.0, 2.0], scale: 0.5, rng: 7}}   # rng: 7 -> default_rng(7)
hidden:
  - name: the case's seed
    args: {{x: [1.0, 1.0], scale: 2.0}}                # rng omitted: default_rng(seed)
    seed: 11
"""
    + _GENERATED.replace("random_vector    #", "random_vector_scale  #").replace(
        "{{n: [2, 20], scale: 3.0}}", "{{n: [2, 20]}}"
    ),
}

_REF_HEAD = '''\
"""Reference solution and case generators for ``{id}``.

The grader computes every expected value from the reference (unrounded), so make it exact and
numerically stable. Known-verdict submissions live in reference/{id}/<verdict>/ (accepted,
wrong_answer, wrong_shape, invalid_output, runtime_error, ...): ``grader check`` proves each
gets its verdict. Known mistakes are functions (a class problem: classes) named
``mistake_<name>`` with the entry point's arguments; their docstring is the hint.
"""

import numpy as np

'''
_VECTOR = '''

def random_vector(rng, n, scale):
    """A vector of random length in n = [low, high], normal with standard deviation ``scale``."""
    low, high = n
    return {{"x": (rng.standard_normal(int(rng.integers(low, high + 1))) * scale).tolist()}}
'''

REFERENCES = {
    "array": _REF_HEAD
    + '''
def {id}(x):
    """The reference solution."""
    raise NotImplementedError("write the reference solution of {id}")
'''
    + _VECTOR,
    "scalar": _REF_HEAD
    + '''
def {id}(x):
    """The reference solution: return one number (a float)."""
    raise NotImplementedError("write the reference solution of {id}")
'''
    + _VECTOR,
    "structured": _REF_HEAD
    + '''
def {id}(x, scale=1.0):
    """The reference solution: return (value, gradient). The default of scale is the spec's."""
    raise NotImplementedError("write the reference solution of {id}")
'''
    + _VECTOR,
    "class": _REF_HEAD
    + '''
class {cls}:
    """The reference solution."""

    def __init__(self, start=0.0):
        raise NotImplementedError("write the reference solution of {cls}")

    def add(self, x):
        raise NotImplementedError("write the reference solution of {cls}.add")


def random_script(rng, n):
    """A call script: construct, then n additions of random values, then read count."""
    steps = [{{"new": {{"start": float(rng.normal())}}}}]
    steps += [{{"call": "add", "args": {{"x": float(x)}}}} for x in rng.normal(size=n)]
    return {{"calls": steps + [{{"get": "count"}}]}}
''',
    "random": _REF_HEAD
    + '''
def {id}(x, scale, rng):
    """The reference solution: draw exactly as the statement's seed contract says."""
    raise NotImplementedError("write the reference solution of {id}")


def random_vector_scale(rng, n):
    """A vector of random length in n = [low, high] and a scale; rng is left to the case seed."""
    low, high = n
    size = int(rng.integers(low, high + 1))
    return {{"x": rng.standard_normal(size).tolist(), "scale": float(rng.uniform(0.1, 2.0))}}
''',
}

KNOWN = {
    "array": ("invalid_output/returns_nothing.py", "def {id}(x):\n    result = x\n"),
    "scalar": ("invalid_output/returns_nothing.py", "def {id}(x):\n    result = x\n"),
    "structured": (
        "wrong_shape/value_only.py",
        "import numpy as np\n\n\ndef {id}(x, scale=1.0):\n"
        "    return float(np.sum(x))  # one number where (value, gradient) is expected\n",
    ),
    "class": (
        "runtime_error/no_methods.py",
        "class {cls}:\n    def __init__(self, start=0.0):\n        self.start = start\n",
    ),
    "random": (
        "invalid_output/returns_nothing.py",
        "def {id}(x, scale, rng):\n    result = x\n",
    ),
}
