"""Reading hand-written JSON with errors that name the path: ``problem.layers[1]: …``."""

from __future__ import annotations

import math
from typing import Any

#: the longest message a lesson error has (a line a reader takes in at once)
MAX_MESSAGE = 199
# Beyond this an integer is no float (and math.isfinite raises OverflowError on it).
_FLOAT_LIMIT = 2**1024


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the JSON path and the problem.

    The message is one line of at most ``MAX_MESSAGE`` characters, however long the
    value or the key it quotes.
    """

    def __init__(self, path: str, message: str):
        text = f"{path}: {message}" if path else message
        if len(text) > MAX_MESSAGE:
            text = text[:MAX_MESSAGE - 1] + "…"
        super().__init__(text)
        self.path = path
        self._message = message

    def __reduce__(self):
        """Rebuild from the path and the message (the error crosses from the formula worker)."""
        return (type(self), (self.path, self._message))


class Refused:
    """A JSON value no lesson may hold (NaN, Infinity, 1e400, a 5000-digit integer).

    The reader puts one in the document in its place, so the check of the field it sits
    in reports it with its JSON path, like any other wrong value.
    """

    def __init__(self, shown: str):
        self.shown = shown

    def __repr__(self) -> str:
        return self.shown


def refused_constant(name: str) -> Refused:
    """Return the stand-in of a NaN, Infinity or -Infinity literal."""
    return Refused(name)


def read_float(text: str) -> float | Refused:
    """Return a JSON number with a fraction or exponent, or a stand-in if it overflows."""
    value = float(text)
    return value if math.isfinite(value) else Refused(f"{_short(text)} (too large)")


def read_int(text: str) -> int | Refused:
    """Return a JSON integer, or a stand-in if it is too long to be a number at all."""
    digits = len(text.lstrip("-"))
    return int(text) if digits <= 400 else Refused(f"a {digits}-digit number")


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}…{text[-8:]}"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value) if len(value) < 40 else repr(value[:37] + "...")
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"a {len(str(abs(value)))}-digit number"
    return _short(repr(value))


def _key(key: str) -> str:
    """Return a key as a path shows it: a very long key shortened, control characters escaped."""
    if not key.isprintable():
        key = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in key)
    return key if len(key) <= 40 else f"{key[:30]}…"


class Node:
    """A value inside a lesson document together with its JSON path."""

    def __init__(self, value: Any, path: str = ""):
        self.value = value
        self.path = path

    def fail(self, message: str) -> LessonError:
        """Return an error at this node's path."""
        return LessonError(self.path, message)

    def child_path(self, key: str | int) -> str:
        """Return the path of a key or an index below this node."""
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{_key(key)}" if self.path else _key(key)

    def obj(self, allowed: set[str] | None = None) -> Node:
        """Check that the value is an object (and has only allowed keys)."""
        if not isinstance(self.value, dict):
            raise self.fail(f"must be an object, got {_describe(self.value)}")
        twice = getattr(self.value, "duplicate", None)
        if twice is not None:
            raise LessonError(self.child_path(twice), "appears twice in this object; give each "
                                                      "field once")
        if allowed is not None:
            for key in self.value:
                if key not in allowed:
                    raise LessonError(self.child_path(key),
                                      f"unknown field; expected one of {', '.join(sorted(allowed))}")
        return self

    def get(self, key: str, default: Any = ..., ) -> Node:
        """Return the node of a field; a missing field is an error unless a default is given."""
        self.obj()
        if key not in self.value:
            if default is ...:
                raise LessonError(self.child_path(key), "is required")
            return Node(default, self.child_path(key))
        return Node(self.value[key], self.child_path(key))

    def has(self, key: str) -> bool:
        """Return whether an object has a field that is not null."""
        return isinstance(self.value, dict) and self.value.get(key) is not None

    def items(self, min_len: int = 0, max_len: int | None = None) -> list[Node]:
        """Check that the value is a list of an allowed length; return its nodes."""
        if not isinstance(self.value, list):
            raise self.fail(f"must be a list, got {_describe(self.value)}")
        if len(self.value) < min_len or (max_len is not None and len(self.value) > max_len):
            span = f"{min_len}–{max_len}" if max_len is not None else f"at least {min_len}"
            raise self.fail(f"must have {span} entries, got {len(self.value)}")
        return [Node(v, self.child_path(i)) for i, v in enumerate(self.value)]

    def number(self, low: float = -math.inf, high: float = math.inf, what: str = "a number") -> float:
        """Check that the value is a finite number in [low, high]."""
        v = self.value
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (
                isinstance(v, int) and abs(v) >= _FLOAT_LIMIT) or not math.isfinite(v):
            raise self.fail(f"must be {what}, got {_describe(v)}")
        if not low <= v <= high:
            raise self.fail(f"must be {what} {_span(low, high)}, got {_describe(v)}")
        return float(v) + 0.0  # -0.0 is read as 0.0: numpy refuses a noise "scale < 0"

    def integer(self, low: int, high: int, what: str = "a whole number") -> int:
        """Check that the value is a whole number in [low, high]."""
        v = self.value
        whole = isinstance(v, int) or (isinstance(v, float) and v.is_integer())
        if isinstance(v, bool) or not whole or not low <= v <= high:
            raise self.fail(f"must be {what} {low}–{high}, got {_describe(v)}")
        return int(v)

    def optional_integer(self, low: int, high: int) -> int | None:
        """Like ``integer`` but null is allowed."""
        return None if self.value is None else self.integer(low, high)

    def string(self, choices: tuple[str, ...] | None = None, max_len: int = 500) -> str:
        r"""Check that the value is a string of text (one of ``choices``, when given).

        A lone surrogate (``"\ud800"`` in JSON) is no character at all: it cannot be
        printed or saved, so it is refused.
        """
        v = self.value
        if not isinstance(v, str):
            raise self.fail(f"must be a string, got {_describe(v)}")
        if choices is not None and v not in choices:
            raise self.fail(f"must be one of {', '.join(choices)}; got {_describe(v)}")
        if len(v) > max_len:
            raise self.fail(f"must be at most {max_len} characters, got {len(v)}")
        index = _lone_surrogate(v)
        if index is not None:
            raise self.fail(f"must be text; character {index + 1} is a lone surrogate "
                            f"({ascii(v[index])[1:-1]}), which is no character")
        return v


def _lone_surrogate(text: str) -> int | None:
    """Return the index of the first lone surrogate in a string, or None."""
    if text.isprintable():  # the usual case, at C speed
        return None
    for index, char in enumerate(text):
        if 0xD800 <= ord(char) <= 0xDFFF:
            return index
    return None


def _span(low: float, high: float) -> str:
    if math.isinf(low) and math.isinf(high):
        return ""
    if math.isinf(high):
        return f"≥ {low:g}"
    if math.isinf(low):
        return f"≤ {high:g}"
    return f"in {low:g}–{high:g}"


class Document(dict):
    """A JSON object as read; ``duplicate`` is a key it gave more than once (or None)."""

    duplicate: str | None = None


def read_object(pairs: list[tuple[str, Any]]) -> Document:
    """Return a JSON object from its pairs, remembering a key that appears twice.

    ``json`` keeps the last of repeated keys without a word; ``Node.obj`` refuses them.
    """
    document = Document()
    for key, value in pairs:
        if key in document and document.duplicate is None:
            document.duplicate = key
        document[key] = value
    return document
