"""The training loop's pass gives the bits of the plain computation, products made in blocks.

The biggest network's products are made in blocks of samples (``SMALL_PRODUCT``): each block
must give the whole product's bits, so the pass is compared with ``np.array_equal``, not a
tolerance, against the same sweep written plainly (whole products, fresh arrays).
"""

import numpy as np
import pytest

from simulator.engine.datasets import make_dataset
from simulator.engine.network import Network
from simulator.engine.training_pass import SMALL_PRODUCT, TrainingPass, product


def plain_pass(network: Network, theta: np.ndarray, x: np.ndarray, y: np.ndarray):
    """Return the mse loss and dL/dθ, neurons × samples, every product one ``np.dot``."""
    weights, biases = network.unpack(theta)
    # each layer's input with a row of ones, in C order: BLAS takes another kernel (other
    # roundings) for an operand laid out the other way
    ins = [np.ascontiguousarray(np.vstack([x.T, np.ones(len(x))]))]
    zs, acts = [], []
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        z = np.dot(np.vstack([w, b]).T, ins[-1])  # [W; b]ᵀ [a; 1]
        a = network.activation(layer).value(z)
        zs.append(z)
        acts.append(a)
        ins.append(np.vstack([a, np.ones(a.shape[1])]))
    diff = (acts[-1] - y.T).ravel()
    loss = float(diff @ diff) / diff.size
    da = (acts[-1] - y.T) * (2.0 / diff.size)
    grad_w, grad_b = [None] * len(weights), [None] * len(weights)
    for layer in range(len(weights), 0, -1):
        dz = network.activation(layer).backward(zs[layer - 1], acts[layer - 1], da)
        stacked = np.dot(ins[layer - 1], dz.T)  # [dL/dW; dL/db]
        grad_w[layer - 1], grad_b[layer - 1] = stacked[:-1], stacked[-1]
        da = np.dot(weights[layer - 1], dz)
    return loss, network.pack(grad_w, grad_b)


@pytest.fixture(scope="module")
def big():
    """The biggest network a lesson builds (8 hidden layers of 32) on 1,000 circle points."""
    network = Network((2, *[32] * 8, 1), ("tanh",) * 8, "sigmoid", "mse")
    data = make_dataset("circle", 1000, 0.1, seed=1, train_fraction=1.0)
    return network, network.initial_theta(3), data.x_train, data.y_train


def test_big_network_is_made_in_blocks(big):
    network, _, x, _ = big
    multiply_adds = 33 * 32 * x.shape[0]  # one hidden layer's forward product
    assert multiply_adds > SMALL_PRODUCT  # so the pass below splits its products


def test_pass_gives_the_plain_bits_on_the_biggest_network(big):
    network, theta, x, y = big
    expected_loss, expected = plain_pass(network, theta, x, y)
    training = TrainingPass(network, x, y)
    loss, gradient = training.loss_and_gradient(theta)
    assert loss == expected_loss
    assert np.array_equal(gradient, expected)
    assert training.loss(theta) == expected_loss


def test_pass_follows_theta_updated_in_place(big):
    network, theta, x, y = big
    theta = theta.copy()
    training = TrainingPass(network, x, y)
    run = training.stepper(theta, np.empty_like(theta))
    everything = np.arange(x.shape[0])
    run(everything)
    theta *= 0.5  # a training loop updates θ in place: the products must follow it
    _, expected = plain_pass(network, theta, x, y)
    gradient = np.empty_like(theta)
    training.loss_and_gradient(theta, None, gradient)
    assert run(everything) == plain_pass(network, theta, x, y)[0]
    assert np.array_equal(gradient, expected)


@pytest.mark.parametrize("samples", [1000, 2000, 1999])  # 2, 3 blocks; 1999 whole
@pytest.mark.parametrize("transposed", [True, False])
def test_product_in_blocks_gives_the_whole_bits(samples, transposed):
    rng = np.random.default_rng(samples)
    # [W; b]ᵀ is a transposed view of θ; W is laid out as it is in θ
    left = rng.standard_normal((33, 32)).T if transposed else rng.standard_normal((32, 32))
    right = rng.standard_normal((left.shape[1], samples))
    out = np.empty((32, samples))
    run = product(left, right, out)
    run()
    assert np.array_equal(out, left @ right)
    left *= -1.5  # changed in place, as θ is between steps
    run()
    assert np.array_equal(out, left @ right)
