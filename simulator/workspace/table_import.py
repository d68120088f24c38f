"""Your own data: a CSV table read, checked and turned into a lesson's points (no Qt).

Reading and choosing are two steps, as the import dialog shows them: ``read_table`` splits
a text into rows (comma, semicolon or tab; a header row or none), then ``table_points``
takes the columns chosen as inputs and the label column and checks every row. A bad row
raises ``TableError`` naming its line in the file and the column, and nothing is made
until the whole file is valid. Labels are classes (whole numbers or words, numbered in
sorted order) or numbers to fit. ``points_csv`` writes points back as a table.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.engine.datasets import MAX_POINTS
from simulator.engine.network import MAX_INPUTS, MAX_OUTPUTS

MAX_ROWS = MAX_POINTS  # the most points a lesson takes from a file
MAX_FILE_BYTES = 64 * 1024 * 1024
SAMPLE_SEED = 0  # the random sample of a larger file is the same every time
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
SPLIT_COLUMN = "split"  # a column of train/test, as Export data writes it


class TableError(ValueError):
    """A table that cannot be imported; the message names the line and the column."""


@dataclass(frozen=True)
class Table:
    """A CSV text split into cells: column names, rows of text, each row's line in the file."""

    names: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    delimiter: str
    header: bool

    @property
    def width(self) -> int:
        """Return the number of columns."""
        return len(self.names)


@dataclass(frozen=True)
class ImportedPoints:
    """Rows ready for a lesson: the inputs, then the target (a class index or a number).

    ``classes`` names each class in index order (empty for a regression); ``total`` is how
    many data rows the file had, of which ``len(train) + len(test)`` were taken.
    """

    train: tuple[tuple[float, ...], ...]
    test: tuple[tuple[float, ...], ...]
    inputs: int
    kind: str
    classes: tuple[str, ...]
    input_names: tuple[str, ...]
    total: int


def _number(text: str) -> float | None:
    """Return a cell as a finite number, or None (a decimal comma is not a number here)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def guess_delimiter(text: str) -> str:
    """Return the delimiter of a table: the one of , ; tab found most in its first line."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def guess_header(rows: list[list[str]]) -> bool:
    """Return whether the first row names the columns: it has a word where the next has numbers."""
    if len(rows) < 2:
        return any(_number(c) is None for c in rows[0]) if rows else False
    first, second = rows[0], rows[1]
    return any(_number(a) is None and _number(b) is not None
               for a, b in zip(first, second, strict=False)) or \
        all(_number(a) is None for a in first) and any(_number(b) is not None for b in second)


def read_table(text: str, delimiter: str | None = None, header: bool | None = None) -> Table:
    """Split a CSV text into a table (``None``: guess the delimiter or the header).

    Blank lines and lines starting with ``#`` are skipped; every other row must have as
    many cells as the first, or ``TableError`` names its line.
    """
    text = text.removeprefix("\ufeff")
    delimiter = guess_delimiter(text) if delimiter is None else delimiter
    if delimiter not in DELIMITERS:
        raise TableError(f"the delimiter must be a comma, a semicolon or a tab, got {delimiter!r}")
    rows: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
                continue
            rows.append([c.strip() for c in row])
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise TableError(f"line {reader.line_num}: {exc}") from None
    if not rows:
        raise TableError("the file holds no rows")
    has_header = guess_header(rows) if header is None else header
    width = len(rows[0])
    for row, line in zip(rows, lines, strict=True):
        if len(row) != width:
            raise TableError(f"line {line}: {len(row)} field{'s' if len(row) != 1 else ''}, "
                             f"but the first row has {width} (the delimiter is "
                             f"{DELIMITERS[delimiter]})")
    names = tuple(rows[0]) if has_header else tuple(f"column {k + 1}" for k in range(width))
    if has_header:
        rows, lines = rows[1:], lines[1:]
    if not rows:
        raise TableError("the file has a header row but no data rows")
    return Table(names, tuple(tuple(r) for r in rows), tuple(lines), delimiter, has_header)


def read_table_file(path: str | Path, delimiter: str | None = None,
                    header: bool | None = None) -> Table:
    """Read a CSV file into a table (``TableError`` for a file that is not one)."""
    return read_table(read_text(path), delimiter, header)


