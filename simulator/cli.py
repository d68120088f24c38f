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
    run.add_argument("--steps", type=int, required=True, help="how many optimizer steps")
    run.add_argument("--json", action="store_true", help="print one JSON object")

    derive = sub.add_parser("derive", help="differentiate a formula exactly")
    derive.add_argument("expression", help="e.g. 'w**2' or 'w1**2 + 10*w2**2'")
    derive.add_argument("--wrt", help="the variable to differentiate by (default: all)")
    derive.add_argument("--at", action="append", default=[], metavar="VAR=VALUE",
                        help="a point to evaluate at, e.g. --at w=3 (repeat for more variables)")
    derive.add_argument("--epsilon", help="also show the nudge table for this ε, e.g. 0.001")
    derive.add_argument("--json", action="store_true", help="print one JSON object")

    export = sub.add_parser("export", help="render a lesson's view to PNG, SVG or PDF")
    export.add_argument("lesson", help="a *.lesson.json file")
    export.add_argument("output", help="the file to write: .png, .svg or .pdf")
    export.add_argument("--steps", type=int, default=0, help="optimizer steps before drawing")
    export.add_argument("--view", default="window",
                        help="what to draw: window, landscape, loss, data or network")
    export.add_argument("--size", default="1600x1000", help="pixel size WIDTHxHEIGHT")

    bench = sub.add_parser("bench", help="measure the engine (and the GUI) against baselines")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--no-gui", action="store_true", help="skip the GUI figures")
    bench.add_argument("--display", action="store_true",
                       help="measure the GUI on the current X display instead of offscreen")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one headless command; return its exit code."""
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except BadInput as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def run_command(args: argparse.Namespace) -> int:
    """Load a lesson, take N steps, print the result."""
    from simulator.lessons.building import build_problem, build_session, landscape_axes
    from simulator.lessons.checking import LessonError
    from simulator.lessons.files import load_lesson

    if not 0 <= args.steps <= 10_000_000:
        raise BadInput(f"--steps must be 0–10000000, got {args.steps}")
    try:
        lesson = load_lesson(args.lesson)
        problem = build_problem(lesson.problem)
        landscape_axes(lesson, problem)  # a lesson is checked whole, axes included
        session = build_session(lesson, problem)
    except LessonError as exc:  # JSON-path errors need the file's name; file errors have it
        raise BadInput(f"{args.lesson}: {exc}" if exc.path else str(exc)) from None
    losses = [session.loss]
    started = time.perf_counter()
    session.step(args.steps, record=losses)
    elapsed = time.perf_counter() - started
    result = {
        "status": "diverged" if session.status == "diverged" else "ok",
        "steps": session.step_count,
        "loss": [_finite(v) for v in losses],
        "params": dict(zip(session.problem.names, session.theta.tolist(), strict=True)),
        "gradient": dict(zip(session.problem.names, session.gradient().tolist(), strict=True)),
        "diverged_at": session.diverged_at,
        "steps_per_second": round((len(losses) - 1) / elapsed, 1) if elapsed > 0 else None,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(_run_summary(lesson.title, result))
    return EXIT_OK


def _run_summary(title: str, result: dict[str, Any]) -> str:
    loss = result["loss"]
    lines = [f"{title}: {result['steps']} steps, loss {loss[0]:.6g} → {loss[-1]:.6g}"]
    if result["status"] == "diverged":
        lines.append(f"Diverged at step {result['diverged_at']}: the loss left every bound. "
                     "Lower the learning rate.")
    grad = result["gradient"]
    norm = math.sqrt(sum(g * g for g in grad.values()))
    lines.append(f"gradient norm {norm:.3g}")
    shown = list(result["params"].items())[:12]
    width = max(len(name) for name, _ in shown)
    lines += [f"  {name:<{width}}  {value: .6g}   dL/d = {grad[name]: .3g}" for name, value in shown]
    if len(result["params"]) > len(shown):
        lines.append(f"  … and {len(result['params']) - len(shown)} more (use --json)")
    if result["steps_per_second"]:
        lines.append(f"{result['steps_per_second']:,.0f} steps per second")
    return "\n".join(lines)


def derive_command(args: argparse.Namespace) -> int:
    """Differentiate a formula; print the derivative, its value and the nudge table."""
    from simulator.symbolic.report import derive_report, format_derive_report

    at: dict[str, str] = {}
    for item in args.at:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise BadInput(f"--at: expected VAR=VALUE like w=3, got {item!r}")
        at[name.strip()] = value.strip()
    try:
        report = derive_report(args.expression, args.wrt, at or None, args.epsilon)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    print(json.dumps(report) if args.json else format_derive_report(report))
    return EXIT_OK


def export_command(args: argparse.Namespace) -> int:
    """Render a lesson's view to a file (needs Qt; runs offscreen)."""
    from simulator.export.command import export_lesson

    try:
        export_lesson(args.lesson, args.output, args.steps, args.view, args.size)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    print(f"wrote {args.output}")
    return EXIT_OK


def bench_command(args: argparse.Namespace) -> int:
    """Print engine figures (and GUI figures unless --no-gui), each beside a baseline."""
    from simulator.benchmarks import format_figures, run_benchmarks

    if args.display and not args.no_gui and not os.environ.get("DISPLAY"):
        raise BadInput("--display: no X display to measure on (DISPLAY is not set)")
    figures = run_benchmarks(gui=not args.no_gui, display=args.display)
    print(json.dumps(figures, indent=2) if args.json else format_figures(figures))
    return EXIT_OK


COMMANDS = {"run": run_command, "derive": derive_command, "export": export_command,
            "bench": bench_command}
