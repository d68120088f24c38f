"""The one error a formula can raise, importable without sympy."""

from __future__ import annotations


class FormulaError(ValueError):
    """A formula that was refused: the offending token and its 1-based column.

    The message reads ``"column 5: 'import' is not allowed"``, so a command line or a
    lesson loader can show it as one line.
    """

    def __init__(self, column: int, token: str, reason: str) -> None:
        self.column = column
        self.token = token
        self.reason = reason
        super().__init__(f"column {column}: {reason}")

    def __reduce__(self):
        """Rebuild from the three fields (the error crosses from the formula worker)."""
        return (type(self), (self.column, self.token, self.reason))
