"""Who the app is: its icon, and the About box with its version, licence and the libraries it runs on.

Versions and licences are read from the installed distributions' metadata at run time
(``importlib.metadata``), so the box tells the truth about this installation — a clone, a
wheel or a frozen build (whose spec bundles that metadata).
"""

from __future__ import annotations

import html
import platform
from dataclasses import dataclass

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from simulator import __version__
from simulator.locations import icons_dir

DISTRIBUTION = "backprop-hiker"
#: the libraries the app runs on, by distribution name, and what each does for it
LIBRARIES = (
    ("PySide6-Essentials", "Qt for Python: the window and its painting"),
    ("shiboken6", "PySide6's binding layer"),
    ("pyqtgraph", "the plots and the landscape"),
    ("PyOpenGL", "the 3-D landscape"),
    ("numpy", "the numbers of the engine"),
    ("sympy", "exact derivatives"),
    ("mpmath", "sympy's arbitrary precision"),
    ("Pillow", "animated exports and icons"),
)
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """Return the app's icon with every drawn size (16–512 px), for windows and the task bar."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icons_dir() / f"backprop-hiker-{size}.png"))
    return icon


@dataclass(frozen=True)
class Library:
    """One installed distribution as the About box lists it ("" for what its metadata lacks)."""

    name: str
    purpose: str
    version: str
    licence: str
    homepage: str

    @property
    def found(self) -> bool:
        """Return whether the distribution is installed (its metadata was found)."""
        return bool(self.version)


def licence_of(meta) -> str:
    """Return a distribution's licence: its SPDX expression, a short License field, or a classifier."""
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= 60:  # some put the whole text there
        return field
    classifiers = [c.rsplit("::", 1)[1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return ", ".join(classifiers)


def homepage_of(meta) -> str:
    """Return a distribution's home page: Home-page, else its Project-URL named homepage or source."""
    if meta.get("Home-page"):
        return meta["Home-page"].strip()
    urls = dict(entry.split(",", 1) for entry in meta.get_all("Project-URL") or [] if "," in entry)
    urls = {label.strip().lower(): url.strip() for label, url in urls.items()}
    return urls.get("homepage") or urls.get("source", "")


def library(name: str, purpose: str = "") -> Library:
    """Return what the installed metadata says of one distribution (empty fields when it is missing)."""
    from importlib import metadata  # read when the box opens, not at the app's start (~70 ms)

    try:
        meta = metadata.metadata(name)
    except metadata.PackageNotFoundError:
        return Library(name, purpose, "", "", "")
    return Library(name, purpose, meta["Version"], licence_of(meta), homepage_of(meta))


def libraries() -> list[Library]:
    """Return every library the app runs on, as installed."""
    return [library(name, purpose) for name, purpose in LIBRARIES]


def about_html() -> str:
    """Return the About box's text: version, licence, Python and Qt, and the libraries' table."""
    own = library(DISTRIBUTION)
    rows = []
    for lib in libraries():
        name = html.escape(lib.name)
        if lib.homepage:
            name = f'<a href="{html.escape(lib.homepage, quote=True)}">{name}</a>'
        version = html.escape(lib.version) if lib.found else "<i>not found</i>"
        rows.append(f"<tr><td>{name}</td><td>{version}</td><td>{html.escape(lib.licence)}</td>"
                    f"<td>{html.escape(lib.purpose)}</td></tr>")
    return (
        f"<h2>Backprop Hiker {html.escape(__version__)}</h2>"
        "<p>Watch gradient descent walk down the cost surface, one optimizer step at a time, "
        "and see backpropagation compute every slope.</p>"
        f"<p>Released under the {html.escape(own.licence or 'MIT')} licence. "
        f"Running on Python {platform.python_version()} and Qt {qVersion()}.</p>"
        "<p><b>Libraries</b></p>"
        '<table cellspacing="0" cellpadding="3">'
        "<tr><th align=left>Library</th><th align=left>Version</th><th align=left>Licence</th>"
        "<th align=left>Used for</th></tr>" + "".join(rows) + "</table>"
    )


class AboutDialog(QDialog):
    """Help ▸ About: the icon, the version, the licence and every library with its version and licence."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About Backprop Hiker")
        layout = QVBoxLayout(self)
        picture = QLabel()
        picture.setPixmap(app_icon().pixmap(96, 96))
        picture.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(picture)
        self.text = QLabel(about_html())
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setOpenExternalLinks(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
