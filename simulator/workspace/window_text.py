"""What the main window's title, status fields and banner say, composed from the model (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .frames import Frame
from .numbers import format_number
from .workspace import describe_divergence

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


def recovered_title(lesson_title: str) -> str:
    """Return the window's title for work restored from an autosave that had no file yet."""
    return window_title(f"{lesson_title} (recovered)")


@dataclass(frozen=True)
class BannerChange:
    """What a new frame does to the banner over the landscape.

    ``do`` is ``"show"`` (``text`` at ``level``, with the rewind and lower-rate buttons when
    ``actions``), ``"retext"`` (only the text of the sentence shown changes), ``"hide"`` or
    ``"keep"``; ``explained`` is the status sentence the banner stands for afterwards, if any.
    """

    do: str
    explained: str | None
    text: str = ""
    level: str = ""
    actions: bool = False


def banner_change(frame: Frame, explained: str | None, shown: bool,
                  offering: bool) -> BannerChange:
    """Return what the banner does for ``frame``.

    ``explained`` is the status sentence it stands for now (None: none), ``shown`` whether
    it is on screen, ``offering`` whether it offers the divergence's ways out. A divergence
    is shown as an error with its ways out. A status sentence (undefined, walking away,
    stalled) is shown as a warning; while it is on screen a new sentence only retexts it
    (its numbers move while playing), and one the user closed stays closed until it changes.
    Once neither holds, a divergence's or a sentence's banner goes.
    """
    if frame.status == "diverged":
        return BannerChange("show", None, describe_divergence(frame), "error", actions=True)
    if frame.explanation:
        if explained is not None and shown:
            return BannerChange("retext", frame.explanation, frame.explanation)
        if explained != frame.explanation:
            return BannerChange("show", frame.explanation, frame.explanation, "warning")
        return BannerChange("keep", explained)
    if offering or explained is not None:
        return BannerChange("hide", None)
    return BannerChange("keep", None)
