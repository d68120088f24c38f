"""The built-in lessons: they load, every step runs headless, and their texts tell the truth.

Each lesson is stepped through once (``Workspace.enter_step``, as the lesson panel and
``run --through-steps`` do) and the numbers its texts quote are checked against the
frames, and those against closed forms worked out here by hand.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pytest

from simulator.lessons.catalog import builtin_lesson, builtin_lessons
from simulator.lessons.files import load_lesson
from simulator.symbolic.surfaces import SEED_TABLE
from simulator.workspace.frames import Frame, LessonFrame
from simulator.workspace.numbers import format_number
from simulator.workspace.workspace import Workspace

#: the step-through lessons, in the issue's order, then today's six starting states
TITLES = (
    "What a derivative tells you",
    "SymPy does it for us",
    "Hiking down the mountain",
    "Momentum and Adam",
    "One neuron by hand",
    "Backpropagation through a network",
    "Computation graphs",
    "When it breaks",
)
STARTING_STATES = (
    "09-seed-w-squared.lesson.json", "10-ravine.lesson.json", "11-rosenbrock-adam.lesson.json",
    "12-himmelblau-momentum.lesson.json", "13-xor-network.lesson.json",
    "14-circle-network.lesson.json", "15-circle-features.lesson.json",
    "16-three-spirals-softmax.lesson.json",
)


@dataclass(frozen=True)
class StepSeen:
    """What one step of a lesson left behind: its text, the frame, the selection."""

    title: str
    text: str
    frame: Frame
    lesson_frame: LessonFrame
    selection: str | None
    names: tuple[str, ...]

    def gradient_of(self, name: str) -> float:
        """Return ∂L/∂(a parameter) in this step's frame (what the inspector shows)."""
        return float(self.frame.gradient[self.names.index(name)])


@functools.cache
def walk(name: str) -> tuple[StepSeen, ...]:
    """Open a built-in lesson and enter each of its steps in order (once per test run)."""
    ws = Workspace()
    ws.open_file(str(builtin_lesson(name)))
    seen = []
    for k, step in enumerate(ws.lesson.steps):
        ws.enter_step(k)
        assert ws.step_index == k
        seen.append(StepSeen(step.title, step.text, ws.frame(), ws.lesson_frame(),
                             ws.selection, tuple(ws.problem.names)))
    return tuple(seen)


def lesson_workspace(name: str) -> Workspace:
    """Return a workspace with a built-in lesson open, at no step yet."""
    ws = Workspace()
    ws.open_file(str(builtin_lesson(name)))
    return ws


def file_of(number: int) -> str:
    """Return the file name of the built-in lesson with this number (01, 02, …)."""
    return next(p.name for p in builtin_lessons() if p.name.startswith(f"{number:02d}-"))


# ----- every lesson -------------------------------------------------------------------------


def test_the_lessons_come_in_the_teaching_order():
    files = builtin_lessons()
    assert [load_lesson(p).title for p in files[:8]] == list(TITLES)
    assert [p.name for p in files[8:]] == list(STARTING_STATES)


@pytest.mark.parametrize("path", builtin_lessons(), ids=lambda p: p.name)
def test_every_lesson_loads_and_the_eight_new_ones_have_steps(path):
    lesson = load_lesson(path)
    if path.name in STARTING_STATES:
        assert lesson.steps == ()
    else:
        assert len(lesson.steps) >= 4
        assert all(step.title and step.text for step in lesson.steps)


@pytest.mark.parametrize("number", range(1, 9))
def test_every_step_runs_headless_and_leaves_finite_numbers(number):
    seen = walk(file_of(number))
    steps = load_lesson(builtin_lesson(file_of(number))).steps
    assert [s.title for s in seen] == [s.title for s in steps]
    for k, step in enumerate(seen):
        assert (step.lesson_frame.index, step.lesson_frame.count) == (k, len(steps))
        assert step.lesson_frame.step_title == step.title
        assert np.all(np.isfinite(step.frame.theta)), step.title
        assert math.isfinite(step.frame.loss), step.title


