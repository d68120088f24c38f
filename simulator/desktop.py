"""Linux desktop integration for the current user: the launcher, the icons and the lesson file type.

``backprop-hiker --install-desktop`` (``make install-desktop``) copies, under
``$XDG_DATA_HOME`` (``~/.local/share`` by default) and without root:

- ``applications/backprop-hiker.desktop``, whose ``Exec`` runs this installation (the frozen
  executable, or the ``backprop-hiker`` script of this Python environment) on ``%f``, the
  lesson file double-clicked;
- ``icons/hicolor/NxN/apps/backprop-hiker.png`` for each drawn size, and the SVG as
  ``scalable``;
- ``mime/packages/backprop-hiker.xml``, the type ``application/x-backprop-hiker-lesson+json``
  of ``*.lesson.json`` files;

then refreshes the desktop's caches with ``update-mime-database``, ``update-desktop-database``
and ``gtk-update-icon-cache`` where they are installed. ``--uninstall-desktop`` removes exactly
those files and refreshes the caches again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from simulator.locations import icons_dir, resources_dir

APP_ID = "backprop-hiker"
MIME_TYPE = "application/x-backprop-hiker-lesson+json"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
EXIT_OK, EXIT_FAILED = 0, 2
#: characters that make an Exec argument need quotes (the Desktop Entry spec's reserved ones)
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class DesktopError(Exception):
    """Desktop integration that cannot be done here: the message says why and where."""


def data_home() -> Path:
    """Return ``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset or not absolute (the spec's rule)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher_command() -> list[str]:
    """Return the command that starts this installation of the app (without the file argument)."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.executable).parent / APP_ID
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "simulator"]


def exec_quoted(argument: str) -> str:
    r"""Return one argument as the Desktop Entry spec's Exec key wants it (quoted where needed).

    Inside double quotes ``"``, the backtick, ``$`` and ``\`` are escaped with a backslash; then every
    backslash is doubled once more, since the key's value is itself a string with escapes.
    """
    if argument and not _RESERVED.intersection(argument) and "%" not in argument:
        return argument
    inner = "".join("\\" + c if c in '"`$\\' else c for c in argument).replace("%", "%%")
    return ('"' + inner + '"').replace("\\", "\\\\")


def desktop_entry(command: list[str]) -> str:
    """Return the launcher: resources/backprop-hiker.desktop with Exec (and TryExec) for ``command``."""
    lines = []
    for line in (resources_dir() / f"{APP_ID}.desktop").read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(exec_quoted(part) for part in command) + " %f"
            if os.path.isabs(command[0]):
                lines.append("TryExec=" + command[0].replace("\\", "\\\\"))
        lines.append(line)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Planned:
    """One file of the integration: where it goes, and its bytes."""

    target: Path
    content: bytes


def planned(data: Path, command: list[str]) -> list[Planned]:
    """Return every file the integration installs under ``data`` (an XDG data folder)."""
    files = [Planned(data / "applications" / f"{APP_ID}.desktop", desktop_entry(command).encode("utf-8")),
             Planned(data / "mime" / "packages" / f"{APP_ID}.xml",
                     (resources_dir() / "mime" / f"{APP_ID}.xml").read_bytes()),
             Planned(data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
                     (icons_dir() / f"{APP_ID}.svg").read_bytes())]
    files += [Planned(data / "icons" / "hicolor" / f"{s}x{s}" / "apps" / f"{APP_ID}.png",
                      (icons_dir() / f"{APP_ID}-{s}.png").read_bytes()) for s in ICON_SIZES]
    return files


def refresh(data: Path) -> list[str]:
    """Rebuild the desktop's caches that are installed here; return a line on each tool's outcome."""
    steps = (("update-mime-database", [str(data / "mime")]),
             ("update-desktop-database", ["-q", str(data / "applications")]),
             ("gtk-update-icon-cache", ["-q", "-t", "-f", str(data / "icons" / "hicolor")]))
    said = []
    for tool, arguments in steps:
        found = shutil.which(tool)
        if found is None:
            said.append(f"{tool} is not installed: skipped (the desktop rereads the folder at login)")
            continue
        done = subprocess.run([found, *arguments], capture_output=True, text=True, timeout=120)
        if done.returncode == 0:
            said.append(f"ran {tool}")
        else:
            said.append(f"{tool} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[:300]}")
    return said


def _check_platform() -> None:
    if sys.platform in ("win32", "darwin"):
        raise DesktopError("desktop integration is for Linux and other freedesktop.org desktops; on "
                           "Windows the installer and on macOS the .app register the app and its files")


def install(data: Path | None = None, command: list[str] | None = None) -> list[str]:
    """Install the launcher, the icons and the MIME type under ``data``; return what was done, a line each."""
    _check_platform()
    data = data or data_home()
    files = planned(data, command or launcher_command())
    for file in files:
        try:
            file.target.parent.mkdir(parents=True, exist_ok=True)
            temporary = file.target.with_name(f".{file.target.name}.partial")
            temporary.write_bytes(file.content)
            os.replace(temporary, file.target)  # whole or not at all
        except OSError as exc:
            raise DesktopError(f"could not write {file.target}: {exc.strerror or exc}") from None
    return [f"installed {file.target}" for file in files] + refresh(data)


def uninstall(data: Path | None = None) -> list[str]:
    """Remove the files ``install`` wrote under ``data`` (those that are there); return what was done."""
    _check_platform()
    data = data or data_home()
    said = []
    for file in planned(data, ["backprop-hiker"]):  # the command shapes the launcher's text, not its place
        try:
            file.target.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DesktopError(f"could not remove {file.target}: {exc.strerror or exc}") from None
        said.append(f"removed {file.target}")
    if not said:
        said.append(f"nothing of Backprop Hiker's was installed under {data}")
    return said + refresh(data)


def run(action: str) -> int:
    """Run ``install`` or ``uninstall`` for the command line: print each line; return the exit code."""
    try:
        said = install() if action == "install" else uninstall()
    except DesktopError as exc:
        print(f"backprop-hiker: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(said))
    return EXIT_OK
