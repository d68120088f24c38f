"""The ``derive`` command's answer: a JSON-ready dict, and the same as readable text.

``backprop-hiker derive EXPR [--wrt w] [--at w=3] [--epsilon 0.001] [--json]`` calls
``derive_report`` with the options as typed and prints ``format_derive_report`` of the
result (or the dict as JSON). Bad input raises ``FormulaError`` or a ``ValueError``
whose message is one line naming the option.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any

import sympy as sp

from .budget import run_within
from .derivatives import derivative, exact_value, nudge
from .evaluation import violated_guard
from .exact import exact_number, json_number, no_value_reason, undefined_reason
from .grammar import VARIABLES, VARIABLES_TEXT
from .numeric import kink_note
from .parsing import Formula, latex_text, parse_formula, plain_text

_NUDGE_KEYS = ("epsilon", "J", "J_plus", "delta", "ratio", "exact", "error")

#: how long ``derive`` may take on one formula
DERIVE_SECONDS = 2.0


class OutOfTime(ValueError):
    """A formula whose derivative could not be given within the time budget."""


def derive_report(
    expression: str,
    wrt: str | None = None,
    at: Mapping[str, str] | None = None,
    epsilon: str | None = None,
    simplify: bool = True,
) -> dict[str, Any]:
    """Return the derivative of a formula as a JSON-ready dict.

    Keys: ``expression`` (plain text), ``variables``, ``wrt``, ``derivative`` (plain text;
    a list with a ``gradient`` object when the formula has several variables and no
    ``wrt``), ``latex`` (shaped like ``derivative``), ``expression_latex``, ``at`` and
    ``expression_value`` (``None`` without a point), ``value`` (the derivative there, a
    number or list, else ``None``) and, with ``epsilon``, ``nudge``: the seed's
    experiment with keys epsilon, J, J_plus, delta, ratio, exact, error. ``undefined``
    maps each value given as ``None`` ("J", or a variable's name for its derivative) to
    why it has none; ``note`` says how kinks are differentiated, when the formula has one
    (else ``None``); ``simplified`` whether the derivatives were simplified.

    Unbounded in time: ``derive_with_budget`` is the one to call on user text.
    """
    formula = parse_formula(expression)
    names = list(formula.variables)
    _check_wrt(wrt, names)
    point = _point(at, names)
    single = wrt if wrt is not None else (names[0] if len(names) == 1 else None)
    derivatives = ([derivative(formula, single, simplify)] if single is not None else
                   [derivative(formula, name, simplify) for name in names] or [sp.Integer(0)])
    cost = None if point is None else exact_value(formula.expression, point, formula.guards)
    outside = None if cost is not sp.nan else _outside(formula, point)
    no_cost = outside or (None if cost is None else no_value_reason(cost))
    # a slope's own formula may be defined where J is not (sqrt(w)**2 is built as w):
    # where J has no value, no_cost below takes the slope's away
    exact_values = None if point is None else [exact_value(d, point) for d in derivatives]
    values = None if exact_values is None else [json_number(v) for v in exact_values]
    undefined: dict[str, str] = {}
    if point is not None:
        shown = [single] if single is not None else names or ["w"]
        pairs = [("J", cost), *zip(shown, exact_values, strict=True)]
        undefined = {key: why for key, value in pairs if (why := undefined_reason(value))}
        if outside:
            undefined["J"] = outside
        if no_cost:  # where J has no value it has no slope, whatever the derivative's formula gives
            values = [None] * len(derivatives)
            undefined.update({name: _without_cost(no_cost) for name in shown if name not in undefined})
    report: dict[str, Any] = {
        "expression": formula.plain,
        "variables": names,
        "wrt": single,
        "expression_latex": formula.latex,
        "at": None if point is None else {k: json_number(v) for k, v in point.items()},
        "expression_value": None if cost is None else json_number(cost),
    }
    if single is not None or not names:
        report["derivative"] = plain_text(derivatives[0])
        report["latex"] = latex_text(derivatives[0])
        report["value"] = None if values is None else values[0]
    else:
        report["derivative"] = [plain_text(d) for d in derivatives]
        report["gradient"] = {n: plain_text(d) for n, d in zip(names, derivatives, strict=True)}
        report["latex"] = [latex_text(d) for d in derivatives]
        report["value"] = values
    report["undefined"] = undefined
    report["note"] = kink_note(formula.expression)
    report["simplified"] = simplify
    if epsilon is not None:
        report["nudge"], report["nudge_undefined"] = _nudge(formula, single, point, epsilon,
                                                            names)
    return report


def derive_with_budget(
    expression: str,
    seconds: float = DERIVE_SECONDS,
    wrt: str | None = None,
    at: Mapping[str, str] | None = None,
    epsilon: str | None = None,
    deadline: float | None = None,
) -> dict[str, Any]:
    """Return ``derive_report`` of a formula, computed in at most about ``seconds``.

    The work runs in the formula worker (see ``budget``), so a caller on any thread
    waits no longer than that, nor past ``deadline`` (a ``time.monotonic()`` time) when
    given. The derivatives are simplified when that fits in the time; else they come as
    differentiated, with ``simplified`` False and a ``note`` saying so. Raises
    ``FormulaError`` or ``ValueError`` for bad input, and ``OutOfTime`` when not even
    the unsimplified answer came in time.
    """
    try:
        outcome = run_within(_derive_task, (expression, wrt, dict(at) if at else None,
                                            epsilon), seconds, deadline=deadline)
    except RecursionError:  # the parser's depth limit should come first; this stays a line
        from .problems import TOO_DEEP

        raise ValueError(f"the formula cannot be differentiated: {TOO_DEEP}") from None
    if not outcome.results and outcome.reason.startswith("gave up"):
        raise OutOfTime(f"gave up after {seconds:g} s: this formula takes too long to "
                        "differentiate and evaluate exactly")
    if not outcome.results:
        raise OutOfTime(f"could not differentiate the formula: {outcome.reason}")
    report = outcome.results[-1]
    if not report["simplified"]:
        slow = f"gave up simplifying to answer within {seconds:g} s: the derivative is shown unsimplified"
        report["note"] = slow if report["note"] is None else f"{report['note']} {slow[0].upper()}{slow[1:]}."
    return report


def _derive_task(expression: str, wrt: str | None, at: Mapping[str, str] | None,
                 epsilon: str | None) -> Iterator[dict[str, Any]]:
    """Yield the report unsimplified, then simplified (run in the formula worker)."""
    yield derive_report(expression, wrt, at, epsilon, simplify=False)
    yield derive_report(expression, wrt, at, epsilon, simplify=True)


def _check_wrt(wrt: str | None, names: list[str]) -> None:
    if wrt is None:
        return
    if wrt not in VARIABLES:
        raise ValueError(f"--wrt: '{wrt}' is not a variable name; names: {VARIABLES_TEXT}")
    if wrt not in names:
        raise ValueError(f"--wrt: '{wrt}' is not in the formula ({_listing(names)})")


def _point(at: Mapping[str, str] | None, names: list[str]) -> dict[str, sp.Rational] | None:
    """Return the --at values as exact numbers, checked against the formula's variables."""
    if at is None:
        return None
    point: dict[str, sp.Rational] = {}
    for name, text in at.items():
        if name not in names:
            raise ValueError(f"--at: '{name}' is not a variable of the formula ({_listing(names)})")
        try:
            point[name] = exact_number(text)
        except ValueError:
            raise ValueError(f"--at: '{text}' is not a number") from None
        _check_float_range(point[name], "--at", text)
    missing = [name for name in names if name not in point]
    if missing:
        raise ValueError(f"--at: missing value for {missing[0]}")
    return point


def _nudge(
    formula: Formula, variable: str | None, point: dict[str, sp.Rational] | None,
    epsilon: str, names: list[str],
) -> tuple[dict[str, int | float | None], dict[str, str]]:
    """Return the nudge's numbers by key, and why each one that has no number has none.

    ΔJ of w² nudged by ε = 1e308 is exactly 1e616, finite but past floating point.
    """
    try:
        step = exact_number(epsilon)
    except ValueError:
        raise ValueError(f"--epsilon: '{epsilon}' is not a number") from None
    if step == 0:
        raise ValueError("--epsilon: must not be zero")
    _check_float_range(step, "--epsilon", epsilon)
    if not names:
        raise ValueError("--epsilon: the formula has no variable to nudge")
    if variable is None:
        raise ValueError("--epsilon needs --wrt when the formula has several variables")
    if point is None:
        raise ValueError("--epsilon needs --at, the point to nudge from")
    result = nudge(formula, variable, point, step)
    numbers = {key: json_number(getattr(result, key)) for key in _NUDGE_KEYS}
    why = {key: reason for key in _NUDGE_KEYS if (reason := undefined_reason(getattr(result, key)))}
    moved = {**point, variable: point[variable] + step}
    outside = {key: _outside(formula, at) if getattr(result, key) is sp.nan else None
               for key, at in (("J", point), ("J_plus", moved))}
    why.update({key: reason for key, reason in outside.items() if reason})
    # what is worked out from a J that has no value has none either (two complex logarithms
    # can subtract into a real ΔJ), and it says so rather than a reason of its own
    spread = (("J_plus", ("delta", "ratio", "error")), ("J", ("delta", "ratio", "exact", "error")))
    for source, keys in spread:  # J last: its reason is the one kept
        if reason := outside[source] or no_value_reason(getattr(result, source)):
            for key in keys:
                numbers[key] = None
                if key != "exact" or key not in why:  # the slope keeps its own reason, as above
                    why[key] = _without_cost(reason, source)
    return numbers, why


def _outside(formula: Formula, point: Mapping[str, sp.Rational]) -> str | None:
    """Return why a point is outside the formula's real domain (a failed guard), else None."""
    guard = violated_guard(formula.guards, point)
    return None if guard is None else guard.reason


def _without_cost(reason: str, source: str = "J") -> str:
    """Return why a value worked out from J (or J after the nudge) has none: J has none."""
    where = "here" if source == "J" else "after the nudge"
    return f"J is undefined {where}: {reason}"


def _check_float_range(value: sp.Rational, option: str, text: str) -> None:
    """Refuse a number the answer's floats cannot hold (it would be shown as 0 or undefined)."""
    size = abs(value)
    if size > sys.float_info.max:
        raise ValueError(f"{option}: '{text[:40]}' is too large for floating point "
                         "(at most about 1.8e308)")
    if 0 < size < sys.float_info.min:
        raise ValueError(f"{option}: '{text[:40]}' is too small for floating point "
                         "(at least about 2.2e-308)")


def _listing(names: list[str]) -> str:
    return f"its variables: {', '.join(names)}" if names else "it has no variables"


def format_derive_report(report: Mapping[str, Any]) -> str:
    """Return a report from ``derive_report`` as readable lines of text."""
    names = report["variables"]
    one = len(names) == 1

    def slope(name: str) -> str:
        return f"dJ/d{name}" if one else f"∂J/∂{name}"

    lines = [f"J = {report['expression']}"]
    if isinstance(report["derivative"], list):
        pairs = list(zip(names, report["derivative"], strict=True))
        values = report["value"]
    else:
        name = report["wrt"] or "w"
        pairs = [(name, report["derivative"])]
        values = [report["value"]]
    width = max(len(slope(name)) for name, _ in pairs)
    lines += [f"{slope(name):<{width}} = {text}" for name, text in pairs]
    if report["at"] is not None:
        where = ", ".join(f"{k} = {_number(v)}" for k, v in report["at"].items()) or "any point"
        why = report.get("undefined", {})
        lines.append("")
        lines.append(f"at {where}:")
        rows = [("J", _value(report["expression_value"], why.get("J")))]
        rows += [(slope(name), _value(v, why.get(name)))
                 for (name, _), v in zip(pairs, values or [], strict=False)]
        lines += _table(rows)
    if "nudge" in report:
        lines += ["", *_nudge_lines(report)]
    if report.get("note"):
        lines += ["", f"Note: {report['note']}"]
    return "\n".join(lines)


def _value(value: int | float | None, reason: str | None) -> str:
    """Return a value as text; an undefined one with its reason."""
    if value is None and reason:
        return f"undefined ({reason})"
    return _number(value)


def _nudge_lines(report: Mapping[str, Any]) -> list[str]:
    """Return the nudge as a table: each quantity, its value and what it means."""
    data = report["nudge"]
    name = report["wrt"]
    slope = f"dJ/d{name}" if len(report["variables"]) == 1 else f"∂J/∂{name}"
    start = report["at"][name]
    rows = [
        (f"J({name})", data["J"], "the cost at the point"),
        (f"J({name} + ε)", data["J_plus"], "the cost after the nudge"),
        ("ΔJ", data["delta"], "how much the cost changed"),
        ("ΔJ / ε", data["ratio"], "the slope the nudge measures"),
        (slope, data["exact"], "the exact slope, the derivative"),
        ("error", data["error"], f"ΔJ/ε − {slope}: shrinks with ε"),
    ]
    why = report.get("nudge_undefined", {})
    keys = ("J", "J_plus", "delta", "ratio", "exact", "error")
    rows = [(row[0], _value(data[key], why.get(key)), *row[2:])
            for key, row in zip(keys, rows, strict=True)]
    header = (f"nudge {name} by ε = {_number(data['epsilon'])} "
              f"(from {name} = {_number(start)}):")
    return [header, *_table(rows)]


def _table(rows: list[tuple[Any, ...]]) -> list[str]:
    """Return rows as lines with every column left-aligned to its widest entry."""
    cells = [[row[0], row[1] if isinstance(row[1], str) else _number(row[1]), *row[2:]]
             for row in rows]
    widths = [max(len(str(row[k])) for row in cells) for k in range(len(cells[0]))]
    return ["  " + "   ".join(f"{str(cell):<{w}}" for cell, w in zip(row, widths, strict=True))
            .rstrip() for row in cells]


def _number(value: int | float | None) -> str:
    """Return a JSON number as text: ints as they are, floats in their shortest form."""
    if value is None:
        return "undefined"
    return str(value) if isinstance(value, int) else repr(value)
