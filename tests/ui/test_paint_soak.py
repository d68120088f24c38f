"""A paint soak: 20,000 Python-driven repaints of a pyqtgraph plot must not crash Qt.

PySide6 6.12.0 aborted after a few thousand repaints driven from Python (see the pin in
pyproject.toml). This test guards PySide6 upgrades: a child process animates a small
PlotWidget (a line updated with setData every frame, a scatter painted every frame and
moved every tenth, like the hiker) and repaints it synchronously each frame. About half a
millisecond a frame: some ten seconds in all. An abort kills the child, not the test run; the test passes
only if the child exits 0 and says it survived every frame.
"""

import os
import subprocess
import sys
import textwrap

import pytest

FRAMES = 20_000

SCRIPT = textwrap.dedent("""
    import sys

    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    frames = int(sys.argv[1])
    app = QApplication([])
    widget = pg.PlotWidget()
    widget.resize(96, 64)
    plot = widget.getPlotItem()
    # fixed ranges and no axes: each frame repaints the items, not tick labels
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    widget.setXRange(0.0, 1.0, padding=0)
    widget.setYRange(-1.2, 1.2, padding=0)
    line = pg.PlotDataItem(pen="y")
    dots = pg.ScatterPlotItem(size=6, brush="c")
    widget.addItem(line)
    widget.addItem(dots)
    widget.show()
    xs = np.linspace(0.0, 1.0, 32, dtype=np.float32)
    for frame in range(frames):
        ys = np.sin(6.0 * xs + 0.01 * frame).astype(np.float32)
        line.setData(xs, ys)
        if frame % 10 == 0:
            dots.setData(xs[::8], ys[::8])
        widget.repaint()
        app.processEvents()
    if not widget.isVisible():
        sys.exit("the widget closed during the soak")
    widget.close()
    app.processEvents()
    print(f"survived {frames} frames", flush=True)
""")


@pytest.mark.slow
def test_twenty_thousand_repaints_do_not_crash():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(FRAMES)], env=env,
                          capture_output=True, text=True, timeout=300)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-2000:]}"
    assert lines and lines[-1] == f"survived {FRAMES} frames", done.stdout[-2000:]
