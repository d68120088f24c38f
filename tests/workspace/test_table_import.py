"""CSV import: good files of each kind, broken files named by line, the cap, export and back."""

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from simulator.lessons.catalog import builtin_lesson
from simulator.lessons.files import load_lesson
from simulator.workspace.errors import EditError
from simulator.workspace.table_import import (
    MAX_ROWS,
    TableError,
    label_kind,
    points_csv,
    read_table,
    read_table_file,
    read_text,
    table_points,
)
from simulator.workspace.workspace import Workspace

TABLES = Path(__file__).parent / "tables"


def test_a_headed_comma_file_with_word_labels_becomes_classes_in_sorted_order():
    table = read_table_file(TABLES / "iris-like.csv")
    assert table.header and table.delimiter == ","
    assert table.names == ("sepal_length", "sepal_width", "petal_length", "species")
    assert table.lines == (2, 3, 4, 5, 6, 7)  # the file's own line numbers
    assert label_kind(table, 3) == "classification"
    points = table_points(table, [0, 1, 2], 3, "classification", test_share=0.0)
    assert points.classes == ("setosa", "versicolor", "virginica")
    assert points.train[0] == (5.1, 3.5, 1.4, 0.0) and points.train[-1][-1] == 2.0
    assert points.test == () and points.total == 6 and points.inputs == 3


def test_a_semicolon_file_without_header_skips_blank_and_comment_lines():
    table = read_table_file(TABLES / "semicolon-no-header.csv")
    assert not table.header and table.delimiter == ";"
    assert table.names == ("column 1", "column 2", "column 3")
    assert table.lines == (1, 2, 5)
    points = table_points(table, [0, 1], 2, "classification", test_share=0.0)
    assert points.classes == ("0", "1")
    assert points.train == ((0.1, 0.2, 1.0), (0.3, -0.4, 0.0), (-1.5, 0.2, 1.0))


def test_a_tab_file_of_numbers_is_a_regression():
    table = read_table_file(TABLES / "tabs.tsv")
    assert table.delimiter == "\t" and table.header
    assert label_kind(table, 2) == "regression"
    points = table_points(table, [0, 1], 2, "regression", test_share=0.0)
    assert points.classes == () and points.train[2] == (3.0, 5.0, -1.0)


def test_whole_number_labels_are_classes_by_value():
    table = read_table("x,k\n1,10\n2,2\n3,10\n4,-1\n")
    points = table_points(table, [0], 1, "classification", test_share=0.0)
    assert points.classes == ("-1", "2", "10")  # by value, not as text ("10" < "2")
    assert [row[-1] for row in points.train] == [2.0, 1.0, 2.0, 0.0]


@pytest.mark.parametrize("file, message", [
    ("ragged.csv", "line 3: 2 fields, but the first row has 3 (the delimiter is comma)"),
    ("not-a-number.csv", "line 4, column 'b': 'oops' is not a number"),
    ("empty-label.csv", "line 3, column 'c': the label is empty"),
])
def test_a_broken_file_names_its_line_and_column(file, message):
    with pytest.raises(TableError) as caught:
        table_points(read_table_file(TABLES / file), [0, 1], 2, "classification")
    assert str(caught.value) == message


@pytest.mark.parametrize("text, inputs, label, kind, message", [
    ("a,b\n1,x\n2,y\n", [0], 1, "regression", "line 2, column 'b': 'x' is not a number"),
    ("a,b\n1,0\n2,0\n", [0], 1, "classification", "holds one class only ('0')"),
    ("a,b\n" + "".join(f"{k},{k}\n" for k in range(11)), [0], 1, "classification",
     "holds 11 classes, more than the 10"),
    ("a,b\n1,0\n,1\n", [0], 1, "classification", "line 3, column 'a': the cell is empty"),
    ("a,b\n1,0\n2,1\n", [1], 1, "classification", "cannot be an input too"),
    ("a,b\n1,0\n2,1\n", [], 1, "classification", "choose 1–16 input columns, got 0"),
    ("a,b\n1,0\n2,1\n", [0], 5, "classification", "there is no column 6"),
    ("a,b\n1,inf\n2,1\n", [0], 1, "regression", "line 2, column 'b': 'inf' is not a number"),
    ("a,b,split\n1,0,train\n2,1,maybe\n", [0], 1, "classification",
     "line 3, column 'split': must be train or test, got 'maybe'"),
    ("a,b,split\n1,0,test\n2,1,test\n", [0], 1, "classification", "every row is a test point"),
])
def test_bad_choices_and_cells_are_refused_with_a_reason(text, inputs, label, kind, message):
    with pytest.raises(TableError) as caught:
        table_points(read_table(text), inputs, label, kind)
    assert message in str(caught.value)


