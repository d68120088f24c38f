"""The problem's part of the controls: what the hiker walks on, the network and its data.

Each section shows the problem it is given and emits its ``INTENTS`` (signal → controller
verb); the rules for which output goes with which loss are the workspace's, so a choice is
asked for as it is and the section then shows what the controller made of it.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from simulator.workspace.choices import (
    ACTIVATION_NAMES,
    ACTIVATIONS,
    DESCRIPTIONS,
    GENERATORS,
    HIDDEN_ACTIVATIONS,
    LOSS_NAMES,
    LOSSES,
    MAX_SAMPLES,
    network_lessons,
    surfaces,
)
from simulator.workspace.frames import ProblemInfo

from ..theme import ui_font
from .widgets import Note, NumberBox, Section, compact_combo, select_data

REGULARIZATION_NAMES = {None: "None", "l2": "L2 (weight decay)", "l1": "L1 (sparse weights)"}
DEFAULT_REGULARIZATION_RATE = 0.001
FORMULA_TIP = ("Type a cost J in one or two variables (w, or w1 and w2) and press Enter to "
               "walk down it, e.g. w1**2 + 10*w2**2. Use + - * / ** and sin, cos, exp, log, "
               "sqrt, abs, tanh, sigmoid, relu.")
_COLUMN = re.compile(r"column (\d+)")


#: how the dataset chooser names each dataset
DATASET_LABELS = {"circle": "Circle", "xor": "XOR", "gaussians": "Two Gaussians",
                  "spiral": "Spiral", "spiral3": "Three spirals", "yinyang": "Yin-yang",
                  "blobs": "Five blobs", "line": "Line (regression)", "curve": "Curve (regression)"}


class ProblemSection(Section):
    """Choose what the hiker walks on: a network lesson, a built-in surface or a typed formula."""

    networkLessonChosen = Signal(str)  # a built-in lesson's path
    surfaceChosen = Signal(str)  # a built-in surface's name
    formulaEntered = Signal(str)
    INTENTS = {"networkLessonChosen": "set_network_lesson", "surfaceChosen": "set_surface",
               "formulaEntered": "set_formula"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Problem", "What the hiker walks on.", parent=parent)
        self.lessons = network_lessons()
        self.surfaces = {surface.name: surface for surface in surfaces()}
        self._info: ProblemInfo | None = None

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
            self.networkLessonChosen.emit(str(self.lessons[int(key.split(":")[1])].path))
        elif key.startswith("surface:"):
            self.surfaceChosen.emit(key.split(":", 1)[1])
        elif key == "formula":
            self.formula.setFocus()
            if self.formula.text().strip():
                self.apply_formula()
            return
        if self._info is not None:  # a refused choice leaves the problem as it was: show it
            self._select(self._info)

    def apply_formula(self) -> None:
        """Ask to walk down the typed formula (an empty field gets a hint right under it)."""
        text = self.formula.text().strip()
        if not text:
            self.formula_error.show_text("Type a formula first, e.g. w1**2 + 10*w2**2", "error")
            return
        self.formulaEntered.emit(text)

    def set_formula_working(self, text: str) -> None:
        """Show that the typed formula is being worked out (in the error's place, as info)."""
        self.formula_error.show_text(text or None, "info")

    def set_formula_error(self, error: str) -> None:
        """Show what is wrong with the typed formula under the field ("" clears it)."""
        self.formula_error.show_text(error or None, "error")
        if error:
            column = _COLUMN.search(error)
            if column:
                self.formula.setCursorPosition(max(0, int(column.group(1)) - 1))
            self.formula.setFocus()

    def set_problem(self, info: ProblemInfo) -> None:
        """Select the entry of the problem now open; a formula also fills the field."""
        self._info = info
        if not info.is_network:
            self.formula.setText(info.lesson.problem.expression)
        self.formula_error.show_text(None)
        self._select(info)

    def _select(self, info: ProblemInfo) -> None:
        if info.is_network:
            key = next((f"lesson:{k}" for k, lesson in enumerate(self.lessons)
                        if lesson.title == info.lesson.title), "current")
        else:
            spec = info.lesson.problem
            surface = self.surfaces.get(spec.surface or "")
            key = f"surface:{spec.surface}" if surface is not None and \
                surface.expression == spec.expression else "formula"
        self._current.setText(f"{info.lesson.title} (open now)")
        self.chooser.view().setRowHidden(self._current.row(), key != "current")
        select_data(self.chooser, key)
        self.note.show_text(None if info.is_network else
                            "Activation, loss, data and batch size belong to networks; "
                            "this problem is a formula.")


class _NetworkSettings(Section):
    """A section showing part of a network lesson's settings, from the last problem it got.

    A choice is emitted as it is; the section then shows the problem again, which is the
    new one if the controller took the choice (its signals arrive at once) and the old
    one if it refused, so the controls never show a setting the network does not have.
    """

    def __init__(self, title: str, tip: str, parent: QWidget | None = None):
        super().__init__(title, tip, parent=parent)
        self._info: ProblemInfo | None = None

    def set_problem(self, info: ProblemInfo) -> None:
        """Show the settings of a problem (nothing for a formula)."""
        self._info = info
        if info.is_network:
            self._show(info.lesson.problem)

    def _show(self, spec) -> None:
        """Show a network spec's settings in the section's controls."""
        raise NotImplementedError

    def _ask(self, signal, *args) -> None:
        """Emit one intent, then show the problem as it now is."""
        signal.emit(*args)
        if self._info is not None:
            self.set_problem(self._info)


class NetworkSection(_NetworkSettings):
    """Activation, output activation, loss and regularization of the network."""

    hiddenActivationChosen = Signal(str)
    outputChosen = Signal(str)
    lossChosen = Signal(str)
    regularizationChosen = Signal(object, float)  # "l2", "l1" or None; the rate λ
    INTENTS = {"hiddenActivationChosen": "set_hidden_activation",
               "outputChosen": "choose_output", "lossChosen": "choose_loss",
               "regularizationChosen": "set_regularization"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Network", "How the network computes and what it is scored by.",
                         parent)

        self.activation = compact_combo("The function every hidden neuron applies to its "
                                        "weighted sum z (all hidden layers at once).", 8)
        for name in HIDDEN_ACTIVATIONS:
            self._item(self.activation, name)
        self.activation.setPlaceholderText("mixed")
        self.activation.activated.connect(
            lambda index: self._ask(self.hiddenActivationChosen, self.activation.itemData(index)))
        self.add_row("Activation", self.activation)

        self.output = compact_combo("The function the output neurons apply: sigmoid gives a "
                                    "probability, softmax one per class, linear any number.", 8)
        for name in ACTIVATIONS:
            self._item(self.output, name)
        self.output.activated.connect(
            lambda index: self._ask(self.outputChosen, self.output.itemData(index)))
        self.add_row("Output activation", self.output)

        self.loss = compact_combo("How wrong the network is: the height the hiker walks "
                                  "down. Some losses need a particular output activation.", 8)
        for name, loss in LOSSES.items():
            self.loss.addItem(LOSS_NAMES.get(name, name), name)
            need = f" (needs a {loss.requires} output)" if loss.requires else ""
            self.loss.setItemData(self.loss.count() - 1, f"L = {loss.formula}{need}",
                                  Qt.ItemDataRole.ToolTipRole)
        self.loss.activated.connect(
            lambda index: self._ask(self.lossChosen, self.loss.itemData(index)))
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

    @staticmethod
    def _item(combo, name: str) -> None:
        act = ACTIVATIONS[name]
        combo.addItem(ACTIVATION_NAMES.get(name, name), name)
        combo.setItemData(combo.count() - 1, f"a = {act.formula}, da/dz = {act.derivative_formula}",
                          Qt.ItemDataRole.ToolTipRole)

    def _regularization_changed(self, *_) -> None:
        kind = self.regularization.currentData()
        rate = self.rate.value()
        if kind is not None and rate == 0:
            rate = DEFAULT_REGULARIZATION_RATE  # a penalty of strength 0 would be none at all
        self._ask(self.regularizationChosen, kind, rate)

    def _show(self, spec) -> None:
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

    datasetChosen = Signal(str)  # a generator's name
    datasetSettingChanged = Signal(str, object)  # "noise", "samples", "train_fraction", "seed"
    regenerateRequested = Signal()
    featureToggled = Signal(str)  # an input feature's name: "x1^2", "sin(x2)"…
    INTENTS = {"datasetChosen": "choose_dataset", "datasetSettingChanged": "set_dataset_setting",
               "regenerateRequested": "regenerate_dataset", "featureToggled": "toggle_feature"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Data", "The points the network learns from.", parent)

        self.name = compact_combo("Which dataset the network learns. The first four sort "
                                  "points into two classes, the next three into three or "
                                  "five (with a softmax); line and curve fit numbers.", 8)
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
        self.regenerate.clicked.connect(lambda: self._ask(self.regenerateRequested))
        self.add_wide(self.regenerate)

        self.features = QWidget()
        self._feature_grid = QGridLayout(self.features)
        self._feature_grid.setContentsMargins(0, 0, 0, 0)
        self._feature_grid.setSpacing(3)
        self.feature_buttons: dict[str, QToolButton] = {}
        self.features.setToolTip("What the network's input neurons receive: the data's "
                                 "columns or transforms of them (x₁², x₁·x₂, sin x₁…). Click "
                                 "one to switch it on or off; the diagram's input nodes do "
                                 "the same.")
        self.features_caption = QLabel("Input features")
        self.features_caption.setToolTip(self.features.toolTip())
        self.add_wide(self.features_caption)
        self.add_wide(self.features)

    def _show_features(self, info: ProblemInfo) -> None:
        """Show one toggle per feature offered, pressed when the network is fed it."""
        choices = info.feature_choices
        if [b for b in self.feature_buttons] != [c.name for c in choices]:
            for button in self.feature_buttons.values():
                self._feature_grid.removeWidget(button)
                button.deleteLater()
            self.feature_buttons = {}
            for k, choice in enumerate(choices):
                button = QToolButton()
                button.setText(choice.label)
                button.setCheckable(True)
                button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
                button.setToolTip(f"Feed the network {choice.label} (click again to stop)")
                button.clicked.connect(lambda _=False, n=choice.name: self._ask(
                    self.featureToggled, n))
                self._feature_grid.addWidget(button, k // 4, k % 4)
                self.feature_buttons[choice.name] = button
        for choice in choices:
            with QSignalBlocker(self.feature_buttons[choice.name]):
                self.feature_buttons[choice.name].setChecked(choice.active)

    def set_problem(self, info: ProblemInfo) -> None:
        """Show the dataset's settings and the input features the network is fed."""
        super().set_problem(info)
        if info.is_network:
            self._show_features(info)

    def _name_chosen(self, index: int) -> None:
        name = self.name.itemData(index)
        info = self._info
        if info is None or not info.is_network:
            return
        dataset = info.lesson.problem.dataset
        if name == dataset.name and dataset.points is None:
            return  # this dataset is the one drawn now
        self._ask(self.datasetChosen, name)

    def _field_changed(self, key: str, value) -> None:
        if key == "train_fraction":
            value = value / 100.0
        self._ask(self.datasetSettingChanged, key, value)

    def _show(self, spec) -> None:
        d = spec.dataset
        generated = d.points is None
        select_data(self.name, d.name if generated else "(points)")
        for box, value in ((self.noise, d.noise), (self.samples, d.samples),
                           (self.train, round(d.train_fraction * 100)), (self.seed, d.seed)):
            with QSignalBlocker(box):
                box.setValue(value)
            box.setEnabled(generated)
        self.regenerate.setEnabled(generated)
