"""Safe formula parsing: text to a sympy expression that we build node by node.

The text is never evaluated. ``lexer`` refuses every token outside the grammar, Python's
``ast`` gives the tree, and ``_Builder`` turns each allowed node into the matching sympy
object, checking as it goes that nothing grows too large (exponents, digits, nesting)
or stops being a finite real number.

Numbers stay exact: ``3`` is the Integer 3 and ``0.1`` the Rational 1/10.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sympy as sp
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from . import domain
from .bounds import (
    argument_too_large,
    exponent_too_large,
    power_too_large,
    size_problem,
    value_problem,
)
from .domain import Guard
from .errors import FormulaError
from .exact import exact_number
from .grammar import (
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_TREE_DEPTH,
    VARIABLES,
    variable_order,
)
from .lexer import Token, tokenize


def symbol(name: str) -> sp.Symbol:
    """Return the sympy symbol of a variable name (real, so |w|' is sign(w))."""
    return sp.Symbol(name, real=True)


def _sigmoid(u: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-u))


_BUILDERS: dict[str, Callable[..., sp.Expr]] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt,  # log(u, base) = log(u)/log(base)
    "abs": sp.Abs, "Abs": sp.Abs,
    "sigmoid": _sigmoid,
    "relu": lambda u: sp.Max(0, u),
    "softplus": lambda u: sp.log(1 + sp.exp(u)),
    "max": sp.Max, "min": sp.Min, "Max": sp.Max, "Min": sp.Min,
    "sign": sp.sign, "Heaviside": sp.Heaviside,
}

_CONSTANT_VALUES = {"pi": sp.pi, "e": sp.E, "E": sp.E}

