"""Headless commands: ``run``, ``derive``, ``export`` and ``bench``.

Each returns an exit code: 0 for a result (a diverged run is a result), 2 for bad input
with one line on stderr, never a traceback. ``run`` and ``derive`` import no Qt.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import Any

EXIT_OK, EXIT_BAD_INPUT = 0, 2
EXIT_BENCH_INCOMPLETE = 1  # bench ran, but some figure could not be measured


class BadInput(Exception):
    """Input the user can fix: reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage and exits 2; keep one line
        raise BadInput(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the headless commands."""
    parser = _Parser(prog="backprop-hiker", description="Backprop Hiker's headless commands.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a lesson's optimizer for N steps without a window")
    run.add_argument("lesson", help="a *.lesson.json file")
    run.add_argument("--steps", type=int, help="how many optimizer steps (after the lesson's "
                                               "steps, with --through-steps)")
    run.add_argument("--through-steps", action="store_true",
                     help="enter every step of the lesson in order, as the window does")
    run.add_argument("--json", action="store_true", help="print one JSON object")

    derive = sub.add_parser("derive", help="differentiate a formula exactly")
    derive.add_argument("expression", help="e.g. 'w**2' or 'w1**2 + 10*w2**2'")
    derive.add_argument("--wrt", help="the variable to differentiate by (default: all)")
    derive.add_argument("--at", action="append", default=[], metavar="VAR=VALUE",
                        help="a point to evaluate at, e.g. --at w=3 (repeat for more variables)")
    derive.add_argument("--epsilon", help="also show the nudge table for this ε, e.g. 0.001")
    derive.add_argument("--json", action="store_true", help="print one JSON object")

    export = sub.add_parser("export", help="draw a lesson's view as a figure: PNG, SVG, PDF or GIF")
    export.add_argument("lesson", help="a *.lesson.json file")
    export.add_argument("output", help="the file to write: .png, .svg, .pdf or .gif")
    export.add_argument("--steps", type=int, default=0, help="optimizer steps before drawing")
    export.add_argument("--step", type=int, help="enter the lesson's step K first (from 1)")
    export.add_argument("--view", default="window",
                        help="what to draw: landscape, landscape3d, network, formula, loss, data, "
                             "gradients, stepper or window")
    export.add_argument("--size", default="1600x1000",
                        help="WIDTHxHEIGHT in pixels, or with cm, mm or in (12x8cm) at --dpi")
    export.add_argument("--scale", type=int, default=1,
                        help="1–4: that many times the pixels, same layout (and DPI × scale)")
    export.add_argument("--dpi", type=float, default=150.0,
                        help="dots per inch: the figure's physical size, and its text in points")
    export.add_argument("--theme", default="screen", help="screen, or print (white, thicker)")
    export.add_argument("--frames", type=int,
                        help="an animation of N frames: a .gif, or a .png series OUT-0000.png…")
    export.add_argument("--every", type=int, default=1,
                        help="optimizer steps between an animation's frames")

    bench = sub.add_parser("bench", help="measure the engine (and the GUI) against baselines")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--no-gui", action="store_true", help="skip the GUI figures")
    bench.add_argument("--display", action="store_true",
                       help="measure the GUI on the current X display instead of offscreen")
    bench.add_argument("--startup", type=int, metavar="N",
                       help="measure only the start-up beside the bare window, N pairs of "
                            "fresh processes")
    bench.add_argument("--only", choices=ONLY_FIGURES, metavar="FIGURE",
                       help="measure only the biggest network's play-mode frames (300 of 1 "
                            "step, p50 and p95): " + ", ".join(ONLY_FIGURES))
    return parser


#: the figures ``bench --only`` measures alone: the biggest network's play-mode frames
ONLY_FIGURES = ("gui.frame_p95_ms_big", "gui.frame_p50_ms_big")

#: derive's options that take a value (the word after them is that value, not a formula)
_DERIVE_VALUE_OPTIONS = ("--wrt", "--at", "--epsilon")
_DERIVE_OPTIONS = (*_DERIVE_VALUE_OPTIONS, "--json", "-h", "--help")


def main(argv: list[str] | None = None) -> int:
    """Run one headless command; return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        formula_at = _leading_minus_formula(argv)
        if formula_at is not None:
            argv[formula_at] = " " + argv[formula_at]  # argparse takes '-w**2' for an option
        args = build_parser().parse_args(argv)
        if formula_at is not None:
            args.expression = args.expression[1:]  # as typed, so error columns stay right
        if args.command in ("export", "bench"):
            silence_qt_messages()
        return COMMANDS[args.command](args)
    except BadInput as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader stopped reading (`| head`): the rest of the output has nowhere to go.
        # Point stdout at devnull so Python's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _leading_minus_formula(argv: list[str]) -> int | None:
    """Return the index of derive's formula when it starts with '-' (``-w**2``), else None."""
    if not argv or argv[0] != "derive":
        return None
    for index in range(1, len(argv)):
        word, before = argv[index], argv[index - 1]
        if word == "--":
            return None
        if before in _DERIVE_VALUE_OPTIONS:
            continue
        if not word.startswith("-"):
            return None  # the formula is an ordinary word
        if word.split("=", 1)[0] not in _DERIVE_OPTIONS:
            return index
    return None


def silence_qt_messages() -> None:
    """Keep Qt's own warnings ("propagateSizeHints()") off a headless command's terminal.

    Only a fatal message, after which Qt aborts, is still printed: it says why.
    """
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind, context, text):
        if kind == QtMsgType.QtFatalMsg:
            print(text, file=sys.stderr)

    qInstallMessageHandler(handler)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def run_command(args: argparse.Namespace) -> int:
    """Load a lesson, take N steps (or enter each of its steps, then N more), print the result.

    The JSON is strict: a number that is not finite is ``null``, and ``reason`` says why.
    ``loss`` is the loss history thinned as the window's is (every step up to 4096 steps,
    then evenly spaced), with its step numbers in ``loss_steps``, so memory stays bounded.
    ``learning_rates`` holds, for each of those steps, the η the step from there took (the
    schedule's η_t; the last is the η of the next step).
    With ``--through-steps`` it also holds ``lesson_steps``: for each step entered, its
    title, the optimizer step count, the loss and the status there.
    """
    from simulator.lessons.building import build_session, landscape_axes
    from simulator.lessons.checking import LessonError
    from simulator.lessons.files import load_lesson
    from simulator.workspace.lesson_steps import check_steps

    if args.steps is None and not args.through_steps:
        raise BadInput("backprop-hiker run: give --steps N, --through-steps, or both")
    steps = args.steps or 0
    if not 0 <= steps <= 10_000_000:
        raise BadInput(f"--steps must be 0–10000000, got {args.steps}")
    try:
        lesson = load_lesson(args.lesson)
        built = built_problem(lesson, args.lesson)
        problem = built.problem
        landscape_axes(lesson, problem)  # a lesson is checked whole, axes and steps included
        check_steps(lesson, problem)
        session = build_session(lesson, problem)
    except LessonError as exc:  # JSON-path errors need the file's name; file errors have it
        raise BadInput(f"{args.lesson}: {exc}" if exc.path else str(exc)) from None
    started = time.perf_counter()
    entered = []
    if args.through_steps:
        session, entered = _through_steps(lesson, built, args.lesson)
    if _stuck_at_start(session) is None:
        session.step(steps)
    elapsed = time.perf_counter() - started
    steps, losses, _ = session.loss_history()
    names = session.problem.names
    gradient = session.gradient().tolist()
    result = {
        "status": _status(session),
        "reason": _reason(session, names, gradient),
        "steps": session.step_count,
        "loss": [_finite(v) for v in losses.tolist()],
        "loss_steps": steps.tolist(),
        "learning_rates": [_finite(v) for v in session.rate_history().tolist()],
        "params": {n: _finite(v) for n, v in zip(names, session.theta.tolist(), strict=True)},
        "gradient": {n: _finite(v) for n, v in zip(names, gradient, strict=True)},
        "diverged_at": session.diverged_at,
        "steps_per_second": round(session.step_count / elapsed, 1) if elapsed > 0 else None,
    }
    result.update(_scores(session))
    if args.through_steps:
        result["lesson_steps"] = entered
    if args.json:
        print(json.dumps(result, allow_nan=False))
    else:
        print("\n".join([*(_step_line(e, len(entered)) for e in entered),
                         _run_summary(lesson.title, result)]))
    return EXIT_OK


