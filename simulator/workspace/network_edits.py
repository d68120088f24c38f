"""Changes to a network's shape and functions, as new specs: neurons, layers, outputs, losses.

Every function takes a ``NetworkSpec`` whose weights are filled in and returns a new one;
the weights that survive a change are kept bit for bit, and new ones are drawn from a
generator seeded by the spec, so the same edit always gives the same network. The rules
for which output activation goes with which loss live here, read from the engine's loss
table (``LOSSES[name].requires``), so the controls and the engine never disagree.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simulator.engine.datasets import GENERATORS, class_count
from simulator.engine.features import FeatureError, FeatureMap, candidate_features
from simulator.engine.functions import LOSSES
from simulator.engine.network import MAX_HIDDEN_LAYERS, MAX_NEURONS
from simulator.lessons.model import NetworkSpec, as_tuples

from .errors import EditError

ACTIVATION_NAMES = {"linear": "Linear", "relu": "ReLU", "leaky_relu": "Leaky ReLU",
                    "tanh": "Tanh", "sigmoid": "Sigmoid", "softmax": "Softmax"}
LOSS_NAMES = {"mse": "Mean squared error", "bce": "Binary cross-entropy",
              "cross_entropy": "Cross-entropy"}


def _arrays(spec: NetworkSpec) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return a spec's weights and biases as arrays, ready to be reshaped."""
    return [np.array(w, dtype=float) for w in spec.weights], \
        [np.array(b, dtype=float) for b in spec.biases]


def _reshaped(spec: NetworkSpec, sizes, activation, weights, biases) -> NetworkSpec:
    return replace(spec, layers=tuple(sizes), activation=tuple(activation),
                   weights=as_tuples([w.tolist() for w in weights]),
                   biases=as_tuples([b.tolist() for b in biases]))


def _hidden_layer(spec: NetworkSpec, layer: int) -> list[int]:
    sizes = list(spec.layers)
    if not 1 <= layer < len(sizes) - 1:
        raise EditError(f"Layer {layer} is not a hidden layer of this network.")
    return sizes


def add_neuron(spec: NetworkSpec, layer: int) -> NetworkSpec:
    """Return the network with one more neuron in hidden layer ``layer`` (1-based)."""
    sizes = _hidden_layer(spec, layer)
    if sizes[layer] >= MAX_NEURONS:
        raise EditError(f"Layer {layer} already has {MAX_NEURONS} neurons, the most a layer "
                        "can have.")
    rng = np.random.default_rng(spec.init_seed + 7919 * sum(sizes))
    weights, biases = _arrays(spec)
    n_in = sizes[layer - 1]
    weights[layer - 1] = np.column_stack(
        [weights[layer - 1], rng.normal(0, np.sqrt(1.0 / n_in), n_in)])
    biases[layer - 1] = np.append(biases[layer - 1], 0.0)
    weights[layer] = np.vstack(
        [weights[layer], rng.normal(0, np.sqrt(1.0 / (sizes[layer] + 1)), sizes[layer + 1])])
    sizes[layer] += 1
    return _reshaped(spec, sizes, spec.activation, weights, biases)


def remove_neuron(spec: NetworkSpec, layer: int, neuron: int | None = None) -> NetworkSpec:
    """Return the network without one neuron (the last, by default) of a hidden layer."""
    sizes = _hidden_layer(spec, layer)
    if sizes[layer] <= 1:
        raise EditError(f"Layer {layer} has one neuron; remove the layer instead.")
    j = sizes[layer] - 1 if neuron is None else int(neuron)
    if not 0 <= j < sizes[layer]:
        raise EditError(f"Layer {layer} has no neuron {j}.")
    weights, biases = _arrays(spec)
    weights[layer - 1] = np.delete(weights[layer - 1], j, axis=1)
    biases[layer - 1] = np.delete(biases[layer - 1], j)
    weights[layer] = np.delete(weights[layer], j, axis=0)
    sizes[layer] -= 1
    return _reshaped(spec, sizes, spec.activation, weights, biases)