@pytest.mark.parametrize("number", range(1, 9))
def test_going_back_through_a_lesson_restores_every_step_exactly(number):
    forward = walk(file_of(number))
    ws = lesson_workspace(file_of(number))
    ws.enter_step(len(forward) - 1)
    for k in reversed(range(len(forward))):
        ws.enter_step(k)
        frame, seen = ws.frame(), forward[k].frame
        assert frame.theta.tobytes() == seen.theta.tobytes(), forward[k].title
        assert (frame.step, frame.loss, frame.config, frame.status) == \
            (seen.step, seen.loss, seen.config, seen.status)
        assert ws.selection == forward[k].selection


# ----- 1 and 2: the seed's numbers exactly -----------------------------------------------------


def test_lesson_1_shows_the_seeds_nudge_exactly():
    seen = walk(file_of(1))
    nudge = seen[1].frame.formula.nudge
    assert (nudge.epsilon, nudge.J, nudge.J_plus, nudge.delta, nudge.ratio, nudge.exact) == \
        (0.001, 9, 9.006001, 0.006001, 6.001, 6)
    assert nudge.exact_arithmetic
    assert seen[0].frame.loss == 9 and seen[0].frame.theta.tolist() == [3.0]
    for text in ("J(3) = 3² = **9**", "J(3.001) = 3.001² = **9.006001**", "**0.006001**",
                 "ΔJ ≈ 6ε"):
        assert text in seen[1].text or text in seen[0].text
    assert "**6.001**" in seen[2].text and "**dJ/dw = 6**" in seen[2].text


def test_lesson_1_a_smaller_epsilon_comes_closer_to_6():
    step = walk(file_of(1))[3]
    nudge = step.frame.formula.nudge
    assert nudge.epsilon == 1e-6
    assert (nudge.J_plus, nudge.ratio) == (9.000006000001, 6.000001)  # (3 + ε)² = 9 + 6ε + ε²
    assert "9.000006000001" in step.text and "**6.000001**" in step.text


def test_lesson_1_ends_with_one_step_downhill():
    last = walk(file_of(1))[-1]
    assert last.frame.step == 1
    assert last.frame.theta[0] == pytest.approx(3 - 0.1 * 6, abs=1e-15)
    assert last.frame.loss == pytest.approx(2.4 ** 2, abs=1e-14)
    assert "**2.4**" in last.text and "**5.76**" in last.text


def test_lesson_2_shows_2w_and_6_at_w_equals_3():
    ws = lesson_workspace(file_of(2))
    ws.enter_step(1)
    assert ws.problem_info().formula.derivative_texts == ("2·w",)
    assert ws.frame().formula.gradient == (6.0,)
    assert ws.frame().formula.nudge.exact == 6


def test_lesson_2_shows_the_seeds_table_and_its_derivatives_are_sympys():
    ws = lesson_workspace(file_of(2))
    table_steps = [s for s in ws.lesson.steps if s.show and "derivative_table" in s.show.panels]
    assert len(table_steps) == 1
    text = table_steps[0].text
    for row in ("w² → dJ/dw = 2w", "w³ → dJ/dw = 3w²", "1/w → dJ/dw = −1/w²"):
        assert row in text
    found = {}
    for row in SEED_TABLE:  # the formula panel's own derivative of each row, at w = 3
        ws.set_formula(row.function)
        found[row.function] = (ws.problem_info().formula.derivative_texts[0],
                               ws.frame().formula.gradient[0])
    assert found == {"w^2": ("2·w", 6.0), "w^3": ("3·w²", 27.0), "1/w": ("−1/w²", -1 / 9)}
    assert "6, 27 and −1/9" in text


# ----- 3 and 4: gradient descent and its variants -----------------------------------------------