def _scores(session) -> dict[str, Any]:
    """Return a network's scores at the final θ: accuracy (and the confusion matrix) or RMSE and R².

    ``accuracy``/``test_accuracy`` and ``confusion``/``test_confusion`` (rows: true class,
    columns: predicted) for classes; ``rmse``/``test_rmse`` and ``r2``/``test_r2`` for
    numbers; a test score is null without test points. A formula has none of them.
    """
    problem = session.problem
    if not hasattr(problem, "metrics"):
        return {}
    m = problem.metrics(session.theta)
    if m.kind == "classification":
        return {"accuracy": _finite(m.accuracy), "test_accuracy": _finite(m.test_accuracy),
                "confusion": m.confusion.tolist(),
                "test_confusion": None if m.test_confusion is None else m.test_confusion.tolist()}
    return {"rmse": _finite(m.rmse), "test_rmse": _finite(m.test_rmse), "r2": _finite(m.r2),
            "test_r2": _finite(m.test_r2)}


def built_problem(lesson, file: str):
    """Return a lesson's problem built (a ``BuiltFormula``): a formula's sympy work within budget.

    A formula is built by ``formula_builds.build_within_budget`` (a run needs no formula
    model: ``model`` is None). A network's problem is built here. Raises ``LessonError`` for a
    network that cannot be built, ``BadInput`` naming the file for a formula that cannot
    be, or not within the budget.
    """
    from simulator.lessons.building import build_problem
    from simulator.workspace.errors import EditError
    from simulator.workspace.formula_builds import (
        BuiltFormula,
        GaveUp,
        build_within_budget,
        formula_of,
    )

    spec = formula_of(lesson)
    if spec is None:
        return BuiltFormula(lesson.problem, build_problem(lesson.problem), None)
    try:
        return build_within_budget(spec, model=False, fork_here=True)
    except GaveUp as exc:
        raise BadInput(exc.line(file)) from None
    except EditError as exc:
        raise BadInput(f"{file}: {exc}") from None


