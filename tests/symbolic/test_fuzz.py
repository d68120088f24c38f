"""Fuzz: thousands of generated formulas through parse, derive, compile and evaluate.

Every formula must give numbers (nan or ±inf where it is undefined, which the app shows as
"undefined"), or a ``FormulaError`` saying why it is refused: never another exception,
and never more than 2 s for one formula. The formulas come from a seeded generator that
writes what a hostile student might type: every function of the grammar (kinks, logs
with a base, max of three), huge and tiny numbers, powers of powers, deep nesting.
"""

import random
import time

import numpy as np
import pytest

from simulator.symbolic.budget import WALL_FACTOR
from simulator.symbolic.derivatives import gradient, hessian
from simulator.symbolic.errors import FormulaError
from simulator.symbolic.numeric import compile_numpy
from simulator.symbolic.parsing import parse_formula
from simulator.symbolic.report import OutOfTime, derive_with_budget

SEED = 14
FORMULAS = 5000
#: one in this many formulas also has its Hessian (the curvature panel) compiled
HESSIAN_EVERY = 10
#: one in this many formulas also goes through ``derive`` (exact values, simplification)
DERIVE_EVERY = 100
PER_FORMULA_SECONDS = 2.0
#: the most a budgeted call may take in wall time, starting a fresh worker included
WALL_LIMIT = PER_FORMULA_SECONDS * WALL_FACTOR + 5.0
#: how deep the generated formulas nest (deep ones cost the most: fewer of them)
DEPTHS = (1, 2, 2, 3, 3, 4)

VARIABLES = ("w", "w", "w1", "w1", "w2")  # three-variable formulas are rarer
NUMBERS = ("0", "1", "2", "3", "0.5", "9.29", ".688", "625", "10**20", "1e200", "1e-200",
           "6000", "pi", "e", "-1", "0.0")
UNARY = ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs", "Abs",
         "sigmoid", "relu", "softplus", "sign", "Heaviside")
MANY = ("max", "min", "Max", "Min")
EXPONENTS = ("2", "3", "-1", "0.5", "-2", "(1/3)", "w", "(6*w)", "abs(w)", "0", "5", "w1")
#: values the variables take: kinks, poles, overflow and the far tails of sigmoid
POINTS = np.array([0.0, 1.0, -1.0, 0.5, 1000.0, -1000.0, -800.0, 1e200, -1e-300, 709.0])


def formula(rng: random.Random, depth: int) -> str:
    """Return the text of a random formula at most ``depth`` operations deep."""
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(VARIABLES) if rng.random() < 0.6 else rng.choice(NUMBERS)
    kind = rng.randrange(7)
    inner = lambda: formula(rng, depth - 1)  # noqa: E731
    if kind == 0:
        return f"({inner()} {rng.choice('+-*/')} {inner()})"
    if kind == 1:
        return f"({inner()}){rng.choice(['**', '^'])}{rng.choice(EXPONENTS)}"
    if kind == 2:
        return f"-{inner()}"
    if kind == 3:
        return f"log({inner()}, {rng.choice(['2', '10', '0', '1', 'w', '0.5', '-3'])})"
    if kind == 4:
        count = rng.choice((2, 2, 3))
        return f"{rng.choice(MANY)}({', '.join(inner() for _ in range(count))})"
    return f"{rng.choice(UNARY)}({inner()})"


def hostile_formulas() -> list[str]:
    """Return the generated formulas, the same ones on every run."""
    rng = random.Random(SEED)
    return [formula(rng, rng.choice(DEPTHS)) for _ in range(FORMULAS)]


def _evaluate(compiled, count: int) -> None:
    """Evaluate at every point (each variable its own shift of POINTS); check the numbers."""
    inputs = [np.roll(POINTS, k) for k in range(count)]
    for value in _leaves(compiled(*inputs)):
        # nan and ±inf are allowed (shown as "undefined"); a constant entry is a scalar.
        # Never a complex number (cast to float it would lose its imaginary part, and a
        # value where J is undefined would be shown as a number)
        assert not np.iscomplexobj(value), value
        numbers = np.broadcast_to(np.asarray(value, dtype=float), POINTS.shape)
        assert numbers.dtype == float


