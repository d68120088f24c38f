"""How the formula panel writes a formula and its numbers: readable text, ε, the read-out.

Pure text, no sympy at import: ``readable`` turns sympy's plain text (``-2*w**2``) into
what people write (``−2·w²``); ``parse_epsilon`` checks the nudge ε a user types (it
loads the exact-number reader, and with it sympy, only when called);
``nudge_sentence`` reads the nudge test out in words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .numbers import format_number, superscript

if TYPE_CHECKING:
    from .formula import NudgeNumbers

DEFAULT_EPSILON = "0.001"
SMALLEST_EPSILON = 1e-12
LARGEST_EPSILON = 1
#: significant digits of the nudge table (enough for 9.006001 and 1e-6 nudges)
NUDGE_DIGITS = 10


def readable(text: str) -> str:
    """Return sympy's plain text as people write it: ``-2*w**2`` → ``−2·w²``."""
    def power(match: re.Match) -> str:
        return superscript(match.group(1))

    text = re.sub(r"\*\*\((-\d+)\)", power, text)
    text = re.sub(r"\*\*(\d+)", power, text)
    text = text.replace("**", "^").replace("*", "·").replace("-", "−")
    text = re.sub(r"\bE\b", "e", text)
    text = re.sub(r"\bpi\b", "π", text)
    return text.replace("Abs(", "abs(").replace("Max(", "max(").replace("Min(", "min(")


def readable_operation(label: str) -> str:
    """Return a graph box's operation as drawn: ``**2`` → ``(·)²``, ``10*`` → ``10 ×``."""
    if label.startswith("**"):
        exponent = label[2:]
        if exponent.strip("()").lstrip("-").isdigit():
            return "(·)" + superscript(exponent.strip("()"))
        return f"(·)^{readable(exponent)}" if exponent else "a^b"
    if label.endswith("**"):
        return f"{readable(label[:-2])}^(·)"
    if label == "*":
        return "×"
    if label.endswith("*"):
        return f"{readable(label[:-1])} ×"
    return readable(label)


def align_decimals(texts: Sequence[str]) -> list[str]:
    """Return texts padded on the right so that, right-aligned in a fixed font, points line up."""
    def tail(text: str) -> int:
        for mark in (".", "×"):
            if mark in text:
                return len(text) - text.index(mark)
        return 0

    longest = max((tail(t) for t in texts), default=0)
    return [t + " " * (longest - tail(t)) for t in texts]


def parse_epsilon(text: str):
    """Return (ε as an exact number, None) or (None, a message saying what is wrong)."""
    from simulator.symbolic.exact import exact_number  # sympy only once a formula is shown

    shown = text.strip()
    try:
        value = exact_number(shown)
    except ValueError:
        return None, f"“{shown}” is not a number: type a small positive number such as 0.001."
    if value <= 0:
        return None, "ε must be positive: the nudge moves w a little to the right (try 0.001)."
    if value > LARGEST_EPSILON:
        return None, f"ε must be small (at most {LARGEST_EPSILON}), or ΔJ/ε is far from the slope."
    if value < SMALLEST_EPSILON:
        return None, "ε must be at least 10⁻¹² (try 0.001)."
    return value, None


def nudge_sentence(nudge: NudgeNumbers, names: Sequence[str], theta: Sequence[float]) -> str:
    """Return the nudge test read out: the measured slope ΔJ/ε against the exact one."""
    v = names[nudge.variable]
    if nudge.crosses_pole:
        start = format_number(theta[nudge.variable], 4)
        end = format_number(theta[nudge.variable] + nudge.epsilon, 4)
        return (f"Careful: between {v} = {start} and {end} J jumps through a pole (it goes off "
                f"to infinity and comes back from the other side), so ΔJ/ε = "
                f"{format_number(nudge.ratio, NUDGE_DIGITS)} says nothing about the slope here; "
                f"the exact slope is {format_number(nudge.exact, NUDGE_DIGITS)}. "
                "Choose a smaller ε, or move the hiker away from the pole.")
    if not all(math.isfinite(x) for x in (nudge.J, nudge.J_plus, nudge.delta, nudge.ratio,
                                          nudge.exact)):
        return ("Here J or its slope is too large (or undefined) for the nudge test to "
                "say anything: rewind, or move the hiker.")
    eps, delta, ratio, exact = (format_number(x, NUDGE_DIGITS) for x in
                                (nudge.epsilon, nudge.delta, nudge.ratio, nudge.exact))
    if len(names) == 1:
        return (f"Nudging {v} by {eps} changes J by {delta}, so the slope is about "
                f"{ratio}; the exact slope is {exact}.")
    other = names[1 - nudge.variable]
    held = format_number(theta[1 - nudge.variable], 6)
    return (f"Nudging {v} by {eps} (with {other} held at {held}) changes J by {delta}, so "
            f"the slope along {v} is about {ratio}; the exact ∂J/∂{v} is {exact}.")


def latex_name(name: str) -> str:
    """Return a variable's name as LaTeX: ``w1`` → ``w_{1}``, ``w`` → ``w``."""
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    return f"{match[1]}_{{{match[2]}}}" if match else name


def latex_equations(names: Sequence[str], cost_latex: str,
                    derivative_latex: Sequence[str]) -> str:
    r"""Return J and each ∂J/∂variable as one LaTeX ``aligned`` block, for lecture notes.

    One variable gets ``\frac{dJ}{dw}``; more get partial derivatives.
    """
    args = ", ".join(latex_name(n) for n in names)
    d = "d" if len(names) == 1 else r"\partial "
    lines = [f"J({args}) &= {cost_latex}"]
    lines += [rf"\frac{{{d}J}}{{{d}{latex_name(n)}}} &= {text}"
              for n, text in zip(names, derivative_latex, strict=True)]
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def plain_equations(names: Sequence[str], cost_text: str,
                    derivative_texts: Sequence[str]) -> list[str]:
    """Return J and each derivative as the formula panel writes them (``dJ/dw = 2·w``)."""
    lines = [f"J({', '.join(names)}) = {cost_text}"]
    for name, text in zip(names, derivative_texts, strict=True):
        symbol = f"dJ/d{name}" if len(names) == 1 else f"∂J/∂{name}"
        lines.append(f"{symbol} = {text}")
    return lines
