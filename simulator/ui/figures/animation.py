"""The hiker walking: one figure per step (or per K steps), as a GIF or a numbered PNG series.

The view is built once and shown each new frame (and, for a landscape that moves with θ,
its new grid), so a 200-frame GIF costs 200 paintings, not 200 views. Pillow writes the
GIF; it stores only the part of each frame that changed, so a walk stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QImage

from .catalog import FIGURE_VIEWS, build_figure, close_figure, marks_scale, show_figure_state
from .painting import image_of, png_bytes, write_atomically
from .spec import FigureSpec
from .state import FigureState

if TYPE_CHECKING:
    from PIL import Image

MAX_FRAMES = 2000
GIF_FRAME_MS = 80  # 12.5 frames per second: each step readable, a 200-step walk in 16 s


def walk(workspace, spec: FigureSpec, frames: int, every: int,
         progress: Callable[[int], bool] | None = None) -> Iterator[QImage]:
    """Yield ``frames`` images of a view: now, then after each ``every`` optimizer steps.

    ``workspace`` is stepped (give a copy to keep a run as it is). ``progress(k)`` is
    called before frame k; when it returns False the walk stops there.
    """
    if not 1 <= frames <= MAX_FRAMES:
        raise ValueError(f"--frames must be 1–{MAX_FRAMES}, got {frames}")
    if not 1 <= every <= 100_000:
        raise ValueError(f"--every must be 1–100000, got {every}")
    state = FigureState.of(workspace)
    view = build_figure(spec.view, state, spec.layout, spec.theme)
    moving = workspace.landscape_moves()
    try:
        for k in range(frames):
            if progress is not None and progress(k) is False:
                return
            if k:
                workspace.step(every)
                frame = workspace.frame(False)
                values = {"set_frame": frame, "paint_frame": frame, "paint_diagram": frame}
                if moving or spec.view != "landscape":
                    values = dict(FigureState.of(workspace, view).values)
                # Not painted on its own meanwhile: the frame is painted once, into its image.
                view.setUpdatesEnabled(False)
                show_figure_state(view, FIGURE_VIEWS[spec.view], replace(state, values=values))
                view.setUpdatesEnabled(True)
            yield image_of(view, spec, marks_scale(spec.theme))
    finally:
        close_figure(view)


def pil_image(image: QImage) -> Image.Image:
    """Return a Qt image (RGB32) as a Pillow RGB image."""
    from PIL import Image  # Pillow is loaded when a GIF is made, not at start-up

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine())
    return Image.fromarray(rows[:, :width * 3].reshape(height, width, 3).copy(), "RGB")


def gif_bytes(images: Iterator[QImage]) -> bytes:
    """Return the images as one looping GIF, every frame in the first frame's 256 colours.

    One palette keeps what did not move the same from frame to frame, so Pillow stores
    only the changed part of each frame (the hiker and its trail).
    """
    import io

    from PIL import Image

    frames: list[Image.Image] = []
    for image in images:
        rgb = pil_image(image)
        if not frames:
            frames.append(rgb.quantize(colors=255, method=Image.Quantize.MEDIANCUT,
                                       dither=Image.Dither.NONE))
        else:
            frames.append(rgb.quantize(palette=frames[0], dither=Image.Dither.NONE))
    if not frames:
        raise ValueError("no frames to write")
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:],
                   duration=GIF_FRAME_MS, loop=0, disposal=1)
    return out.getvalue()


def series_paths(output: str | Path, count: int) -> list[Path]:
    """Return the files of a PNG series (``OUT-0000.png``, ``OUT-0001.png`` and on)."""
    output = Path(output)
    return [output.with_name(f"{output.stem}-{k:04d}{output.suffix}") for k in range(count)]


def write_series(output: str | Path, images: Iterator[QImage], count: int) -> list[Path]:
    """Write each image as one PNG of a numbered series beside ``output``; return the files."""
    paths = series_paths(output, count)
    written = []
    for path, image in zip(paths, images, strict=False):
        written.append(write_atomically(path, png_bytes(image)))
    return written
