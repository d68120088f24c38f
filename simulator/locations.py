"""Where the app's own files are: the ``resources/`` folder, in a clone, a wheel or a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """Return the folder that holds the built-in lessons (and later icons and schemas).

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
