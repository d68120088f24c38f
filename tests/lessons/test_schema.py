"""The lesson JSON Schema (resources/lesson.schema.json) against every built-in lesson.

No schema library is a dependency, so the test carries a small validator for the part of
JSON Schema draft 2020-12 the schema uses; it refuses any keyword it does not know, so the
schema cannot quietly rely on one that is not checked here. The validator is tested too:
documents the app refuses for a mistake the schema can say are refused by both.
"""

import json
import math
from pathlib import Path

import pytest

from simulator.engine.datasets import GENERATORS
from simulator.engine.functions import ACTIVATIONS, HIDDEN_ACTIVATIONS, LOSSES
from simulator.engine.optimizers import OPTIMIZERS
from simulator.engine.schedules import KINDS, WARMUP_SETTINGS
from simulator.lessons.checking import LessonError
from simulator.lessons.files import load_lesson, parse_lesson
from simulator.lessons.model import PANELS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "resources" / "lesson.schema.json").read_text(encoding="utf-8"))
BUILT_IN = sorted((ROOT / "resources" / "lessons").glob("*.lesson.json"))

#: keywords that only describe (they check nothing)
NOTES = {"$schema", "$id", "title", "description", "$defs"}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _same(a, b) -> bool:
    """JSON equality: true is not 1, and 1 equals 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def errors(value, schema, path="$", root=SCHEMA) -> list[str]:
    """Return where and why a JSON value breaks a schema ([] when it conforms)."""
    unknown = set(schema) - NOTES - set(CHECKS)
    assert not unknown, f"the test's validator does not know {sorted(unknown)}"
    found = []
    for key in schema:
        if key in CHECKS:
            found += CHECKS[key](value, schema, path, root)
    return found


def _ref(value, schema, path, root):
    target = root
    for part in schema["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    return errors(value, target, path, root)


def _type(value, schema, path, root):
    return [] if TYPES[schema["type"]](value) else [f"{path}: not of type {schema['type']}"]


def _properties(value, schema, path, root):
    if not isinstance(value, dict):
        return []
    return [e for key, sub in schema["properties"].items() if key in value
            for e in errors(value[key], sub, f"{path}.{key}", root)]


def _additional(value, schema, path, root):
    if not isinstance(value, dict):
        return []
    extra = [k for k in value if k not in schema.get("properties", {})]
    rule = schema["additionalProperties"]
    if rule is False:
        return [f"{path}.{k}: not allowed" for k in extra]
    return [e for k in extra for e in errors(value[k], rule, f"{path}.{k}", root)]


def _required(value, schema, path, root):
    if not isinstance(value, dict):
        return []
    return [f"{path}.{k}: required" for k in schema["required"] if k not in value]


def _items(value, schema, path, root):
    if not isinstance(value, list):
        return []
    return [e for i, v in enumerate(value) for e in errors(v, schema["items"], f"{path}[{i}]", root)]


def _bound(check, message):
    def rule(value, schema, path, root):
        return [f"{path}: {message}"] if not check(value, schema) else []
    return rule


def _count(key, measure, kinds, compare):
    def check(value, schema):
        return not isinstance(value, kinds) or compare(measure(value), schema[key])
    return _bound(check, f"breaks {key}")


def _number(key, compare):
    def check(value, schema):
        return not TYPES["number"](value) or compare(value, schema[key])
    return _bound(check, f"breaks {key}")


def _of(key, wanted):
    def rule(value, schema, path, root):
        passed = sum(not errors(value, sub, path, root) for sub in schema[key])
        return [] if wanted(passed) else [f"{path}: matches {passed} of {key}"]
    return rule


def _unique(value, schema, path, root):
    if not schema["uniqueItems"] or not isinstance(value, list):
        return []
    seen = [json.dumps(v, sort_keys=True) for v in value]
    return [f"{path}: has repeated items"] if len(set(seen)) != len(seen) else []


CHECKS = {
    "$ref": _ref,
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "items": _items,
    "enum": _bound(lambda v, s: any(_same(v, e) for e in s["enum"]), "not one of enum"),
    "const": _bound(lambda v, s: _same(v, s["const"]), "not the const"),
    "minimum": _number("minimum", lambda v, bound: v >= bound),
    "maximum": _number("maximum", lambda v, bound: v <= bound),
    "minItems": _count("minItems", len, list, lambda n, bound: n >= bound),
    "maxItems": _count("maxItems", len, list, lambda n, bound: n <= bound),
    "maxLength": _count("maxLength", len, str, lambda n, bound: n <= bound),
    "uniqueItems": _unique,
    "oneOf": _of("oneOf", lambda n: n == 1),
    "anyOf": _of("anyOf", lambda n: n >= 1),
}


def test_the_schema_is_draft_2020_12_and_every_reference_resolves():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    text = json.dumps(SCHEMA)
    for name in SCHEMA["$defs"]:
        assert f'"#/$defs/{name}"' in text or name == "learning_rate"
    assert errors({}, SCHEMA)  # and walking it resolves every $ref it meets


@pytest.mark.parametrize("path", BUILT_IN, ids=lambda p: p.name)
def test_every_built_in_lesson_conforms_to_the_schema(path):
    load_lesson(path)  # the app reads it
    assert errors(json.loads(path.read_text(encoding="utf-8")), SCHEMA) == []


def test_there_are_built_in_lessons_to_check():
    assert len(BUILT_IN) >= 6


def test_the_schemas_names_are_the_apps():
    defs = SCHEMA["$defs"]
    network = defs["network"]["properties"]
    assert network["output_activation"]["enum"] == list(ACTIVATIONS)
    assert network["activation"]["oneOf"][0]["enum"] == list(HIDDEN_ACTIVATIONS)
    assert network["loss"]["enum"] == list(LOSSES)
    assert network["dataset"]["oneOf"][0]["properties"]["name"]["enum"] == list(GENERATORS)
    names = [o["properties"]["name"]["const"] for o in defs["optimizer"]["anyOf"]]
    assert names == list(OPTIMIZERS)
    for option in defs["optimizer"]["anyOf"]:
        hyper = set(option["properties"]) - {"name", "learning_rate", "schedule"}
        assert hyper == set(OPTIMIZERS[option["properties"]["name"]["const"]].hyper)
        assert option["properties"]["schedule"] == {"$ref": "#/$defs/schedule"}
    for option, (kind, (_, settings)) in zip(defs["schedule"]["anyOf"], KINDS.items(),
                                             strict=True):
        assert option["properties"]["kind"]["const"] == kind
        assert set(option["properties"]) == {"kind", *settings, *WARMUP_SETTINGS}
    assert defs["show"]["properties"]["panels"]["items"]["enum"] == list(PANELS)


STEPPED = {
    "format": "backprop-hiker-lesson", "version": 2, "title": "A slope",
    "problem": {"kind": "expression", "expression": "w**2", "start": {"w": 3},
                "range": {"w": [-4, 4]}},
    "optimizer": {"name": "sgd", "learning_rate": 0.1},
    "steps": [
        {"title": "Look", "text": "J(w) = w², at **w = 3**.",
         "set": {"epsilon": "0.001", "hiker": [3], "select": "w",
                 "optimizer": {"name": "momentum", "momentum": 0.5}},
         "show": {"panels": ["landscape", "formula"], "large": "landscape"}},
        {"title": "Walk", "text": "Ten steps.", "run": 10, "highlight": "w"},
        {"title": "Down", "text": "To the bottom.", "run": {"until": "converged", "max": 500}},
    ],
}


def _broken(change) -> dict:
    document = json.loads(json.dumps(STEPPED))
    change(document)
    return document


#: mistakes both the schema and the app refuse, each with the path the app names
BOTH_REFUSE = {
    "negative learning rate": (lambda d: d["steps"][1].update(set={"learning_rate": -1}),
                               "steps[1].set.learning_rate"),
    "unknown panel": (lambda d: d["steps"][0]["show"]["panels"].append("radar"),
                      "steps[0].show.panels[2]"),
    "panel twice": (lambda d: d["steps"][0]["show"]["panels"].append("formula"),
                    "steps[0].show.panels[2]"),
    "until what": (lambda d: d["steps"][2]["run"].update(until="tired"), "steps[2].run.until"),
    "run of minus one": (lambda d: d["steps"][1].update(run=-1), "steps[1].run"),
    "a schedule of no kind": (lambda d: d["steps"][0]["set"].update(schedule={"kind": "linear"}),
                              "steps[0].set.schedule.kind"),
    "a step schedule's γ above 1": (
        lambda d: d["optimizer"].update(schedule={"kind": "step", "gamma": 1.5}),
        "optimizer.schedule.gamma"),
    "a cosine schedule with a step size": (
        lambda d: d["optimizer"].update(schedule={"kind": "cosine", "step_size": 5}),
        "optimizer.schedule.step_size"),
    "a warm-up of 2.5 steps": (
        lambda d: d["optimizer"].update(schedule={"kind": "constant", "warmup": 2.5}),
        "optimizer.schedule.warmup"),
    "no text": (lambda d: d["steps"][1].pop("text"), "steps[1].text"),
    "an unknown field": (lambda d: d["steps"][1].update(sets={}), "steps[1].sets"),
    "hyper of another optimizer": (
        lambda d: d["steps"][0]["set"]["optimizer"].update(beta1=0.9),
        "steps[0].set.optimizer.beta1"),
    "three hiker values": (lambda d: d["steps"][0]["set"].update(hiker=[1, 2, 3]),
                           "steps[0].set.hiker"),
    "a boolean ε": (lambda d: d["steps"][0]["set"].update(epsilon=True), "steps[0].set.epsilon"),
    "version 3": (lambda d: d.update(version=3), "version"),
}


def test_the_stepped_example_conforms_and_loads():
    assert errors(STEPPED, SCHEMA) == []
    assert len(parse_lesson(json.dumps(STEPPED)).steps) == 3


@pytest.mark.parametrize("case", sorted(BOTH_REFUSE))
def test_a_mistake_is_refused_by_the_schema_and_by_the_app(case):
    change, path = BOTH_REFUSE[case]
    document = _broken(change)
    assert errors(document, SCHEMA), case
    with pytest.raises(LessonError) as info:
        parse_lesson(json.dumps(document))
    assert info.value.path == path


def test_the_validator_knows_json_types():
    assert errors(True, {"type": "integer"}) and errors(1.5, {"type": "integer"})
    assert not errors(1, {"type": "number"}) and errors(math.nan, {"const": 1})
    assert errors(1, {"enum": [True]}) and not errors(1.0, {"enum": [1]})
    with pytest.raises(AssertionError, match="does not know"):
        errors(1, {"pattern": "x"})


def documented_example() -> str:
    """Return the complete example of docs/lesson-format.md (its one JSON block there)."""
    text = (ROOT / "docs" / "lesson-format.md").read_text(encoding="utf-8")
    section = text.split("## A complete example", 1)[1]
    return section.split("```json\n", 1)[1].split("```", 1)[0]


def test_the_documented_example_conforms_and_loads():
    example = documented_example()
    assert errors(json.loads(example), SCHEMA) == []
    lesson = parse_lesson(example)
    assert len(lesson.steps) == 4 and lesson.to_json() == json.loads(example)