def test_lesson_3_walks_the_bowl_as_its_text_says():
    seen = walk(file_of(3))
    # On J = w², one step at learning rate η multiplies w by (1 − 2η).
    expected = [3 * 0.8, 3 * 0.8 ** 10, 3 * 0.98 ** 20, 3 * 0.4 ** 10, 3 * (-0.8) ** 10]
    for step, w in zip(seen, expected, strict=False):
        assert step.frame.theta[0] == pytest.approx(w, rel=1e-12), step.title
        assert step.frame.status == "ready"
    quoted = ["**2.4**", "**0.3221**", "**2.003**", "**0.0003**", "0.3221"]
    for step, text in zip(seen, quoted, strict=False):
        assert text in step.text, step.title
    assert format_number(seen[2].frame.loss) == "4.011" and "4.011" in seen[2].text


def test_lesson_3_ends_in_divergence_after_38_steps():
    before, last = walk(file_of(3))[-2:]
    assert last.frame.status == "diverged"
    assert last.frame.diverged_at - before.frame.step == 38  # 3·1.2³⁸ ≈ 3062: J > 9·10⁶
    assert 3 * 1.2 ** 37 < 3000 < 3 * 1.2 ** 38
    assert "After 38 steps" in last.text


def test_lesson_4_momentum_and_adam_reach_the_bottom_sgd_does_not():
    start, sgd, momentum, adam, race = walk(file_of(4))
    bottom = np.array([1.0, 1.0])
    assert start.frame.loss == 12.5 and "J = 12.5" in start.text
    assert np.linalg.norm(sgd.frame.theta - bottom) > 1.5
    assert np.linalg.norm(momentum.frame.theta - bottom) < 0.02
    assert np.linalg.norm(adam.frame.theta - bottom) < 0.05
    assert (momentum.frame.config.name, adam.frame.config.name) == ("momentum", "adam")
    for step in (sgd, momentum, adam):
        x, y = step.frame.theta
        quoted = (f"({x:.2f}, {y:.2f})", f"({x:.3f}, {y:.3f})")
        assert any(q.replace("-", "−") in step.text for q in quoted), step.title
    assert f"J = {sgd.frame.loss:.3g}" in sgd.text
    assert "Controls ▸ Race" in race.text
    assert race.frame.theta.tolist() == [-1.5, 2.0]  # the race starts from the start


def test_lesson_4_a_slightly_larger_rate_diverges_within_four_steps():
    ws = lesson_workspace(file_of(4))
    ws.set_learning_rate(0.0025)
    ws.step(10)
    frame = ws.frame()
    assert frame.status == "diverged" and frame.diverged_at <= 4
    assert "0.0025 already diverges within four steps" in ws.lesson.steps[1].text


def test_lesson_4_racing_at_0_001_momentum_wins_and_adam_creeps():
    ws = lesson_workspace(file_of(4))
    ws.enter_step(len(ws.lesson.steps) - 1)  # "Race them": back at the start, SGD at 0.001
    ws.start_race(ws.race_entries(["sgd", "momentum", "adam"]))
    ws.step(1000)
    distance = {r.config_name: float(np.linalg.norm(r.theta - 1.0)) for r in ws.frame().racers}
    assert distance["momentum"] < 0.02 < distance["sgd"] < distance["adam"]
    assert "At 0.001 momentum wins and Adam creeps" in ws.lesson.steps[-1].text


# ----- 5 and 6: backpropagation, number by number ------------------------------------------------


def test_lesson_5_quotes_the_neurons_numbers_and_the_inspectors():
    seen = walk(file_of(5))
    sigmoid = 1 / (1 + math.exp(-1))  # z = 0.5·2 + 0 = 1
    dL_da = 2 * (sigmoid - 1)
    da_dz = sigmoid * (1 - sigmoid)
    dL_dz = dL_da * da_dz
    text = "\n".join(s.text for s in seen)
    for value in (sigmoid, (sigmoid - 1) ** 2, dL_da, da_dz, dL_dz, 2 * dL_dz):
        assert f"**{format_number(value)}**" in text
    assert seen[0].frame.loss == pytest.approx((sigmoid - 1) ** 2, rel=1e-14)
    weight, bias = seen[5], seen[6]
    assert (weight.selection, bias.selection) == ("W1[0,0]", "b1[0]")
    assert weight.gradient_of("W1[0,0]") == pytest.approx(2 * dL_dz, rel=1e-12)
    assert bias.gradient_of("b1[0]") == pytest.approx(dL_dz, rel=1e-12)
    # The inspector writes them with format_number; the text names what it shows.
    assert f"∂L/∂W1[0,0] = {format_number(weight.gradient_of('W1[0,0]'))}" in weight.text
    assert f"∂L/∂b1[0] = {format_number(bias.gradient_of('b1[0]'))}" in bias.text