def add_layer(spec: NetworkSpec) -> NetworkSpec:
    """Return the network with a hidden layer before the output (as wide as the last, or 4)."""
    sizes = list(spec.layers)
    if len(sizes) - 2 >= MAX_HIDDEN_LAYERS:
        raise EditError(f"The network already has {MAX_HIDDEN_LAYERS} hidden layers, the most "
                        "it can have.")
    width = sizes[-2] if len(sizes) > 2 else 4
    rng = np.random.default_rng(spec.init_seed + 104729 * len(sizes))
    weights, biases = _arrays(spec)
    # The new layer sits before the output: the old output weights now feed from it.
    weights.insert(-1, rng.normal(0, np.sqrt(1.0 / sizes[-2]), (sizes[-2], width)))
    biases.insert(-1, np.zeros(width))
    weights[-1] = rng.normal(0, np.sqrt(1.0 / width), (width, sizes[-1]))
    sizes.insert(-1, width)
    activation = (*spec.activation, spec.activation[-1] if spec.activation else "tanh")
    return _reshaped(spec, sizes, activation, weights, biases)


def remove_layer(spec: NetworkSpec) -> NetworkSpec:
    """Return the network without its last hidden layer (the output reads the one before)."""
    sizes = list(spec.layers)
    if len(sizes) <= 2:
        raise EditError("There is no hidden layer to remove.")
    rng = np.random.default_rng(spec.init_seed + 15485863 * len(sizes))
    weights, biases = _arrays(spec)
    weights, biases = weights[:-2], biases[:-2] + [biases[-1]]
    weights.append(rng.normal(0, np.sqrt(1.0 / sizes[-3]), (sizes[-3], sizes[-1])))
    del sizes[-2]
    return _reshaped(spec, sizes, spec.activation[:-1], weights, biases)


def set_layer_activation(spec: NetworkSpec, layer: int, name: str) -> NetworkSpec:
    """Return the network with hidden layer ``layer`` (1-based) using activation ``name``."""
    if not 1 <= layer <= len(spec.activation):
        raise EditError(f"Layer {layer} is not a hidden layer of this network.")
    acts = list(spec.activation)
    acts[layer - 1] = name
    return replace(spec, activation=tuple(acts))


def input_features(spec: NetworkSpec, columns: int) -> tuple[str, ...]:
    """Return the names of the network's input features (the columns when none are set)."""
    if spec.features is not None:
        return spec.features
    return tuple(f"x{k}" for k in range(1, columns + 1))


def set_features(spec: NetworkSpec, names, columns: int) -> NetworkSpec:
    """Return the network fed these features of ``columns`` data columns.

    The features keep the order they are offered in (``candidate_features``), so a
    toggled one always comes back in the same place; a surviving feature keeps its row of
    first-layer weights, a new one gets a seeded fresh row. Inputs that are just the
    columns in order are stored as no features at all.
    """
    offered = candidate_features(columns)
    wanted = list(dict.fromkeys(str(n).strip() for n in names))
    ordered = [n for n in offered if n in wanted] + [n for n in wanted if n not in offered]
    try:
        FeatureMap.of(ordered, columns)
    except FeatureError as exc:
        raise EditError(str(exc).capitalize() + ".") from None
    old = input_features(spec, columns)
    if tuple(ordered) == old:
        return spec
    weights, biases = _arrays(spec)
    rng = np.random.default_rng(spec.init_seed + 31 * len(ordered) + 7 * len(old))
    n_out = spec.layers[1]
    rows = [weights[0][old.index(n)] if n in old else
            rng.normal(0, np.sqrt(1.0 / len(ordered)), n_out) for n in ordered]
    weights[0] = np.array(rows).reshape(len(ordered), n_out)
    sizes = (len(ordered), *spec.layers[1:])
    plain = tuple(f"x{k}" for k in range(1, columns + 1))
    reshaped = _reshaped(spec, sizes, spec.activation, weights, biases)
    return replace(reshaped, features=None if tuple(ordered) == plain else tuple(ordered))


