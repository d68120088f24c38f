"""The import rules between the app's layers, read from the source with ``ast``, and the package list.

Every ``import`` and ``from … import`` of every module under ``simulator/`` counts, wherever it
sits: at the top, inside a function, under ``if TYPE_CHECKING:``. A failure lists every break
as ``file:line imports X`` with the rule it breaks. The tests of the Qt-free layers are also run
in a subprocess that fails any of them after which PySide6 is imported.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

QT = ("PySide6", "shiboken6", "pyqtgraph")
ENGINE_SYMBOLIC_LESSONS = ("simulator.engine", "simulator.symbolic", "simulator.lessons")
# Test folders whose tests must pass without Qt: `make test` runs them in a process of their own.
QT_FREE_TEST_FOLDERS = ("engine", "symbolic", "lessons", "workspace")

# Bottom to top: a module may import its own layer or a lower one, never a higher one.
LAYER_ORDER = ("engine", "symbolic", "lessons", "workspace", "ui", "export", "app")
TOP_MODULES = ("simulator.__main__", "simulator.app", "simulator.cli", "simulator.benchmarks",
               "simulator.self_test", "simulator.desktop")
# Leaves stand outside the order: any module may import them, and they import only each other and
# the standard library. The package's own __init__ is one because importing any module of ours
# runs it first, so whatever it imported every layer would import too.
LEAVES = ("simulator", "simulator.locations")


@dataclass(frozen=True)
class Contract:
    """A rule: modules under ``who`` may not import anything under ``forbids``, apart from ``allows``."""

    who: str
    forbids: tuple[str, ...]
    allows: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"{self.who} may not import {', '.join(self.forbids)}"
        return text + (f" (apart from {', '.join(self.allows)})" if self.allows else "")

    def broken_by(self, found: Import) -> bool:
        """Return whether one import breaks this rule."""
        return (under(found.importer, self.who)
                and any(under(found.imported, f) for f in self.forbids)
                and not any(under(found.imported, a) for a in self.allows))


CONTRACTS = (
    #        who                     may not import              apart from
    Contract("simulator.engine",     ("simulator",),             ("simulator.engine",)),
    Contract("simulator.engine",     QT + ("sympy",)),
    Contract("simulator.symbolic",   ("simulator",),             ("simulator.engine", "simulator.symbolic")),
    Contract("simulator.symbolic",   QT),
    Contract("simulator.lessons",    QT),
    Contract("simulator.workspace",  QT),
)

# Views and controls draw Frames and emit intents; the workspace is their only model.
PASSIVE_VIEW_CONTRACTS = (
    Contract("simulator.ui.views",    ENGINE_SYMBOLIC_LESSONS),
    Contract("simulator.ui.controls", ENGINE_SYMBOLIC_LESSONS),
)


@dataclass(frozen=True)
class Import:
    """One module naming another in an import statement, and where."""

    importer: str
    imported: str
    where: str

    def __str__(self) -> str:
        return f"{self.where} imports {self.imported}"


def under(module: str, prefix: str) -> bool:
    """Return whether a dotted module name is ``prefix`` or inside it."""
    return module == prefix or module.startswith(prefix + ".")


def module_name(path: Path, root: Path) -> str:
    """Return the dotted name of a source file below ``root``."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str, root: Path) -> bool:
    """Return whether a dotted name is a module or package of ours below ``root``."""
    place = root.joinpath(*name.split("."))
    return place.with_suffix(".py").is_file() or (place / "__init__.py").is_file()


def imports_of(path: Path, root: Path) -> list[Import]:
    """Return every import in one source file, relative ones made absolute, each once a line."""
    return list(dict.fromkeys(_imports_of(path, root)))


def _imports_of(path: Path, root: Path) -> Iterator[Import]:
    importer = module_name(path, root)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    relative_path = path.relative_to(root).as_posix()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        where = f"{relative_path}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, alias.name, where)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            for alias in node.names:
                # `from simulator.engine import network` imports the module simulator.engine.network.
                candidate = f"{base}.{alias.name}"
                yield Import(importer, candidate if is_module(candidate, root) else base, where)