def test_lesson_5_takes_the_step_its_text_works_out():
    last = walk(file_of(5))[-1]
    w, b = last.frame.theta
    z = 2 * w + b
    a = 1 / (1 + math.exp(-z))
    assert last.frame.loss == pytest.approx((a - 1) ** 2, rel=1e-12)
    for value in (w, b, last.frame.loss):
        assert f"**{format_number(value)}**" in last.text
    assert f"z = {format_number(z)}, a = {format_number(a)}" in last.text


def test_lesson_6_quotes_the_samples_forward_and_backward_pass():
    seen = walk(file_of(6))
    text = "\n".join(s.text for s in seen)
    x, target = np.array([0.0, 1.0]), 1.0  # sample 1
    w1 = np.array([[0.5, -0.4, 0.3], [0.2, 0.6, -0.5]])
    w2 = np.array([0.7, -0.6, 0.4])
    hidden = np.tanh(x @ w1)
    output = 1 / (1 + math.exp(-(hidden @ w2)))
    delta = output - target  # sigmoid with cross-entropy
    hidden_delta = w2 * delta * (1 - hidden ** 2)
    numbers = [*hidden, hidden @ w2, output, -math.log(output), delta, *(hidden * delta),
               *hidden_delta]
    for value in numbers:
        assert f"**{format_number(value)}**" in text, value
    assert seen[1].selection == "h1[0]"
    averaged = seen[3].gradient_of("W2[1,0]")
    assert f"∂L/∂W2[1,0] = {format_number(averaged)}" in seen[3].text


def test_lesson_6_solves_xor():
    ws = lesson_workspace(file_of(6))
    ws.enter_step(len(ws.lesson.steps) - 1)
    data = ws.problem.dataset
    outputs = ws.problem.predict(ws.session.theta, data.x_train).ravel()
    assert np.all(np.abs(outputs - data.y_train.ravel()) < 0.05)
    assert ws.frame().loss < 0.02
    last = ws.lesson.steps[-1].text
    assert f"**{', '.join(format_number(v) for v in outputs)}**" in last
    assert f"**{format_number(ws.frame().loss)}**" in last


# ----- 7 and 8 ---------------------------------------------------------------------------------


def test_lesson_7_goes_forward_to_33_and_backward_to_6_and_9():
    seen = walk(file_of(7))
    values = seen[2].frame.formula
    assert values.cost == 33 and values.gradient == (6.0, 9.0)  # 3(5 + 3·2); 3c, 3b
    assert values.variable_adjoints == (6.0, 9.0)  # the graph's backward sweep agrees
    nudge = seen[3].frame.formula.nudge
    assert (nudge.J, nudge.J_plus, nudge.ratio) == (33, 33.006, 6)
    ws = lesson_workspace(file_of(7))
    assert ws.problem_info().formula.text == "3·b·c + 15"  # as the second step says
    assert "**3·b·c + 15**" in seen[1].text


def test_lesson_8_first_layer_gradient_vanishes():
    seen = walk(file_of(8))
    last_layer, first_layer = seen[1], seen[2]
    ws = lesson_workspace(file_of(8))
    network = ws.problem.network
    weights, _ = network.unpack(first_layer.frame.gradient)
    first, last = float(np.mean(np.abs(weights[0]))), float(np.mean(np.abs(weights[-1])))
    assert first * 10 <= last
    assert abs(first_layer.gradient_of("W1[0,0]")) * 1000 < abs(last_layer.gradient_of("W8[0,0]"))
    assert f"∂L/∂W8[0,0] = **{format_number(last_layer.gradient_of('W8[0,0]'))}**" in \
        last_layer.text
    assert f"∂L/∂W1[0,0] = **{format_number(first_layer.gradient_of('W1[0,0]'))}**" in \
        first_layer.text
    single = abs(last_layer.gradient_of("W8[0,0]") / first_layer.gradient_of("W1[0,0]"))
    assert "about 19 million times smaller" in first_layer.text and round(single / 1e6) == 19


