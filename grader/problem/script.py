"""Call scripts of class problems: the steps a case takes, checked against the declarations.

A script is a list of steps, as written in a spec (``calls:``) or returned by a generator
(``{"calls": [...]}``)::

    - new: {params: [1.0, 2.0], lr: 0.1}     # construct (first, once)
    - call: step                            # a declared method, with its arguments
      args: {grads: [0.5, -0.5]}
      repeat: 3                             # optional: the same call 3 times
      check: false                          # optional: do not check what it returns
    - call: step
      chain: params                         # optional: params = what the previous call returned
      args: {grads: [0.1, 0.2]}             # (a list of names: its items, in order)
    - get: params                           # a declared attribute, checked

Several objects (an autograd ``Value`` graph): ``new`` steps after the first need ``as: name``;
``call`` and ``get`` act on ``self: name`` (default: the first object); ``refs: {other: b}``
passes the object named ``b`` as an argument; ``as: name`` on a call names what it returned::

    - {new: {data: 2.0}, as: a}
    - {new: {data: 3.0}, as: b}
    - {call: __mul__, self: a, refs: {other: b}, as: c}
    - {call: backward, self: c}
    - {get: grad, self: a}

The result of a case is the tuple of what it checks, in order: each call whose method declares
``returns`` (unless ``check: false``) and each ``get``. Parts are named after the step
(``step() #2``, ``params after step() #2``), so messages say which call went wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grader.model import Part, Tolerance
from grader.problem.kinds import Argument, Chained, Error, Method, call_entries

MAX_PARTS = 2048  # = codec.MAX_PARTS: parts a result may hold (numpy is not loaded here)
MAX_STEPS = MAX_PARTS  # steps a script runs, repeats counted

ROOT = "calls"  # the name of a script result's root part: its parts are named by their step
STEP_KEYS = {
    "new": ("new", "as"),
    "call": ("call", "self", "args", "refs", "chain", "as", "repeat", "check"),
    "get": ("get", "self"),
}


@dataclass(frozen=True)
class _Step:
    op: str
    name: str  # the method or attribute ("" for new)
    entries: list[Any]  # [args, kwargs] as the worker builds them
    repeat: int = 1
    checked: bool = True
    on: str | None = None  # the object it acts on (None: the first constructed)
    named: str | None = None  # ``as``: the name given to what it made or returned


def build(
    steps: Any,
    arguments: Mapping[str, Argument],
    methods: Mapping[str, Method],
    attributes: Mapping[str, Part],
    base: Tolerance,
) -> tuple[list[list[Any]], Part] | Error:
    """(the script as the worker runs it, the structure of its result), or an Error whose path
    leads to the step at fault."""
    if not isinstance(steps, list) or not steps:
        return Error("expected a non-empty list of steps (new, call, get)")
    script: list[list[Any]] = []
    parts: list[Part] = []
    calls: dict[str, int] = {}
    names: set[str] = set()
    last = "construction"
    for i, raw in enumerate(steps):
        if isinstance(raw, dict) and "chain" in raw and not calls:
            return Error("there is no previous call to chain from", (i, "chain"))
        step = _step(raw, i, arguments, methods, attributes, names)
        if isinstance(step, Error):
            return step.inside(i)
        if step.named:
            names.add(step.named)
        who = f"{step.on}." if step.on else ""
        if step.op == "new":
            script.append(["new", *step.entries, step.named])
        elif step.op == "get":
            script.append(["get", step.name, step.on])
            parts.append(_named(attributes[step.name], f"{who}{step.name} after {last}"))
        else:
            returns = methods[step.name].returns
            checked = bool(step.checked and returns)
            if len(script) + step.repeat > MAX_STEPS or (
                checked and len(parts) + step.repeat >= MAX_PARTS
            ):
                return Error(
                    f"the script would run more than {MAX_STEPS} steps or check more than "
                    f"{MAX_PARTS - 1} values: lower repeat",
                    (i, "repeat") if step.repeat > 1 else (i,),
                )
            for _ in range(step.repeat):
                key = who + step.name
                calls[key] = calls.get(key, 0) + 1
                last = f"{key}() #{calls[key]}"
                script.append(["call", step.name, *step.entries, checked, step.on, step.named])
                if checked and returns is not None:
                    parts.append(_named(returns, last))
    if not parts:
        return Error("the script checks nothing: add a get step, or call a method that returns")
    return script, Part("tuple", ROOT, base, tuple(parts))


def _named(part: Part, name: str) -> Part:
    return Part(part.kind, name, part.check, part.parts)


def _step(
    step: Any,
    i: int,
    arguments: Mapping[str, Argument],
    methods: Mapping[str, Method],
    attributes: Mapping[str, Part],
    names: set[str],
) -> _Step | Error:
    if not isinstance(step, dict):
        return Error("a step is a mapping: {new: ...}, {call: ...} or {get: ...}")
    ops = [op for op in STEP_KEYS if op in step]
    if len(ops) != 1:
        return Error("a step has exactly one of new, call, get")
    op = ops[0]
    for key in step:
        if key not in STEP_KEYS[op]:
            return Error(f"unknown key; known keys: {', '.join(STEP_KEYS[op])}", (str(key),))
    if i == 0 and op != "new":
        return Error("the script starts with new (the constructor)")
    named = step.get("as")
    if named is not None and (not isinstance(named, str) or not named.isidentifier()):
        return Error("expected a name (an identifier)", ("as",))
    if named is not None and named in names:
        return Error(f"the name {named!r} is already used by an earlier step", ("as",))
    on = step.get("self")  # ``on`` would be read as true by YAML 1.1
    if on is not None and on not in names:
        known = ", ".join(sorted(names)) or "none named with as"
        return Error(f"unknown object {on!r}; objects: {known}", ("self",))
    if op == "new":
        if i and not named:
            return Error("a second object needs a name: add as: <name>", ("new",))
        given = step["new"] if step["new"] is not None else {}
        found = _entries(arguments, given, "new", {})
        return found if isinstance(found, Error) else _Step(op, "", found, named=named)
    name = step[op]
    if op == "get":
        if name not in attributes:
            known = ", ".join(attributes) or "none declared"
            return Error(f"unknown attribute {name!r}; attributes: {known}", ("get",))
        return _Step(op, name, [], on=on)
    if name not in methods:
        return Error(f"unknown method {name!r}; methods: {', '.join(methods)}", ("call",))
    repeat = step.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        return Error("expected an integer >= 1", ("repeat",))
    checked = step.get("check", True)
    if not isinstance(checked, bool):
        return Error("expected true or false", ("check",))
    if checked and "check" in step and methods[name].returns is None:
        return Error(f"{name}() declares no returns: there is nothing to check", ("check",))
    given = step.get("args") or {}
    if not isinstance(given, dict):
        return Error("expected a mapping of argument name -> value", ("args",))
    linked = _links(step, methods[name].arguments, given, names)
    if isinstance(linked, Error):
        return linked
    found = _entries(methods[name].arguments, given, "args", linked)
    if isinstance(found, Error):
        return found
    return _Step(op, name, found, repeat, checked, on, named)


def _links(
    step: dict[str, Any], declared: Mapping[str, Argument], given: dict[str, Any], names: set[str]
) -> dict[str, Any] | Error:
    """Arguments that are what the previous call returned (``chain``) or a named object
    (``refs``)."""
    out: dict[str, Any] = {}
    chain = step.get("chain", [])
    chained = [chain] if isinstance(chain, str) else chain
    if not isinstance(chained, list) or not all(isinstance(n, str) for n in chained):
        return Error("expected an argument name or a list of them", ("chain",))
    for k, name in enumerate(chained):
        out[name] = Chained(None if isinstance(chain, str) else k)
    refs = step.get("refs", {})
    if not isinstance(refs, dict):
        return Error("expected a mapping of argument name -> object name", ("refs",))
    for name, target in refs.items():
        if target not in names:
            known = ", ".join(sorted(names)) or "none named with as"
            return Error(f"unknown object {target!r}; objects: {known}", ("refs", str(name)))
        out[name] = Chained(None, str(target))
    for name in out:
        if name not in declared:
            return Error(
                f"no argument {name!r} is declared", ("refs" if name in refs else "chain",)
            )
        if name in given:
            return Error(f"{name!r} is given in args too", ("args", name))
    return out


def _entries(
    arguments: Mapping[str, Argument], given: Any, key: str, linked: dict[str, Any]
) -> list[Any] | Error:
    if not isinstance(given, dict):
        return Error("expected a mapping of argument name -> value", (key,))
    found = call_entries(arguments, {**given, **linked})
    if isinstance(found, Error):
        return found.inside(key)
    return [found[0], found[1]]
