"""The batch order: numpy's own seeded permutation, worked out a cheaper way."""

import numpy as np
import pytest

from simulator.engine.batch_order import BLOCK, BatchOrder, seed_words


@pytest.mark.parametrize("seed", [0, 1, 5, 12345, 2**31 - 1, 2**32 - 1])
def test_words_are_seed_sequences_words(seed):
    epochs = np.array([*range(600), 2**31, 2**32 - 2, 2**32 - 1])
    words = seed_words(seed, epochs)
    for epoch, row in zip(epochs, words, strict=True):
        expected = np.random.SeedSequence([seed, int(epoch)]).generate_state(4, np.uint64)
        np.testing.assert_array_equal(row, expected)


@pytest.mark.parametrize("seed", [0, 3, 2**32 - 1, 2**32, 2**40, np.int64(7)])
def test_permutation_is_default_rngs(seed):
    order = BatchOrder(seed)
    # forwards, back across a block, and epochs too large for the fast words
    for epoch in [*range(0, 3 * BLOCK, 7), 5, BLOCK - 1, 2**32 - 1, 2**32, 2**45]:
        expected = np.random.default_rng([seed, epoch]).permutation(200)
        np.testing.assert_array_equal(order.permutation(epoch, 200), expected)


@pytest.mark.parametrize("seed", [0, 9, 2**32 - 1, 2**40])
@pytest.mark.parametrize("samples", [1, 2, 200, 1001])
def test_permutations_are_each_epochs(seed, samples):
    order = BatchOrder(seed)
    for first, count in [(0, 16), (BLOCK - 3, 7), (2**32 - 2, 4), (11, 1)]:
        rows = order.permutations(first, count, samples)
        assert rows.shape == (count, samples)
        for k, row in enumerate(rows):
            np.testing.assert_array_equal(row, order.permutation(first + k, samples))
            np.testing.assert_array_equal(
                row, np.random.default_rng([seed, first + k]).permutation(samples))


def test_order_is_the_epochs_permutation_forwards_and_back():
    order = BatchOrder(4)
    epochs = [*range(40), 3, 17, 16, 100, 99, 2**32 + 5, 0]
    for epoch in epochs:
        for samples in (200, 3000):
            row = order.order(epoch, samples)
            np.testing.assert_array_equal(row, order.permutation(epoch, samples))
            assert not row.flags.writeable


@pytest.mark.parametrize(("samples", "size"), [(200, 10), (200, 7), (5, 5), (9, 2), (3000, 64)])
def test_batches_are_the_orders_slices(samples, size):
    order = BatchOrder(2)
    for epoch in [0, 1, 15, 16, 3, 40]:
        batches = order.batches(epoch, samples, size)
        expected = order.permutation(epoch, samples)
        assert [len(b) for b in batches[:-1]] == [size] * (len(batches) - 1)
        np.testing.assert_array_equal(np.concatenate(batches), expected)
    assert len(order.batches(0, samples, size + 1)[0]) == min(size + 1, samples)
