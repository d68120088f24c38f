"""What a formula may contain: the variable names, functions, constants and limits.

Plain data with no sympy, so the lexer and error messages can use it before sympy loads.
"""

from __future__ import annotations

#: every variable a formula may use, in the order variables are listed and sorted
VARIABLES: tuple[str, ...] = ("w", *(f"w{k}" for k in range(1, 10)), "b", "x", "y", "a", "c")

#: the variable list as it reads in error messages
VARIABLES_TEXT = "w, w1…w9, b, x, y, a, c"

#: named constants (``E`` is what sympy prints for e, so printed formulas read back)
CONSTANTS: tuple[str, ...] = ("pi", "e", "E")

#: callable names and how many arguments each takes: (fewest, most; ``None``: no limit)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "sin": (1, 1), "cos": (1, 1), "tan": (1, 1),
    "sinh": (1, 1), "cosh": (1, 1), "tanh": (1, 1),
    "exp": (1, 1), "log": (1, 2), "sqrt": (1, 1), "abs": (1, 1),
    "sigmoid": (1, 1), "relu": (1, 1), "softplus": (1, 1),
    "max": (2, None), "min": (2, None),
    # The names sympy prints, so that a printed formula or derivative reads back.
    "Abs": (1, 1), "Max": (2, None), "Min": (2, None), "sign": (1, 1), "Heaviside": (1, 1),
}

#: the functions as they read in error messages
FUNCTIONS_TEXT = "sin, cos, tan, exp, log, sqrt, abs, tanh, sigmoid, relu, softplus, max, min"

MAX_LENGTH = 500  # characters of formula text
MAX_DEPTH = 50  # nesting: of parentheses, and of operations in the tree
#: nesting of the sympy expression built (sigmoid(u) is four levels: 1/(1 + exp(-u))).
#: Sympy walks its trees recursively: sigmoid nested 30 deep (121 levels) ran out of
#: Python's stack in ``derive``, and 28 (113) did not
MAX_TREE_DEPTH = 100
MAX_EXPONENT = 1000  # largest |exponent|, and largest |argument| of exp of a number
MAX_DIGITS = 1000  # largest number of digits in an exact number (and the result of a power)


def variable_order(name: str) -> int:
    """Return the position of a variable name in the natural order (w, w1, …, w9, b, …)."""
    return VARIABLES.index(name)
