"""Drawing only what can be seen: a view off screen keeps its latest drawing for later.

A panel under another dock's tab, on a tab not chosen, or in a folded section cannot be
seen, yet redrawing it on every paced frame costs as much as if it could. A view asks
its ``Deferred`` first: off screen, the drawing is kept (only the newest one of each
kind) and done when the view comes back — on its ``showEvent``, or when its dock's tab
is chosen again (``catch_up_within``, which the main window calls). A view mixes in
``DrawsWhenSeen`` for all of that: ``draw_when_seen``, ``showEvent`` and ``catch_up``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget


def off_screen(widget: QWidget) -> bool:
    """Return whether a widget of a shown window cannot be seen now.

    Hidden (a tab not chosen, a folded section) or covered (under another dock's tab,
    where Qt keeps it "visible" with nothing of it on screen). A widget whose window is
    not shown counts as on screen: figures and tests draw such widgets.
    """
    if not widget.window().isVisible():
        return False
    return not widget.isVisible() or widget.visibleRegion().isEmpty()


def hidden(widget: QWidget) -> bool:
    """Return whether a widget of a shown window is hidden (a folded section, a tab not chosen).

    Unlike ``off_screen``, a widget scrolled out of sight counts as shown: scrolling back
    sends it no event to catch up on.
    """
    return widget.window().isVisible() and not widget.isVisible()


class Deferred:
    """The drawings a view put off while it was off screen: the newest of each kind."""

    def __init__(self) -> None:
        self._pending: dict[str, Callable[[], None]] = {}

    def put_off(self, widget: QWidget, kind: str, draw: Callable[[], None],
                unseen: Callable[[QWidget], bool] = off_screen) -> bool:
        """Return True, keeping ``draw`` for later, when ``widget`` is ``unseen``.

        Seen, an older drawing of the same kind is dropped (the caller draws anew).
        """
        if unseen(widget):
            self._pending[kind] = draw
            return True
        self._pending.pop(kind, None)
        return False

    def forget(self) -> None:
        """Drop every drawing put off (a new problem: they drew the old one)."""
        self._pending.clear()

    @property
    def pending(self) -> bool:
        """Return whether some drawing waits for the view to come back."""
        return bool(self._pending)

    def catch_up(self) -> None:
        """Do the drawings put off, in the order they were first put off."""
        pending, self._pending = self._pending, {}
        for draw in pending.values():
            draw()


class DrawsWhenSeen:
    """A view's drawing put off while it is off screen, and done when it comes back.

    Mixed in before ``QWidget`` (``class LossView(DrawsWhenSeen, QWidget)``): the view
    draws through ``draw_when_seen``, calls ``forget_drawings`` on a new problem, and
    gets ``showEvent`` and ``catch_up`` from here.
    """

    @property
    def drawings(self) -> Deferred:
        """Return the drawings put off (made on first use: Qt's ``__init__`` stays alone)."""
        drawings = self.__dict__.get("_drawings")
        if drawings is None:
            drawings = self.__dict__["_drawings"] = Deferred()
        return drawings

    def draw_when_seen(self, kind: str, draw: Callable[[], None]) -> None:
        """Draw now, or keep ``draw`` (the newest of its ``kind``) until the view is seen."""
        if not self.drawings.put_off(self, kind, draw):
            draw()

    def forget_drawings(self) -> None:
        """Drop every drawing put off (a new problem: they drew the old one)."""
        self.drawings.forget()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Draw what came while the view was off screen."""
        super().showEvent(event)
        self.catch_up()

    def catch_up(self) -> None:
        """Draw what was put off while off screen (its dock's tab chosen again)."""
        self.drawings.catch_up()


def catch_up_within(root: QWidget) -> None:
    """Let every view in a widget (a dock that came back on screen) draw what it put off."""
    for widget in (root, *root.findChildren(QWidget)):
        catch_up = getattr(widget, "catch_up", None)
        if callable(catch_up):
            catch_up()
