"""The window on five screens, measured from the real widgets' geometry (issue 9 §5).

Qt's offscreen platform reads the screen from a JSON file named in ``QT_QPA_PLATFORM``
(``offscreen:configfile=…``); the screen is fixed when the application starts, so each
size runs in its own process, which prints what it measured as JSON.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZES = ((1024, 768), (1280, 720), (1366, 768), (1920, 1080), (3840, 2160))
LANDSCAPE_SHARE = 0.40
TAB_MARGINS = 24  # pixels a dock tab adds to its title's width, at most, in Qt's styles


def measure() -> None:
    """Open the window as the app does, then print the geometry of its parts as JSON.

    Run in a child process (see ``open_on``). ``BACKPROP_HIKER_TEST_HIDE`` names a dock to
    hide before closing, so a second start can show whether the layout was restored.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QDockWidget, QTabBar

    from simulator.ui.launch import make_window, show_window

    VERTICAL_TABS = (QTabBar.Shape.RoundedEast, QTabBar.Shape.RoundedWest)
    app = QApplication([])
    window = make_window()
    show_window(window)  # as the app shows it
    for _ in range(30):
        app.processEvents()

    def rect(widget) -> list[int]:
        top_left = widget.mapTo(window, widget.rect().topLeft())
        return [top_left.x(), top_left.y(), widget.width(), widget.height()]

    docks = {}
    for dock in window.findChildren(QDockWidget):
        shown = dock.isVisible() and not dock.visibleRegion().isEmpty()
        docks[dock.objectName()] = {"shown": shown, "open": dock.isVisible(), "rect": rect(dock),
                                    "minimum": [dock.minimumSizeHint().width(),
                                                dock.minimumSizeHint().height()],
                                    "tabbed": bool(window.tabifiedDockWidgets(dock))}
    tab_groups = []  # each dock tab bar: its titles' widths in pixels, and its edge's length
    for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
        if bar.isVisible():
            titles = [bar.tabText(i) for i in range(bar.count())]
            shown = next((d for d in window.findChildren(QDockWidget)
                          if d.isVisible() and not d.visibleRegion().isEmpty()
                          and d.windowTitle() in titles), None)
            if shown is None:  # a tab bar left over from a dock that is no longer tabbed
                continue
            along = shown.height() if bar.shape() in VERTICAL_TABS else shown.width()
            tab_groups.append({"titles": [bar.fontMetrics().horizontalAdvance(title)
                                          for title in titles], "edge": along})
    available = window.screen().availableGeometry()
    frame = window.frameGeometry()
    print(json.dumps({
        "available": [available.x(), available.y(), available.width(), available.height()],
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "window": [0, 0, window.width(), window.height()],
        "central": rect(window.centralWidget()),
        "landscape": rect(window.landscape),
        "docks": docks,
        "tab_groups": tab_groups,
    }))
    hide = os.environ.get("BACKPROP_HIKER_TEST_HIDE")
    if hide:
        next(d for d in window.docks if d.objectName() == hide).hide()
    window.close()
    window.controller.grids.wait(3000)


