"""The rules for which output activation goes with which loss, and what a dataset needs (no Qt)."""

import pytest

from simulator.engine.functions import LOSSES
from simulator.lessons.model import NetworkSpec
from simulator.workspace.errors import EditError
from simulator.workspace.network_edits import plan_network_change


def test_plan_refuses_class_losses_on_numbers():
    spec = NetworkSpec(layers=(1, 4, 1), output_activation="linear")
    with pytest.raises(EditError, match="numbers"):
        plan_network_change(spec, "regression", 0, loss="bce")
    changes, said = plan_network_change(spec, "regression", 0, dataset="circle")
    assert changes["layers"] == (2, 4, 1) and changes["output_activation"] == "sigmoid"
    assert any("2 inputs" in s for s in said)


def test_plan_refuses_softmax_on_numbers():
    spec = NetworkSpec(layers=(1, 4, 1), output_activation="linear")
    with pytest.raises(EditError, match="numbers"):
        plan_network_change(spec, "regression", 0, output="softmax")


def test_each_loss_gets_the_output_its_engine_entry_requires():
    spec = NetworkSpec(layers=(2, 4, 1), output_activation="tanh", loss="mse")
    for name, loss in LOSSES.items():
        changes, _ = plan_network_change(spec, "classification", 2, loss=name)
        output = changes.get("output_activation", spec.output_activation)
        assert loss.requires in (None, output), name


def test_cross_entropy_brings_softmax_and_one_output_per_class():
    spec = NetworkSpec(layers=(2, 4, 1), output_activation="sigmoid", loss="bce")
    changes, said = plan_network_change(spec, "classification", 3, loss="cross_entropy")
    assert changes["output_activation"] == "softmax" and changes["layers"] == (2, 4, 3)
    assert changes["weights"] is None  # a new output layer starts afresh
    assert any("Softmax" in s for s in said) and any("3 outputs" in s for s in said)
    back, _ = plan_network_change(NetworkSpec(layers=(2, 4, 2), output_activation="softmax",
                                              loss="cross_entropy"),
                                  "classification", 2, output="linear")
    assert back == {"output_activation": "linear", "loss": "mse", "layers": (2, 4, 1),
                    "weights": None, "biases": None}
    # three classes cannot go back to one output: a class index is not a number to fit
    with pytest.raises(EditError, match="3 classes: the output must be a softmax"):
        plan_network_change(NetworkSpec(layers=(2, 4, 3), output_activation="softmax",
                                        loss="cross_entropy"),
                            "classification", 3, output="linear")


def test_a_choice_that_needs_nothing_else_changes_only_itself():
    spec = NetworkSpec(layers=(2, 4, 1), output_activation="sigmoid", loss="bce")
    changes, said = plan_network_change(spec, "classification", 2, loss="mse")
    assert changes == {"loss": "mse"} and said == []
