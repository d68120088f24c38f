"""Reading hand-written JSON with errors that name the path: ``problem.layers[1]: …``."""

from __future__ import annotations

import math
from typing import Any


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the JSON path and the problem."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value) if len(value) < 40 else repr(value[:37] + "...")
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    return repr(value)


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
        return f"{self.path}.{key}" if self.path else key

    def obj(self, allowed: set[str] | None = None) -> Node:
        """Check that the value is an object (and has only allowed keys)."""
        if not isinstance(self.value, dict):
            raise self.fail(f"must be an object, got {_describe(self.value)}")
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
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise self.fail(f"must be {what}, got {_describe(v)}")
        if not low <= v <= high:
            raise self.fail(f"must be {what} {_span(low, high)}, got {_describe(v)}")
        return float(v)

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
        """Check that the value is a string (one of ``choices``, when given)."""
        v = self.value
        if not isinstance(v, str):
            raise self.fail(f"must be a string, got {_describe(v)}")
        if choices is not None and v not in choices:
            raise self.fail(f"must be one of {', '.join(choices)}; got {_describe(v)}")
        if len(v) > max_len:
            raise self.fail(f"must be at most {max_len} characters, got {len(v)}")
        return v


def _span(low: float, high: float) -> str:
    if math.isinf(low) and math.isinf(high):
        return ""
    if math.isinf(high):
        return f"≥ {low:g}"
    if math.isinf(low):
        return f"≤ {high:g}"
    return f"in {low:g}–{high:g}"
