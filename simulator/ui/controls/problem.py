"""The problem's part of the controls: what the hiker walks on, the network and its data."""

from __future__ import annotations

import re
from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from simulator.engine.datasets import DESCRIPTIONS, GENERATORS, MAX_SAMPLES
from simulator.engine.functions import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from simulator.lessons.catalog import builtin_lessons
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson
from simulator.lessons.model import ExpressionSpec, Lesson, NetworkSpec
from simulator.workspace.frames import ProblemInfo

from ..theme import ui_font
from .widgets import Note, NumberBox, Section, compact_combo, select_data

ACTIVATION_NAMES = {"linear": "Linear", "relu": "ReLU", "leaky_relu": "Leaky ReLU",
                    "tanh": "Tanh", "sigmoid": "Sigmoid", "softmax": "Softmax"}
LOSS_NAMES = {"mse": "Mean squared error", "bce": "Binary cross-entropy",
              "cross_entropy": "Cross-entropy"}
REGULARIZATION_NAMES = {None: "None", "l2": "L2 (weight decay)", "l1": "L1 (sparse weights)"}
DEFAULT_REGULARIZATION_RATE = 0.001
FORMULA_TIP = ("Type a cost J in one or two variables (w, or w1 and w2) and press Enter to "
               "walk down it, e.g. w1**2 + 10*w2**2. Use + - * / ** and sin, cos, exp, log, "
               "sqrt, abs, tanh, sigmoid, relu.")
_COLUMN = re.compile(r"column (\d+)")


#: how the dataset chooser names each dataset
DATASET_LABELS = {"circle": "Circle", "xor": "XOR", "gaussians": "Two Gaussians",
                  "spiral": "Spiral", "line": "Line (regression)", "curve": "Curve (regression)"}


class NetworkPlanError(ValueError):
    """A network setting that cannot go with the data (the message says why, in words)."""


def plan_network_change(spec: NetworkSpec, kind: str, classes: int, *, output: str | None = None,
                        loss: str | None = None, dataset: str | None = None
                        ) -> tuple[dict, list[str]]:
    """Return the network fields to change so a new choice works, and what else changed.

    ``kind`` and ``classes`` describe the data now (``"classification"`` or
    ``"regression"``). Binary cross-entropy needs a sigmoid output and cross-entropy a
    softmax one with one output per class; regression data (one input) needs a loss that
    compares numbers. Raises ``NetworkPlanError`` when the choice cannot work at all.
    """
    layers = list(spec.layers)
    out, cost = spec.output_activation, spec.loss
    if dataset is not None:
        was_regression = kind == "regression"
        kind = GENERATORS[dataset][1]
        classes = 0 if kind == "regression" else 2
        layers[0] = 1 if kind == "regression" else 2
        layers[-1] = 1  # generated sets have one target column (cross-entropy widens it below)
        if kind == "regression":
            cost = "mse"
            out = "linear" if out in ("sigmoid", "softmax") else out
        elif was_regression:
            out = "sigmoid"
    if loss is not None:
        if loss != "mse" and kind == "regression":
            raise NetworkPlanError(f"{LOSS_NAMES[loss]} compares classes, but these targets are "
                                   "numbers: use mean squared error.")
        cost = loss
        if loss == "bce":
            out = "sigmoid"
        elif loss == "cross_entropy":
            out = "softmax"
        elif out == "softmax":
            out = "sigmoid"
    if output is not None:
        if output == "softmax" and kind == "regression":
            raise NetworkPlanError("Softmax turns outputs into class probabilities, but these "
                                   "targets are numbers.")
        out = output
        if output == "softmax":
            cost = "cross_entropy"
        elif output == "sigmoid" and cost == "cross_entropy":
            cost = "bce"
        elif output != "sigmoid" and cost in ("bce", "cross_entropy"):
            cost = "mse"
    if cost == "cross_entropy":
        layers[-1] = max(2, classes)
    elif spec.loss == "cross_entropy" and dataset is None:
        layers[-1] = 1
    changes: dict = {}
    said: list[str] = []
    if out != spec.output_activation and out != output:
        said.append(f"the output activation is now {ACTIVATION_NAMES[out]}")
    if cost != spec.loss and cost != loss:
        said.append(f"the loss is now {LOSS_NAMES[cost]}")
    if out != spec.output_activation:
        changes["output_activation"] = out
    if cost != spec.loss:
        changes["loss"] = cost
    if tuple(layers) != spec.layers:
        changes.update(layers=tuple(layers), weights=None, biases=None)
        if layers[0] != spec.layers[0]:
            said.append(f"the network has {layers[0]} input{'s' if layers[0] > 1 else ''}")
        if layers[-1] != spec.layers[-1]:
            said.append(f"it has {layers[-1]} output{'s' if layers[-1] > 1 else ''}")
        said.append("its weights start afresh")
    return changes, said