def read_text(path: str | Path) -> str:
    """Return a file's text (UTF-8, else Latin-1); ``TableError`` for one too big or binary."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise TableError(f"could not read {path.name}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise TableError(f"{path.name} is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1") if b"\0" not in data else None
    if text is None or "\0" in text:
        raise TableError(f"{path.name} is not a text file")
    return text


def label_kind(table: Table, column: int) -> str:
    """Return the likely kind of a label column: classes (words, or few whole numbers) or numbers."""
    values = [_number(row[column]) for row in table.rows]
    if any(v is None for v in values):
        return "classification"
    distinct = set(values)
    whole = all(float(v).is_integer() for v in distinct)
    return "classification" if whole and len(distinct) <= MAX_OUTPUTS else "regression"


def _class_names(labels: list[str]) -> tuple[str, ...]:
    """Return the distinct labels in class order: numbers by value, words alphabetically."""
    distinct = set(labels)
    numbers = {label: _number(label) for label in distinct}
    if all(v is not None and float(v).is_integer() for v in numbers.values()):
        return tuple(sorted(distinct, key=lambda label: numbers[label]))
    return tuple(sorted(distinct))


def _chosen_rows(total: int, limit: str) -> np.ndarray:
    """Return which data rows are taken: all, the first MAX_ROWS, or a seeded random sample."""
    if total <= MAX_ROWS:
        return np.arange(total)
    if limit == "first":
        return np.arange(MAX_ROWS)
    if limit == "sample":
        rng = np.random.default_rng(SAMPLE_SEED)
        return np.sort(rng.choice(total, MAX_ROWS, replace=False))
    raise TableError(f"the file has {total:,} rows, more than the {MAX_ROWS:,} a lesson "
                     f"takes: import the first {MAX_ROWS:,} or a random sample of them")


def table_points(table: Table, inputs: list[int] | tuple[int, ...], label: int, kind: str,
                 test_share: float = 0.2, limit: str | None = None,
                 seed: int = 0) -> ImportedPoints:
    """Return a table's points: ``inputs`` (column indices) then ``label``, every row checked.

    ``kind`` is ``"classification"`` or ``"regression"``. Without a ``split`` column of
    train/test, ``test_share`` of the rows (drawn by ``seed``) are held out as test points.
    A table of more than ``MAX_ROWS`` rows needs ``limit``: ``"first"`` or ``"sample"``.
    """
    inputs = [int(k) for k in inputs]
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise TableError(f"choose 1–{MAX_INPUTS} input columns, got {len(inputs)}")
    if len(set(inputs)) != len(inputs):
        raise TableError("an input column is chosen twice")
    for k in [*inputs, label]:
        if not 0 <= k < table.width:
            raise TableError(f"there is no column {k + 1}: the table has {table.width}")
    if label in inputs:
        raise TableError(f"the label column {table.names[label]!r} cannot be an input too")
    if kind not in ("classification", "regression"):
        raise TableError(f"the labels are classes or numbers, got {kind!r}")
    if not 0.0 <= test_share < 1.0:
        raise TableError(f"the test share must be 0–0.99, got {test_share}")
    split = table.names.index(SPLIT_COLUMN) if table.header and \
        SPLIT_COLUMN in table.names and SPLIT_COLUMN not in \
        [table.names[k] for k in [*inputs, label]] else None
    taken = _chosen_rows(len(table.rows), limit or "")
    x = np.empty((len(taken), len(inputs)))
    labels: list[str] = []
    held: list[bool] = []
    for r, index in enumerate(taken):
        row, line = table.rows[index], table.lines[index]
        for c, k in enumerate(inputs):
            value = _number(row[k])
            if value is None:
                what = f"{row[k]!r} is not a number" if row[k] else "the cell is empty"
                raise TableError(f"line {line}, column {table.names[k]!r}: {what}")
            x[r, c] = value
        if not row[label]:
            raise TableError(f"line {line}, column {table.names[label]!r}: the label is empty")
        if kind == "regression" and _number(row[label]) is None:
            raise TableError(f"line {line}, column {table.names[label]!r}: {row[label]!r} is "
                             "not a number (choose classes for labels that are words)")
        labels.append(row[label])
        if split is not None:
            word = row[split].lower()
            if word not in ("train", "test"):
                raise TableError(f"line {line}, column {SPLIT_COLUMN!r}: must be train or "
                                 f"test, got {row[split]!r}")
            held.append(word == "test")
    if kind == "classification":
        names = _class_names(labels)
        if len(names) < 2:
            raise TableError(f"the label column {table.names[label]!r} holds one class only "
                             f"({names[0]!r}); a classifier needs two or more")
        if len(names) > MAX_OUTPUTS:
            raise TableError(f"the label column {table.names[label]!r} holds {len(names)} "
                             f"classes, more than the {MAX_OUTPUTS} a network can output; "
                             f"are its labels numbers to fit (regression)?")
        index_of = {name: k for k, name in enumerate(names)}
        y = np.array([float(index_of[v]) for v in labels])
    else:
        names = ()
        y = np.array([float(v) for v in labels])
    rows = np.column_stack([x, y])
    if split is not None:
        test_mask = np.array(held, dtype=bool)
    else:
        test_mask = np.zeros(len(rows), dtype=bool)
        n_test = int(round(test_share * len(rows)))
        if n_test:
            test_mask[np.random.default_rng(seed).permutation(len(rows))[:n_test]] = True
    if test_mask.all():
        raise TableError("every row is a test point: keep at least one for training")
    as_rows = lambda a: tuple(tuple(float(v) for v in r) for r in a)  # noqa: E731
    return ImportedPoints(as_rows(rows[~test_mask]), as_rows(rows[test_mask]), len(inputs),
                          kind, names, tuple(table.names[k] for k in inputs),
                          len(table.rows))


def points_csv(train, test, inputs: int, class_names: tuple[str, ...] = ()) -> str:
    """Return points as CSV text: a header, the inputs x1…, the target(s) and train/test.

    The one target column is ``label`` (a class's name when ``class_names`` gives them);
    several (a regression with several outputs) are ``y1``, ``y2``…
    """
    rows = [*train, *test]
    targets = len(rows[0]) - inputs if rows else 1
    labels = ["label"] if targets == 1 else [f"y{k + 1}" for k in range(targets)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(f"x{k + 1}" for k in range(inputs)), *labels, SPLIT_COLUMN])
    for part, rows in (("train", train), ("test", test)):
        for row in rows:
            targets = [class_names[int(row[inputs])]] if class_names else \
                [_plain(v) for v in row[inputs:]]
            writer.writerow([*(repr(float(v)) for v in row[:inputs]), *targets, part])
    return out.getvalue()


def _plain(value: float) -> str:
    """Return a target as written: a class index without ``.0``, a number exactly."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