def open_on(width: int, height: int, home: Path, hide: str = "") -> dict:
    """Start the window in a child process on a screen of this size; return its measures."""
    config = home / f"screen-{width}x{height}.json"
    config.write_text(json.dumps({"screens": [
        {"name": "test", "x": 0, "y": 0, "width": width, "height": height, "dpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_DATA_HOME": str(home / "data"), "BACKPROP_HIKER_TEST_HIDE": hide}
    done = subprocess.run(
        [sys.executable, "-c", "import tests.ui.test_window_sizes as t; t.measure()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def inside(inner: list[int], outer: list[int]) -> bool:
    """Return whether rectangle ``inner`` (x, y, w, h) lies within ``outer``."""
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def area(rect: list[int]) -> int:
    """Return a rectangle's area in pixels."""
    return rect[2] * rect[3]


@pytest.fixture(scope="module")
def first_start(tmp_path_factory):
    """Return the measures of a first start on a screen size (each size measured once)."""
    measured = {}

    def on(width: int, height: int) -> dict:
        if (width, height) not in measured:
            home = tmp_path_factory.mktemp(f"home-{width}x{height}")
            measured[width, height] = open_on(width, height, home)
        return measured[width, height]
    return on


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_window_fits_the_screen_and_the_landscape_is_the_largest_panel(width, height,
                                                                          first_start):
    m = first_start(width, height)
    assert m["available"] == [0, 0, width, height]
    assert inside(m["frame"], m["available"]), m["frame"]
    # A first start fills the screen: no smaller than nine tenths of it either way.
    assert m["frame"][2] >= 0.9 * width and m["frame"][3] >= 0.9 * height
    assert inside(m["central"], m["window"])
    share = area(m["landscape"]) / area(m["window"])
    assert share >= LANDSCAPE_SHARE, f"landscape {share:.1%} of the window"
    shown = {name: d for name, d in m["docks"].items() if d["shown"]}
    assert "controls" in shown or m["docks"]["controls"]["tabbed"]
    for name, dock in shown.items():
        assert inside(dock["rect"], m["window"]), (name, dock["rect"])
        assert dock["rect"][2] >= dock["minimum"][0], (name, dock)
        assert dock["rect"][3] >= dock["minimum"][1], (name, dock)
        assert area(dock["rect"]) < area(m["landscape"]), f"{name} is larger than the landscape"
        if width <= 1366:
            assert area(dock["rect"]) / area(m["window"]) < 0.30, (name, dock)
    # Every open panel is there: shown, or one click away in a tab group.
    assert all(d["shown"] or d["tabbed"] for d in m["docks"].values() if d["open"])


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_dock_tab_has_room_for_its_whole_title(width, height, first_start):
    # Offscreen fonts are narrower than a desktop's (X11 elided "Controls" to "Cont…" where
    # these fitted), so each title gets a quarter more than it needs here, plus the tab's margins.
    for group in first_start(width, height)["tab_groups"]:
        needed = sum(1.25 * title + TAB_MARGINS for title in group["titles"])
        assert needed <= group["edge"], group


def test_small_screens_fold_the_side_panels_into_tabs(first_start):
    m = first_start(1280, 720)
    docks = m["docks"]
    assert docks["loss"]["tabbed"] and docks["data"]["tabbed"]
    assert not docks["loss"]["shown"]  # the empty loss chart no longer takes the screen
    assert docks["controls"]["shown"]
    right = [d for d in docks.values() if d["shown"] and d["rect"][0] > m["central"][0]]
    assert len(right) == 1  # one panel of the right-hand tab group at a time


def test_a_layout_saved_on_another_screen_is_not_restored(tmp_path):
    open_on(1920, 1080, tmp_path, hide="network")
    m = open_on(1024, 768, tmp_path)
    assert inside(m["frame"], m["available"])
    assert m["docks"]["network"]["open"]  # the hidden dock of the big screen's layout is back
    assert area(m["landscape"]) / area(m["window"]) >= LANDSCAPE_SHARE


def test_a_layout_saved_on_this_screen_is_restored(tmp_path):
    open_on(1366, 768, tmp_path, hide="controls")
    m = open_on(1366, 768, tmp_path)
    assert not m["docks"]["controls"]["open"]
    assert inside(m["frame"], m["available"])


def test_reset_layout_twice_leaves_one_tab_bar_per_tab_group(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTabBar

    from simulator.ui.launch import make_window

    window = make_window(reset_layout=True)  # the offscreen default screen: 800×600, all tabbed
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    def dock_tab_bars():
        return [bar for bar in window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
                if bar.isVisible()]
    first = [bar.count() for bar in dock_tab_bars()]
    window.reset_layout()
    window.reset_layout()
    qtbot.wait(50)
    assert [bar.count() for bar in dock_tab_bars()] == first
    assert len(first) == 1 and first[0] >= 4  # every open panel in the one tab group
    window.controller.grids.cancel()
    window.controller.grids.wait()