def builtin_network_lessons() -> list[Lesson]:
    """Return the built-in lessons whose problem is a network, in teaching order."""
    lessons = []
    for path in builtin_lessons():
        try:
            lesson = load_lesson(path)
        except LessonError:
            continue  # a broken built-in is reported by the lesson tests, not here
        if isinstance(lesson.problem, NetworkSpec):
            lessons.append(lesson)
    return lessons


def _surfaces() -> dict:
    try:
        from simulator.symbolic.surfaces import SURFACES
    except ImportError:
        return {}
    return SURFACES


class ProblemSection(Section):
    """Choose what the hiker walks on: a network lesson, a built-in surface or a typed formula."""

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__("Problem", "What the hiker walks on.", parent=parent)
        self.controller = controller
        self.lessons = builtin_network_lessons()
        self.surfaces = _surfaces()

        self.chooser = compact_combo("Choose what the hiker walks down: a small network "
                                     "learning a dataset, or a built-in cost surface.", 12)
        self.chooser.setMaxVisibleItems(24)
        self._model = QStandardItemModel(self.chooser)
        self.chooser.setModel(self._model)
        self._header("Network lessons")
        self._current = self._entry("", "current", "The lesson that is open now")
        for k, lesson in enumerate(self.lessons):
            self._entry(lesson.title, f"lesson:{k}", lesson.description or lesson.title)
        self._header("Surfaces")
        if self.surfaces:
            for name, surface in self.surfaces.items():
                self._entry(surface.title, f"surface:{name}",
                            f"{surface.description}\nJ = {surface.expression}")
        else:
            self._entry("(surfaces are not available)", "none",
                        "The built-in surfaces could not be loaded").setEnabled(False)
        self._header("Your formula")
        self._entry("Typed formula (below)", "formula", "Walk down the formula typed below")
        self.chooser.activated.connect(self._chosen)
        self.add_wide(self.chooser)

        self.formula = QLineEdit()
        self.formula.setPlaceholderText("e.g. w1**2 + 10*w2**2")
        self.formula.setClearButtonEnabled(True)
        self.formula.setToolTip(FORMULA_TIP)
        self.formula.returnPressed.connect(self.apply_formula)
        for clear in self.formula.findChildren(QToolButton):
            clear.setToolTip("Clear the formula field")
        self.formula_go = QPushButton("Go")
        self.formula_go.setToolTip("Walk down the typed formula (same as pressing Enter)")
        self.formula_go.clicked.connect(self.apply_formula)
        hint = QLabel("…or type a cost J and press Enter:")
        hint.setWordWrap(True)
        hint.setToolTip(FORMULA_TIP)
        self.add_wide(hint)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        caption = QLabel("J =")
        caption.setBuddy(self.formula)
        caption.setToolTip(FORMULA_TIP)
        line.addWidget(caption)
        line.addWidget(self.formula, 1)
        line.addWidget(self.formula_go)
        self.add_wide(row)
        self.formula_error = Note("error")
        self.add_wide(self.formula_error)
        self.note = Note("info")
        self.add_wide(self.note)

    def _header(self, text: str) -> None:
        if self._model.rowCount():
            self.chooser.insertSeparator(self._model.rowCount())
        item = QStandardItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        item.setFont(ui_font(1.1, bold=True))
        self._model.appendRow(item)

    def _entry(self, text: str, key: str, tip: str) -> QStandardItem:
        item = QStandardItem(text)
        item.setData(key, Qt.ItemDataRole.UserRole)
        item.setToolTip(tip)
        self._model.appendRow(item)
        return item

    def _chosen(self, index: int) -> None:
        key = self.chooser.itemData(index) or ""
        if key.startswith("lesson:"):
            self.controller.set_network_problem(self.lessons[int(key.split(":")[1])])
        elif key.startswith("surface:"):
            self.controller.set_surface(key.split(":", 1)[1])
        elif key == "formula":
            self.formula.setFocus()
            if self.formula.text().strip():
                self.apply_formula()

    def apply_formula(self) -> None:
        """Walk down the typed formula, or show why it cannot be used right under the field."""
        text = self.formula.text().strip()
        if not text:
            self.formula_error.show_text("Type a formula first, e.g. w1**2 + 10*w2**2")
            return
        try:
            error = self.controller.set_formula(text)
        except ImportError:
            error = "formulas need the symbolic part of Backprop Hiker, which is missing"
        self.formula_error.show_text(error)
        if error:
            column = _COLUMN.search(error)
            if column:
                self.formula.setCursorPosition(max(0, int(column.group(1)) - 1))
            self.formula.setFocus()

    def show_problem(self, info: ProblemInfo) -> None:
        """Select the entry of the problem now open; a formula also fills the field."""
        spec = info.lesson.problem
        key = "current"
        if isinstance(spec, ExpressionSpec):
            surface = self.surfaces.get(spec.surface or "")
            key = f"surface:{spec.surface}" if surface is not None and \
                surface.expression == spec.expression else "formula"
            self.formula.setText(spec.expression)
        else:
            key = next((f"lesson:{k}" for k, lesson in enumerate(self.lessons)
                        if lesson.title == info.lesson.title), "current")
        self.formula_error.show_text(None)
        self._current.setText(f"{info.lesson.title} (open now)")
        self.chooser.view().setRowHidden(self._current.row(), key != "current")
        select_data(self.chooser, key)
        self.note.show_text(None if info.is_network else
                            "Activation, loss, data and batch size belong to networks; "
                            "this problem is a formula.")


