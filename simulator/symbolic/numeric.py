"""Compiling formulas to numpy: what a kink's derivative is, and forms that do not overflow.

``sympy.lambdify`` alone fails or loses digits on formulas a student may type:

- ``sign`` and ``Heaviside`` have no numpy name it knows, and the second derivative of
  ``abs``, ``relu``, ``max`` or ``min`` holds ``DiracDelta``, which numpy has no value for;
- a number such as ``log(10**20)`` is handed to numpy as a Python integer too large for it;
- ``sigmoid(w)`` at w = −1000 is ``1/(1 + e^1000)``, fine, but its derivative
  ``e^1000/(1 + e^1000)²`` is inf/inf; ``softplus(w) = log(1 + e^w)`` is inf at w = 1000.

``compile_numpy`` first rewrites the expression (constants to floats, kinks to a step
function, sigmoid-like quotients to a stable sigmoid, ``log(1 + e^v)`` to a stable
softplus), then compiles it. The rewritten form equals the original wherever both are
defined; it only stops floating point from overflowing in the middle of a finite value.
Given a formula's guards (``domain``), every value is nan wherever one of them fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp

from . import domain
from .domain import Guard
from .errors import FormulaError
from .parsing import plain_text, symbol

#: what the app says about kinks, wherever a formula has one
KINK_NOTE = ("At a kink (abs, relu, max, min, sign, Heaviside) the slope is taken as the mean of "
             "the slopes on either side (relu'(0) = 1/2, |w|'(0) = 0), and a kink's curvature "
             "as 0.")

_KINKED = (sp.Abs, sp.Max, sp.Min, sp.sign, sp.Heaviside)

# Names the compiled code calls that numpy does not have, and what they compute.
_STEP = sp.Function("kink_step")
_SIGMOID = sp.Function("stable_sigmoid")
_SOFTPLUS = sp.Function("stable_softplus")
_REAL_POWER = sp.Function("real_power")


def _kink_step(u: np.ndarray, at_zero: float = 0.5) -> np.ndarray:
    return np.heaviside(u, at_zero)


def _stable_sigmoid(u: np.ndarray) -> np.ndarray:
    # 1/(1 + e^-u) = e^(-log(1 + e^-u)); logaddexp never overflows.
    return np.exp(-np.logaddexp(0.0, -np.asarray(u, dtype=float)))


def _stable_softplus(u: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, np.asarray(u, dtype=float))


def _real_power(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    # in floats: a negative base to a fractional power is nan, never a complex number
    return np.power(np.asarray(base, dtype=float), np.asarray(exponent, dtype=float))


_NAMESPACE = {"kink_step": _kink_step, "stable_sigmoid": _stable_sigmoid,
              "stable_softplus": _stable_softplus, "real_power": _real_power}

# Integers up to this size are exact as floats and print as themselves (w**2 stays w**2).
_EXACT_FLOAT_INT = 2**53


def kink_note(expression: sp.Expr) -> str | None:
    """Return ``KINK_NOTE`` when an expression has a kink (abs, relu, max…), else None."""
    return KINK_NOTE if expression.has(*_KINKED) else None


def without_delta(expression: sp.Expr) -> sp.Expr:
    """Return an expression with every ``DiracDelta`` (a kink's curvature) taken as 0."""
    if not expression.has(sp.DiracDelta):
        return expression
    return expression.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))


def compile_numpy(names: Sequence[str], expressions,
                  guards: Sequence[Guard] = ()) -> Callable[..., object]:
    """Return a numpy function of the named variables computing an expression (or a list).

    Compiled with ``sympy.lambdify`` from expression objects, never from text, after the
    rewrites this module describes. The function never warns: where a value is not
    defined it gives nan (or ±inf), as numpy does, and nan for a finite value wherever
    one of ``guards`` (a formula's domain) fails. Raises ``FormulaError`` if sympy cannot compile an
    expression.
    """
    compiled = _lambdified(names, _map(numeric_form, expressions), expressions)
    arguments = [numeric_form(a) for g in guards for a in g.arguments]
    checks = _lambdified(names, arguments, expressions) if guards else None

    def quiet(*values: object) -> object:
        # numpy floats, not Python ones: 9.29**1e6 is inf instead of an OverflowError
        arrays = [np.asarray(value, dtype=float) for value in values]
        with np.errstate(all="ignore"):
            result = compiled(*arrays)
            if checks is None:
                return result
            return _masked(result, _defined(guards, checks(*arrays)))

    return quiet


