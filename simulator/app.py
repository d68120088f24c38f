"""The entry point: ``backprop-hiker [LESSON]`` opens the window; subcommands run headless."""

from __future__ import annotations

import argparse
import sys

XCB_HINT = (
    "Backprop Hiker could not start Qt's window system plugin. On Debian/Ubuntu install the "
    "libraries Qt's xcb plugin needs:\n"
    "  sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 "
    "libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0\n"
    "Without a display, headless commands still work: backprop-hiker run|derive|export|bench"
)

HEADLESS = ("run", "derive", "export", "bench")


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop-hiker",
        description="Backprop Hiker: watch a hiker walk down the cost surface. "
                    f"Headless commands: {', '.join(HEADLESS)} (see backprop-hiker run -h).",
    )
    parser.add_argument("lesson", nargs="?", help="a *.lesson.json file to open")
    parser.add_argument("--fullscreen", action="store_true", help="start full screen")
    parser.add_argument("--reset-layout", action="store_true",
                        help="forget the saved window layout and theme")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the app or a headless command; return the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in HEADLESS:
        from simulator.cli import main as cli_main

        return cli_main(argv)
    args = _gui_parser().parse_args(argv)
    from simulator.ui.launch import run_gui

    return run_gui(args.lesson, fullscreen=args.fullscreen, reset_layout=args.reset_layout,
                   on_platform_failure=lambda: print(XCB_HINT, file=sys.stderr))


if __name__ == "__main__":
    raise SystemExit(main())