class _NetworkSettings(Section):
    """A section showing part of a network lesson's settings; redrawn from the last problem."""

    def __init__(self, controller, title: str, tip: str, parent: QWidget | None = None):
        super().__init__(title, tip, parent=parent)
        self.controller = controller
        self._info: ProblemInfo | None = None

    def show_problem(self, info: ProblemInfo) -> None:
        """Show the settings of a problem (nothing for a formula)."""
        raise NotImplementedError

    def _reshow(self) -> None:
        """Show the last problem again (after an edit the controller refused)."""
        if self._info is not None:
            self.show_problem(self._info)


class NetworkSection(_NetworkSettings):
    """Activation, output activation, loss and regularization of the network."""

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(controller, "Network",
                         "How the network computes and what it is scored by.", parent)

        self.activation = compact_combo("The function every hidden neuron applies to its "
                                        "weighted sum z (all hidden layers at once).", 8)
        for name in HIDDEN_ACTIVATIONS:
            self._item(self.activation, name)
        self.activation.setPlaceholderText("mixed")
        self.activation.activated.connect(self._activation_chosen)
        self.add_row("Activation", self.activation)

        self.output = compact_combo("The function the output neurons apply: sigmoid gives a "
                                    "probability, softmax one per class, linear any number.", 8)
        for name in ACTIVATIONS:
            self._item(self.output, name)
        self.output.activated.connect(self._output_chosen)
        self.add_row("Output activation", self.output)

        self.loss = compact_combo("How wrong the network is: the height the hiker walks "
                                  "down. Some losses need a particular output activation.", 8)
        for name, loss in LOSSES.items():
            self.loss.addItem(LOSS_NAMES.get(name, name), name)
            need = f" (needs a {loss.requires} output)" if loss.requires else ""
            self.loss.setItemData(self.loss.count() - 1, f"L = {loss.formula}{need}",
                                  Qt.ItemDataRole.ToolTipRole)
        self.loss.activated.connect(self._loss_chosen)
        self.add_row("Loss", self.loss)

        self.regularization = compact_combo("A penalty on large weights added to the loss: "
                                            "L2 shrinks all weights, L1 pushes some to zero.", 8)
        for kind, label in REGULARIZATION_NAMES.items():
            self.regularization.addItem(label, kind)
        self.regularization.activated.connect(self._regularization_changed)
        self.add_row("Regularization", self.regularization)
        self.rate = NumberBox(0.0, 10.0, log_steps=True, step=DEFAULT_REGULARIZATION_RATE)
        self.rate.setValue(DEFAULT_REGULARIZATION_RATE)
        self.rate.setToolTip("How strong the weight penalty is (λ): 0 to 10. Type a value and "
                             "press Enter; the arrows multiply or divide by ten.")
        self.rate.valueChanged.connect(self._regularization_changed)
        self.add_row("Rate λ", self.rate)
        self.note = Note("info")
        self.add_wide(self.note)

    @staticmethod
    def _item(combo, name: str) -> None:
        act = ACTIVATIONS[name]
        combo.addItem(ACTIVATION_NAMES.get(name, name), name)
        combo.setItemData(combo.count() - 1, f"a = {act.formula}, da/dz = {act.derivative_formula}",
                          Qt.ItemDataRole.ToolTipRole)

    def _activation_chosen(self, index: int) -> None:
        name = self.activation.itemData(index)
        self.note.show_text(None)
        if not self.controller.set_network_option(f"Activation: {name}", activation=name):
            self._reshow()

    def _output_chosen(self, index: int) -> None:
        self._plan(f"Output activation: {self.output.itemData(index)}",
                   output=self.output.itemData(index))

    def _loss_chosen(self, index: int) -> None:
        self._plan(f"Loss: {self.loss.itemData(index)}", loss=self.loss.itemData(index))

    def _plan(self, text: str, **choice) -> None:
        info = self._info
        if info is None or not info.is_network:
            return
        data = info.problem.dataset
        try:
            changes, said = plan_network_change(info.lesson.problem, data.kind, data.classes,
                                                **choice)
        except NetworkPlanError as exc:
            self.note.show_text(str(exc), "warning")
            self._reshow()
            return
        if not changes:
            return
        if self.controller.set_network_option(text, **changes):
            self.note.show_text(_sentence(said), "info")
        else:
            self._reshow()

    def _regularization_changed(self, *_) -> None:
        kind = self.regularization.currentData()
        rate = self.rate.value()
        if kind is not None and rate == 0:
            rate = DEFAULT_REGULARIZATION_RATE
        label = REGULARIZATION_NAMES[kind].split(" ")[0]
        value = None if kind is None else (kind, rate)
        self.note.show_text(None)
        if not self.controller.set_network_option(f"Regularization: {label}",
                                                  regularization=value):
            self._reshow()

    def show_problem(self, info: ProblemInfo) -> None:
        """Show the network's settings (nothing to show for a formula)."""
        self._info = info
        spec = info.lesson.problem
        if not isinstance(spec, NetworkSpec):
            return
        same = len(set(spec.activation)) == 1
        select_data(self.activation, spec.activation[0] if same else "(mixed)")
        self.activation.setPlaceholderText("mixed" if spec.activation else "no hidden layer")
        select_data(self.output, spec.output_activation)
        select_data(self.loss, spec.loss)
        kind, rate = spec.regularization or (None, self.rate.value())
        select_data(self.regularization, kind)
        with QSignalBlocker(self.rate):
            self.rate.setValue(rate)
        self.rate.setEnabled(kind is not None)
        self.activation.setEnabled(bool(spec.activation))


