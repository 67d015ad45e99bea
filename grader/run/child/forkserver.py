"""The fork server's entry point: ``python -I -S forkserver.py --ctl-fd N --plan JSON``.

The server itself is ``server.py`` (its protocol is described there), loaded from its compiled
form: a script is compiled again on every start, a module once. Before it loads (and imports
numpy), the server starts moving itself into its container, beside the import: the kernel takes
milliseconds to move a process, and every worker forked later is born inside. Standard library
only, like everything in this folder.
"""

from __future__ import annotations

import json
import sys
import threading
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path


def _enter_container(procs: list[str], done: list[bool]) -> None:
    """Move this process into its container (``cgroup.procs`` files, as seen from here)."""
    try:
        for path in procs:
            with open(path, "w") as f:
                f.write("0")
        done.append(bool(procs))
    except OSError:
        done.append(False)


def _without_site(path: list[str]) -> None:
    """Started with ``-S`` (``site`` and its .pth files cost a start tens of milliseconds): the
    package folders the grader named (``launch.search_path``: site-packages and what their .pth
    files add, never the grader's working directory or PYTHONPATH), and the builtins ``site``
    adds (``exit``, ``quit``, ``help``, ...: a submission may call them)."""
    sys.path += [p for p in path if p not in sys.path]
    import site

    site.setquit()
    site.setcopyright()
    site.sethelper()


def main(argv: list[str]) -> None:
    plan = json.loads(argv[argv.index("--plan") + 1]) if "--plan" in argv else {}
    if sys.flags.no_site:
        _without_site(plan.get("path", []))
    contained: list[bool] = []
    entering = threading.Thread(target=_enter_container, args=(plan.get("cgroup", []), contained))
    entering.start()
    spec = spec_from_file_location("server", Path(__file__).with_name("server.py"))
    assert spec is not None and spec.loader is not None
    server = module_from_spec(spec)
    spec.loader.exec_module(server)  # numpy and the worker, imported once for every fork
    entering.join()  # in its container (or not) before it forks anything
    server.main(argv, plan, bool(contained and contained[0]))


if __name__ == "__main__":
    main(sys.argv)