def _lambdified(names: Sequence[str], prepared, expressions) -> Callable[..., object]:
    """Return ``sympy.lambdify`` of prepared expressions, or raise ``FormulaError``."""
    try:
        return sp.lambdify([symbol(n) for n in names], prepared, modules=[_NAMESPACE, "numpy"])
    except (TypeError, KeyError, ValueError, NameError, SyntaxError) as error:
        shown = plain_text(_first(expressions))[:60]
        raise FormulaError(1, shown, f"'{shown}' cannot be computed in floating point "
                                     f"({type(error).__name__})") from None


def _defined(guards: Sequence[Guard], arguments: Sequence[object]) -> np.ndarray:
    """Return where every guard holds, given their arguments' values in order."""
    ok = np.asarray(True)
    position = 0
    for guard in guards:
        count = len(guard.arguments)
        ok = ok & domain.holds_array(guard.kind, arguments[position:position + count])
        position += count
    return ok


def _masked(result, ok: np.ndarray):
    """Return a compiled result (a value or nested lists of them), nan where not ``ok``.

    Only a finite value is taken away: one the expression itself gives as ±inf (a pole,
    1/w at 0) or nan keeps what it says.
    """
    if isinstance(result, list | tuple):
        return type(result)(_masked(r, ok) for r in result)
    if ok.all():
        return result
    return np.where(ok | ~np.isfinite(result), result, np.nan)


def _map(function: Callable[[sp.Expr], sp.Expr], expressions):
    if isinstance(expressions, sp.MatrixBase):
        return [[function(e) for e in row] for row in expressions.tolist()]
    if isinstance(expressions, list | tuple):
        return [_map(function, e) for e in expressions]
    # strict: numbers only (a constant entry of a derivative list), never text
    return function(expressions if isinstance(expressions, sp.Basic)
                    else sp.sympify(expressions, strict=True))


def _first(expressions) -> sp.Expr:
    while isinstance(expressions, list | tuple) and expressions:
        expressions = expressions[0]
    if isinstance(expressions, sp.MatrixBase) and expressions:
        return expressions[0]
    return expressions if isinstance(expressions, sp.Basic) else sp.Integer(0)


def numeric_form(expression: sp.Expr) -> sp.Expr:
    """Return the form of an expression that numpy computes without needless overflow."""
    folded, _ = _folded(without_delta(expression), {})
    return _stable(folded, False, {}) if folded.has(sp.exp) else folded


def _folded(expr: sp.Expr, memo: dict) -> tuple[sp.Expr, bool]:
    """Return expr with every constant part replaced by its float, and whether it is one.

    Whether a part is constant is found bottom-up once (``is_number`` would walk each
    part's whole subtree again); ``memo`` shares the answers between repeated parts.
    """
    if expr in memo:
        return memo[expr]
    if expr.is_Symbol:
        result = (expr, False)
    elif expr.is_Integer and abs(int(expr)) <= _EXACT_FLOAT_INT:
        result = (expr, True)
    elif expr.is_Rational and abs(expr.p) <= _EXACT_FLOAT_INT and expr.q <= _EXACT_FLOAT_INT:
        result = (expr, True)
    elif not expr.args:
        result = (_float(expr) if expr.is_number else expr, bool(expr.is_number))
    else:
        parts = [_folded(arg, memo) for arg in expr.args]
        if all(constant for _, constant in parts) and expr.is_number:
            result = (_float(expr), True)
        else:
            args = [part for part, _ in parts]
            if isinstance(expr, sp.Heaviside):
                result = (_STEP(*args), False)
            elif all(new is old for new, old in zip(args, expr.args, strict=True)):
                result = (expr, False)
            else:
                rebuilt = expr.func(*args)
                if isinstance(expr, sp.Pow) and rebuilt.has(sp.I):
                    # sympy split (-|w|)**0.43 into the complex constant (-1)**0.43 times
                    # |w|**0.43: numpy would give complex numbers where the real power is
                    # undefined. A power sympy cannot rewrite gives nan there instead.
                    rebuilt = _REAL_POWER(*args)
                result = (rebuilt, False)
    memo[expr] = result
    return result