def test_lesson_8_first_layers_gradient_norm_is_at_least_ten_thousand_times_the_lasts_smaller():
    by_layer = walk(file_of(8))[3]
    norms = by_layer.frame.gradient_norms[-1]  # ‖∂L/∂W_l‖ of layers 1–8 at this step
    assert len(norms) == 8 and by_layer.frame.step == 0
    # the norms, by hand from backpropagation's dL/dW of each layer at the starting θ
    ws = lesson_workspace(file_of(8))
    net, data = ws.problem.network, ws.problem.dataset
    theta = by_layer.frame.theta
    grads = net.backward(theta, net.forward(theta, data.x_train), data.y_train)
    np.testing.assert_allclose(norms, [np.linalg.norm(grads.dL_dW[k]) for k in range(1, 9)],
                               rtol=1e-9)
    ratio = norms[-1] / norms[0]
    assert ratio >= 1e4
    assert np.all(np.diff(np.log10(norms)) > 0)  # each layer's below the next one's
    assert f"‖∂L/∂W8‖ = **{format_number(norms[-1])}**" in by_layer.text
    assert f"‖∂L/∂W1‖ = **{format_number(norms[0])}**" in by_layer.text
    assert f"**{format_number(ratio, 2)}×** smaller" in by_layer.text
    assert by_layer.lesson_frame.show.large == "gradients"


def test_lesson_8_all_zeros_keeps_every_neuron_of_a_layer_the_same():
    *_, diverged, zeros = walk(file_of(8))
    assert zeros.frame.step == 100 and zeros.frame.config.learning_rate == 0.1
    ws = lesson_workspace(file_of(8))
    weights, biases = ws.problem.network.unpack(zeros.frame.theta)
    for w, b in zip(weights[1:], biases[:-1], strict=True):
        # every neuron (a column of W) has the same incoming weights, every bias the same
        np.testing.assert_allclose(w, np.repeat(w[:, :1], w.shape[1], axis=1), atol=1e-15)
        np.testing.assert_allclose(b, b[0], atol=1e-15)
    assert np.abs(weights[-1]).max() > 0.01  # they did learn, all alike
    assert f"**{format_number(zeros.frame.loss)}**" in zeros.text
    assert "identical weights" in zeros.text


def test_lesson_8_stalls_and_then_diverges():
    start, *_, stalled, diverged, _ = walk(file_of(8))
    assert f"**{format_number(start.frame.loss)}**" in start.text
    assert f"**{format_number(stalled.frame.loss)}**" in stalled.text
    assert stalled.frame.status == "stalled" and stalled.frame.loss > 0.3
    assert stalled.frame.explanation.startswith("The loss has stopped falling")
    ws = lesson_workspace(file_of(8))
    network, data = ws.problem.network, ws.problem.dataset
    before, _ = network.unpack(start.frame.theta)
    after, _ = network.unpack(stalled.frame.theta)
    assert np.max(np.abs(after[0] - before[0])) < 0.003  # "none of its weights changed by more"
    grads, _ = network.unpack(start.frame.gradient)
    assert np.abs(grads[0]).max() < 2e-6 and "about 10⁻⁶ and smaller" in stalled.text
    assert np.max(np.abs(after[-1] - before[-1])) > 0.01
    flat = ws.problem.predict(stalled.frame.theta, data.x_train).ravel()  # "a flat line"
    assert np.ptp(flat) < 0.05 and abs(flat.mean() - data.y_train.mean()) < 0.05
    assert diverged.frame.status == "diverged"
    assert diverged.frame.diverged_at - stalled.frame.step == 14
    assert diverged.frame.diverged_loss > 7e6 and "14 steps later" in diverged.text
    assert "over 7 million" in diverged.text
