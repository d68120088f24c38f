"""Where the app's own files are: the ``resources/`` folder, in a clone, a wheel or a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """Return the folder that holds the built-in lessons, the lesson schema, the icons and desktop files.

    A clone keeps it at the top level beside ``simulator/``; a wheel installs it as
    ``simulator/resources``; a PyInstaller build unpacks it under ``sys._MEIPASS``.
    """
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = [Path(frozen) / "resources"] if frozen else []
    candidates += [_PACKAGE.parent / "resources", _PACKAGE / "resources"]
    for place in candidates:
        if (place / "lessons").is_dir():
            return place
    raise FileNotFoundError("Backprop Hiker's resources folder is missing; looked in "
                            + ", ".join(str(p) for p in candidates))


def icons_dir() -> Path:
    """Return the folder of the app's icon: its SVG sources, PNGs 16–512 px, ``.ico`` and ``.icns``."""
    return resources_dir() / "icons"


def manual_dir() -> Path:
    """Return the folder that holds ``README.md`` and ``docs/lesson-format.md``, for the offline Help.

    A clone keeps them at its top level; a wheel installs them as ``simulator/manual`` (so the
    README's links to ``docs/…`` still resolve); a PyInstaller build unpacks them under
    ``sys._MEIPASS/manual``.
    """
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = [Path(frozen) / "manual"] if frozen else []
    candidates += [_PACKAGE.parent, _PACKAGE / "manual"]
    for place in candidates:
        if (place / "README.md").is_file() and (place / "docs" / "lesson-format.md").is_file():
            return place
    raise FileNotFoundError("Backprop Hiker's manual (README.md, docs/lesson-format.md) is missing; "
                            "looked in " + ", ".join(str(p) for p in candidates))
