"""The app's identity: the icon files drawn from their SVGs, the window icon, About and the offline Help."""

import importlib.util
from email.message import Message
from importlib import metadata
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from simulator import __version__
from simulator.locations import icons_dir, manual_dir
from simulator.ui import about
from simulator.ui.about import AboutDialog, about_html, app_icon, homepage_of, libraries, licence_of
from simulator.ui.launch import make_window, name_application

ROOT = Path(__file__).resolve().parents[2]
CIRCLE = str(ROOT / "resources" / "lessons" / "14-circle-network.lesson.json")


def make_icons_module():  # its renderer needs a QApplication: the tests ask for qapp
    spec = importlib.util.spec_from_file_location("make_icons", ROOT / "packaging" / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def window(qtbot):
    w = make_window(CIRCLE, reset_layout=True)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.controller.pause()
    w.controller.grids.cancel()
    w.controller.grids.wait()


# ----- the icon -------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256, 512])
def test_each_png_is_its_svg_drawn_at_that_size(size, qapp):
    make_icons = make_icons_module()
    kept = Image.open(icons_dir() / f"backprop-hiker-{size}.png")
    assert kept.size == (size, size) and kept.mode == "RGBA"
    drawn = make_icons.render(size)
    difference = ImageChops.difference(kept, drawn).getextrema()
    assert max(high for _, high in difference) <= 2, "re-run `make icons` after editing the SVG"
    assert kept.getpixel((0, 0))[3] < 16, "the tile's corners are rounded: transparent"
    assert kept.getpixel((size // 2, size // 2))[3] == 255


def test_the_small_sizes_come_from_the_simplified_drawing():
    make_icons = make_icons_module()
    assert make_icons.source_for(32).name == "backprop-hiker-small.svg"
    assert make_icons.source_for(48).name == "backprop-hiker.svg"


def test_the_ico_and_icns_hold_every_size():
    ico = Image.open(icons_dir() / "backprop-hiker.ico")
    assert ico.info["sizes"] == {(s, s) for s in (16, 24, 32, 48, 64, 128, 256)}
    icns = Image.open(icons_dir() / "backprop-hiker.icns")
    assert {(512, 512, 2), (256, 256, 1), (16, 16, 2)} <= set(icns.info["sizes"])
    icns.load()  # the largest entry: 512 pt at twice the pixels
    assert icns.size == (1024, 1024)


def test_write_all_writes_every_file_from_the_svgs(tmp_path, qapp):
    make_icons = make_icons_module()
    for svg in icons_dir().glob("*.svg"):
        (tmp_path / svg.name).write_bytes(svg.read_bytes())
    written = make_icons.write_all(tmp_path)
    assert sorted(p.name for p in written) == sorted(
        p.name for p in icons_dir().iterdir() if p.suffix in (".png", ".ico", ".icns"))


def test_a_broken_svg_is_refused_with_its_name(tmp_path, qapp):
    make_icons = make_icons_module()
    (tmp_path / "backprop-hiker.svg").write_text("<svg this is not")
    with pytest.raises(ValueError, match=r"backprop-hiker\.svg: not an SVG"):
        make_icons.render(64, tmp_path)


def test_the_window_and_the_application_carry_the_icon(window, qtbot):
    sizes = app_icon().availableSizes()
    assert QSize(16, 16) in sizes and QSize(512, 512) in sizes
    assert not window.windowIcon().isNull()
    app = QApplication.instance()
    name_application(app)
    assert QSize(256, 256) in app.windowIcon().availableSizes()


# ----- About ----------------------------------------------------------------------------------

def test_about_lists_every_library_with_its_installed_version_and_licence():
    found = libraries()
    assert [lib.name for lib in found] == [name for name, _ in about.LIBRARIES]
    for lib in found:
        assert lib.version == metadata.version(lib.name)
        assert lib.licence, f"{lib.name} has no licence shown"
    text = about_html()
    assert f"Backprop Hiker {__version__}" in text and "MIT licence" in text
    assert "PySide6-Essentials" in text and metadata.version("numpy") in text


def test_a_library_that_is_missing_is_shown_so(monkeypatch):
    monkeypatch.setattr(about, "LIBRARIES", (("no-such-distribution-here", "nothing"),))
    (lib,) = libraries()
    assert not lib.found and lib.version == ""
    assert "<i>not found</i>" in about_html()


def meta(**fields) -> Message:
    message = Message()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            message[key.replace("_", "-")] = item
    return message


def test_licence_comes_from_the_expression_then_a_short_field_then_the_classifier():
    assert licence_of(meta(License_Expression="MIT-CMU", License="ignored")) == "MIT-CMU"
    assert licence_of(meta(License="BSD")) == "BSD"
    whole_text = "Copyright (c) 2005\nAll rights reserved.\n" + "x" * 200
    assert licence_of(meta(License=whole_text,
                           Classifier=["Programming Language :: Python",
                                       "License :: OSI Approved :: BSD License"])) == "BSD License"
    assert licence_of(meta()) == ""


def test_homepage_comes_from_home_page_or_the_project_urls():
    assert homepage_of(meta(Home_page="https://sympy.org")) == "https://sympy.org"
    assert homepage_of(meta(Project_URL=["Documentation, https://d", "Homepage, https://h"])) == "https://h"
    assert homepage_of(meta(Project_URL=["Source, https://s"])) == "https://s"
    assert homepage_of(meta()) == ""


def test_help_about_opens_the_dialog(window, qtbot):
    window.act_about.trigger()
    (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, AboutDialog) and w.isVisible()]
    assert "pyqtgraph" in dialog.text.text()
    dialog.close()


# ----- the offline Help -----------------------------------------------------------------------

def test_the_manual_is_found_in_the_clone():
    assert (manual_dir() / "README.md").read_text(encoding="utf-8").startswith("# Backprop Hiker")
    assert (manual_dir() / "docs" / "lesson-format.md").is_file()


def test_help_opens_the_readme_and_follows_a_link_to_the_lesson_format(window, qtbot):
    window.act_help.trigger()
    helper = window.help_window
    assert helper.isVisible() and helper.windowTitle().startswith("Read me")
    assert "hiker walks downhill" in helper.browser.toPlainText()
    helper.browser.anchorClicked.emit(QUrl("docs/lesson-format.md"))
    assert helper.browser.source().toLocalFile() == str(manual_dir() / "docs" / "lesson-format.md")
    assert helper.windowTitle().startswith("Lesson format")
    assert "The lesson format" in helper.browser.toPlainText()
    helper.browser.backward()
    assert helper.windowTitle().startswith("Read me")
    assert window.show_help("docs/lesson-format.md") is helper  # one Help window, raised again
    helper.close()


def test_a_web_link_leaves_for_the_system_browser(window, qtbot, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    helper = window.show_help("README.md")
    before = helper.browser.source()
    helper.browser.anchorClicked.emit(QUrl("https://pyside.org"))
    assert opened == ["https://pyside.org"]
    assert helper.browser.source() == before
    helper.close()


def test_find_selects_the_text_wraps_round_and_says_when_it_is_absent(window, qtbot):
    helper = window.show_help("docs/lesson-format.md")
    helper.activateWindow()
    qtbot.waitUntil(helper.isActiveWindow)
    helper.browser.setFocus()
    qtbot.keyClick(helper, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Ctrl+F: to the field
    qtbot.waitUntil(helper.find_field.hasFocus)
    qtbot.keyClicks(helper.find_field, "learning_rate")
    assert helper.find_next()
    assert helper.browser.textCursor().selectedText() == "learning_rate"
    places = [helper.browser.textCursor().position()]
    for _ in range(helper.browser.toPlainText().lower().count("learning_rate") - 1):
        assert helper.find_next()
        places.append(helper.browser.textCursor().position())
    assert places == sorted(places) and len(set(places)) == len(places) > 3
    assert helper.find_next()  # past the last one: round to the top, the first again
    assert helper.browser.textCursor().position() == places[0]
    helper.find_field.setText("zebra-crossing")
    assert not helper.find_next()
    assert "is not in this page" in helper.find_status.text()
    helper.close()


def test_the_readme_screenshot_is_scaled_to_the_window_and_follows_its_width(window, qtbot):
    helper = window.show_help("README.md")
    helper.resize(700, 600)
    qtbot.waitUntil(lambda: helper.browser.viewport().width() < 700)

    def picture_widths():
        document = helper.browser.document()
        block, widths = document.begin(), []
        while block.isValid():
            widths += [p.fragment().charFormat().toImageFormat().width() for p in block
                       if p.fragment().charFormat().isImageFormat()]
            block = block.next()
        return widths

    (narrow,) = picture_widths()
    assert 0 < narrow <= helper.browser.viewport().width()
    helper.resize(1400, 900)
    qtbot.waitUntil(lambda: picture_widths()[0] > narrow)
    helper.close()