assert set(_BUILDERS) == set(FUNCTIONS) and set(_CONSTANT_VALUES) == set(CONSTANTS)


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its text, its sympy expression, its variables in order, its domain.

    ``guards`` are the conditions the typed parts need (``domain``): sympy may have
    cancelled a part away (``sqrt(w)**2`` is ``w``), and J is undefined wherever one of
    them fails. ``variables`` are those of the expression and of the guards: J of
    ``(w - 1)/(w - 1)`` is 1, but only where w ≠ 1.
    """

    text: str
    expression: sp.Expr
    variables: tuple[str, ...]
    guards: tuple[Guard, ...] = ()

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """Return the sympy symbols of the variables, in order."""
        return tuple(symbol(name) for name in self.variables)

    @property
    def plain(self) -> str:
        """Return the expression as plain text that sympy reads back, e.g. ``2*w``."""
        return plain_text(self.expression)

    @property
    def pretty(self) -> str:
        """Return the expression drawn in Unicode (several lines for fractions, powers)."""
        return pretty_text(self.expression)

    @property
    def latex(self) -> str:
        """Return the expression as LaTeX."""
        return latex_text(self.expression)


def plain_text(expression: sp.Expr) -> str:
    """Return an expression as plain text in sympy's own notation (``w**2/10``).

    The text reads back (``parse_formula``) as the same expression.
    """
    return _PlainPrinter().doprint(expression)


class _PlainPrinter(StrPrinter):
    """Sympy's plain notation, but with a product ``-(w + 1)/w`` written ``-1*(w + 1)/w``.

    Python reads ``-(w + 1)/w`` as ``(-(w + 1))/w``, and sympy spreads that minus over
    the sum: ``(-w - 1)/w``, another formula. After the first term of a sum the minus is
    the sum's (``x - (w + 1)/w``), which reads back as written.
    """

    _after_first_term = False

    def _print_Mul(self, expr: sp.Expr) -> str:
        signed_by_sum, self._after_first_term = self._after_first_term, False
        text = self._chain(expr) or super()._print_Mul(expr)
        return "-1*" + text[1:] if text.startswith("-(") and not signed_by_sum else text

    def _chain(self, expr: sp.Expr) -> str | None:
        """Return ``w/100/(w + 1)`` for a product with a number and one sum below the line.

        Sympy writes it ``w/(100*(w + 1))``, and ``100*(w + 1)`` reads back as
        ``100*w + 100``. Other products: None (sympy's own text reads back).
        """
        coefficient, factors = expr.as_coeff_mul()
        if not (coefficient.is_Rational and coefficient.q != 1):
            return None
        below = [f for f in factors if f.is_Pow and f.exp.is_Rational and f.exp.is_negative]
        if len(below) != 1 or below[0].exp != -1 or not below[0].base.is_Add:
            return None
        above = [f for f in factors if f is not below[0]]
        top = abs(coefficient.p)
        pieces = [] if top == 1 and above else [str(top)]
        pieces += [self.parenthesize(f, precedence(expr)) for f in above]
        sign = "-" if coefficient.p < 0 else ""
        return f"{sign}{'*'.join(pieces)}/{coefficient.q}/({self._print(below[0].base)})"

    def _print_Add(self, expr: sp.Expr, order: str | None = None) -> str:
        pieces: list[str] = []
        for index, term in enumerate(self._as_ordered_terms(expr, order=order)):
            self._after_first_term = index > 0 and term.is_Mul
            text = self._print(term)
            self._after_first_term = False
            sign = "-" if text.startswith("-") else "+"
            text = text[1:] if sign == "-" else text
            if precedence(term) < precedence(expr) or term.is_Add:
                text = f"({text})"
            pieces += [sign, text]
        sign = pieces.pop(0)
        return ("" if sign == "+" else sign) + " ".join(pieces)


def pretty_text(expression: sp.Expr) -> str:
    """Return an expression drawn with Unicode characters."""
    return sp.pretty(expression, use_unicode=True)


def latex_text(expression: sp.Expr) -> str:
    """Return an expression as LaTeX."""
    return sp.latex(expression)


def parse_formula(text: str, allowed_variables: Iterable[str] | None = None) -> Formula:
    """Return the formula that ``text`` writes, or raise ``FormulaError`` saying where not.

    ``allowed_variables`` narrows the variables a formula may use (default: all of
    ``grammar.VARIABLES``). ``^`` is a power, like ``**``.
    """
    allowed = _allowed(allowed_variables)
    if not isinstance(text, str):
        raise FormulaError(1, repr(text), "a formula must be text")
    if len(text) > MAX_LENGTH:
        raise FormulaError(MAX_LENGTH + 1, text[MAX_LENGTH],
                           f"the formula is longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise FormulaError(1, "", "the formula is empty")
    # Any whitespace (tabs, newlines) reads as a space; the length, hence columns, stay.
    flat = "".join(" " if char.isspace() else char for char in text)
    tokens = tokenize(flat, allowed)
    source = _Source(flat, tokens)
    try:
        tree = ast.parse(source.python, mode="eval")
    except SyntaxError as error:
        raise source.syntax_error(error) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError(1, text[:1], "the formula is too deeply nested") from None
    builder = _Builder(source)
    expression = builder.build(tree.body, 1)
    if expression.has(sp.I, sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise FormulaError(1, text.strip(), "the formula is not a finite real number")
    guards = tuple(builder.guards.values())
    symbols = expression.free_symbols.union(*(a.free_symbols for g in guards
                                              for a in g.arguments))
    names = sorted((s.name for s in symbols), key=variable_order)
    return Formula(text, expression, tuple(names), guards)


def _allowed(allowed_variables: Iterable[str] | None) -> tuple[str, ...]:
    if allowed_variables is None:
        return VARIABLES
    names = tuple(allowed_variables)
    unknown = [name for name in names if name not in VARIABLES]
    if unknown:
        raise ValueError(f"allowed_variables: {unknown[0]!r} is not a variable name; "
                         f"names: {', '.join(VARIABLES)}")
    return names


class _Source:
    """The formula text as typed and as Python reads it (``^`` written ``**``).

    ``origin[k]`` is the index in the typed text of character k of the Python text, so
    a column in the tree maps back to the column the user sees.
    """

    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        pieces: list[str] = []
        origin: list[int] = []
        for index, char in enumerate(text):
            replacement = "**" if char == "^" else char
            pieces.append(replacement)
            origin += [index] * len(replacement)
        origin.append(len(text))
        self.python = "".join(pieces)
        self.origin = origin

    def index(self, python_offset: int) -> int:
        """Return the typed-text index of a 0-based offset in the Python text."""
        return self.origin[max(0, min(python_offset, len(self.origin) - 1))]

    def segment(self, node: ast.AST) -> str:
        """Return the typed text of a tree node."""
        start = self.index(node.col_offset)
        end = self.index(node.end_col_offset) if node.end_col_offset is not None else start + 1
        return self.text[start:end] or self.text[start:start + 1]

    def refuse(self, node: ast.AST, reason: str, token: str | None = None) -> FormulaError:
        """Return the error for a tree node: its column and its text as the token."""
        token = self.segment(node) if token is None else token
        return FormulaError(self.index(node.col_offset) + 1, token, reason)

    def syntax_error(self, error: SyntaxError) -> FormulaError:
        """Return the error for Python's syntax error, placed on the typed text."""
        # Python gives offset 0 (or none) when the text ends before the syntax does.
        offset = len(self.python) if not error.offset else error.offset - 1
        if error.lineno is not None and error.lineno > 1:
            offset = len(self.python)
        index = self.index(offset)
        message = error.msg or ""
        if "never closed" in message:
            return FormulaError(index + 1, "(", "'(' is never closed")
        if "unmatched" in message:
            return FormulaError(index + 1, ")", "')' has no matching '('")
        token = next((t for t in self.tokens if t.start <= index < t.start + len(t.text)), None)
        if token is None and self.tokens and index >= len(self.text.rstrip()):
            last = self.tokens[-1]
            return FormulaError(last.column, last.text,
                                f"the formula ends too early after '{last.text}'")
        shown = token.text if token is not None else self.text[index:index + 1]
        column = token.column if token is not None else index + 1
        return FormulaError(column, shown, f"unexpected '{shown}'")


def _settled(value: sp.Expr) -> sp.Expr:
    """Return an expression as sympy rebuilds it from its own parts.

    Sympy sometimes answers with a form it would not build from the parts: √√0.8 as
    (5·√2)·5^(3/4)/25 (a product in a product), √√3.36 as √10·105^(1/4)·5^(3/4)/25
    (= √10·21^(1/4)/5), max(min(0, w1), min(1, w1)) as Min(w1, Max(0, 1)). Such a form
    prints as it is and reads back rebuilt, so a printed formula would not read back as
    the same formula; it is rebuilt here instead (its constant parts first).
    """
    for _ in range(3):  # one rebuild settles every case seen; a few more cost nothing
        if value.is_Atom:
            return value
        stale = [not arg.is_Atom and arg.is_number for arg in value.args]
        nested = (value.is_Mul or value.is_Add) and any(
            arg.func is value.func for arg in value.args)
        whole = value.is_number
        if not (any(stale) or nested or whole):
            return value
        rebuilt = value.func(*(_settled(arg) if old else arg
                               for arg, old in zip(value.args, stale, strict=True)))
        if rebuilt == value:
            return value
        value = rebuilt
    return value


class _Builder:
    """Turns an allowed ``ast`` tree into a sympy expression, refusing anything else."""

    def __init__(self, source: _Source) -> None:
        self.source = source
        self._depths: dict[sp.Basic, int] = {}
        #: the domain's conditions, innermost first (see ``domain``), one per kind and argument
        self.guards: dict[tuple[str, tuple[sp.Expr, ...]], Guard] = {}

    def guard(self, kind: str, arguments: tuple[sp.Expr, ...], reason: str) -> None:
        """Record a condition a typed part needs, unless sympy proves it always holds."""
        key = (kind, arguments)
        if key not in self.guards and domain.needed(kind, arguments):
            self.guards[key] = Guard(kind, arguments, reason)

    def guard_divisor(self, divisor: sp.Expr, reason: str) -> None:
        """Record that a divisor must not be 0: each factor of it, not their product.

        In floating point a product of small factors can round to 0 (w**2 at w = 1e-200)
        where none of them is.
        """
        if divisor.is_Mul:
            for factor in divisor.args:
                self.guard_divisor(factor, reason)
        elif divisor.is_Pow and divisor.exp.is_extended_positive:
            self.guard_divisor(divisor.base, reason)
        else:
            self.guard(domain.NONZERO, (divisor,), reason)

    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        """Return the sympy expression of a tree node at a nesting depth."""
        try:
            return self._build(node, depth)
        except FormulaError:
            raise
        except (ValueError, TypeError, ArithmeticError, AttributeError) as error:
            # Sympy refusing to build something (e.g. Max of two numbers it cannot compare).
            detail = str(error).split("\n")[0][:120]
            raise self.source.refuse(node, f"'{self.source.segment(node)}' cannot be computed: "
                                           f"{detail}") from None

    def _build(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise self.source.refuse(node, f"the formula is nested more than {MAX_DEPTH} deep")
        if isinstance(node, ast.Constant):
            value = self._number(node)
        elif isinstance(node, ast.Name):
            value = self._name(node)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand, depth + 1)
            value = -operand if isinstance(node.op, ast.USub) else operand
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            value = sp.Add(*(sign * term for sign, term in self._chain(node, depth)))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
            value = self._product(node, depth)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Pow, ast.BitXor)):
            value = self._power(node, depth)
        elif isinstance(node, ast.Call):
            value = self._call(node, depth)
        elif isinstance(node, ast.Tuple) and not node.elts:
            raise self.source.refuse(node, "empty parentheses '()' are not allowed")
        elif isinstance(node, ast.Tuple):
            raise self.source.refuse(node, "a list of values is not allowed; a formula is one "
                                           "expression")
        else:
            raise self.source.refuse(node, f"'{self.source.segment(node)}' is not allowed")
        value = _settled(value)
        self._check(value, node)
        if self._tree_depth(value) > MAX_TREE_DEPTH:
            raise self.source.refuse(
                node, f"the formula is nested too deeply: more than {MAX_TREE_DEPTH} levels "
                      "once written out for sympy (a sigmoid counts as four, a division or a "
                      "minus as two)")
        return value

    def _tree_depth(self, value: sp.Basic) -> int:
        """Return how many levels deep a built expression is (its parts remembered)."""
        depth = self._depths.get(value)
        if depth is None:
            depth = 1 + max((self._tree_depth(arg) for arg in value.args), default=0)
            self._depths[value] = depth
        return depth

    def _number(self, node: ast.Constant) -> sp.Expr:
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise self.source.refuse(node, f"'{self.source.segment(node)}' is not allowed")
        text = self.source.segment(node)
        try:
            # From the typed digits, not Python's float: 0.1 is exactly 1/10.
            return exact_number(text)
        except ValueError as error:
            raise self.source.refuse(node, str(error)) from None

    def _name(self, node: ast.Name) -> sp.Expr:
        if node.id in _CONSTANT_VALUES:
            return _CONSTANT_VALUES[node.id]
        if node.id in VARIABLES:
            return symbol(node.id)
        raise self.source.refuse(node, f"unknown name '{node.id}'")

    def _chain(self, node: ast.BinOp, depth: int) -> list[tuple[int, sp.Expr]]:
        """Return the signed terms of ``a + b - c + …`` (one level deep, however long)."""
        terms: list[tuple[int, ast.AST]] = []
        while isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            terms.append((-1 if isinstance(node.op, ast.Sub) else 1, node.right))
            node = node.left
        terms.append((1, node))
        return [(sign, self.build(term, depth + 1)) for sign, term in reversed(terms)]

    def _product(self, node: ast.BinOp, depth: int) -> sp.Expr:
        """Return ``a * b / c * …`` built as one product (one level deep, however long).

        The factors are multiplied at once, as sympy prints a product: built one at a
        time, ``2*(w + 1)/w`` would become ``(2*w + 2)/w`` (sympy spreads a number over a
        sum it meets alone), and a printed formula would not read back as itself.
        """
        factors: list[tuple[bool, ast.AST]] = []
        whole = node
        while isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
            factors.append((isinstance(node.op, ast.Div), node.right))
            node = node.left
        factors.append((False, node))
        values: list[sp.Expr] = []
        for divide, factor in reversed(factors):
            value = self.build(factor, depth + 1)
            if divide:
                if value == 0:
                    raise self.source.refuse(factor, "division by zero")
                shown = self.source.segment(factor)
                self.guard_divisor(value, f"dividing by {shown} needs {shown} ≠ 0")
                value = sp.Pow(value, -1)
                self._check(value, factor)
            values.append(value)
        result = sp.Mul(*values)
        self._check(result, whole)
        return result

    def _power(self, node: ast.BinOp, depth: int) -> sp.Expr:
        base = self.build(node.left, depth + 1)
        exponent = self.build(node.right, depth + 1)
        # Checked before sympy builds the power: 9**387420489 would take hours.
        if exponent_too_large(exponent):
            raise self.source.refuse(
                node.right, f"the exponent {self.source.segment(node.right)} is too large "
                            f"(exponents are limited to ±{MAX_EXPONENT})")
        if power_too_large(base, exponent):
            raise self.source.refuse(node, f"'{self.source.segment(node)}' is too large "
                                           f"(more than {MAX_DIGITS} digits)")
        if base == 0 and exponent.is_number and exponent.is_extended_negative:
            raise self.source.refuse(node, "division by zero")
        self._guard_power(node, base, exponent)
        return sp.Pow(base, exponent)

    def _guard_power(self, node: ast.BinOp, base: sp.Expr, exponent: sp.Expr) -> None:
        """Record what a real power needs of its base (u**(1/2): u ≥ 0; u**-1: u ≠ 0)."""
        whole, shown = self.source.segment(node), self.source.segment(node.left)
        if not exponent.is_number:
            self.guard(domain.POWER, (base, exponent),
                       f"{whole} needs {shown} > 0, or an integer exponent")
        elif exponent.is_integer:
            if exponent.is_extended_negative:
                self.guard_divisor(base, f"{whole} needs {shown} ≠ 0")
        elif exponent.is_extended_positive:
            self.guard(domain.NONNEGATIVE, (base,), f"{whole} needs {shown} ≥ 0")
        else:
            self.guard(domain.POSITIVE, (base,), f"{whole} needs {shown} > 0")

    def _call(self, node: ast.Call, depth: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise self.source.refuse(node.func, "only the listed functions may be called")
        name = node.func.id
        if node.keywords:
            raise self.source.refuse(node.keywords[0].value, "keyword arguments are not allowed")
        starred = next((arg for arg in node.args if isinstance(arg, ast.Starred)), None)
        if starred is not None:
            raise self.source.refuse(starred, "'*' before an argument is not allowed")
        fewest, most = FUNCTIONS[name]
        if len(node.args) < fewest or (most is not None and len(node.args) > most):
            wanted = (f"{fewest}" if fewest == most else
                      f"at least {fewest}" if most is None else f"{fewest} to {most}")
            plural = "" if wanted == "1" else "s"
            raise self.source.refuse(node.func, f"{name} takes {wanted} argument{plural}, "
                                                f"got {len(node.args)}", name)
        args = [self.build(arg, depth + 1) for arg in node.args]
        if name == "log" and len(args) == 2:
            self._check_base(node.args[1], args[1])
        self._guard_call(node, name, args)
        # sigmoid and softplus hold an exp of their argument (or of its negative)
        if name in ("exp", "sinh", "cosh", "sigmoid", "softplus") and argument_too_large(
                sp.exp, args[0]):
            raise self.source.refuse(node, f"'{self.source.segment(node)}' is too large "
                                           f"(the argument is above {MAX_EXPONENT})")
        return _BUILDERS[name](*args)

    def _guard_call(self, node: ast.Call, name: str, args: list[sp.Expr]) -> None:
        """Record what sqrt and log need of their arguments (and log of its base)."""
        whole = self.source.segment(node)
        shown = [self.source.segment(arg) for arg in node.args]
        if name == "sqrt":
            self.guard(domain.NONNEGATIVE, (args[0],), f"{whole} needs {shown[0]} ≥ 0")
        elif name == "log":
            self.guard(domain.POSITIVE, (args[0],), f"{whole} needs {shown[0]} > 0")
            if len(args) == 2:
                self.guard(domain.POSITIVE, (args[1],), f"{whole} needs its base {shown[1]} > 0")
                self.guard(domain.NONZERO, (args[1] - 1,),
                           f"{whole} needs its base {shown[1]} ≠ 1")

    def _check_base(self, node: ast.AST, base: sp.Expr) -> None:
        """Refuse a logarithm's base that is a number not above 0, or 1.

        Sympy reads log(w, 0) as log(w)/log(0) = log(w)/∞ = 0, which is no logarithm.
        """
        if not base.is_number:
            return
        if base == 1 or base.is_extended_positive is False:
            raise self.source.refuse(node, f"the base of a logarithm must be positive and not "
                                           f"1, got {self.source.segment(node)}")

    def _check(self, value: sp.Expr, node: ast.AST) -> None:
        """Refuse a result that is not a finite real number or has grown too large."""
        problem = value_problem(value) or size_problem(value)
        if problem:
            raise self.source.refuse(node, f"'{self.source.segment(node)}' {problem}")