def all_imports(root: Path = ROOT) -> list[Import]:
    """Return the imports of every module of the ``simulator`` package below ``root``."""
    return [found for path in sorted((root / "simulator").rglob("*.py")) for found in imports_of(path, root)]


def layer_of(module: str) -> str | None:
    """Return the layer a module of ours belongs to ("leaf" for a leaf), or None."""
    if module in TOP_MODULES:
        return "app"
    if module in LEAVES:
        return "leaf"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "simulator" and parts[1] in LAYER_ORDER else None


def order_breaks(imports: list[Import]) -> list[str]:
    """Return every import of ours that points up the layer order, or names a module in no layer."""
    breaks = []
    for found in imports:
        if not under(found.imported, "simulator"):
            continue
        mine, theirs = layer_of(found.importer), layer_of(found.imported)
        if mine is None or theirs is None:
            stray = found.importer if mine is None else found.imported
            breaks.append(f"{found}: {stray} is in no layer (give it one in tests/test_layers.py)")
        elif mine == "leaf" and theirs != "leaf":
            breaks.append(f"{found}: the leaf {found.importer} may import only leaves ({', '.join(LEAVES)})")
        elif theirs != "leaf" and LAYER_ORDER.index(theirs) > LAYER_ORDER.index(mine):
            breaks.append(f"{found}: {mine} may not import the higher layer {theirs}")
    return breaks


def leaf_breaks(imports: list[Import]) -> list[str]:
    """Return every import of a leaf that is neither the standard library nor ours."""
    return [f"{found}: the leaf {found.importer} may import only the standard library and leaves"
            for found in imports
            if layer_of(found.importer) == "leaf"
            and found.imported.partition(".")[0] not in sys.stdlib_module_names | {"simulator"}]


def contract_breaks(contracts: tuple[Contract, ...], imports: list[Import]) -> list[str]:
    """Return every import that breaks one of the contracts, with the rule."""
    return [f"{found}: {rule}" for rule in contracts for found in imports if rule.broken_by(found)]


def report(breaks: list[str]) -> str:
    """Return the breaks one a line, for an assertion message."""
    return f"{len(breaks)} import(s) break the layer rules:\n" + "\n".join(breaks)


def test_the_scanner_sees_every_kind_of_import(tmp_path):
    pkg = tmp_path / "simulator" / "ui" / "views"
    pkg.mkdir(parents=True)
    for folder in (tmp_path / "simulator", tmp_path / "simulator" / "ui", pkg):
        (folder / "__init__.py").write_text("")
    (tmp_path / "simulator" / "engine.py").write_text("")
    (pkg / "sibling.py").write_text("")
    (pkg / "view.py").write_text(
        "from __future__ import annotations\n"
        "import PySide6.QtCore, numpy as np\n"
        "from typing import TYPE_CHECKING\n"
        "from . import sibling\n"
        "from ..theme import COLOURS\n"
        "from simulator import engine\n"
        "if TYPE_CHECKING:\n"
        "    from simulator.workspace.frames import Frame\n"
        "def draw():\n"
        "    from ... import engine as e\n"
        "    import sympy\n"
    )
    found = [(i.imported, i.where) for i in imports_of(pkg / "view.py", tmp_path)]
    where = "simulator/ui/views/view.py"
    assert found == [
        ("__future__", f"{where}:1"),
        ("PySide6.QtCore", f"{where}:2"), ("numpy", f"{where}:2"),
        ("typing", f"{where}:3"),
        ("simulator.ui.views.sibling", f"{where}:4"),
        ("simulator.ui.theme", f"{where}:5"),
        ("simulator.engine", f"{where}:6"),
        ("simulator.workspace.frames", f"{where}:8"),
        ("simulator.engine", f"{where}:10"),
        ("sympy", f"{where}:11"),
    ]
    assert module_name(pkg / "__init__.py", tmp_path) == "simulator.ui.views"


def test_every_module_is_in_a_layer_and_every_layer_is_scanned():
    modules = {module_name(p, ROOT) for p in (ROOT / "simulator").rglob("*.py")}
    assert [m for m in modules if layer_of(m) is None] == []
    assert {layer_of(m) for m in modules} == set(LAYER_ORDER) | {"leaf"}


