"""What the main window's title, status fields and banner say, composed from the model (no Qt)."""

from __future__ import annotations

from pathlib import Path

from .frames import Frame
from .numbers import format_number

APP_NAME = "Backprop Hiker"
#: a message's longest word shown whole (longer ones widen the window past the screen)
LONGEST_WORD = 60
#: the status field's word for a run's status, where it is not the status capitalised
STATE_WORDS = {"escaping": "Walking away", "undefined": "Undefined here"}


def shortened(text: str, longest: int = LONGEST_WORD) -> str:
    """Return a message with each word longer than ``longest`` cut (a formula can be any length)."""
    return " ".join(w if len(w) <= longest else w[:longest - 1] + "…" for w in text.split(" "))


def status_texts(frame: Frame) -> dict[str, str]:
    """Return the status bar's fields for a frame: ``step``, ``loss``, ``grad`` and ``state``.

    A run that plays and is ready reads "Running"; other states are their word.
    """
    state = "running" if frame.playing and frame.status == "ready" else frame.status
    return {"step": f"Step {frame.step:,}",
            "loss": f"Loss {format_number(frame.loss)}",
            "grad": f"‖∇L‖ {format_number(frame.gradient_norm)}",
            "state": STATE_WORDS.get(state, state.capitalize())}


def window_title(name: str) -> str:
    """Return the window's title for a lesson's name (``[*]`` is where Qt marks unsaved edits)."""
    return f"{name}[*] — {APP_NAME}"


def file_title(path: str) -> str:
    """Return the window's title for a lesson file: its file name."""
    return window_title(Path(path).name)
