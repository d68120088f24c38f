"""A monkey in the suite (issue 14 §4): thousands of random user actions through the real window.

The actions are drawn from a fixed seed: keys sent where the keyboard is (arrows, Space,
R, +/−, undo and redo, Page Up/Down through a lesson's steps, F5 and Esc), clicks on
every visible button and check box (add and remove neurons, race, regenerate…), combo
boxes stepped with the arrow keys (lessons, surfaces, optimizers, activations…), text
typed into every field (formulas, garbage, hostile numbers), the history slider
dragged, menu actions (file dialogs and questions answered by fakes, figures exported
to a temporary folder), clicks on the landscape and the diagram, play for a moment,
resizes. After each action: no exception reached Qt's event loop, the action took at
most ``ACTION_SECONDS``, and the window agrees with itself (the status line and the
history slider show the frame's step; θ is finite; a loss that is not a number is said).
At the end no thread of the pool is left running.
"""

import json
import os
import random
import string
import time
import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QSlider,
    QTabBar,
)

from simulator.lessons.catalog import lessons_dir
from simulator.symbolic.budget import warm_up
from simulator.ui.launch import make_window

from .settling import settle

SEED = int(os.environ.get("BACKPROP_HIKER_MONKEY_SEED", "14"))
ACTIONS = int(os.environ.get("BACKPROP_HIKER_MONKEY_ACTIONS", "2000"))
ACTION_SECONDS = 2.0
SIZES = ((1024, 768), (1366, 768), (1920, 1080), (800, 600))
FORMULAS = ("w**2", "w1**2 + 10*w2**2", "1/w", "sqrt(-w)", "exp(w)", "w**3", "log(w)",
            "sin(w1)*cos(w2)", "abs(w)", "relu(w)", "sign(w)", "max(w1, w2)", "w1*w2",
            "(w - 1)**2*(w + 1)**2", "1/(w1**2 + w2**2)", "exp(w + 703)", "w**4 - w**2")
NUMBERS = ("0", "-1", "1e9", "1e-300", "nan", "inf", "-inf", "1/1000", "abc", "", "1e400",
           "0.5", "10", "3", "-0.0", "1e-7", "100", "2", "  ", "0x10", "1_000")
KEYS = ((Qt.Key.Key_Right, 8), (Qt.Key.Key_Left, 5), (Qt.Key.Key_Space, 3), (Qt.Key.Key_R, 2),
        (Qt.Key.Key_Plus, 2), (Qt.Key.Key_Minus, 2), (Qt.Key.Key_PageDown, 3),
        (Qt.Key.Key_PageUp, 2), (Qt.Key.Key_Escape, 2), (Qt.Key.Key_F5, 1),
        (Qt.Key.Key_B, 1), (Qt.Key.Key_Tab, 2))
#: menu actions the monkey leaves alone: they end the session or leave the screen
SKIPPED_ACTIONS = ("&Quit", "&Full screen")