def test_the_contracts_catch_a_break():
    engine_uses_qt = Import("simulator.engine.network", "PySide6.QtCore", "simulator/engine/network.py:3")
    lessons_uses_ui = Import("simulator.lessons.files", "simulator.ui.theme", "simulator/lessons/files.py:9")
    view_uses_engine = Import("simulator.ui.views.x", "simulator.engine.network", "simulator/ui/views/x.py:1")
    fine = Import("simulator.ui.views.x", "simulator.workspace.frames", "simulator/ui/views/x.py:2")
    assert contract_breaks(CONTRACTS, [engine_uses_qt, fine]) == [
        "simulator/engine/network.py:3 imports PySide6.QtCore: "
        "simulator.engine may not import PySide6, shiboken6, pyqtgraph, sympy"]
    assert order_breaks([lessons_uses_ui, fine]) == [
        "simulator/lessons/files.py:9 imports simulator.ui.theme: lessons may not import the higher layer ui"]
    assert len(contract_breaks(PASSIVE_VIEW_CONTRACTS, [view_uses_engine, fine])) == 1
    leaf_uses_numpy = Import("simulator.locations", "numpy", "simulator/locations.py:4")
    leaf_uses_lessons = Import("simulator.locations", "simulator.lessons.catalog", "simulator/locations.py:5")
    anyone_uses_a_leaf = Import("simulator.engine.x", "simulator.locations", "simulator/engine/x.py:1")
    assert leaf_breaks([leaf_uses_numpy, leaf_uses_lessons, anyone_uses_a_leaf]) == [
        "simulator/locations.py:4 imports numpy: "
        "the leaf simulator.locations may import only the standard library and leaves"]
    assert order_breaks([leaf_uses_lessons, anyone_uses_a_leaf]) == [
        "simulator/locations.py:5 imports simulator.lessons.catalog: "
        "the leaf simulator.locations may import only leaves (simulator, simulator.locations)"]


@pytest.mark.parametrize("contract", CONTRACTS, ids=str)
def test_contract(contract):
    breaks = contract_breaks((contract,), all_imports())
    assert not breaks, report(breaks)


def test_no_layer_imports_a_higher_one():
    breaks = order_breaks(all_imports())
    assert not breaks, report(breaks)


def test_leaves_import_only_the_standard_library_and_leaves():
    breaks = leaf_breaks(all_imports())
    assert not breaks, report(breaks)


def test_views_and_controls_import_none_of_engine_symbolic_lessons():
    breaks = contract_breaks(PASSIVE_VIEW_CONTRACTS, all_imports())
    assert not breaks, report(breaks)


def test_pyproject_lists_every_package():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = pyproject["tool"]["setuptools"]["packages"]
    on_disk = {module_name(p, ROOT) for p in (ROOT / "simulator").rglob("__init__.py")}
    assert sorted(listed) == sorted(on_disk | {"simulator.resources", "simulator.manual"})


def run_pytest_without_qt(*args: str) -> subprocess.CompletedProcess:
    """Run pytest in a subprocess, pytest-qt off, with tests/conftest.py failing a test that imports Qt."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:pytest-qt", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, env=dict(os.environ, BACKPROP_HIKER_NO_QT="1"),
                          capture_output=True, text=True, timeout=600)


def test_the_qt_free_run_fails_a_test_that_imports_qt(tmp_path):
    (tmp_path / "test_uses_qt.py").write_text("def test_draws():\n    import PySide6.QtCore  # noqa: F401\n")
    result = run_pytest_without_qt("-p", "tests.conftest", "--rootdir", str(tmp_path), str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "this test imported ['PySide6'" in result.stdout


def test_make_test_runs_the_model_tests_in_a_process_without_qt():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    folders = next(line.split(":=", 1)[1].split() for line in makefile.splitlines()
                   if line.startswith("QT_FREE_TESTS"))
    assert folders == [f"tests/{name}" for name in QT_FREE_TEST_FOLDERS]
    assert "BACKPROP_HIKER_NO_QT=1 $(PY) -m pytest -p no:pytest-qt $(QT_FREE_TESTS)" in makefile
    assert "--ignore=,$(QT_FREE_TESTS)" in makefile  # and the Qt run does not run them again