class DatasetSection(_NetworkSettings):
    """The dataset: which one, its noise, size, train/test split and seed; draw it again."""

    def __init__(self, controller, parent: QWidget | None = None):
        super().__init__(controller, "Data", "The points the network learns from.", parent)

        self.name = compact_combo("Which dataset the network learns. The first four sort "
                                  "points into two classes; line and curve fit numbers.", 8)
        for name in GENERATORS:
            self.name.addItem(DATASET_LABELS.get(name, name.capitalize()), name)
            self.name.setItemData(self.name.count() - 1, DESCRIPTIONS[name].capitalize(),
                                  Qt.ItemDataRole.ToolTipRole)
        self.name.setPlaceholderText("your own points")
        self.name.activated.connect(self._name_chosen)
        self.add_row("Dataset", self.name)

        self.noise = QDoubleSpinBox()
        self.noise.setRange(0.0, 1.0)
        self.noise.setSingleStep(0.05)
        self.noise.setDecimals(2)
        self.noise.setToolTip("How much random jitter is added to each point (0: none, 1: a lot). "
                              "Press Enter to apply.")
        self.samples = QSpinBox()
        self.samples.setRange(4, MAX_SAMPLES)
        self.samples.setSingleStep(10)
        self.samples.setToolTip(f"How many points to draw (4–{MAX_SAMPLES}). Press Enter to apply.")
        self.train = QSpinBox()
        self.train.setRange(10, 100)
        self.train.setSingleStep(5)
        self.train.setSuffix(" %")
        self.train.setToolTip("The share of points used for training; the rest are test points "
                              "the network never learns from. Press Enter to apply.")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("The random seed: the same seed always draws the same points. "
                             "Press Enter to apply.")
        for label, box, key in (("Noise", self.noise, "noise"), ("Samples", self.samples, "samples"),
                                ("Training share", self.train, "train_fraction"),
                                ("Seed", self.seed, "seed")):
            box.setKeyboardTracking(False)
            box.setAlignment(Qt.AlignmentFlag.AlignRight)
            box.valueChanged.connect(lambda value, k=key: self._field_changed(k, value))
            self.add_row(label, box)

        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("Draw new random points of the same kind (the next seed); "
                                   "training starts again.")
        self.regenerate.clicked.connect(self._regenerate)
        self.add_wide(self.regenerate)
        self.note = Note("info")
        self.add_wide(self.note)

    def _name_chosen(self, index: int) -> None:
        name = self.name.itemData(index)
        info = self._info
        if info is None or not info.is_network:
            return
        spec = info.lesson.problem
        if name == spec.dataset.name and spec.dataset.points is None:
            return
        data = info.problem.dataset
        changes, said = plan_network_change(spec, data.kind, data.classes, dataset=name)
        if changes:
            dataset = replace(spec.dataset, name=name, points=None)
            done = self.controller.set_network_option(f"Dataset: {name}", dataset=dataset,
                                                      **changes)
        else:
            done = self.controller.set_dataset(name=name)
        if not done:
            self._reshow()
        self.note.show_text(_sentence(said) if done and said else None)

    def _field_changed(self, key: str, value) -> None:
        if key == "train_fraction":
            value = value / 100.0
        self.note.show_text(None)
        if not self.controller.set_dataset(**{key: value}):
            self._reshow()

    def _regenerate(self) -> None:
        self.note.show_text(None)
        self.controller.regenerate_dataset()

    def show_problem(self, info: ProblemInfo) -> None:
        """Show the dataset's settings; explicit points have no generator settings."""
        self._info = info
        spec = info.lesson.problem
        if not isinstance(spec, NetworkSpec):
            return
        d = spec.dataset
        generated = d.points is None
        select_data(self.name, d.name if generated else "(points)")
        for box, value in ((self.noise, d.noise), (self.samples, d.samples),
                           (self.train, round(d.train_fraction * 100)), (self.seed, d.seed)):
            with QSignalBlocker(box):
                box.setValue(value)
            box.setEnabled(generated)
        self.regenerate.setEnabled(generated)


def _sentence(parts: list[str]) -> str | None:
    if not parts:
        return None
    text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return f"So that it works, {text}."