class Monkey:
    """Draws actions from one seeded generator and performs them on the window."""

    def __init__(self, window, qtbot, folder: Path):
        self.window, self.qtbot, self.folder = window, qtbot, folder
        self.rng = random.Random(SEED)
        self.saved = 0

    # ----- the fakes the window's dialogs meet ------------------------------------------------

    def open_name(self, *args, **kwargs):
        """Answer a file dialog asking for a file to open: a lesson, a broken file, a CSV, or cancel."""
        choice = self.rng.choice(("lesson", "steps", "broken", "csv", "cancel"))
        if choice == "cancel":
            return "", ""
        if choice == "broken":
            path = self.folder / "broken.lesson.json"
            path.write_text(self.rng.choice(('{"format": "backprop-hiker-lesson"', "[]",
                                             '{"format": "backprop-hiker-lesson", '
                                             '"version": 1, "title": 7}', "\ufeff{}")))
        elif choice == "csv":
            path = self.folder / "points.csv"
            path.write_text("x1,x2,label\n0,0,0\n1,1,1\n0.5,x,1\n" if self.rng.random() < 0.5
                            else "x1;x2;label\n0;0;0\n1;1;1\n0;1;1\n1;0;0\n")
        else:
            names = sorted(p.name for p in lessons_dir().glob("*.lesson.json"))
            path = lessons_dir() / self.rng.choice(names if choice == "lesson" else names[:8])
        return str(path), ""

    def save_name(self, parent=None, caption="", start="", *args, **kwargs):
        """Answer a file dialog asking where to save: a fresh file in the temporary folder, or cancel."""
        if self.rng.random() < 0.2:
            return "", ""
        self.saved += 1
        suffix = Path(str(start)).suffix or ".json"
        if caption.startswith("Export figure"):
            suffix = self.rng.choice((".png", ".svg", ".pdf"))
        return str(self.folder / f"saved-{self.saved}{suffix}"), ""

    def answer(self, *args, **kwargs):
        """Answer a question box: Save, Discard or Cancel."""
        return self.rng.choice((QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard,
                                QMessageBox.StandardButton.Cancel))

    def run_dialog(self, dialog) -> bool:
        """Answer a modal dialog: an export writes its figure; the others are cancelled."""
        if hasattr(dialog, "export_to") and self.rng.random() < 0.5:
            return dialog.export_to(str(self.folder / f"figure-{self.saved}.png"))
        return False

    # ----- actions ----------------------------------------------------------------------------------

    def visible(self, kind):
        return [w for w in self.window.findChildren(kind)
                if w.isVisibleTo(self.window) and w.isEnabled() and w.window() is self.window]

    def act(self) -> str:
        """Do one random action; return what it was (for a failure's message)."""
        rng = self.rng
        kind = rng.choices(("key", "button", "combo", "type", "slider", "menu", "play", "resize",
                            "click", "tab"), weights=(30, 15, 10, 14, 5, 8, 4, 2, 6, 8))[0]
        return getattr(self, f"do_{kind}")()

    def do_key(self) -> str:
        key = self.rng.choices([k for k, _ in KEYS], weights=[w for _, w in KEYS])[0]
        modifier = Qt.KeyboardModifier.NoModifier
        if self.rng.random() < 0.1:
            key, modifier = Qt.Key.Key_Z, self.rng.choice((
                Qt.KeyboardModifier.ControlModifier,
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
        target = QApplication.focusWidget() or self.window
        if target.window() is not self.window:
            target = self.window
        self.qtbot.keyClick(target, key, modifier)
        return f"key {Qt.Key(key).name} {modifier} on {type(target).__name__}"

    def do_button(self) -> str:
        # a button with a menu pops it up in a loop of its own (a user picks from it): left out
        buttons = [b for b in self.visible(QAbstractButton)
                   if not (hasattr(b, "menu") and b.menu() is not None)]
        if not buttons:
            return "no button"
        button = self.rng.choice(buttons)
        text = button.text() or button.toolTip()[:30]
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return f"click {type(button).__name__} {text!r}"

    def do_combo(self) -> str:
        combos = self.visible(QComboBox)
        if not combos:
            return "no combo"
        combo = self.rng.choice(combos)
        key = self.rng.choice((Qt.Key.Key_Down, Qt.Key.Key_Up))
        combo.setFocus()
        self.qtbot.keyClick(combo, key)
        return f"combo {combo.toolTip()[:30]!r} {Qt.Key(key).name} → {combo.currentText()!r}"

    def do_type(self) -> str:
        fields = [f for f in self.visible(QLineEdit) if not f.isReadOnly()]
        fields += [s for s in self.visible(QAbstractSpinBox) if not s.isReadOnly()]
        if not fields:
            return "no field"
        formula_field = self.window.controls.problem.formula
        field = formula_field if formula_field in fields and self.rng.random() < 0.4 else \
            self.rng.choice(fields)
        formula = field is formula_field
        if formula and self.rng.random() < 0.7:
            text = self.rng.choice(FORMULAS)
        elif self.rng.random() < 0.6:
            text = self.rng.choice(NUMBERS)
        else:
            text = "".join(self.rng.choice("w12+-*/()^ .e,;x[]" + string.ascii_letters)
                           for _ in range(self.rng.randrange(0, 24)))
        editor = field if isinstance(field, QLineEdit) else field.lineEdit()
        field.setFocus()
        editor.selectAll()
        self.qtbot.keyClicks(editor, text)
        self.qtbot.keyClick(editor, Qt.Key.Key_Return)
        return f"type {text!r} into {type(field).__name__} {field.toolTip()[:30]!r}"

    def do_tab(self) -> str:
        bars = [b for b in self.visible(QTabBar) if b.count()]
        if not bars:
            return "no tab bar"
        bar = self.rng.choice(bars)
        index = self.rng.randrange(bar.count())
        self.qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
        return f"tab {bar.tabText(index)!r}"

    def do_slider(self) -> str:
        sliders = self.visible(QSlider)
        if not sliders:
            return "no slider"
        slider = self.rng.choice(sliders)
        value = self.rng.randint(slider.minimum(), slider.maximum())
        slider.setValue(value)  # what a drag ends with
        return f"slider {slider.toolTip()[:30]!r} to {value}"

    def do_menu(self) -> str:
        actions, menus = [], [a.menu() for a in self.window.menuBar().actions() if a.menu()]
        while menus:  # every menu's actions, submenus (Open recent, built-in lessons…) too
            for a in menus.pop().actions():
                if a.menu():
                    menus.append(a.menu())
                elif a.isEnabled() and a.text() and a.text() not in SKIPPED_ACTIONS:
                    actions.append(a)
        action = self.rng.choice(actions)
        action.trigger()
        return f"menu {action.text()!r}"

    def do_play(self) -> str:
        c = self.window.controller
        interval = c._timer.interval()
        c.play()
        c._timer.setInterval(10**9)  # the ticks are counted, not timed: every run walks one path
        ticks = self.rng.choice((1, 3, 6))
        for _ in range(ticks):
            if c.playing:
                c.tick()
                QApplication.processEvents()
        c.pause()
        c._timer.setInterval(interval)
        return f"play {ticks} ticks"

    def do_resize(self) -> str:
        size = self.rng.choice(SIZES)
        self.window.resize(*size)
        return f"resize to {size}"

    def do_click(self) -> str:
        view = self.rng.choice((self.window.landscape, self.window.network))
        target = getattr(view, "viewport", lambda: view)()
        if not target.isVisible():
            return "click on a hidden view"
        pos = QPoint(self.rng.randrange(max(1, target.width())),
                     self.rng.randrange(max(1, target.height())))
        self.qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=pos)
        return f"click {type(view).__name__} at {pos.x()},{pos.y()}"


def check_window(window) -> None:
    """Fail unless the window agrees with the frame it last got."""
    c = window.controller
    if not c.ready:
        return
    frame = c.frame()
    assert window.status_fields["step"].text() == f"Step {frame.step:,}"
    if not frame.racers:
        assert window.history.slider.value() == frame.step
    assert np.all(np.isfinite(frame.theta))
    if not np.isfinite(frame.loss):
        assert frame.status in ("diverged", "undefined"), frame.status
    if frame.status in ("undefined", "escaping", "stalled"):
        assert frame.explanation


def test_two_thousand_random_actions_break_nothing(qtbot, tmp_path, monkeypatch):
    window = make_window(str(lessons_dir() / "06-backpropagation-through-a-network.lesson.json"),
                         reset_layout=True)
    qtbot.addWidget(window)
    monkey = Monkey(window, qtbot, tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", monkey.open_name)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", monkey.save_name)
    monkeypatch.setattr(QMessageBox, "question", monkey.answer)
    monkeypatch.setattr(window, "run_dialog", monkey.run_dialog)
    monkeypatch.setattr(window, "ask_to_save", lambda: QMessageBox.StandardButton.Discard)
    warm_up()  # what the app does at launch: sympy and the formula worker are loaded
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    done, slowest = [], (0.0, "")
    try:
        for k in range(ACTIONS):
            with qtbot.captureExceptions() as raised:
                started = time.monotonic()
                what = monkey.act()
                took = time.monotonic() - started
                QApplication.processEvents()
            done.append(what)
            assert not raised, (f"action {k} ({what}) raised: {raised[0][1]!r}; before: {done[-6:-1]}\n"
                                  + "".join(traceback.format_tb(raised[0][2])))
            assert took <= ACTION_SECONDS, f"action {k} ({what}) took {took:.2f} s"
            slowest = max(slowest, (took, what))
            check_window(window)
            if k % 25 == 24:
                settle(window.controller)
    finally:
        window.controller.pause()
        if window.presenter.presenting:
            window.presenter.toggle()
        window.controller.grids.cancel()
        settle(window.controller)
        for other in QApplication.topLevelWidgets():
            if other is not window and other.isVisible():
                other.close()
    assert len(done) == ACTIONS
    kinds = {what.split()[0] for what in done}
    assert {"key", "click", "combo", "type", "slider", "menu", "play", "resize", "tab"} <= kinds
    written = [p.name for p in tmp_path.iterdir()]
    assert any(name.startswith("saved-") for name in written)
    (tmp_path / "monkey.json").write_text(json.dumps({"slowest": slowest}))