def _through_steps(lesson, built, file: str) -> tuple[Any, list[dict[str, Any]]]:
    """Enter every step of a lesson in order, as the window does; return the run and a record.

    ``built`` is the lesson's problem (``built_problem``): no formula is worked out again.
    """
    from simulator.workspace.errors import EditError
    from simulator.workspace.formula_builds import formula_of
    from simulator.workspace.workspace import Workspace

    ws = Workspace()
    entered = []
    try:
        ws.set_lesson(lesson, formula=built if formula_of(lesson) is not None else None)
        for k, step in enumerate(lesson.steps):
            ws.enter_step(k)
            session = ws.session
            entered.append({"index": k, "title": step.title, "step": session.step_count,
                            "loss": _finite(session.loss), "status": ws.status()})
    except EditError as exc:
        raise BadInput(f"{file}: {exc}") from None
    return ws.session, entered


def printable(text: str) -> str:
    """Return a lesson's text with its control characters escaped, for a terminal.

    A lesson file travels by e-mail: a title holding ``ESC]0;…`` would otherwise retitle
    or clear the terminal of whoever runs it.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else ascii(char)[1:-1]
                   for char in text)


def _step_line(entered: dict[str, Any], count: int) -> str:
    return (f"step {entered['index'] + 1}/{count} “{printable(entered['title'])}”: at "
            f"optimizer step {entered['step']}, loss {_shown(entered['loss'])}, "
            f"{entered['status']}")


def _stuck_at_start(session) -> str | None:
    """Return why no step can be taken from the run's start (J or its slope is not finite there).

    None when steps can be taken, or were (only a run at step 0 is asked).
    """
    if session.step_count:
        return None
    if not math.isfinite(session.start_loss):
        what = "infinite" if math.isinf(session.start_loss) else "not a real number"
        return f"the loss at the start is {what}, so no step can be taken"
    bad = [name for name, g in zip(session.problem.names, session.gradient().tolist(),
                                   strict=True) if not math.isfinite(g)]
    if bad:
        return (f"the slope at the start is infinite or undefined (for {', '.join(bad[:5])}), "
                "so no step can be taken")
    return None


def _status(session) -> str:
    """Return "ok", "diverged", or "undefined" (no step can be taken from the start)."""
    if _stuck_at_start(session) is not None:
        return "undefined"
    return "diverged" if session.status == "diverged" else "ok"


def _reason(session, names: list[str], gradient: list[float]) -> str | None:
    """Return why some number of the result is null, or None when none is."""
    stuck = _stuck_at_start(session)
    if stuck is not None:
        return stuck
    if session.status == "diverged":
        return "the loss left every bound; lower the learning rate"
    bad = [name for name, g in zip(names, gradient, strict=True) if not math.isfinite(g)]
    if bad:
        return f"the gradient is not a finite number at this point for {', '.join(bad[:5])}"
    return None


def _run_summary(title: str, result: dict[str, Any]) -> str:
    loss = result["loss"]
    lines = [f"{printable(title)}: {result['steps']} steps, loss {_shown(loss[0])} → {_shown(loss[-1])}"]
    if result["status"] == "diverged":
        lines.append(f"Diverged at step {result['diverged_at']}: the loss left every bound. "
                     "Lower the learning rate.")
    elif result["reason"]:
        lines.append(f"{result['reason'][0].upper()}{result['reason'][1:]}.")
    grad = result["gradient"]
    finite = [g for g in grad.values() if g is not None]
    norm = math.hypot(*finite) if len(finite) == len(grad) else None  # hypot: no overflow
    lines.append(f"gradient norm {_shown(norm, '.3g')}")
    if "accuracy" in result:
        lines.append(f"accuracy {_shown(result['accuracy'], '.1%')} (test "
                     f"{_shown(result['test_accuracy'], '.1%')})")
    elif "rmse" in result:
        lines.append(f"RMSE {_shown(result['rmse'], '.4g')}, R² {_shown(result['r2'], '.4f')} "
                     f"(test RMSE {_shown(result['test_rmse'], '.4g')}, R² "
                     f"{_shown(result['test_r2'], '.4f')})")
    shown = list(result["params"].items())[:12]
    width = max(len(name) for name, _ in shown)
    lines += [f"  {name:<{width}}  {_shown(value, ' .6g')}   dL/d = {_shown(grad[name], ' .3g')}"
              for name, value in shown]
    if len(result["params"]) > len(shown):
        lines.append(f"  … and {len(result['params']) - len(shown)} more (use --json)")
    if result["steps_per_second"]:
        lines.append(f"{result['steps_per_second']:,.0f} steps per second")
    return "\n".join(lines)


def _shown(value: float | None, spec: str = ".6g") -> str:
    """Return a number in a format, or "undefined" for one that is not finite (None)."""
    return "undefined" if value is None else format(value, spec)


def derive_command(args: argparse.Namespace) -> int:
    """Differentiate a formula; print the derivative, its value and the nudge table."""
    from simulator.symbolic.budget import fork_workers_here
    from simulator.symbolic.report import DERIVE_SECONDS, derive_with_budget, format_derive_report

    at: dict[str, str] = {}
    for item in args.at:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise BadInput(f"--at: expected VAR=VALUE like w=3, got {item!r}")
        if name.strip() in at:  # the last one was taken without a word
            raise BadInput(f"--at: {name.strip()} is given twice; give each variable once")
        at[name.strip()] = value.strip()
    fork_workers_here()  # no Qt here: a worker forked from this process starts at once
    try:
        report = derive_with_budget(args.expression, DERIVE_SECONDS, args.wrt, at or None,
                                    args.epsilon, _derive_deadline())
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    print(json.dumps(report) if args.json else format_derive_report(report))
    return EXIT_OK


#: what printing the answer and leaving take (unloading sympy: 0.1 s idle, 0.3 s loaded),
#: free at the end of derive's 2 s
_EXIT_SECONDS = 0.35
#: the least time derive's sympy work gets, however long the start took: on a loaded
#: machine an answer a little late beats none (an unsimplified w**2 takes 0.03 s idle)
_LEAST_DERIVE_SECONDS = 0.5


def _derive_deadline() -> float:
    """Return when derive's sympy work must stop: its 2 s counted from the process's start."""
    from simulator.symbolic.report import DERIVE_SECONDS

    left = DERIVE_SECONDS - _seconds_since_start() - _EXIT_SECONDS
    return time.monotonic() + max(left, _LEAST_DERIVE_SECONDS)


def _seconds_since_start() -> float:
    """Return how long ago this process started (0 where the system does not say)."""
    try:
        with open("/proc/self/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        # starttime, field 22 of proc(5): clock ticks after boot
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def export_command(args: argparse.Namespace) -> int:
    """Draw a lesson's view as a figure file (needs Qt; runs offscreen)."""
    check_export_target(args.output)
    from simulator.export.command import export_lesson

    try:
        written = export_lesson(args.lesson, args.output, args.steps, args.view, args.size,
                                step=args.step, scale=args.scale, dpi=args.dpi,
                                theme=args.theme, frames=args.frames, every=args.every)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    except OSError as exc:
        raise BadInput(f"{args.output}: could not write it: {exc.strerror or exc}") from None
    shown = f"{written[0]} … {written[-1].name} ({len(written)} files)" if len(written) > 1 \
        else str(written[0])
    # a name of bytes that are not UTF-8 holds surrogates, which a strict terminal refuses
    print(f"wrote {shown}".encode("utf-8", "backslashreplace").decode("utf-8"))
    return EXIT_OK