def toggle_feature(spec: NetworkSpec, name: str, columns: int) -> NetworkSpec:
    """Return the network with one input feature switched on or off (the last one stays)."""
    current = input_features(spec, columns)
    if name in current:
        if len(current) == 1:
            raise EditError("The network needs at least one input: switch another feature on "
                            "first.")
        return set_features(spec, [n for n in current if n != name], columns)
    return set_features(spec, [*current, name], columns)


def _output_for(loss: str, output: str) -> str:
    """Return the output activation a loss needs (its own, if the loss needs none)."""
    needed = LOSSES[loss].requires
    if needed:
        return needed
    return "sigmoid" if output == "softmax" else output


def plan_network_change(spec: NetworkSpec, kind: str, classes: int, *, output: str | None = None,
                        loss: str | None = None, dataset: str | None = None,
                        columns: int = 0) -> tuple[dict, list[str]]:
    """Return the network fields to change so a new choice works, and what else changed.

    ``kind`` and ``classes`` describe the data now (``"classification"`` or
    ``"regression"``). Each loss names the output activation it needs in the engine's
    table (binary cross-entropy a sigmoid, cross-entropy a softmax with one output per
    class); regression data (one input) needs a loss that compares numbers. Raises
    ``EditError`` when the choice cannot work at all. ``columns`` counts the data's columns
    now: input features stay when a new dataset has as many, and go when it has not.
    """
    layers = list(spec.layers)
    out, cost = spec.output_activation, spec.loss
    drop_features = False
    if dataset is not None:
        was_regression = kind == "regression"
        kind = GENERATORS[dataset][1]
        classes = class_count(dataset)
        new_columns = 1 if kind == "regression" else 2
        if spec.features is None or new_columns != columns:
            layers[0] = new_columns
            drop_features = spec.features is not None
        layers[-1] = 1  # generated sets have one target column (cross-entropy widens it below)
        if kind == "regression":
            cost = "mse"
            out = "linear" if out in ("sigmoid", "softmax") else out
        elif was_regression:
            out = "sigmoid"
        if classes > 2:  # one output per class, scored by the softmax's cross-entropy
            cost, out = "cross_entropy", "softmax"
    if loss is not None:
        if classes > 2 and LOSSES[loss].targets != "classes":
            raise EditError(f"These data have {classes} classes: {LOSS_NAMES[loss]} cannot "
                            "score them; cross-entropy with a softmax output can.")
        if loss != "mse" and kind == "regression":
            raise EditError(f"{LOSS_NAMES[loss]} compares classes, but these targets are "
                            "numbers: use mean squared error.")
        cost, out = loss, _output_for(loss, out)
    if output is not None:
        if output == "softmax" and kind == "regression":
            raise EditError("Softmax turns outputs into class probabilities, but these "
                            "targets are numbers.")
        if output != "softmax" and classes > 2:
            raise EditError(f"These data have {classes} classes: the output must be a "
                            "softmax, one probability per class.")
        out = output
        if output == "softmax" or LOSSES[cost].requires not in (None, output):
            # The loss that reads this output: the one that needs it, else squared error.
            cost = next((name for name, f in LOSSES.items() if f.requires == output), "mse")
    if cost == "cross_entropy":
        layers[-1] = max(2, classes)
    elif spec.loss == "cross_entropy" and dataset is None:
        layers[-1] = 1
    changes: dict = {}
    said: list[str] = []
    if out != spec.output_activation and out != output:
        said.append(f"the output activation is now {ACTIVATION_NAMES[out]}")
    if cost != spec.loss and cost != loss:
        said.append(f"the loss is now {LOSS_NAMES[cost]}")
    if out != spec.output_activation:
        changes["output_activation"] = out
    if cost != spec.loss:
        changes["loss"] = cost
    if drop_features:
        changes["features"] = None
        said.append("its inputs are the new data's columns")
    if tuple(layers) != spec.layers:
        changes.update(layers=tuple(layers), weights=None, biases=None)
        if layers[0] != spec.layers[0]:
            said.append(f"the network has {layers[0]} input{'s' if layers[0] > 1 else ''}")
        if layers[-1] != spec.layers[-1]:
            said.append(f"it has {layers[-1]} output{'s' if layers[-1] > 1 else ''}")
        said.append("its weights start afresh")
    return changes, said
