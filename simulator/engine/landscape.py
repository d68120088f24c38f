"""The loss over a 2-D grid: two chosen parameters, or two directions through θ.

A grid point (u, v) stands for the parameter vector θ(u, v) = θ + u·d₁ + v·d₂. For two
named parameters d₁ and d₂ are unit vectors and u, v are offsets from their current
values; for directions they are whole-θ vectors (random or from the path's PCA).

Everything is vectorised over the grid: the first layer the directions touch is linear
in (u, v), so its pre-activations for every grid point are Z₀ + u·P + v·Q from three
small products. When only a few neurons of that layer change (two weights into one
neuron: one), the next layer sees only those rows change, so for each sample its
pre-activations are one small product [W[changed rows]ᵀ | Z₁ − W[changed rows]ᵀ A₀] times
[changed activations; 1] instead of a full one. Later layers are one large matrix product
over all grid points and samples.

The arrays are laid out neurons × samples × grid points, so the long dimension (the grid's
points: 10,000 of them against 200 samples) is innermost: every element-wise operation runs
over long contiguous rows, what is the same for every grid point (a base pre-activation, a
target) is one number per row, and every product is a (neurons × neurons) matrix times a
(neurons × samples·points) one. The grid is taken in chunks of points, and each chunk a
few samples at a time, whose work arrays stay in the caches, made once per call and
filled with ``out=`` (per-chunk temporaries above the allocator's mmap threshold cost a
page fault per page, every chunk); the losses of the samples are summed in float64. No
Python loop runs over grid points or samples one at a time. Under ``grid_threads(2)`` a
helper thread computes the second half of every chunk's points.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator

import numpy as np

from .functions import MeanSquaredError, Softmax
from .network import Network

Array = np.ndarray
Axis = int | np.ndarray  # a parameter's index in θ, or a direction vector as long as θ

#: neurons × samples × grid points handled at once in float32 (half as many in float64): the
#: work arrays of a chunk then stay in the caches (larger and smaller chunks both ran slower
#: here; much smaller ones pay numpy's per-call cost, about 20 µs a chunk)
CHUNK_ELEMENTS = 1 << 18
#: a chunk of fewer grid points than this is not split between threads (``grid_threads``):
#: handing half of it over costs more than it saves
SPLIT_POINTS = 2048
#: work arrays kept per thread: the last this many (chunk, dtype) pairs used
KEPT_WORKS = 4


class Abandoned(Exception):
    """A grid stopped part-way because the check of ``wanted_while`` said it is no longer wanted."""


@contextlib.contextmanager
def wanted_while(still_wanted: Callable[[], bool]) -> Iterator[None]:
    """Make this thread's grids stop with ``Abandoned`` once ``still_wanted()`` is False.

    A grid asks once per few samples of a chunk of its points (the 8 × 32 network's fine
    grid: 2,000 times in its 3 s), so a grid nobody waits for ends within milliseconds.
    """
    previous = getattr(_local, "wanted", None)
    _local.wanted = still_wanted
    try:
        yield
    finally:
        _local.wanted = previous


@contextlib.contextmanager
def grid_threads(count: int) -> Iterator[None]:
    """Make this thread's grids split their points between ``count`` threads (1 or 2).

    Its own thread computes the first half of every chunk's points, one helper thread the
    rest. Every operation is per point and each half keeps the chunk's groups of samples:
    float64 grids are the same bits as on one thread, float32 ones within a float32 ulp
    (some float32 products round their last bit differently on half a chunk). Grids of
    fewer than ``SPLIT_POINTS`` points stay on one thread. Only this thread asks
    ``wanted_while``'s check; the helper stops at its next pass once it says no.
    """
    previous = getattr(_local, "threads", 1)
    _local.threads = count
    try:
        yield
    finally:
        _local.threads = previous


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
    # In the first touched layer only the neurons the directions reach change.
    first, top = touched[0], network.layer_count
    base_z = [None, *(np.ascontiguousarray(z.T) for z in trace.z[1:])]  # neurons × samples
    base_a = [np.ascontiguousarray(a.T) for a in trace.a]
    p = (trace.a[first] @ dw1[first] + db1[first]).T
    q = (trace.a[first] @ dw2[first] + db2[first]).T
    rows = np.flatnonzero(np.any(p != 0, axis=1) | np.any(q != 0, axis=1))
    if isinstance(network.activation(first + 1), Softmax):  # not element by element: all change
        rows = np.arange(p.shape[0])
    # z of a changed neuron for a sample at every grid point of a chunk = [P Q Z₀] @ [u; v; 1]
    # (a product of inner size 3 runs 7× faster than the three broadcast operations it replaces)
    stacked_rows = np.stack([p[rows], q[rows], base_z[first + 1][rows]], axis=2)
    # The next layer, for one sample: z = [W[rows]ᵀ | z₀ − W[rows]ᵀ a₀[rows]] @ [a[rows]; 1]
    # (one product, the unchanged rows' part and the bias in its last column), for every
    # sample a matrix: samples × next neurons × (rows + 1)
    if first + 1 < top:
        row_weights = np.empty((x.shape[0], network.sizes[first + 2], len(rows) + 1), dtype)
        row_weights[:, :, :-1] = w0[first + 1][rows].T
        row_weights[:, :, -1] = (base_z[first + 2]
                                 - w0[first + 1][rows].T @ base_a[first + 1][rows]).T
    samples, widest, points = x.shape[0], max(network.sizes[first + 1:]), u.size
    # Chunks of equal size along the grid points, the grid padded to fill the last (with
    # copies of its last point, dropped at the end), and within each the samples a few at a time.
    elements = CHUNK_ELEMENTS * 4 // np.dtype(dtype).itemsize
    chunks = -(-points // max(1, elements // widest))
    chunk = -(-points // chunks)
    padded = chunks * chunk
    group = max(1, min(samples, elements // (widest * chunk)))  # samples at a time
    if padded > points:  # np.pad costs ~20 µs even when it adds nothing
        u, v = np.pad(u, (0, padded - points), "edge"), np.pad(v, (0, padded - points), "edge")
    plain_mse = isinstance(network.loss, MeanSquaredError)
    y_rows = np.ascontiguousarray(y.T)  # outputs × samples
    # A sigmoid output under mse, its layer untouched: (σ(z) − y)² = ¼ (tanh(z/2) + 1 − 2y)²,
    # z/2 from the halved weights and bias (exact: a power of 2). Four passes over the
    # outputs instead of eight (σ's four, then a − y, squared, summed).
    folded = plain_mse and network.activation(top).name == "sigmoid" and first + 1 < top \
        and top - 1 not in touched
    if folded:
        w0, b0 = [*w0[:-1], 0.5 * w0[-1]], [*b0[:-1], 0.5 * b0[-1]]
        shifts = 1.0 - 2.0 * y_rows
        if first + 2 == top:  # the changed rows feed the output layer directly
            row_weights *= 0.5
    totals = np.zeros(padded)  # summed in float64 whatever the dtype: 70 sums of a few samples
    # rows [u; v; 1] of each chunk of grid points
    coordinates = np.stack([u, v, np.ones(padded, dtype)]).reshape(3, chunks, chunk)
    coordinates = np.ascontiguousarray(coordinates.transpose(1, 0, 2))
    activate = [None, *(_activation_into(network, layer) for layer in range(1, top + 1))]
    # what every group of samples reads, looked up once per grid: the loop below runs once
    # per few samples (200 times for a float64 grid of the reference network), and its
    # Python work was a tenth of the grid's time
    layers = range(first + 1, top)
    weights_t = {layer: w0[layer].T for layer in layers}
    biases = {layer: b0[layer][:, None, None] for layer in layers}

    def columns(low: int, high: int, go_on: Callable[[], bool] | None) -> None:
        """Add the losses of columns low:high of every chunk to ``totals``, asking ``go_on`` per pass."""
        work = _work(high - low, dtype)
        summed = work.get("sum", 1, 1).reshape(-1)
        groups: dict[int, _Group] = {}  # by their number of samples: one, the last maybe another
        for index in range(chunks):
            start = index * chunk
            cu, cv = u[start + low:start + high], v[start + low:start + high]
            total = totals[start + low:start + high]
            corners = np.ascontiguousarray(coordinates[index][:, low:high])
            for first_sample in range(0, samples, group):
                if go_on is not None and not go_on():
                    raise Abandoned("the grid is no longer wanted")
                part = slice(first_sample, min(first_sample + group, samples))
                count = part.stop - part.start
                arrays = groups.get(count)
                if arrays is None:
                    arrays = groups[count] = _Group(work, network, count, len(rows), first, touched)
                z_rows, a_rows = arrays.z_rows, arrays.a_rows
                np.matmul(stacked_rows[:, part], corners, z_rows)
                activate[first + 1](z_rows, a_rows)
                if first + 1 == top:
                    z = _with_rows(base_z[top][:, part], rows, z_rows, arrays.z_out)
                    a = _with_rows(base_a[top][:, part], rows, a_rows, arrays.a_out)
                for layer in layers:
                    z = arrays.z[layer]
                    if layer == first + 1:
                        # the changed rows' activations above a row of ones, a sample's together
                        np.matmul(row_weights[part], arrays.stack, arrays.z_t)
                    else:
                        np.matmul(weights_t[layer], arrays.flat[layer - 1], arrays.flat[layer])
                        z += biases[layer]
                    if layer in touched:
                        full = a if layer > first + 1 else _with_rows(
                            base_a[layer][:, part], rows, a_rows, arrays.full)
                        term = arrays.terms[layer]
                        for coefficient, dw, db in ((cu, dw1, db1), (cv, dw2, db2)):
                            _product(dw[layer].T, full, term)
                            term += db[layer][:, None, None]
                            z += np.multiply(coefficient, term, out=term)
                    # a hidden layer's z is not needed once activated: activate it in place
                    a = arrays.a_top if layer + 1 == top else z
                    if not (folded and layer + 1 == top):
                        activate[layer + 1](z, a)
                if folded:  # z holds z/2: Σ over samples and outputs of (tanh(z/2) + 1 − 2y)²
                    np.tanh(z, z)
                    z += shifts[:, part, None]
                    np.multiply(z, z, z)
                    _add_rows(total, arrays.z_top_rows, summed)
                elif plain_mse:  # Σ over samples and outputs of (a − y)², without temporaries
                    diff = np.subtract(a, y_rows[:, part, None], arrays.diff)
                    np.multiply(diff, diff, diff)
                    _add_rows(total, arrays.diff_rows, summed)
                else:  # the loss objects take (…, samples, outputs): hand them transposed views
                    total += count * network.loss.values(z.transpose(2, 1, 0), a.transpose(2, 1, 0),
                                                         y[part])

    _run_split(columns, chunk, getattr(_local, "wanted", None), getattr(_local, "threads", 1))
    losses = totals[:points] / (samples * (y.shape[1] if plain_mse else 1) * (4 if folded else 1))
    if network.regularization is not None:
        losses += _regularization_grid(
            network, theta.astype(float), d1.astype(float), d2.astype(float),
            u[:points].astype(float), v[:points].astype(float))
    return losses.reshape(len(vs), len(us))


class _Work:
    """The work arrays of grid calls, made at their first use and reused every chunk.

    Kept per thread between calls (``_work``) for the last few chunks and dtypes:
    arrays of a megabyte are above the C allocator's mmap threshold, so arrays made anew
    for every call cost a page fault per 4 KB page (~700 per 100×100 grid here).
    """

    def __init__(self, chunk: int, dtype: type):
        self.chunk, self.dtype = chunk, dtype
        self._arrays: dict[tuple, Array] = {}

    def get(self, name: str, neurons: int, samples: int) -> Array:
        """Return the array ``name`` shaped neurons × samples × chunk."""
        key = (name, samples)
        array = self._arrays.get(key)
        if array is None or array.shape[0] != neurons:
            array = self._arrays[key] = np.empty((neurons, samples, self.chunk), self.dtype)
        return array

    def stack(self, rows: int, samples: int) -> Array:
        """Return an array samples × (rows + 1) × chunk whose last row of each sample is ones."""
        key = ("stack", samples)
        array = self._arrays.get(key)
        if array is None or array.shape[1] != rows + 1:
            array = self._arrays[key] = np.empty((samples, rows + 1, self.chunk), self.dtype)
            array[:, -1] = 1.0
        return array


class _Group:
    """The work arrays of a group of ``count`` samples, and the views the grid's loop writes through.

    Made once per grid for each group size, so the loop over groups only reads attributes.
    """

    def __init__(self, work: _Work, network: Network, count: int, changed: int, first: int,
                 touched: list[int]):
        top, sizes, chunk = network.layer_count, network.sizes, work.chunk
        self.z_rows = work.get("z_rows", changed, count)
        self.stack = work.stack(changed, count)
        self.a_rows = self.stack[:, :-1].transpose(1, 0, 2)  # rows × samples × points
        self.z = {layer: work.get(f"z{layer}", sizes[layer + 1], count)
                  for layer in range(first + 1, top)}
        self.flat = {layer: z.reshape(z.shape[0], -1) for layer, z in self.z.items()}
        self.terms = {layer: work.get(f"t{layer}", sizes[layer + 1], count)
                      for layer in touched if layer > first}
        if first + 1 in touched:
            self.full = work.get(f"full{first + 1}", sizes[first + 1], count)
        if first + 1 == top:
            self.z_out = work.get("z_out", sizes[top], count)
            self.a_out = work.get("a_out", sizes[top], count)
        else:
            self.z_t = self.z[first + 1].transpose(1, 0, 2)  # samples × neurons × points
            self.a_top = work.get(f"a{top - 1}", sizes[top], count)
            self.z_top_rows = self.z[top - 1].reshape(-1, chunk)
        self.diff = work.get("diff", sizes[top], count)
        self.diff_rows = self.diff.reshape(-1, chunk)


_local = threading.local()


_helpers: list[concurrent.futures.ThreadPoolExecutor] = []
_helpers_lock = threading.Lock()


def _run_split(columns: Callable[[int, int, Callable[[], bool] | None], None], chunk: int,
               wanted: Callable[[], bool] | None, threads: int) -> None:
    """Run ``columns(low, high, go_on)`` over a chunk's points, halved between two threads if asked.

    The helper half runs in this thread's context (numpy's ``errstate`` included) and stops
    at its next pass once this thread's half has stopped, whatever stopped it.
    """
    if threads < 2 or chunk < SPLIT_POINTS:
        columns(0, chunk, wanted)
        return
    stopped = threading.Event()
    with _helpers_lock:
        if not _helpers:
            _helpers.append(concurrent.futures.ThreadPoolExecutor(1, "grid-half"))
    half = chunk // 2
    helper = _helpers[0].submit(contextvars.copy_context().run, columns, half, chunk,
                                lambda: not stopped.is_set())
    try:
        columns(0, half, wanted)
    except BaseException:
        stopped.set()
        concurrent.futures.wait([helper])
        raise
    helper.result()


def _work(chunk: int, dtype: type) -> _Work:
    """Return this thread's work arrays for a chunk of grid points and a dtype.

    The ``KEPT_WORKS`` last used are kept: a thread that draws whole grids and halves of
    them in turn (the window's coarse and fine grids) reuses both.
    """
    works = _local.__dict__.setdefault("works", {})
    key = (chunk, np.dtype(dtype))
    work = works.pop(key, None) or _Work(chunk, dtype)
    works[key] = work  # the most recent last
    while len(works) > KEPT_WORKS:
        del works[next(iter(works))]
    return work


def _activation_into(network: Network, layer: int) -> Callable[[Array, Array], None]:
    """Return ``into(z, out)``, which writes f_layer(z) into ``out``.

    Softmax runs along the neurons (the first axis here). Looked up once per grid: the
    loop calls it for every few samples.
    """
    act = network.activation(layer)
    if isinstance(act, Softmax):
        return lambda z, out: np.copyto(out, np.moveaxis(act.value(np.moveaxis(z, 0, -1)), -1, 0))
    return act.value_out or act.value_into


def _add_rows(total: Array, rows: Array, summed: Array) -> None:
    """Add the sum of the rows of ``rows`` (rows × chunk) to ``total``, summed in their dtype.

    ``summed`` is a work array of a row. One row is added as it is: numpy's reduction over
    a single row costs twice the add.
    """
    if rows.shape[0] == 1:
        total += rows[0]
    else:
        total += np.add.reduce(rows, axis=0, out=summed)


def _product(w_t: Array, a: Array, out: Array) -> None:
    """Write wᵀ-times-a for a stack a (n_in, samples, g) into out (n_out, samples, g)."""
    n_in = a.shape[0]
    np.matmul(w_t, a.reshape(n_in, -1), out=out.reshape(out.shape[0], -1))


def _with_rows(base: Array, rows: Array, changed: Array, out: Array) -> Array:
    """Return ``out`` = the base (neurons × samples) at every grid point, with some rows changed."""
    if len(rows) == base.shape[0]:
        return changed  # every row changed (one output neuron, or softmax)
    out[...] = base[:, :, None]
    out[rows] = changed
    return out


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
