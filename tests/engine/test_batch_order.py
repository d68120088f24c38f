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
