"""The entry point: ``backprop-hiker [LESSON]`` opens the window; subcommands run headless."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys

XCB_HINT = (
    "Backprop Hiker could not start Qt's window system plugin. On Debian/Ubuntu install the "
    "libraries Qt's xcb plugin needs:\n"
    "  sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 "
    "libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0"
)
NO_DISPLAY_HINT = (
    "Backprop Hiker found no display to open its window on (DISPLAY and WAYLAND_DISPLAY are "
    "not set). Start it from a desktop session, or over ssh with -X."
)
HEADLESS_HINT = "Without a display, headless commands still work: backprop-hiker run|derive|export|bench"


def platform_hint(qt_message: str) -> str:
    """Return what to do when Qt's platform plugin fails, given Qt's own message."""
    no_display = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if no_display and sys.platform.startswith("linux"):
        return f"{NO_DISPLAY_HINT}\n{HEADLESS_HINT}"
    if "could not connect to display" in qt_message.lower():
        return (f"Backprop Hiker could not connect to the display {os.environ.get('DISPLAY', '')!r}: "
                f"is the X server running, and may this user use it?\n{HEADLESS_HINT}")
    return f"{XCB_HINT}\n{HEADLESS_HINT}"


HEADLESS = ("run", "derive", "export", "bench")


def use_platform_unless_chosen(name: str) -> None:
    """Set Qt's platform to ``name`` unless ``QT_QPA_PLATFORM`` names one (set but empty names none)."""
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = name


def _no_display() -> bool:
    """Return whether Qt would find no display: Linux, no X or Wayland, no platform chosen."""
    return (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")))


def _gui_parser() -> argparse.ArgumentParser:
    from simulator import __version__

    parser = argparse.ArgumentParser(
        prog="backprop-hiker",
        description="Backprop Hiker: watch a hiker walk down the cost surface. "
                    f"Headless commands: {', '.join(HEADLESS)} (see backprop-hiker run -h).",
    )
    parser.add_argument("lesson", nargs="?", help="a *.lesson.json file to open")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the version and exit")
    parser.add_argument("--fullscreen", action="store_true", help="start full screen")
    parser.add_argument("--reset-layout", action="store_true",
                        help="forget the saved window layout and theme")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation: open the window offscreen, run every "
                             "built-in lesson, export a PNG and an SVG; print 'self-test ok'")
    parser.add_argument("--install-desktop", action="store_true",
                        help="Linux: add the launcher, icons and *.lesson.json file type for this user")
    parser.add_argument("--uninstall-desktop", action="store_true",
                        help="Linux: remove what --install-desktop added")
    return parser


EXIT_BAD_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    """Run the app or a headless command; return the exit code."""
    multiprocessing.freeze_support()  # the formula worker in a frozen build
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in HEADLESS:
        from simulator.cli import main as cli_main

        return cli_main(argv)
    args = _gui_parser().parse_args(argv)
    if args.self_test:
        from simulator.self_test import run_self_test

        return run_self_test()
    if args.install_desktop or args.uninstall_desktop:
        from simulator.desktop import run

        return run("install" if args.install_desktop else "uninstall")
    if args.lesson is not None and not os.path.exists(args.lesson):
        print(f"backprop-hiker: {args.lesson!r}: no such command or file (commands: "
              f"{', '.join(HEADLESS)}; or give a *.lesson.json file to open)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if _no_display():
        print(platform_hint(""), file=sys.stderr)
        return EXIT_BAD_INPUT
    from simulator.ui.launch import run_gui

    return run_gui(args.lesson, fullscreen=args.fullscreen, reset_layout=args.reset_layout,
                   on_platform_failure=lambda text: print(platform_hint(text), file=sys.stderr))


if __name__ == "__main__":
    raise SystemExit(main())
