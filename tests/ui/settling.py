"""Waiting for the controller's background grids, and new formulas, to be computed and delivered."""

from PySide6.QtWidgets import QApplication


def settle(controller) -> None:
    """Let every pending grid (coarse, then fine) arrive and reach the views."""
    for _ in range(3):
        controller.grids.wait()
        QApplication.processEvents()


def built(qtbot, controller, timeout: int = 60000) -> None:
    """Wait until a new formula being built off the GUI thread has arrived (and been taken)."""
    qtbot.waitUntil(lambda: not controller.builds.busy, timeout=timeout)
