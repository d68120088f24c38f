"""The network's starting weights in the controls: the initialisation, its seed, Re-initialise.

The section shows the problem it is given and emits ``reinitialiseRequested(kind, seed)``;
every re-initialisation starts a fresh run and can be undone.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QPushButton, QSpinBox, QWidget

from simulator.workspace.choices import INITIALIZERS
from simulator.workspace.frames import ProblemInfo

from .widgets import Note, Section, compact_combo, select_data

MAX_SEED = 2**31 - 1  # a QSpinBox holds a C int
KIND_TIPS = {
    "auto": "Glorot normal, or He normal before a ReLU layer: a good start for most networks.",
    "glorot_uniform": "U(−a, a) with a = √(6 / (fan_in + fan_out)): Var = 2 / (fan_in + fan_out).",
    "glorot_normal": "N(0, 2 / (fan_in + fan_out)): keeps the signal's size through tanh layers.",
    "he_uniform": "U(−a, a) with a = √(6 / fan_in): Var = 2 / fan_in, for ReLU layers.",
    "he_normal": "N(0, 2 / fan_in): makes up for the half of the signal a ReLU cuts off.",
    "playground": "U(−0.5, 0.5) and biases 0.1, as the TensorFlow Playground starts.",
    "zeros": "Every weight 0: all neurons of a layer compute the same and learn the same — "
             "the symmetry problem.",
}


class InitialisationSection(Section):
    """Choose how the weights start; each choice draws new weights and starts afresh."""

    reinitialiseRequested = Signal(str, int)  # the initialisation, the seed
    INTENTS = {"reinitialiseRequested": "reinitialise"}

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Starting weights", "How the network's weights are drawn before the "
                         "first step.", expanded=False, parent=parent)
        self.kind = compact_combo("The initialisation the weights are drawn by. Choosing one "
                                  "draws new weights and starts the run again (undoable).", 8)
        for kind, label in INITIALIZERS.items():
            self.kind.addItem(label, kind)
            self.kind.setItemData(self.kind.count() - 1, KIND_TIPS[kind],
                                  Qt.ItemDataRole.ToolTipRole)
        self.kind.activated.connect(self._request)
        self.add_row("Initialisation", self.kind)

        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setMinimumWidth(64)
        self.seed.setKeyboardTracking(False)
        self.seed.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.seed.setToolTip("The random generator's seed: the same seed draws the same "
                             "weights. Press Enter to draw with this one.")
        self.seed.valueChanged.connect(self._request)
        self.add_row("Seed", self.seed)

        self.button = QPushButton("Re-initialise")
        self.button.setToolTip("Draw new starting weights with the next seed and start the run "
                               "again (Edit ▸ Undo brings the old weights back).")
        self.button.clicked.connect(self._next_seed)
        self.add_wide(self.button)
        self.note = Note("info")
        self.add_wide(self.note)

    def _request(self, *_args) -> None:
        self.reinitialiseRequested.emit(self.kind.currentData(), self.seed.value())

    def _next_seed(self) -> None:
        with QSignalBlocker(self.seed):
            self.seed.setValue((self.seed.value() + 1) % (MAX_SEED + 1))
        self._request()

    def set_problem(self, info: ProblemInfo) -> None:
        """Show the network's initialisation and seed (a formula has none)."""
        spec = info.lesson.problem
        if not info.is_network:
            return
        with QSignalBlocker(self.kind), QSignalBlocker(self.seed):
            select_data(self.kind, spec.init)
            self.seed.setValue(min(spec.init_seed, MAX_SEED))
        weights = "the lesson's own weights" if spec.weights is not None else \
            f"drawn by {INITIALIZERS[spec.init].split(' (')[0]}, seed {spec.init_seed}"
        self.note.show_text(f"Starting weights: {weights}.")
