"""The ``grader`` command: parse arguments, call the library, map the outcome to an exit status.

Exit statuses (contract): 0 accepted, 1 graded and not accepted, 2 usage error / unknown problem /
invalid spec / unreadable file, 3 internal error of the grader. No traceback is ever shown unless
``GRADER_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from grader import __version__, console, files
from grader.errors import UsageError
from grader.model import GRADESCOPE_VISIBILITY, SANDBOX_MODES, Exit, Status
from grader.problem.templates import KINDS  # the kinds of ``grader new``: strings only

FORMATS = ("text", "json", "md", "gradescope", "junit")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"grader: error: {message}", file=sys.stderr)
        raise SystemExit(Exit.USAGE)


def _grading_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("submission", type=Path, metavar="SUBMISSION")
    command.add_argument(
        "--problem",
        metavar="ID",
        help="the problem to grade against (default: the one whose entry point the file defines)",
    )
    _problems_option(command)
    command.add_argument(
        "--format", choices=FORMATS, default="text", help="what to print on stdout (default: text)"
    )
    _report_options(command, "the HTML report", "beside the submission")
    _sandbox_option(command)
    command.add_argument(
        "--hidden-visibility",
        choices=GRADESCOPE_VISIBILITY,
        default=GRADESCOPE_VISIBILITY[0],
        help="when Gradescope shows hidden cases to students (--format gradescope)",
    )


def _report_options(command: argparse.ArgumentParser, what: str, default: str) -> None:
    where = command.add_mutually_exclusive_group()
    where.add_argument(
        "--report",
        type=Path,
        metavar="FILE.html",
        help=f"where to write {what} (default: {default})",
    )
    where.add_argument("--no-report", action="store_true", help=f"do not write {what}")


def _problems_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--problems",
        type=Path,
        metavar="DIR",
        help="a folder of problem specs over the shipped ones (default: $GRADER_PROBLEMS, "
        "else the nearest problems/ upwards)",
    )


def _sandbox_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--sandbox",
        choices=SANDBOX_MODES,
        default="auto",
        help="isolation: 'on' requires bubblewrap, 'auto' the best there is, 'portable' any OS",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="grader", description="Grade numeric coding exercises locally.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _learner_commands(commands)
    batch = commands.add_parser("batch", help="grade a folder of submissions, one per learner")
    batch.add_argument("folder", type=Path, metavar="DIR")
    batch.add_argument("--problem", metavar="ID", required=True)
    batch.add_argument(
        "--jobs", type=int, metavar="N", help="submissions graded at once (default: the cores)"
    )
    batch.add_argument(
        "--out",
        type=Path,
        metavar="FILE.csv",
        help="the CSV, one row per learner (default: gradebook.csv)",
    )
    batch.add_argument("--gradebook", type=Path, metavar="PATH")
    _sandbox_option(batch)
    _report_options(batch, "the class report", "beside the CSV, <csv stem>.html")
    listing = commands.add_parser("list", help="list the problems")
    show = commands.add_parser("show", help="a problem's statement, signature, examples, limits")
    show.add_argument("id", metavar="ID")
    show.add_argument("--starter", type=Path, metavar="FILE", help="also write a starter file")
    new = commands.add_parser("new", help="scaffold a new problem and its reference")
    new.add_argument("id", metavar="ID")
    new.add_argument("--kind", choices=KINDS, default="array", help="the kind of exercise")
    export = commands.add_parser("export", help="package a problem for another platform")
    export.add_argument("target", choices=("gradescope",))
    export.add_argument("id", metavar="ID")
    export.add_argument("--out", type=Path, metavar="FILE.zip", help="default: autograder.zip")
    check = commands.add_parser("check", help="prove problems sound (all when none is given)")
    check.add_argument("ids", nargs="*", metavar="ID")
    check.add_argument("--format", choices=("text", "json"), default="text")
    _sandbox_option(check)
    for sub in (batch, listing, show, new, check, export):
        _problems_option(sub)
    return parser


def _learner_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    """grade, submit, history, watch, start, progress, next, hint."""
    grade = commands.add_parser("grade", help="grade a solution file and write an HTML report")
    submit = commands.add_parser("submit", help="grade, and record the attempt in the gradebook")
    for command in (grade, submit):
        _grading_options(command)
    submit.add_argument("--learner", help="who submits (default: the OS user)")
    submit.add_argument(
        "--gradebook",
        type=Path,
        metavar="PATH",
        help="the gradebook database (default: .grader/gradebook.sqlite)",
    )
    history = commands.add_parser("history", help="recorded attempts and the best scores")
    history.add_argument("--problem", metavar="ID")
    history.add_argument("--learner")
    history.add_argument("--gradebook", type=Path, metavar="PATH")
    watch = commands.add_parser("watch", help="grade a file now and again on every save")
    watch.add_argument("submission", type=Path, metavar="SUBMISSION")
    watch.add_argument("--problem", metavar="ID", help="the problem (default: detected)")
    _sandbox_option(watch)
    start = commands.add_parser("start", help="create a workspace: a starter file per problem")
    start.add_argument("folder", type=Path, nargs="?", default=Path("."), metavar="DIR")
    progress = commands.add_parser("progress", help="where you stand in the course")
    after = commands.add_parser("next", help="the next problem to work on, and its file")
    hint = commands.add_parser("hint", help="the next hint of a problem (recorded)")
    hint.add_argument("id", metavar="ID")
    for sub in (progress, after, hint):
        sub.add_argument("--learner", help="who (default: the OS user)")
        sub.add_argument("--gradebook", type=Path, metavar="PATH")
    for sub in (watch, start, progress, after, hint):
        _problems_option(sub)


def main(argv: Sequence[str] | None = None) -> int:
    console.prepare(sys.stdout, sys.stderr)  # no encoding error, whatever the console
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help(sys.stderr)
        return Exit.USAGE
    try:
        command = {
            "grade": _grade,
            "submit": _grade,
            "history": _history,
            "batch": _batch,
            "list": _list,
            "show": _show,
            "new": _new,
            "check": _check,
            "export": _export,
            "watch": _watch,
            "start": _start,
            "progress": _progress,
            "next": _progress,
            "hint": _progress,
        }
        return command[args.command](args)
    except UsageError as exc:
        print(f"grader: error: {exc}", file=sys.stderr)
        return Exit.USAGE
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of the grader itself: say so plainly, exit 3
        if os.environ.get("GRADER_DEBUG") == "1":
            raise
        print(
            f"grader: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in the grader, not in your code; rerun with GRADER_DEBUG=1 "
            "for details.",
            file=sys.stderr,
        )
        return Exit.INTERNAL


def run() -> None:
    """The console script: ``main``, then exit at once.

    Every file is written and every process ended by the time ``main`` returns; what is left is
    the interpreter's teardown of numpy and the rest, which a one-shot command need not wait for.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or Exit.INTERNAL
    os._exit(code)


