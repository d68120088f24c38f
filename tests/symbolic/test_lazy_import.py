import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(code):
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    return result.stdout.strip()


def test_importing_the_package_does_not_import_sympy():
    code = ("import simulator.symbolic, simulator.engine.network; import sys; "
            "print('sympy' in sys.modules)")
    assert run(code) == "False"


def test_cheap_parts_need_no_sympy():
    code = ("import sys; from simulator.symbolic import FormulaError, SURFACES, chain_rule; "
            "import simulator.symbolic.surfaces; print('sympy' in sys.modules, len(SURFACES))")
    assert run(code) == "False 8"


def test_formulas_load_sympy_on_first_use():
    code = ("import sys, simulator.symbolic as s; s.parse_formula('w^2'); "
            "print('sympy' in sys.modules)")
    assert run(code) == "True"


def test_no_qt_is_imported():
    code = ("import sys, simulator.symbolic as s; s.derive_report('w^2', None, {'w': '3'}, "
            "'0.001'); s.surface_problem('rosenbrock'); s.computation_graph('w^2', {'w': 3}); "
            "print(sorted(m for m in sys.modules if 'PySide' in m or 'pyqtgraph' in m))")
    assert run(code) == "[]"


def test_public_names_resolve():
    import simulator.symbolic as package

    for name in package.__all__:
        assert getattr(package, name) is not None
