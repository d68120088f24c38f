"""Waiting for the controller's background grids to be computed and delivered."""

from PySide6.QtWidgets import QApplication


def settle(controller) -> None:
    """Let every pending grid (coarse, then fine) arrive and reach the views."""
    for _ in range(3):
        controller.grids.wait()
        QApplication.processEvents()
