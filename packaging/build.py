"""Build Backprop Hiker's one-folder app with PyInstaller, and say how long it took and how big it is.

``make package`` runs it: the app lands in ``dist/backprop-hiker/``, its executable is
``dist/backprop-hiker/backprop-hiker`` (``.exe`` on Windows; on macOS also
``dist/Backprop Hiker.app``). ``--self-test`` then runs the frozen app's own self-test.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "backprop-hiker.spec"
NAME = "backprop-hiker"
AIM_MB = 250  # the unpacked bundle on Linux should stay within this


def bundle_bytes(folder: Path) -> int:
    """Return the size of every file under ``folder`` (links counted as links, not their targets)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir() or p.is_symlink())


def executable(dist: Path) -> Path:
    """Return the frozen app's executable in ``dist``."""
    return dist / NAME / (f"{NAME}.exe" if sys.platform == "win32" else NAME)


def build(dist: Path, work: Path) -> tuple[float, int]:
    """Run PyInstaller on the spec into ``dist``; return (seconds taken, bundle bytes)."""
    if importlib.util.find_spec("PyInstaller") is None:
        raise SystemExit("PyInstaller is not installed in this environment: `make package` installs "
                         "it, or run: pip install -e '.[package]'")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                           "--distpath", str(dist), "--workpath", str(work), str(SPEC)], cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"PyInstaller failed (exit {done.returncode}); its messages are above")
    return time.monotonic() - started, bundle_bytes(dist / NAME)


def self_test(dist: Path) -> int:
    """Run the frozen app's ``--self-test`` (offscreen unless QT_QPA_PLATFORM says otherwise); return its code."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.run([str(executable(dist)), "--self-test"], env=env, timeout=600).returncode


def main(argv: list[str] | None = None) -> int:
    """Build, report the time and the size, and run the self-test when asked; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where the app goes (default dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's working folder (default build/pyinstaller/)")
    parser.add_argument("--self-test", action="store_true", help="run the frozen app's self-test after")
    args = parser.parse_args(argv)
    seconds, size = build(args.dist.resolve(), args.work.resolve())
    megabytes = size / 1e6
    print(f"built {executable(args.dist)} in {seconds:.0f} s: {megabytes:.0f} MB unpacked "
          f"(aim: at most {AIM_MB} MB)")
    if megabytes > AIM_MB:
        print(f"warning: the bundle is {megabytes - AIM_MB:.0f} MB over the aim", file=sys.stderr)
    return self_test(args.dist.resolve()) if args.self_test else 0


if __name__ == "__main__":
    raise SystemExit(main())
