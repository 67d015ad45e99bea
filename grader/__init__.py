"""grader: a local autograder for numeric coding exercises.

``grader.grade.grade(path)`` grades one submission and returns a ``Result``; the CLI
(``grader.cli``) is a thin layer over it.
"""

__version__ = "0.1.0"