def _float(number: sp.Expr) -> sp.Expr:
    """Return a constant as a sympy Float, or nan / ±oo when it is not a finite real."""
    if number in (sp.oo, -sp.oo):
        return number
    try:
        value = number.evalf(17)
        real = value.is_extended_real
    except (TypeError, ValueError, ArithmeticError):
        return sp.nan
    if value.is_Float or (value.is_Integer and real):
        return sp.Float(value, 17)
    return sp.nan


def _stable(expr: sp.Expr, factor: bool, memo: dict) -> sp.Expr:
    """Return expr with sigmoid-like quotients and log(1 + e^v) in their stable forms.

    ``factor`` says that expr is a factor of a product (or the argument of a log), which
    rewrites it together with its neighbours, so it is not rewritten alone here.
    """
    key = (expr, factor)
    if key in memo:
        return memo[key]
    if not expr.args or not expr.has(sp.exp):
        return expr
    whole = expr.is_Mul or isinstance(expr, sp.log)
    args = [_stable(arg, whole, memo) for arg in expr.args]
    if isinstance(expr, sp.log) and len(args) == 1:
        inner = _one_plus_exp_power(args[0])
        if inner is not None:
            v, power = inner
            result = power * _SOFTPLUS(v)  # log((1 + e^v)^n) = n·softplus(v)
        else:
            result = expr.func(_stable_product([args[0]]))
    elif expr.is_Mul:
        result = _stable_product(args)
    else:
        rebuilt = expr.func(*args)
        result = _stable_product([rebuilt]) if rebuilt.is_Pow and not factor else rebuilt
    memo[key] = result
    return result


def _one_plus_exp(expr: sp.Expr) -> sp.Expr | None:
    """Return v when expr is 1 + e^v, else None."""
    if expr.is_Add and len(expr.args) == 2 and sp.Integer(1) in expr.args:
        other = expr.args[0] if expr.args[1] == 1 else expr.args[1]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def _one_plus_exp_power(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """Return (v, n) when expr is (1 + e^v)^n with a number n, else None."""
    base, power = (expr.base, expr.exp) if expr.is_Pow else (expr, sp.Integer(1))
    if not power.is_Rational:
        return None
    v = _one_plus_exp(base)
    return None if v is None else (v, power)


def _stable_product(factors: list[sp.Expr]) -> sp.Expr:
    """Return a product with each e^(a·v)/(1 + e^v)^k written with stable sigmoids.

    e^(a·v)/(1 + e^v)^k = σ(v)^a · σ(−v)^(k−a) when a ≤ k, and σ(v)^k · e^((a−k)·v)
    otherwise; a lone 1/(1 + e^v)^k is σ(−v)^k. Each piece stays between 0 and 1.
    """
    quotients: dict[sp.Expr, sp.Expr] = {}  # v -> k, for each factor (1 + e^v)^(−k)
    rest: list[sp.Expr] = []
    for factor in factors:
        inner = _one_plus_exp_power(factor) if factor.is_Pow else None
        if inner is not None and inner[1] < 0:
            v, power = inner
            quotients[v] = quotients.get(v, 0) - power
        else:
            rest.append(factor)
    if not quotients:
        return sp.Mul(*factors)
    result: list[sp.Expr] = []
    for factor in rest:
        match = _matching_exponential(factor, quotients)
        if match is None:
            result.append(factor)
            continue
        v, a = match
        k = quotients.pop(v)
        if a <= k:
            result += [_SIGMOID(v) ** a, _SIGMOID(-v) ** (k - a)]
        else:
            result += [_SIGMOID(v) ** k, sp.exp((a - k) * v)]
    result += [_SIGMOID(-v) ** k for v, k in quotients.items()]
    return sp.Mul(*result)


def _matching_exponential(factor: sp.Expr, quotients: dict) -> tuple[sp.Expr, sp.Expr] | None:
    """Return (v, a) when factor is e^(a·v) for a v of ``quotients`` and a number a > 0.

    A v with a ≤ k is preferred: its quotient becomes sigmoids alone, with no e^ left.
    """
    if not isinstance(factor, sp.exp):
        return None
    matches = []
    for v, k in quotients.items():
        ratio = factor.args[0] / v
        if ratio.is_Rational and ratio > 0:
            matches.append((bool(ratio > k), v, ratio))
    return min(matches, key=lambda m: m[0])[1:] if matches else None