def check_export_target(output: str) -> None:
    """Refuse an output file that cannot be written, before any training or drawing.

    The folder must exist and take a new file (checked by making one, since ``/proc``
    says it is writable to root and then refuses), and the name must not be a folder.
    """
    import tempfile
    from pathlib import Path

    target = Path(output)
    if target.suffix.lower() not in (".png", ".svg", ".pdf", ".gif"):
        raise BadInput(f"{output}: choose a .png, .svg, .pdf or .gif file name")
    if target.is_dir():
        raise BadInput(f"{output} is a folder; give a file name inside it, e.g. "
                       f"{target / ('figure' + target.suffix)}")
    if target.exists() and not target.is_file():
        raise BadInput(f"{output} is not a regular file (a device, FIFO or socket); "
                       "the figure would replace it")
    folder = target.parent
    if not folder.is_dir():
        raise BadInput(f"{folder}: no such folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise BadInput(f"{folder}: cannot write there ({exc.strerror or exc})") from None


def bench_command(args: argparse.Namespace) -> int:
    """Print engine figures (and GUI figures unless --no-gui), each beside a baseline."""
    from simulator.benchmarks import (
        big_frame_figures,
        failures,
        format_figures,
        run_benchmarks,
        startup_figures,
    )

    if args.display and not args.no_gui and not os.environ.get("DISPLAY"):
        raise BadInput("--display: no X display to measure on (DISPLAY is not set)")
    if args.startup is not None and args.startup < 1:
        raise BadInput(f"--startup: the number of runs must be at least 1, got {args.startup}")
    if args.startup is not None and args.only:
        raise BadInput("--startup and --only: measure one or the other")
    if args.startup is not None:
        figures = startup_figures(args.startup, display=args.display)
    elif args.only:
        figures = big_frame_figures(display=args.display)
    else:
        figures = run_benchmarks(gui=not args.no_gui, display=args.display)
    print(json.dumps(figures, indent=2) if args.json else format_figures(figures))
    for line in failures(figures):  # a figure that could not be measured is an error
        print(f"bench: {line}", file=sys.stderr)
    return EXIT_BENCH_INCOMPLETE if failures(figures) else EXIT_OK


COMMANDS = {"run": run_command, "derive": derive_command, "export": export_command,
            "bench": bench_command}