def _grade(args: argparse.Namespace) -> int:
    from grader.cache import probe_sandbox
    from grader.run import capabilities
    from grader.run.sandbox import Sandbox

    capabilities.private_memory()  # it holds expected values: not even a uid-0 worker reads it
    probe_sandbox(args.sandbox)  # remembered: no probe process before the worker's
    sandbox = Sandbox(args.sandbox)  # first, so that the worker boots while the grader loads
    from grader.pipeline import grade

    result = grade(args.submission, args.problem, args.problems, sandbox)
    if args.command == "submit":
        from grader.course.gradebook import record_attempt

        attempt, where = record_attempt(args.submission, result, args.learner, args.gradebook)
        print(f"Recorded attempt #{attempt} in {where}", file=sys.stderr)
    report_path = None
    if not args.no_report:
        report_path = args.report or args.submission.with_name(
            f"{args.submission.stem}.report.html"
        )
        try:
            from grader.report import html

            html.write(result, report_path)
        except OSError as exc:
            print(f"grader: warning: cannot write {report_path}: {exc.strerror}", file=sys.stderr)
            report_path = None
    from grader.report import render

    color = console.use_colour(sys.stdout)
    shown = files.shown(report_path) if report_path else None  # any bytes a name may hold
    sys.stdout.write(render(result, args.format, color, shown, args.hidden_visibility))
    if args.format != "text" and shown:
        print(f"Report: {shown}", file=sys.stderr)
    return Exit.ACCEPTED if result.status is Status.ACCEPTED else Exit.REJECTED


def _list(args: argparse.Namespace) -> int:
    from grader.problem.catalog import catalog
    from grader.report.problems import listing

    sys.stdout.write(listing(catalog(args.problems)))
    return Exit.ACCEPTED