def _leaves(value):
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _through_the_pipeline(text: str, with_hessian: bool) -> str:
    """Return "refused" or "computed" for one formula, raising anything unexpected."""
    try:
        parsed = parse_formula(text)
    except FormulaError:
        return "refused"
    names = list(parsed.variables) or ["w"]
    wanted = [parsed.expression, gradient(parsed, names, simplify=False)]
    if with_hessian:
        wanted.append(hessian(parsed, names, simplify=False))
    try:
        compiled = compile_numpy(names, wanted)  # one compile, as the formula panel does
    except FormulaError:
        return "refused"
    _evaluate(compiled, len(names))
    return "computed"


def test_generated_formulas_give_numbers_or_a_formula_error():
    results = {"refused": 0, "computed": 0}
    slowest = (0.0, "")
    for index, text in enumerate(hostile_formulas()):
        started = time.process_time()  # CPU time: a busy machine does not fail the test
        results[_through_the_pipeline(text, index % HESSIAN_EVERY == 0)] += 1
        took = time.process_time() - started
        slowest = max(slowest, (took, text))
    assert sum(results.values()) == FORMULAS
    assert results["computed"] > FORMULAS // 2  # the generator is not refused wholesale
    assert slowest[0] < PER_FORMULA_SECONDS, slowest


def test_derive_answers_every_generated_formula_within_its_budget():
    answered = gave_up = refused = 0
    for text in hostile_formulas()[::DERIVE_EVERY]:
        started = time.perf_counter()
        try:
            report = derive_with_budget(text, PER_FORMULA_SECONDS, at={
                name: "0.5" for name in ("w", "w1", "w2") if name in _names(text)})
        except OutOfTime:
            gave_up += 1
        except FormulaError:
            refused += 1
        else:
            answered += 1
            assert set(report["undefined"]) <= {"J", *report["variables"]}
        # the budget (in the worker's CPU time, capped in wall time), and a fresh worker
        assert time.perf_counter() - started < WALL_LIMIT, text
    assert answered + gave_up + refused == len(hostile_formulas()[::DERIVE_EVERY])
    assert answered > gave_up


def _names(text: str) -> tuple[str, ...]:
    try:
        return parse_formula(text).variables
    except FormulaError:
        return ()


@pytest.mark.parametrize("text", [
    "sigmoid(log(-Abs(w), 10))",  # seed 18, formula 664: complex values before
    "log(-abs(w), 10)**2 + (-abs(w1))**(1/log(3))",
])
def test_a_power_of_a_negative_base_is_undefined_never_complex(text):
    parsed = parse_formula(text)
    names = list(parsed.variables)
    compiled = compile_numpy(names, [parsed.expression, gradient(parsed, names, simplify=False),
                                     hessian(parsed, names, simplify=False)])
    leaves = _leaves(compiled(*[np.array([1.0, 2.0])] * len(names)))
    assert not any(np.iscomplexobj(leaf) for leaf in leaves)
    assert np.isnan(leaves[0]).all()  # J is not a real number at w = 1 and 2


@pytest.mark.parametrize("text", [
    "cosh(w**5)*sigmoid(w - 6000)",
    "log(" * 40 + "w" + ")" * 40,
    "sinh(.688 + softplus(.406-w1)) * -(w2 * abs(w1/w2))",
])
def test_the_reported_hangs_answer_or_give_up_within_the_budget(text):
    started = time.perf_counter()
    names = parse_formula(text).variables
    try:
        report = derive_with_budget(text, 2.0, at={name: "2" for name in names})
    except OutOfTime as error:
        assert "gave up after 2 s" in str(error)
    else:
        assert report["expression"]
    assert time.perf_counter() - started < WALL_LIMIT
