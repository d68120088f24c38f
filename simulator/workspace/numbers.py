"""How numbers are written on screen: one formatter for every view, never NaN or inf.

``format_number`` is for reading (significant digits, ×10ⁿ, a real minus sign);
``format_editable`` is for text a user may edit and type back (ASCII, ``1e-08``);
``format_short`` fits a value inside a neuron's circle; ``format_slope`` writes a slope
as the lessons do (6.00); ``format_step`` writes a step count for an axis tick (250k).
"""

from __future__ import annotations

import math

import numpy as np

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
UNDEFINED = "undefined"
MISSING = "—"


def power_of_ten(exponent: int) -> str:
    """Return 10 to an integer power written with superscripts: 10⁻⁶."""
    return "10" + str(int(exponent)).translate(_SUPERSCRIPTS)


def superscript(text: str) -> str:
    """Return digits and minus signs as superscripts: ``-2`` → ``⁻²``."""
    return text.translate(_SUPERSCRIPTS)


def _not_finite(value: float | None) -> str | None:
    """Return the words for a value that is no number to show, or None for a finite one."""
    if value is None:
        return MISSING
    if math.isnan(value):
        return UNDEFINED
    if math.isinf(value):
        return "too large" if value > 0 else "too large (negative)"
    return None


def format_number(value: float | None, digits: int = 4) -> str:
    """Return a number for people: ``digits`` significant digits, no trailing zeros.

    Plain decimals from 10⁻⁵ up to 10^max(6, digits); beyond, 1.5×10⁻⁸. A real minus
    sign. ``None`` is "—", NaN "undefined", ±inf "too large".
    """
    words = _not_finite(value)
    if words is not None:
        return words
    value = float(value)
    if value == 0:
        return "0"
    mantissa, exponent_text = f"{value:.{digits - 1}e}".split("e")
    exponent = int(exponent_text)  # after rounding, so 9.9999999 counts as 10
    plain = -5 <= exponent < max(6, digits)
    text = f"{value:.{max(0, digits - 1 - exponent)}f}" if plain else mantissa
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if not plain:
        text = f"{text}×{power_of_ten(exponent)}"
    return text.replace("-", "−")


def format_editable(value: float | None) -> str:
    """Return a number as a student would type it: 0.00001, 0.3, 1e-8 (ASCII, parseable)."""
    if value is None or not math.isfinite(value):
        return MISSING
    if value == 0:
        return "0"
    if abs(value) >= 1e-5:
        return np.format_float_positional(value, precision=6, unique=True, fractional=False,
                                          trim="-")
    mantissa, exponent = f"{value:.3g}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_short(value: float | None) -> str:
    """Return a value short enough to fit in a neuron: 0.73, −1.2, 12 (two decimals below 10)."""
    if value is None or not math.isfinite(value):
        return MISSING
    if abs(value) < 0.005:
        return "0.00"
    text = f"{value:.2f}" if abs(value) < 10 else f"{value:.3g}"
    return text.replace("-", "−")

def format_slope(value: float) -> str:
    """Return a slope the way the lessons write it: two decimals (6.00) where they read well.

    Very small, very large and non-finite slopes go to the one number formatter.
    """
    if value == 0 or (math.isfinite(value) and 0.01 <= abs(value) < 1e4):
        return f"{value:.2f}".replace("-", "−")
    return "too steep to show" if math.isinf(value) else format_number(value, 3)


def format_step(value: float, spacing: float = 1.0) -> str:
    """Return a step count short enough for an axis tick: 950, 1,500, 250k, 1.2M.

    ``spacing`` is the distance between ticks: ticks a thousand or more apart all read in
    thousands, so one axis never mixes 5,000 and 10k.
    """
    size = abs(value)
    if value == 0:
        return "0"
    if size >= 1e6:
        return f"{value / 1e6:.4g}M"
    if spacing >= 1e3:
        return f"{value / 1e3:.4g}k"
    if size != int(size):
        return f"{value:.3g}"
    return f"{value:,.0f}"
