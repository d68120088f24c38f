"""Undo for the controller: edits as pairs of workspace mementos, and verbs made from a table.

``Restore`` is the command a ``QUndoStack`` holds: the workspace's state before and after
an edit, so undo and redo never depend on which ``Session`` object is live. ``setting``,
``undoable`` and ``stepper_verb`` make the controller's pass-through verbs from one line each.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from simulator.workspace.workspace import Memento


def setting(name: str, doc: str):
    """Return a controller verb that passes its arguments to the workspace verb ``name``."""
    def verb(self, *args):
        return self._use(getattr(self.workspace, name), *args)
    verb.__name__, verb.__doc__ = name, doc
    return verb


def undoable(name: str, text: str, doc: str):
    """Return an undoable verb; ``text`` names it in the Edit menu, ``{}`` for its arguments."""
    def verb(self, *args):
        return self._edit(text.format(*args), getattr(self.workspace, name), *args)
    verb.__name__, verb.__doc__ = name, doc
    return verb


def stepper_verb(name: str, doc: str):
    """Return a verb that moves the backprop stepper through the workspace verb ``name``."""
    def verb(self, *args):
        return self._stepper_do(getattr(self.workspace, name), *args)
    verb.__name__, verb.__doc__ = name, doc
    return verb


class Restore(QUndoCommand):
    """An undoable edit: the workspace's state before and after it, as mementos."""

    def __init__(self, text: str, controller, before: Memento, after: Memento):
        super().__init__(text)
        self._controller, self._before, self._after = controller, before, after
        self._done = True  # pushed after the edit was made: the first redo has nothing to do

    def redo(self) -> None:
        """Put the workspace in its state after the edit (the first time: it is there)."""
        if self._done:
            self._done = False
            return
        self._controller.restore(self._after)

    def undo(self) -> None:
        """Put the workspace back in its state before the edit."""
        self._controller.restore(self._before)