def _show(args: argparse.Namespace) -> int:
    from grader.pipeline import find_problem
    from grader.problem.authoring import starter
    from grader.report.problems import show

    problem = find_problem(args.id, args.problems)
    sys.stdout.write(show(problem))
    if args.starter:
        starter(problem, args.starter)
        print(f"\nStarter written: {args.starter}  (then: grader grade {args.starter})")
    return Exit.ACCEPTED


def _new(args: argparse.Namespace) -> int:
    from grader.problem.authoring import new

    directory = args.problems or Path("problems")
    for path in new(args.id, directory, args.kind):
        print(f"created {path}")
    reference = directory.parent / "reference" / args.id
    print(f"Next: write the reference in {reference}.py, then run: grader check {args.id}")
    return Exit.ACCEPTED


def _check(args: argparse.Namespace) -> int:
    import json

    from grader.report.text import check_summary
    from grader.verify import check

    reports = check(args.ids, args.problems, args.sandbox)
    ok = all(r.ok for r in reports)
    if args.format == "json":
        print(json.dumps({"ok": ok, "problems": [r.document() for r in reports]}, indent=2))
    else:
        sys.stdout.write(check_summary(reports))
    return Exit.ACCEPTED if ok else Exit.REJECTED


def _batch(args: argparse.Namespace) -> int:
    import signal

    from grader.course.batch import Interrupted, batch
    from grader.course.gradebook import DEFAULT
    from grader.report.progress import Progress
    from grader.report.text import batch_summary

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # like Ctrl-C: stop cleanly
    try:
        done = batch(
            args.folder,
            args.problem,
            args.problems,
            jobs=args.jobs,
            sandbox=args.sandbox,
            out=args.out or Path("gradebook.csv"),
            gradebook_path=args.gradebook,
            report=False if args.no_report else (args.report or True),
            progress=Progress(sys.stderr),
        )
    except Interrupted as stop:
        print(
            f"\ngrader: interrupted; {stop.summary.graded} results recorded in "
            f"{args.gradebook or DEFAULT} ({stop.summary.unchanged} were already there). "
            "Run the same command again to grade the rest.",
            file=sys.stderr,
        )
        return 130
    sys.stdout.write(batch_summary(done.summary, done.csv, done.report))
    return Exit.ACCEPTED if not done.summary.not_graded else Exit.REJECTED


def _history(args: argparse.Namespace) -> int:
    from grader.course import gradebook

    path = args.gradebook or gradebook.default_path()
    if not path.exists():
        raise UsageError(f"no gradebook at {path}: nothing was submitted here yet")
    db = gradebook.connect(path)
    try:
        sys.stdout.write(gradebook.render(gradebook.history(db, args.problem, args.learner)))
    finally:
        db.close()
    return Exit.ACCEPTED


def _export(args: argparse.Namespace) -> int:
    from grader.course.export import gradescope
    from grader.problem.catalog import catalog

    out = args.out or Path("autograder.zip")
    names = gradescope(catalog(args.problems).path(args.id), out)
    print(f"Wrote {out} ({len(names)} files): upload it as the Gradescope autograder of {args.id}")
    return Exit.ACCEPTED


def _watch(args: argparse.Namespace) -> int:
    import signal

    from grader.run import capabilities
    from grader.watch import watch

    capabilities.private_memory()  # it holds expected values for a long time: not ptrace-able
    # Ctrl-C and SIGTERM end a watch, even where a shell started it with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    terminal = sys.stdout.isatty()
    try:
        watch(
            args.submission,
            args.problem,
            args.problems,
            args.sandbox,
            color=console.use_colour(sys.stdout),
            clear=terminal,
        )
    except KeyboardInterrupt:
        print("", file=sys.stderr)
    return Exit.ACCEPTED  # stopping a watch is how it ends, whatever the last result was


def _start(args: argparse.Namespace) -> int:
    from grader.course import workspace
    from grader.problem.catalog import catalog

    started = workspace.start(args.folder, catalog(args.problems))
    sys.stdout.write(workspace.render(started, args.folder))
    return Exit.ACCEPTED


def _progress(args: argparse.Namespace) -> int:
    """``progress``, ``next`` and ``hint``: what the gradebook says of the learner's course."""
    from grader.course import progress

    about = (args.problems, args.learner, args.gradebook)
    if args.command == "hint":
        sys.stdout.write(progress.hint(args.id, *about))
    elif args.command == "next":
        sys.stdout.write(progress.next_problem(*about))
    else:
        sys.stdout.write(progress.report(*about))
    return Exit.ACCEPTED
