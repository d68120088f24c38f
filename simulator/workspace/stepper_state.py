"""Where the backprop stepper is: the operation reached, the batch view, and the walk it steps.

The walk (``stepper.network_operations`` or ``stepper.formula_operations``) is made again
only when what it is of changes: another θ (an optimizer step, an edit), another sample,
the batch view, other optimizer settings or another problem. The operation reached stays
where it was, so a teacher can take a step and see the same operation's new numbers; a
new problem starts again at the first operation.
"""

from __future__ import annotations

import numpy as np

from simulator.engine.problems import NetworkProblem

from .errors import EditError
from .frames import StepperFrame
from .stepper import PHASES, formula_operations, network_operations

PHASE_WORDS = {"forward": "forward pass", "backward": "backward pass", "update": "update"}


class StepperState:
    """The stepper's place in its walk, for one workspace."""

    def __init__(self) -> None:
        self.index = 0
        self.batch = False
        self._key: tuple | None = None
        self._operations = None
        self._note = ""
        self._revision: int | None = None
        self._frame: StepperFrame | None = None

    def frame(self, workspace) -> StepperFrame:
        """Return what the stepper shows now (the same object until something changes)."""
        session = workspace.lead_session()
        problem = workspace.problem
        key = (workspace.revision, id(session), session.theta.tobytes(), session.optimizer.t,
               session.config, workspace.sample, self.batch)
        if key != self._key:
            if workspace.revision != self._revision:
                self.index = 0
                self._revision = workspace.revision
            self._key = key
            self._operations, self._note = self._walk(workspace, problem, session)
            self._frame = None
        count = len(self._operations) if self._operations is not None else 0
        self.index = min(self.index, max(count - 1, 0))
        frame = self._frame
        if frame is None or frame.index != self.index:
            is_network = isinstance(problem, NetworkProblem)
            kind = "none" if not count else "network" if is_network else "formula"
            frame = self._frame = StepperFrame(
                kind, self._note, self._operations, self.index, workspace.sample,
                problem.sample_count if is_network else 0, self.batch and is_network,
                session.step_count, workspace.revision)
        return frame

    def _walk(self, workspace, problem, session):
        """Return the walk at the run's θ and what it is of (or None and why there is none)."""
        theta = session.theta
        rate = session.config.rate_at(session.step_count)  # η of the next step
        with np.errstate(all="ignore"):  # a diverged θ walks through undefined numbers
            if isinstance(problem, NetworkProblem):
                data = problem.inputs  # what the input neurons see: the features of the data
                operations = network_operations(problem.network, theta, data.x_train,
                                                data.y_train, workspace.sample, self.batch,
                                                session.optimizer, rate)
                return operations, f"Stepping through {operations.describe}."
            info = workspace.problem_info()
            if info.formula is None:
                return None, info.formula_error or "This formula has no computation graph."
            values = info.formula.at(theta)
            operations = formula_operations(info.formula, values, problem.gradient(theta),
                                            session.optimizer, rate)
        return operations, f"Stepping through the computation graph of {operations.describe}."

    # ----- verbs -----

    def go(self, workspace, index: int) -> None:
        """Go to operation ``index`` (0-based; beyond either end goes to that end)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise EditError(f"An operation is chosen by its number, got {index!r}.")
        count = self.frame(workspace).count
        if not count:
            raise EditError(self._note)
        self.index = int(min(max(index, 0), count - 1))

    def move(self, workspace, delta: int) -> None:
        """Go ``delta`` operations on (+1 next, −1 back); at either end say so."""
        frame = self.frame(workspace)
        if not frame.count:
            raise EditError(self._note)
        target = frame.index + delta
        if target >= frame.count:
            raise EditError("This is the last operation: every parameter has its update.")
        if target < 0:
            raise EditError("This is the first operation of the forward pass.")
        self.index = target

    def jump(self, workspace, phase: str) -> None:
        """Go to the first operation of a phase: ``forward``, ``backward`` or ``update``."""
        if phase not in PHASES:
            raise EditError(f"There is no phase {phase!r}: forward, backward or update.")
        frame = self.frame(workspace)
        if not frame.count:
            raise EditError(self._note)
        self.index = frame.phase_starts[phase]

    def set_batch(self, workspace, batch: bool) -> None:
        """Walk the batch's mean loss (True) or the chosen sample's (False)."""
        if batch and not isinstance(workspace.problem, NetworkProblem):
            raise EditError("A formula has no samples: its walk is the same either way.")
        self.batch = bool(batch)
