"""Formulas with sympy: safe parsing, derivatives, the chain rule, formula problems.

Importing this package does not import sympy: each name below loads its module on first
use, so a network lesson never pays for sympy. ``FormulaError`` needs no sympy at all.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module (in this package) that holds it
_EXPORTS = {
    "FormulaError": "errors",
    "Formula": "parsing",
    "parse_formula": "parsing",
    "plain_text": "parsing",
    "pretty_text": "parsing",
    "latex_text": "parsing",
    "exact_number": "exact",
    "derivative": "derivatives",
    "gradient": "derivatives",
    "hessian": "derivatives",
    "exact_value": "evaluation",
    "float_value": "evaluation",
    "compile_numpy": "numeric",
    "KINK_NOTE": "numeric",
    "kink_note": "numeric",
    "Nudge": "derivatives",
    "nudge": "derivatives",
    "derive_report": "report",
    "derive_with_budget": "report",
    "OutOfTime": "report",
    "tidy": "derivatives",
    "run_within": "budget",
    "format_derive_report": "report",
    "expression_problem": "problems",
    "Surface": "surfaces",
    "Minimum": "surfaces",
    "SURFACES": "surfaces",
    "SEED_TABLE": "surfaces",
    "surface_problem": "surfaces",
    "ChainRule": "chain_rule",
    "chain_rule": "chain_rule",
    "Graph": "graph",
    "computation_graph": "graph",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Return a public name, importing its module the first time it is asked for."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
