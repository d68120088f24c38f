"""How the stepper writes its formulas: each piece once, as plain text, LaTeX and rich text.

A ``Math`` holds the same piece of mathematics three ways: ``text`` (Unicode, for the
list and the clipboard's plain text), ``tex`` (LaTeX, for Copy as LaTeX) and ``html``
(Qt rich text with italics, sub- and superscripts, for the panel). Pieces are joined with
``+``, so one formula is written once and comes out in all three forms.

Symbols follow the textbook: a^{[l]}_j is neuron j's activation in layer l, z its
pre-activation, δ = ∂L/∂z, W^{[l]}_{i,j} the weight from neuron i of layer l−1, x_i the
inputs, ŷ and y the output and its target.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .numbers import format_number, superscript

DIGITS = 4  # significant digits of every number in a formula


@dataclass(frozen=True)
class Math:
    """A piece of a formula as plain text, LaTeX and Qt rich text."""

    text: str
    tex: str
    html: str

    def __add__(self, other: Math | str) -> Math:
        """Return this piece followed by another (a str is the same in all three forms)."""
        other = lit(other) if isinstance(other, str) else other
        return Math(self.text + other.text, self.tex + other.tex, self.html + other.html)

    def __radd__(self, other: str) -> Math:
        """Return a literal string followed by this piece."""
        return lit(other) + self


def lit(text: str, tex: str | None = None) -> Math:
    """Return literal text (its LaTeX given when it differs)."""
    return Math(text, text if tex is None else tex, _html.escape(text))


EMPTY = Math("", "", "")
DOT = Math("·", r" \cdot ", "·")
PLUS = Math(" + ", " + ", " + ")
MINUS = Math(" − ", " - ", " − ")
EQUALS = Math(" = ", " = ", " = ")
ARROW = Math(" ← ", r" \leftarrow ", " ← ")
PARTIAL = Math("∂", r"\partial ", "∂")


def join(items: Iterable[Math], separator: Math) -> Math:
    """Return the pieces one after the other with a separator between them."""
    result = None
    for item in items:
        result = item if result is None else result + separator + item
    return EMPTY if result is None else result


def paren(m: Math) -> Math:
    """Return a piece in parentheses."""
    return Math(f"({m.text})", rf"\left({m.tex}\right)", f"({m.html})")


def symbol(base: str, layer: int | None = None, *index: int | str) -> Math:
    """Return a symbol such as a^{[1]}_{0} or W^{[2]}_{1,0} (text ``a1[0]``, ``W2[1,0]``)."""
    cells = ",".join(str(i) for i in index)
    tex_base = {"δ": r"\delta", "ŷ": r"\hat{y}", "η": r"\eta", "μ": r"\mu", "ρ": r"\rho",
                "β₁": r"\beta_1", "β₂": r"\beta_2", "ε": r"\varepsilon", "λ": r"\lambda",
                "θ": r"\theta"}.get(base, base)
    text = base + ("" if layer is None else str(layer)) + (f"[{cells}]" if cells else "")
    tex = tex_base + ("" if layer is None else f"^{{[{layer}]}}") + (f"_{{{cells}}}" if cells else "")
    html = f"<i>{_html.escape(base)}</i>" + ("" if layer is None else f"<sup>[{layer}]</sup>") \
        + (f"<sub>{cells}</sub>" if cells else "")
    return Math(text, tex, html)


def derivative(top: Math, bottom: Math) -> Math:
    """Return ∂top/∂bottom (a fraction in LaTeX)."""
    return Math(f"∂{top.text}/∂{bottom.text}",
                rf"\frac{{\partial {top.tex}}}{{\partial {bottom.tex}}}",
                f"∂{top.html}/∂{bottom.html}")


def call(name: str, argument: Math, prime: bool = False) -> Math:
    """Return f(argument) for an activation or function by name (f′ with ``prime``)."""
    shown = {"sigmoid": "σ", "leaky_relu": "leaky", "relu": "ReLU", "linear": "id"}.get(name, name)
    tex = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{ReLU}",
           "leaky_relu": r"\mathrm{leaky}", "linear": r"\mathrm{id}", "softmax": r"\mathrm{softmax}",
           "log": r"\log", "sqrt": r"\sqrt"}.get(name, rf"\mathrm{{{name}}}")
    mark = "′" if prime else ""
    if name == "sqrt":
        return Math(f"√({argument.text})", rf"\sqrt{{{argument.tex}}}", f"√({argument.html})")
    return Math(f"{shown}{mark}({argument.text})", f"{tex}{chr(39) if prime else ''}"
                rf"\left({argument.tex}\right)", f"{_html.escape(shown)}{mark}({argument.html})")


def power(base: Math, exponent: str) -> Math:
    """Return base^exponent (the exponent written as given: ``2``, ``t``)."""
    sup = "ᵗ" if exponent == "t" else superscript(exponent) if exponent.isdigit() else f"^{exponent}"
    return Math(f"{base.text}{sup}", f"{{{base.tex}}}^{{{exponent}}}",
                f"{base.html}<sup>{_html.escape(exponent)}</sup>")


def fraction(top: Math, bottom: Math) -> Math:
    """Return top / bottom (a fraction in LaTeX)."""
    return Math(f"{top.text}/{bottom.text}", rf"\frac{{{top.tex}}}{{{bottom.tex}}}",
                f"{top.html}/{bottom.html}")


def num(value: float, grouped: bool = True) -> Math:
    """Return a number as a formula shows it (4 digits; negative ones in parentheses)."""
    text = format_number(float(value), DIGITS)
    match = re.fullmatch(r"(−?[0-9.]+)×10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", text)
    if match:
        exponent = match.group(2).translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
        tex = rf"{match.group(1).replace('−', '-')} \times 10^{{{exponent}}}"
        html = f"{match.group(1)}×10<sup>{exponent.replace('-', '−')}</sup>"
    else:
        tex = text.replace("−", "-")
        tex = {"undefined": r"\text{undefined}", "too large": r"\infty",
               "too large (negative)": r"-\infty"}.get(tex, tex)
        html = _html.escape(text)
    m = Math(text, tex, html)
    return paren(m) if grouped and text.startswith("−") else m


def readable_tex(text: str) -> str:
    """Return a formula in the formula panel's readable text (``3·(a + b·c)``, ``w²``) as LaTeX."""
    def sup(match: re.Match) -> str:
        digits = match.group(0).translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
        return f"^{{{digits}}}"

    tex = re.sub(r"[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+", sup, text)
    tex = tex.replace("·", r" \cdot ").replace("−", "-").replace("π", r"\pi ").replace("×", r" \times ")
    known = r"\b(sin|cos|tan|exp|log|tanh)\("
    tex = re.sub(r"\b([a-z]{2,})\(", lambda m: (f"\\{m.group(1)}(" if re.match(known, m.group(0))
                                              else f"\\operatorname{{{m.group(1)}}}("), tex)
    return tex.replace("(", r"\left(").replace(")", r"\right)")