@pytest.mark.parametrize("text, message", [
    ("", "the file holds no rows"),
    ("\n# only a comment\n", "the file holds no rows"),
    ("a,b\n", "a header row but no data rows"),
    ('a,b\n1,"2\n', "line 2"),
])
def test_files_with_no_data_are_refused(text, message):
    with pytest.raises(TableError, match=message):
        table_points(read_table(text), [0], 1,
                     "classification")


def test_a_binary_or_missing_file_is_refused(tmp_path):
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\0\0\x01")
    with pytest.raises(TableError, match="is not a text file"):
        read_text(binary)
    with pytest.raises(TableError, match="could not read"):
        read_text(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("größe,k\n1,a\n2,b\n".encode("latin-1"))
    assert read_table(read_text(latin)).names == ("größe", "k")


def test_the_held_out_share_is_drawn_by_the_seed():
    text = "x,k\n" + "".join(f"{k},{k % 2}\n" for k in range(50))
    a = table_points(read_table(text), [0], 1, "classification", test_share=0.2, seed=3)
    b = table_points(read_table(text), [0], 1, "classification", test_share=0.2, seed=3)
    assert len(a.test) == 10 and len(a.train) == 40 and a.test == b.test
    assert sorted(a.train + a.test) == sorted((float(k), float(k % 2)) for k in range(50))


def test_a_file_over_the_cap_needs_the_first_rows_or_a_sample():
    text = "x,k\n" + "".join(f"{k},{k % 3}\n" for k in range(MAX_ROWS + 500))
    table = read_table(text)
    with pytest.raises(TableError, match="10,500 rows, more than the 10,000"):
        table_points(table, [0], 1, "classification")
    first = table_points(table, [0], 1, "classification", test_share=0.0, limit="first")
    assert [row[0] for row in first.train] == [float(k) for k in range(MAX_ROWS)]
    assert first.total == MAX_ROWS + 500
    sample = table_points(table, [0], 1, "classification", test_share=0.0, limit="sample")
    again = table_points(table, [0], 1, "classification", test_share=0.0, limit="sample")
    xs = [row[0] for row in sample.train]
    assert len(xs) == MAX_ROWS and xs == sorted(xs) and sample.train == again.train
    assert max(xs) > MAX_ROWS  # rows from past the first 10,000 are in


def test_import_then_export_round_trips_with_the_split(tmp_path):
    ws = Workspace()
    ws.open_file(str(builtin_lesson("14-circle-network.lesson.json")))
    points = table_points(read_table_file(TABLES / "iris-like.csv"), [0, 1, 2], 3,
                          "classification", test_share=0.34, seed=1)
    said = ws.import_points(points)
    assert said == ("Imported 6 points (4 training, 2 test) with 3 inputs and 3 classes "
                    "(setosa, versicolor, virginica).")
    spec = ws.lesson.problem
    assert spec.layers == (3, 8, 8, 3) and spec.loss == "cross_entropy"
    assert spec.output_activation == "softmax" and spec.dataset.points == points.train
    path = tmp_path / "out.csv"
    assert ws.export_points(str(path)) == 6
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == ["x1", "x2", "x3", "label", "split"]
    assert [r[-1] for r in rows[1:]] == ["train"] * 4 + ["test"] * 2
    assert {r[3] for r in rows[1:]} == {"setosa", "versicolor", "virginica"}  # names, not 0 1 2
    back = table_points(read_table_file(path), [0, 1, 2], 3, "classification")
    assert back.train == points.train and back.test == points.test  # the split column decides
    assert back.classes == points.classes
    saved = tmp_path / "mine.lesson.json"
    ws.save_file(str(saved))
    dataset = load_lesson(saved).problem.dataset
    assert dataset.points == points.train
    assert dataset.class_names == ("setosa", "versicolor", "virginica")
    assert ws.problem_info().class_names == dataset.class_names
    ws.add_point(6.0, 3.0, 4.0, 1.0)  # an edit of the points keeps the names
    assert ws.lesson.problem.dataset.class_names == dataset.class_names
    ws.plan_choice(dataset="circle")  # a generated set numbers its classes
    assert ws.lesson.problem.dataset.class_names == ()


def test_two_classes_get_a_sigmoid_and_numbers_a_linear_output():
    ws = Workspace()
    ws.open_file(str(builtin_lesson("09-seed-w-squared.lesson.json")))  # a formula
    two = table_points(read_table_file(TABLES / "semicolon-no-header.csv"), [0, 1], 2,
                       "classification", test_share=0.0)
    ws.import_points(two)
    spec = ws.lesson.problem
    assert spec.layers == (2, 8, 1) and (spec.output_activation, spec.loss) == ("sigmoid", "bce")
    numbers = table_points(read_table_file(TABLES / "tabs.tsv"), [0, 1], 2, "regression",
                           test_share=0.0)
    ws.import_points(numbers)
    spec = ws.lesson.problem
    assert spec.layers[-1] == 1 and (spec.output_activation, spec.loss) == ("linear", "mse")


def test_wide_data_is_drawn_over_its_first_two_columns_with_the_rest_at_the_mean():
    from simulator.workspace.grid_requests import decision_request

    ws = Workspace()
    ws.open_file(str(builtin_lesson("14-circle-network.lesson.json")))
    ws.import_points(table_points(read_table_file(TABLES / "iris-like.csv"), [0, 1, 2], 3,
                                  "classification", test_share=0.0))
    problem, theta = ws.problem, ws.session.theta
    result = decision_request(problem, theta).stages[0]()
    mean = problem.dataset.x_train[:, 2].mean()
    row = np.array([[result.xs[4], result.ys[7], mean]])
    np.testing.assert_allclose(result.outputs[7, 4], problem.predict(theta, row)[0], rtol=1e-12)


def test_export_of_a_formula_or_to_a_bad_place_is_refused(tmp_path):
    ws = Workspace()
    ws.open_file(str(builtin_lesson("09-seed-w-squared.lesson.json")))
    with pytest.raises(EditError, match="formula, not a network"):
        ws.export_points(str(tmp_path / "x.csv"))
    ws.open_file(str(builtin_lesson("14-circle-network.lesson.json")))
    with pytest.raises(EditError, match="Could not write"):
        ws.export_points(str(tmp_path / "no-such-folder" / "x.csv"))


def test_points_csv_writes_several_targets_as_y_columns():
    text = points_csv(((1.0, 2.0, 0.5, 0.25),), (), 2)
    assert text.splitlines() == ["x1,x2,y1,y2,split", "1.0,2.0,0.5,0.25,train"]


def test_a_lesson_gives_one_name_per_class():
    import json

    from simulator.lessons.checking import LessonError
    from simulator.lessons.files import parse_lesson

    def document(names):
        return json.dumps({"format": "backprop-hiker-lesson", "version": 1, "title": "t",
                           "problem": {"kind": "network", "layers": [1, 3],
                                       "activation": [], "output_activation": "softmax",
                                       "loss": "cross_entropy",
                                       "dataset": {"points": [[0.0, 0], [1.0, 1], [2.0, 2]],
                                                   "class_names": names}}})

    lesson = parse_lesson(document(["a", "b", "c"]))
    assert lesson.problem.dataset.class_names == ("a", "b", "c")
    with pytest.raises(LessonError) as caught:
        parse_lesson(document(["a", "b"]))
    assert caught.value.path == "problem.dataset.class_names"
    assert "must have 3–3 entries, got 2" in str(caught.value)
