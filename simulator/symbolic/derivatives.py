"""Derivatives of a formula: gradient, Hessian, values at a point, and the seed's nudge.

Values at a point are exact when the numbers are: J = w² at w = 3 is the Integer 9 and
its derivative the Integer 6, never 6.0000001. ``float_value`` gives the float.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from .evaluation import Point, exact_point, exact_value, float_value
from .exact import exact_number, to_float
from .grammar import VARIABLES
from .parsing import Formula, parse_formula, symbol

__all__ = [
    "Nudge", "Point", "as_formula", "derivative", "exact_point", "exact_value", "float_value",
    "gradient", "hessian", "nudge", "tidy",
]

# Simplifying is worth it for the short derivatives a lesson shows, and can take seconds
# on large ones (expanding (w + 1)**999), so it is skipped beyond these sizes.
_SIMPLIFY_MAX_OPS = 40
_SIMPLIFY_MAX_POWER = 12


def as_formula(formula: Formula | str) -> Formula:
    """Return a Formula, parsing text when given text."""
    return formula if isinstance(formula, Formula) else parse_formula(formula)


def tidy(expression: sp.Expr) -> sp.Expr:
    """Return a simpler equal form of an expression when one is found quickly."""
    if sp.count_ops(expression) > _SIMPLIFY_MAX_OPS or any(
        p.exp.is_Integer and abs(p.exp) > _SIMPLIFY_MAX_POWER
        for p in expression.atoms(sp.Pow)
    ):
        return expression
    simpler = sp.simplify(expression)
    shorter = sp.count_ops(simpler) < sp.count_ops(expression)
    return simpler if shorter and not _brings_new_names(simpler, expression) else expression


def _brings_new_names(simpler: sp.Expr, original: sp.Expr) -> bool:
    """Return whether a rewrite uses functions or constants the original did not.

    Sympy may shorten σ'(w) into 1/(4 cosh²(w/2)) or bring in sin(w + π/4); correct, but
    not what a student recognises, so such rewrites are not taken.
    """
    def functions(e: sp.Expr) -> set[type]:
        return {type(f) for f in e.atoms(sp.Function)}

    def constants(e: sp.Expr) -> set[sp.Expr]:
        return e.atoms(sp.NumberSymbol) | {p for p in e.atoms(sp.Pow) if p.is_number}

    return not (functions(simpler) <= functions(original)
                and constants(simpler) <= constants(original))


def derivative(formula: Formula | str, variable: str) -> sp.Expr:
    """Return ∂J/∂variable, simplified."""
    formula = as_formula(formula)
    if variable not in VARIABLES:
        raise ValueError(f"{variable!r} is not a variable name")
    return tidy(sp.diff(formula.expression, symbol(variable)))


def gradient(formula: Formula | str, variables: Sequence[str] | None = None) -> list[sp.Expr]:
    """Return the partial derivatives [∂J/∂v₁, ∂J/∂v₂, …] (default: the formula's variables)."""
    formula = as_formula(formula)
    names = formula.variables if variables is None else variables
    return [derivative(formula, name) for name in names]


def hessian(formula: Formula | str, variables: Sequence[str] | None = None) -> sp.Matrix:
    """Return the matrix of second derivatives ∂²J/∂vᵢ∂vⱼ (symmetric)."""
    formula = as_formula(formula)
    names = list(formula.variables if variables is None else variables)
    first = [sp.diff(formula.expression, symbol(name)) for name in names]
    return sp.Matrix(len(names), len(names),
                     lambda i, j: tidy(sp.diff(first[i], symbol(names[j]))))


@dataclass(frozen=True)
class Nudge:
    """The seed's experiment: move one variable by ε and compare ΔJ/ε with dJ/dw.

    Every field is exact; ``floats()`` gives them as floats. For J = w² at w = 3 with
    ε = 0.001: J = 9, J_plus = 9.006001, delta = 0.006001, ratio = 6.001, exact = 6,
    error = 0.001.
    """

    variable: str
    epsilon: sp.Rational
    J: sp.Expr  # J at the point
    J_plus: sp.Expr  # J with the variable moved by ε
    delta: sp.Expr  # ΔJ = J_plus − J
    ratio: sp.Expr  # ΔJ / ε, the slope the nudge measures
    exact: sp.Expr  # dJ/dvariable at the point, the slope itself
    error: sp.Expr  # ratio − exact (shrinks with ε)

    def floats(self) -> dict[str, float]:
        """Return epsilon, J, J_plus, delta, ratio, exact and error as floats."""
        return {name: to_float(getattr(self, name)) for name in
                ("epsilon", "J", "J_plus", "delta", "ratio", "exact", "error")}


def nudge(formula: Formula | str, variable: str, point: Point, epsilon: object) -> Nudge:
    """Return what happens to J when ``variable`` moves from the point by ``epsilon``."""
    formula = as_formula(formula)
    step = exact_number(epsilon)
    if step == 0:
        raise ValueError("epsilon must not be zero")
    if variable not in point:
        raise ValueError(f"missing value for {variable}")
    moved = dict(point)
    moved[variable] = exact_number(point[variable]) + step
    before = exact_value(formula.expression, point)
    after = exact_value(formula.expression, moved)
    delta = after - before
    ratio = delta / step
    slope = exact_value(sp.diff(formula.expression, symbol(variable)), point)
    return Nudge(variable, step, before, after, delta, ratio, slope, ratio - slope)
