"""The controller: the verbs views and controls ask for, passed to the Workspace, with undo.

Views and controls emit intents; the main window connects them to the methods here,
which pass them to the ``Workspace`` and then publish what changed, once (through the
base, ``Publisher``: the signals, the speed, the pacing, the background work). A verb the workspace
refuses becomes a message, and nothing changes. Edits a user may regret are pushed on a
``QUndoStack`` as two mementos of the workspace (before and after). Each tick of the play
timer steps the run, by ``workspace.play_rules``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoStack

from simulator.workspace.errors import EditError
from simulator.workspace.formula_builds import BuiltFormula, Change
from simulator.workspace.play_rules import end_of_play, refusal_to_play
from simulator.workspace.workspace import Memento, Workspace

from .grids import FormulaBuilds
from .publisher import Publisher
from .undo import Restore, setting, stepper_verb, undoable

#: how long sympy may work on a new formula (in the formula worker) before it is refused
FORMULA_SECONDS = 2.0


class SessionController(Publisher):
    """The one place that changes the workspace; views subscribe to its signals (``Publisher``)."""

    def __init__(self, parent: QObject | None = None, workspace: Workspace | None = None):
        super().__init__(parent, workspace)
        self.undo_stack = QUndoStack(self)
        self.builds = FormulaBuilds(self.grids, FORMULA_SECONDS, self.formulaWorking.emit,
                                    self._say)
        self._timer.timeout.connect(self.tick)

    # ----- doing, and saying what changed ---------------------------------------------------

    def _do(self, verb: Callable, *args, **kwargs) -> bool:
        """Run a workspace verb; a refusal becomes a message. Publish what changed."""
        try:
            verb(*args, **kwargs)
        except EditError as exc:
            self._say(str(exc))
            self._publish()
            return False
        self._publish()
        return True

    def _use(self, verb: Callable, *args) -> bool:
        """Run a verb on the open lesson; with none open yet (its formula on the way), do nothing."""
        return self.ready and self._do(verb, *args)

    def _edit(self, text: str, verb: Callable, *args, **kwargs) -> bool:
        """Run a verb as one undoable edit (none before a lesson is open)."""
        if not self.ready:
            return False
        before = self.workspace.memento()
        self.pause()
        if not self._do(verb, *args, **kwargs):
            return False
        self.undo_stack.push(Restore(text, self, before, self.workspace.memento()))
        return True

    def restore(self, memento: Memento) -> None:
        """Put the workspace back in a remembered state (undo and redo)."""
        self.pause()
        self._do(self.workspace.restore, memento)

    # ----- files --------------------------------------------------------------------------

    def open_file(self, path: str, now: bool = False,
                  otherwise: Callable[[], None] | None = None) -> bool:
        """Open a lesson file (a bad one gets a message, and the lesson stays); see ``_change``."""
        return self._change(self.workspace.opening, path, now=now, otherwise=otherwise,
                            then=lambda: self.fileChanged.emit(self.workspace.path))

    def save_file(self, path: str) -> bool:
        """Save the current state as a lesson (weights included), atomically."""
        if not self._use(self.workspace.save_file, path):
            return False
        self.undo_stack.setClean()
        self.fileChanged.emit(self.workspace.path)
        self.message.emit("info", f"Saved {path.rsplit('/', 1)[-1]}")
        return True

    def _afresh(self, verb: Callable, *args) -> bool:
        """Run a verb that starts a new run, with an empty undo history (if it worked)."""
        self.pause()
        if not self._do(verb, *args):
            return False
        self.undo_stack.clear()
        return True

    def _change(self, plan: Callable[..., Change], *args, edit: str | None = None,
                now: bool = False, then: Callable[[], None] | None = None,
                say: Callable[[str], None] | None = None,
                otherwise: Callable[[], None] | None = None) -> bool:
        """Make a workspace change once its formula is built (``FormulaBuilds.start``).

        It starts afresh, or is one undoable ``edit``; then ``then`` runs, or ``otherwise``
        once a refusal has been said.
        """
        def made(change: Change, built: BuiltFormula | None) -> bool:
            done = (self._edit(edit, change.make, built) if edit is not None else
                    self._afresh(change.make, built))
            if done and then is not None:
                then()
            elif not done:
                self.formulaWorking.emit("")  # refused when made: "Working out…" goes
                if otherwise is not None:
                    otherwise()
            return done
        return self.builds.start(lambda: plan(*args), made, say, now, otherwise)

    def new_file(self, lesson, then: Callable[[], None] | None = None) -> bool:
        """Start a new lesson in no file yet (clears undo; Save asks for a name); ``then`` once done."""
        return self._change(self.workspace.resuming, lesson, 0, None, then=then)

    def recover(self, lesson, step: int, path: str | None, then: Callable[[], None] | None = None,
                otherwise: Callable[[], None] | None = None) -> bool:
        """Reopen work recovered from an autosave, unsaved, at its step; see ``_change``."""
        def recovered() -> None:
            self.undo_stack.resetClean()  # the recovered work is in no file yet
            if path:
                self.fileChanged.emit(path)
            if then is not None:
                then()
        return self._change(self.workspace.resuming, lesson, step, path, then=recovered,
                            otherwise=otherwise)

    def set_lesson(self, lesson, then: Callable[[], None] | None = None) -> bool:
        """Start afresh on a lesson object (clears undo), its formula built off this thread."""
        return self._change(self.workspace.starting, lesson, then=then)

    def set_lesson_now(self, lesson) -> bool:
        """``set_lesson`` with the formula built on this thread: for scripts and tests only."""
        return self._change(self.workspace.starting, lesson, now=True)

    # ----- a lesson's steps (a demonstration) -------------------------------------------------

    def go_to_step(self, k: int) -> bool:
        """Enter step k (0-based) of the lesson: its state exactly, and what it shows.

        Moving between steps is not an edit: the undo history starts again at each step,
        since an edit undone in another step's state would mix the two.
        """
        return self.ready and self._afresh(self.workspace.enter_step, k)

    def next_step(self) -> bool:
        """Enter the next step (the first, before any); at the last, say so."""
        return self._step_by(1)

    def previous_step(self) -> bool:
        """Enter the step before this one; at the first, say so."""
        return self._step_by(-1)

    def _step_by(self, delta: int) -> bool:
        if not self.ready:
            return False
        try:
            k = self.workspace.step_after(delta)
        except EditError as exc:
            self.message.emit("info", str(exc))
            return False
        return self.go_to_step(k)

    # ----- stepping and playing -----------------------------------------------------------

    def play(self) -> None:
        """Start stepping on the timer (not once diverged, until rewound)."""
        if self.playing or not self.ready:
            return
        refusal = refusal_to_play(self.workspace, self.frame())
        if refusal is not None:
            self.message.emit("warning", refusal)
            return
        self._timer.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        """Stop the play timer and show everything at full detail."""
        if self._timer.isActive():
            self._timer.stop()
            self.playingChanged.emit(False)
            self._publish()

    def stop_background(self, wait_ms: int = 3000) -> bool:
        """Drop the background work and wait up to ``wait_ms`` for it (the window closes).

        The exact nudge's worker is killed, so the pool need not wait for it. Returns
        whether every job finished in time.
        """
        self.nudges.cancel()
        self.grids.cancel()
        return self.grids.wait(wait_ms)

    def toggle_play(self) -> None:
        """Play when paused, pause when playing."""
        self.pause() if self.playing else self.play()

    def tick(self) -> None:
        """One frame of play: k engine steps, then one frame."""
        ws = self.workspace
        try:
            ws.step(self.steps_per_frame)
        except EditError as exc:  # J is undefined where the hiker stands: nothing to step
            self.pause()
            self.message.emit("warning", str(exc))
            return
        stop, said = end_of_play(ws, self._publish())
        if stop:
            self.pause()
        if said is not None:
            self.message.emit("info", said)

    def step(self) -> None:
        """Take one optimizer step (Right arrow)."""
        self._use(self.workspace.step, 1)

    def step_back(self) -> None:
        """Go back one step, exactly (Left arrow)."""
        self.pause()
        if self.workspace.racers:
            self.message.emit("info", "A race cannot step back: Reset starts it again.")
            return
        self._use(self.workspace.step_back)

    def seek(self, step: int) -> None:
        """Put the run in its exact state at a recorded step (the history slider)."""
        self.pause()
        if not self.workspace.racers:
            self._use(self.workspace.seek, step)

    def reset(self) -> None:
        """Back to step 0 of this run (R)."""
        self.pause()
        self._use(self.workspace.reset)

    # ----- settings (not undoable: they take effect from this step on) ------------------------

    set_learning_rate = setting("set_learning_rate", "Change the learning rate from this step on.")
    set_optimizer = setting("set_optimizer", "Switch optimizer from this step on.")
    set_hyperparameter = setting("set_hyperparameter", "Change one hyper-parameter of the optimizer.")
    set_batch_size = setting("set_batch_size", "Change the batch size (None: full batch).")
    set_schedule = setting("set_schedule", "Change how η varies with the step (kind, settings).")
    set_axes = setting("set_axes", "Draw the landscape over two parameters (θ indices).")
    set_axis = setting("set_axis", "Use one parameter as the landscape's X or Y axis.")
    set_direction_axes = setting("set_direction_axes", "Draw the landscape along random or PCA directions.")
    set_sample = setting("set_sample", "Follow another training sample in the diagram.")
    set_epsilon = setting("set_epsilon", "Nudge by another ε in the nudge test (typed text).")
    set_nudge_variable = setting("set_nudge_variable", "Choose the variable the nudge moves.")

    # ----- edits (undoable) -----------------------------------------------------------------

    add_neuron = undoable("add_neuron", "Add a neuron to layer {}", "Add a neuron to a hidden layer.")
    add_layer = undoable("add_layer", "Add a hidden layer", "Add a hidden layer before the output.")
    remove_layer = undoable("remove_layer", "Remove the last hidden layer", "Remove the last hidden layer.")
    reinitialise = undoable("reinitialise", "Re-initialise the weights ({}, seed {})",
                            "Start afresh from weights drawn by an initialisation and a seed.")
    regenerate_dataset = undoable("regenerate_dataset", "Regenerate dataset", "Draw the data again.")
    add_point = undoable("add_point", "Add a point", "Add a training point (inputs then target).")
    remove_point = undoable("remove_point", "Remove a point", "Remove a point (training, then test).")
    remove_neuron = undoable("remove_neuron", "Remove a neuron from layer {}",
                              "Remove a neuron (the last, or one by index) from a hidden layer.")
    set_layer_activation = undoable("set_layer_activation", "Layer {} activation: {}",
                                     "Set one hidden layer's activation.")
    set_lesson_text = undoable("set_lesson_text", "Lesson properties",
                               "Change the lesson's title, description and steps' texts.")

    def set_parameters(self, values: dict[int, float], text: str) -> bool:
        """Set some entries of θ as one undoable edit."""
        return self._edit(text, self.workspace.set_parameters, values)

    def set_weight(self, index: int, value: float) -> bool:
        """Set one weight or bias (“Set W2[1,0] to 0.5”)."""
        self.background.preview = None
        if not self.ready:
            return False
        name = self.workspace.problem.names[index]
        return self.set_parameters({index: value}, f"Set {name} to {value:.4g}")

    def move_hiker(self, x: float, y: float) -> bool:
        """Put the hiker at (x, y) on the landscape's axes."""
        if not self.ready:
            return False
        values = self.workspace.hiker_values(x, y)
        return self.set_parameters(values, f"Move hiker to {self.workspace.describe_values(values)}")

    def set_network_option(self, text: str, **changes) -> bool:
        """Change network fields (activation, regularization…) as one edit named ``text``."""
        return self._edit(text, self.workspace.set_network_option, **changes)

    set_hidden_activation = undoable("set_hidden_activation", "Activation: {}",
                                     "Use one activation in every hidden layer.")
    set_regularization = undoable("set_regularization", "Regularization: {}",
                                  "Penalize large weights (l2 or l1 at a rate), or not (None).")
    set_dataset_setting = undoable("set_dataset_setting", "Dataset {}: {}",
                                   "Change one dataset setting (noise, samples, seed…).")
    toggle_feature = undoable("toggle_feature", "Input feature {}",
                              "Switch one input feature (x1^2, sin(x2)…) on or off.")

    def choose(self, text: str, **choice: str) -> bool:
        """Choose an output, loss or dataset, with what it needs; say what else changed."""
        said: list[str] = []

        def plan() -> None:
            said.extend(self.workspace.plan_choice(**choice))
        done = self._edit(text, plan)
        if done and said:
            self.message.emit("note", "To make this work, " + "; ".join(said) + ".")
        return done

    def choose_output(self, name: str) -> bool:
        """Use another output activation (the loss follows if it must)."""
        return self.choose(f"Output activation: {name}", output=name)

    def choose_loss(self, name: str) -> bool:
        """Use another loss (the output activation follows if it must)."""
        return self.choose(f"Loss: {name}", loss=name)

    def choose_dataset(self, name: str) -> bool:
        """Train on another generated dataset (the network's ends follow if they must)."""
        return self.choose(f"Dataset: {name}", dataset=name)

    def import_points(self, points) -> bool:
        """Learn points read from a file (``table_import.ImportedPoints``), as one edit."""
        said: list[str] = []
        done = self._edit("Import data", lambda: said.append(self.workspace.import_points(points)))
        if done:
            self.message.emit("note", said[0])
        return done

    def export_points(self, path: str) -> bool:
        """Write the current points to a CSV file (atomically); say how many."""
        written: list[int] = []
        if not self._use(lambda: written.append(self.workspace.export_points(path))):
            return False
        self.message.emit("info", f"Wrote {written[0]:,} points to {path.rsplit('/', 1)[-1]}")
        return True

    def set_dataset(self, **changes) -> bool:
        """Change the dataset's settings (a new run)."""
        return self._edit("Change dataset", self.workspace.set_dataset, **changes)

    def set_formula(self, text: str) -> str | None:
        """Descend a typed formula; return (and emit) the error shown under the field, or None.

        Our parser answers at once; the formula is one undoable edit once its sympy work
        arrives from the pool (``formulaChecked("")``), or is refused under the field.
        """
        said: list[str] = []
        if not self.ready:
            return None
        self._change(self.workspace.typing, text, edit=f"Formula {text}",
                     then=lambda: self.formulaChecked.emit(""),
                     say=lambda error: said.append(error) or self.formulaChecked.emit(error))
        return said[0] if said else None

    def set_surface(self, name: str) -> bool:
        """Descend a built-in surface (one undoable edit, once its formula is built)."""
        return self._change(self.workspace.surface, name, edit=f"Surface {name}")

    def set_network_lesson(self, path: str) -> bool:
        """Switch to a built-in network lesson (undoable, unlike opening a file)."""
        return self._change(self.workspace.opening, path, True, edit=f"Network {Path(path).stem}")

    # ----- the backprop stepper (not edits: moving through a walk changes no state) -------------

    def _stepper_do(self, verb: Callable, *args) -> bool:
        """Run a stepper verb; only the stepper's frame goes out (one redraw per key press)."""
        if not self.ready:
            return False
        try:
            verb(*args)
        except EditError as exc:
            self.message.emit("info", str(exc))
            return False
        self._publish_stepper()
        return True

    stepper_next = stepper_verb("stepper_next", "Go to the stepper's next operation.")
    stepper_previous = stepper_verb("stepper_previous", "Go back one operation in the stepper.")
    stepper_go = stepper_verb("stepper_go", "Go to one operation of the stepper's walk.")
    stepper_jump = stepper_verb("stepper_jump",
                                "Go to the start of the forward pass, the backward pass or the update.")
    set_stepper_batch = stepper_verb("set_stepper_batch",
                                     "Step through the batch's mean (True) or the chosen sample (False).")

    # ----- race -----------------------------------------------------------------------------

    def start_race(self, names: list[str]) -> bool:
        """Race hikers with these optimizers from the same point, at the lesson's learning rate."""
        self.pause()
        return self._use(self.workspace.start_race_of, names)

    def stop_race(self) -> None:
        """End the race."""
        self.pause()
        self._use(self.workspace.stop_race)
