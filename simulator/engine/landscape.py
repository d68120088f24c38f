"""The loss over a 2-D grid: two chosen parameters, or two directions through θ.

A grid point (u, v) stands for the parameter vector θ(u, v) = θ + u·d₁ + v·d₂. For two
named parameters d₁ and d₂ are unit vectors and u, v are offsets from their current
values; for directions they are whole-θ vectors (random or from the path's PCA).

Everything is vectorised over the grid: the first layer the directions touch is linear
in (u, v), so its pre-activations for every grid point are Z₀ + u·P + v·Q from three
small products; later layers are one large matrix product per term over all grid
points. No Python loop runs over grid points or samples (only over chunks of the grid,
to keep memory flat).
"""

from __future__ import annotations

import numpy as np

from .functions import Softmax
from .network import Network

Array = np.ndarray
Axis = int | np.ndarray  # a parameter's index in θ, or a direction vector as long as θ

#: grid points × samples × neurons handled at once: small enough that the temporaries stay in
#: the caches and below the allocator's mmap threshold (larger chunks ran up to 2× slower here)
CHUNK_ELEMENTS = 1 << 15


def axis_vector(axis: Axis, size: int) -> Array:
    """Return the direction of an axis: a unit vector for an index, else the vector itself."""
    if isinstance(axis, np.ndarray):
        return axis
    vector = np.zeros(size)
    vector[int(axis)] = 1.0
    return vector


