"""A snapshot of everything a view draws, taken from a workspace, and how to show it to a view.

The window's views get their state over time (grids arrive from the thread pool, coarse
first); a figure is drawn once, so its grids are computed here at their finest, in
this thread, and handed to a fresh view through the same inbound setters the
controller's signals feed (``binding.INBOUND``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..binding import INBOUND


@dataclass(frozen=True)
class FigureState:
    """What every view may draw: the values of the controller's inbound signals by setter name."""

    values: dict[str, Any]
    title: str

    @classmethod
    def of(cls, workspace, view=None) -> FigureState:
        """Return the workspace's state now, with its grids computed at their finest.

        Given a ``view``, only the grids it has a setter for are computed (a landscape
        needs no decision map): the frames of a walk each cost only their own view's.
        """
        values: dict[str, Any] = {
            "set_problem": workspace.problem_info(),
            "set_axes": workspace.axes,
            "set_playing": False,
            "set_lesson_frame": workspace.lesson_frame(),
            "set_stepper": workspace.stepper_frame(),
        }
        frame = workspace.frame(False)
        values["set_frame"] = values["paint_frame"] = values["paint_diagram"] = frame
        for setter, request in (("set_landscape", workspace.landscape_request()),
                                ("set_decision", workspace.decision_request()),
                                ("set_neuron_maps", workspace.neuron_maps_request()),
                                ("set_trace", workspace.trace_request())):
            if request is not None and (view is None or hasattr(view, setter)):
                values[setter] = request.stages[-1]()  # the last stage is the finest
        return cls(values, workspace.lesson.title)

    def show_to(self, view) -> None:
        """Call each of a view's inbound setters with this state, in the controller's order."""
        for _signal, setter in INBOUND:
            if setter in self.values and hasattr(view, setter):
                getattr(view, setter)(self.values[setter])
