"""The first pass over formula text: tokens, and a refusal for anything no formula may hold.

Every character is accounted for here before Python's ``ast`` sees the text, so a
refusal can name the exact token and its column: a keyword, a string, an attribute
access, an unknown name or function, a character outside the grammar.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import FormulaError
from .grammar import CONSTANTS, FUNCTIONS, FUNCTIONS_TEXT, MAX_DEPTH, VARIABLES, VARIABLES_TEXT

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|//|[-+*/^(),])"
)

# Why a character or operator is refused, for the ones a student is likely to try.
_HINTS = {
    ".": "attribute access is not allowed",
    "[": "indexing is not allowed",
    "]": "indexing is not allowed",
    "{": "braces are not allowed",
    "}": "braces are not allowed",
    "=": "assignments and comparisons are not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    "!": "comparisons are not allowed",
    ":": "':' is not allowed",
    ";": "';' is not allowed",
    "//": "'//' is not allowed; use '/'",
    "%": "'%' is not allowed",
    "@": "'@' is not allowed",
    "&": "'&' is not allowed",
    "|": "'|' is not allowed; use abs(...)",
    "~": "'~' is not allowed",
    "\\": "'\\' is not allowed",
    "#": "comments are not allowed",
}


@dataclass(frozen=True)
class Token:
    """One token of formula text: its kind, its text and its 0-based start in the text."""

    kind: str  # "number", "name" or "op"
    text: str
    start: int

    @property
    def column(self) -> int:
        """Return the 1-based column where the token starts."""
        return self.start + 1


def tokenize(text: str, variables: Iterable[str]) -> list[Token]:
    """Return the tokens of a formula, refusing whatever the grammar does not allow.

    ``variables`` are the names a formula may use. Raises ``FormulaError`` on the first
    refused token, reading left to right.
    """
    allowed = frozenset(variables)
    tokens: list[Token] = []
    position, depth = 0, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            _refuse_character(text, position)
        kind, value = match.lastgroup, match.group()
        position = match.end()
        if kind == "space":
            continue
        token = Token(kind, value, match.start())
        if kind == "op" and value == "//":
            raise FormulaError(token.column, value, _HINTS["//"])
        if kind == "name":
            called = text[position:].lstrip().startswith("(")
            _check_name(token, tokens[-1] if tokens else None, called, allowed)
        if tokens:
            _check_juxtaposition(tokens[-1], token)
        if value == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise FormulaError(token.column, value,
                                   f"parentheses nested more than {MAX_DEPTH} deep")
        elif value == ")":
            depth -= 1
        tokens.append(token)
    if tokens and tokens[-1].kind == "op" and tokens[-1].text != ")":
        last = tokens[-1]
        raise FormulaError(last.column, last.text, f"the formula ends too early after '{last.text}'")
    return tokens


def _refuse_character(text: str, position: int) -> None:
    """Raise the refusal of the character at ``position`` (no token starts there)."""
    char = text[position]
    column = position + 1
    if char in "'\"":
        end = text.find(char, position + 1)
        literal = text[position:] if end < 0 else text[position:end + 1]
        raise FormulaError(column, literal, f"the string {literal} is not allowed")
    if char == ".":
        name = re.match(r"\.\s*[A-Za-z_]\w*", text[position:])
        token = name.group() if name else char
        raise FormulaError(column, token, f"'{token}': {_HINTS['.']}")
    if char in "=<>!":
        token = re.match(r"[=<>!]+", text[position:]).group()
        raise FormulaError(column, token, f"'{token}': {_HINTS[char]}")
    if char in _HINTS:
        hint = _HINTS[char]
        raise FormulaError(column, char, hint if hint.startswith("'") else f"'{char}': {hint}")
    shown = char if char.isprintable() else ascii(char)[1:-1]
    raise FormulaError(column, char, f"'{shown}' is not allowed")


def _check_name(
    token: Token, previous: Token | None, called: bool, allowed: frozenset[str]
) -> None:
    """Refuse a keyword, an unknown name, or a name used as what it is not.

    ``called`` says whether ``(`` follows the name.
    """
    name, column = token.text, token.column
    if name.startswith("_") and previous is not None and previous.kind == "number" and (
            previous.start + len(previous.text) == token.start):
        raise FormulaError(column, name, f"'{previous.text}{name}': '_' is not allowed in "
                                         "numbers")
    if keyword.iskeyword(name):
        raise FormulaError(column, name, f"'{name}' is not allowed")
    if called:
        if name in FUNCTIONS:
            return
        if name in VARIABLES or name in CONSTANTS:
            raise FormulaError(column, name,
                               f"'{name}' is not a function; multiplication needs '*'")
        raise FormulaError(column, name,
                           f"unknown function '{name}'; functions: {FUNCTIONS_TEXT}")
    if name in FUNCTIONS:
        raise FormulaError(column, name, f"'{name}' is a function: call it like {name}(w)")
    if name in allowed or name in CONSTANTS:
        return
    listed = VARIABLES_TEXT if allowed == frozenset(VARIABLES) else ", ".join(
        v for v in VARIABLES if v in allowed)
    raise FormulaError(column, name, f"unknown name '{name}'; allowed variables: {listed}")


def _check_juxtaposition(token: Token, following: Token) -> None:
    """Refuse ``2w``, ``2(w+1)`` and ``(w)(b)``: multiplication must be written."""
    if not (token.kind == "number" or token.text == ")"):
        return
    if not (following.kind in ("name", "number") or following.text == "("):
        return
    if following.start == token.start + len(token.text) and following.kind != "number":
        raise FormulaError(following.column, following.text,
                           f"'{token.text}{following.text}': multiplication needs '*', "
                           f"as in {token.text}*{following.text}")
    raise FormulaError(following.column, following.text,
                       f"unexpected '{following.text}'; multiplication needs '*'")