def network_loss_grid(
    network: Network, theta: Array, x: Array, y: Array,
    axis_x: Axis, axis_y: Axis, us: Array, vs: Array, dtype: type = np.float64,
) -> Array:
    """Return L(θ + u·d₁ + v·d₂) for every (u, v): an array of shape (len(vs), len(us)).

    Row i, column j holds the loss at v = vs[i], u = us[j] (row-major, y down the rows).
    ``dtype=np.float32`` halves the time for drawing (about 7 significant digits).
    """
    d1 = axis_vector(axis_x, network.parameter_count).astype(dtype)
    d2 = axis_vector(axis_y, network.parameter_count).astype(dtype)
    theta, x, y = theta.astype(dtype), x.astype(dtype), y.astype(dtype)
    w0, b0 = network.unpack(theta)
    dw1, db1 = network.unpack(d1)
    dw2, db2 = network.unpack(d2)
    touched = [
        layer for layer in range(network.layer_count)
        if np.any(dw1[layer]) or np.any(db1[layer]) or np.any(dw2[layer]) or np.any(db2[layer])
    ]
    u, v = np.meshgrid(np.asarray(us, dtype), np.asarray(vs, dtype))
    u, v = u.ravel(), v.ravel()
    trace = network.forward(theta, x)
    if not touched:
        return np.full((len(vs), len(us)), network.loss_value(theta, trace, y))

    # Layers below the first touched one are the same for every grid point: run them once.
    # In the first touched layer only the columns (neurons) the directions reach change.
    first = touched[0]
    a_in = trace.a[first]
    p = a_in @ dw1[first] + db1[first]
    q = a_in @ dw2[first] + db2[first]
    cols = np.flatnonzero(np.any(p != 0, axis=0) | np.any(q != 0, axis=0))
    if isinstance(network.activation(first + 1), Softmax):  # not element by element: all change
        cols = np.arange(p.shape[1])
    base_z, base_a = trace.z[first + 1], trace.a[first + 1]
    samples, widest = x.shape[0], max(network.sizes[first + 1:])
    chunk = max(1, CHUNK_ELEMENTS // (samples * widest))
    losses = np.empty(u.size)
    for start in range(0, u.size, chunk):
        cu, cv = u[start:start + chunk, None, None], v[start:start + chunk, None, None]
        g = cu.shape[0]
        z_cols = base_z[:, cols] + cu * p[:, cols] + cv * q[:, cols]
        a_cols = network.activation(first + 1).value(z_cols)
        if first + 1 == network.layer_count:
            z = np.broadcast_to(base_z, (g, *base_z.shape)).copy()
            a = np.broadcast_to(base_a, (g, *base_a.shape)).copy()
            z[:, :, cols], a[:, :, cols] = z_cols, a_cols
        else:
            z, a = None, (a_cols, cols)
        for layer in range(first + 1, network.layer_count):
            z = _next_z(a, trace, layer, w0, b0, samples, g)
            if layer in touched:
                full = _full(a, trace, layer, g)
                z = z + cu * (_matmul(full, dw1[layer]) + db1[layer]) \
                    + cv * (_matmul(full, dw2[layer]) + db2[layer])
            a = network.activation(layer + 1).value(z)
        losses[start:start + chunk] = network.loss.values(z, a, y)
    if network.regularization is not None:
        losses += _regularization_grid(network, theta.astype(float), d1.astype(float),
                                       d2.astype(float), u.astype(float), v.astype(float))
    return losses.reshape(len(vs), len(us))


def _matmul(a: Array, w: Array) -> Array:
    """Return a @ w for a stack (grid, samples, n) as one large product."""
    g, n, k = a.shape
    return (a.reshape(g * n, k) @ w).reshape(g, n, w.shape[1])


def _next_z(a, trace, layer: int, w0: list[Array], b0: list[Array], samples: int, g: int) -> Array:
    """Return the pre-activations of weight layer ``layer`` for every grid point.

    ``a`` is either a full stack of activations or ``(changed columns, their indices)``:
    then z = base z + (changed − base) @ W[those rows], a much smaller product.
    """
    if isinstance(a, tuple):
        a_cols, cols = a
        delta = a_cols - trace.a[layer][:, cols]
        return trace.z[layer + 1] + _matmul(delta, w0[layer][cols, :])
    return _matmul(a, w0[layer]) + b0[layer]


def _full(a, trace, layer: int, g: int) -> Array:
    """Return the full activation stack entering weight layer ``layer``."""
    if not isinstance(a, tuple):
        return a
    a_cols, cols = a
    full = np.broadcast_to(trace.a[layer], (g, *trace.a[layer].shape)).copy()
    full[:, :, cols] = a_cols
    return full


def _regularization_grid(
    network: Network, theta: Array, d1: Array, d2: Array, u: Array, v: Array
) -> Array:
    """Return the weight penalty at θ + u·d₁ + v·d₂ for every grid point."""
    reg = network.regularization
    mask = np.zeros(network.parameter_count, dtype=bool)
    for w in network.unpack(np.arange(network.parameter_count, dtype=float))[0]:
        mask[w.astype(int).ravel()] = True
    w0, e1, e2 = theta[mask], d1[mask], d2[mask]
    if reg.kind == "l2":
        # ½λ Σ (w + u e₁ + v e₂)² expands into a quadratic in u and v.
        return 0.5 * reg.rate * (
            w0 @ w0 + 2 * u * (w0 @ e1) + 2 * v * (w0 @ e2)
            + u * u * (e1 @ e1) + 2 * u * v * (e1 @ e2) + v * v * (e2 @ e2)
        )
    moving = (e1 != 0) | (e2 != 0)
    fixed = np.abs(w0[~moving]).sum()
    w, a, b = w0[moving], e1[moving], e2[moving]
    total = np.empty(u.size)
    step = max(1, CHUNK_ELEMENTS // max(1, w.size))
    for start in range(0, u.size, step):
        cu, cv = u[start:start + step, None], v[start:start + step, None]
        total[start:start + step] = np.abs(w + cu * a + cv * b).sum(axis=1)
    return reg.rate * (fixed + total)


def filter_normalized_directions(network: Network, theta: Array, seed: int) -> tuple[Array, Array]:
    """Return two random directions scaled neuron by neuron to θ's weights (Li et al., 2018).

    Each neuron's incoming weights in a direction get the same length as that neuron's
    weights in θ, so the plot's scale means the same in every layer. Bias entries are 0.
    """
    rng = np.random.default_rng(seed)
    weights, _ = network.unpack(theta)
    directions = []
    for _ in range(2):
        d = np.zeros_like(theta)
        d_weights, _ = network.unpack(d)
        for w, dw in zip(weights, d_weights, strict=True):
            r = rng.normal(size=w.shape)
            # A neuron's incoming weights are one column of W (n_in × n_out).
            scale = np.linalg.norm(w, axis=0) / np.maximum(np.linalg.norm(r, axis=0), 1e-12)
            dw[:] = r * scale
        directions.append(d)
    return directions[0], directions[1]


def pca_directions(path: Array) -> tuple[Array, Array, Array]:
    """Return the top two principal directions of a path of θs and the path in them.

    ``path`` is steps × parameters. The directions are orthonormal; the coordinates
    (steps × 2) are each θ's offset from the *last* θ projected on them, so the current
    position sits at (0, 0).
    """
    path = np.asarray(path, dtype=float)
    if path.shape[0] < 3:
        raise ValueError("the path needs at least 3 positions for two principal directions")
    offsets = path - path[-1]
    centred = offsets - offsets.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    d1, d2 = vt[0], vt[1] if vt.shape[0] > 1 else np.zeros_like(vt[0])
    coords = np.column_stack([offsets @ d1, offsets @ d2])
    return d1, d2, coords
