"""The training loop's forward and backward pass: the same sweep as ``Network``, made fast.

``Network.forward`` and ``Network.backward`` are written to be read: every layer's z, a and
dL/dz come back in fresh arrays, samples × neurons. A training loop needs only the loss and
the flat gradient, thousands of times on the same data set, and on arrays of a few dozen
numbers numpy spends more time allocating and dispatching than computing. This pass
computes the same numbers (up to the rounding of a sum taken in another order) with three
changes of layout that take most of those calls away:

- **neurons × samples**: every activation is a contiguous block, so the element-wise
  calls run on contiguous memory;
- **the bias as a weight**: in θ, ``b[l]`` follows ``W[l]``, so ``θ[W[l] start : b[l] end]``
  is the matrix [W; b] of shape (n_in + 1) × n_out. Each activation buffer carries a last
  row of ones, so z = [W; b]ᵀ [a; 1] is one product, and the gradient [dL/dW; dL/db] =
  [a; 1] (dL/dz)ᵀ is one product written straight into the flat gradient;
- **buffers made once** per batch size (and per thread: the grids are computed off the GUI
  thread), filled with ``out=``.
"""

from __future__ import annotations

import threading

import numpy as np

from .functions import MeanSquaredError, Softmax

Array = np.ndarray


class _Buffers:
    """Everything one pass over ``width`` samples writes, made once."""

    def __init__(self, sizes: tuple[int, ...], width: int):
        top = len(sizes) - 1
        # ins[l]: the input of weight layer l + 1 with its row of ones (ins[0] is the batch)
        self.ins: list[Array | None] = [None]
        for n in sizes[1:-1]:
            buffer = np.empty((n + 1, width))
            buffer[n] = 1.0
            self.ins.append(buffer)
        self.z = [None, *(np.empty((n, width)) for n in sizes[1:])]
        self.a = [None, *(buffer[:-1] for buffer in self.ins[1:]), np.empty((sizes[-1], width))]
        self.dz = [None, *(np.empty((n, width)) for n in sizes[1:])]
        self.da = [None, *(np.empty((n, width)) for n in sizes[1:])]
        self.top = top


class TrainingPass:
    """The loss and gradient of one network on one data set, fast (see the module's text).

    ``x`` is samples × inputs and ``y`` samples × outputs (or × 1 class index), as
    everywhere else. They are stored transposed in one block, inputs, a row of ones, then
    targets, so a mini-batch is gathered by one ``take``.
    """

    def __init__(self, network, x: Array, y: Array):
        self.network = network
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float).reshape(x.shape[0], -1)
        self._split = x.shape[1] + 1
        self.data = np.empty((self._split + y.shape[1], x.shape[0]))
        self.data[:self._split - 1] = x.T
        self.data[self._split - 1] = 1.0
        self.data[self._split:] = y.T
        self.inputs, self.targets = self.data[:self._split], self.data[self._split:]
        self.samples = x.shape[0]
        sizes = self._sizes = network.sizes
        functions = [network.activation(layer) for layer in range(1, len(sizes))]
        self._functions = functions
        # the in-place calls themselves, looked up once (one Python call per layer saved)
        self._into = [f.value_out or f.value_into for f in functions]
        self._backward_into = [f.backward_out or f.backward_into for f in functions]
        loss, output = network.loss, functions[-1]
        # Element-wise output under mse: dL/dz = (2/n)(a − y) · f'(z), done in place.
        self._plain_mse = isinstance(loss, MeanSquaredError) and not isinstance(output, Softmax)
        self._fused = loss.requires is not None and loss.targets == "values"  # sigmoid + bce
        self._local = threading.local()
        self._layer_views: tuple = ()

    # ----- views of θ and of the gradient -------------------------------------------------

    def _views(self, theta: Array) -> tuple[list[Array], list[Array]]:
        """Return [W; b]ᵀ and W of every layer, as views of θ (kept for the θ seen last)."""
        cached = self._layer_views  # one read: another thread may replace it meanwhile
        if cached and cached[0] is theta:
            return cached[1], cached[2]
        stacked, weights = [], []
        for (w_start, b_start, end), n_in, n_out in zip(
            self.network._offsets, self._sizes[:-1], self._sizes[1:], strict=True
        ):
            stacked.append(theta[w_start:end].reshape(n_in + 1, n_out).T)
            weights.append(theta[w_start:b_start].reshape(n_in, n_out))
        if theta.base is None:  # a view of a view would not follow a reallocated parent
            self._layer_views = (theta, stacked, weights)
        return stacked, weights

    def _gradient_views(self, flat: Array, local) -> list[Array]:
        """Return [dL/dW; dL/db] of every layer, as views of the flat gradient."""
        cached = getattr(local, "gradient_views", None)
        if cached is not None and cached[0] is flat:
            return cached[1]
        views = [flat[w_start:end].reshape(n_in + 1, n_out)
                 for (w_start, _, end), n_in, n_out in zip(
                     self.network._offsets, self._sizes[:-1], self._sizes[1:], strict=True)]
        if flat.base is None:
            local.gradient_views = (flat, views)
        return views

    def _buffers(self, width: int, local) -> _Buffers:
        table = getattr(local, "buffers", None)
        if table is None:
            table = local.buffers = {}
        buffers = table.get(width)
        if buffers is None:
            buffers = table[width] = _Buffers(self._sizes, width)
        return buffers

    # ----- the pass ----------------------------------------------------------------------

    def _forward(self, theta: Array, batch: Array | None) -> tuple[_Buffers, Array, Array]:
        """Run the batch (all samples when ``None``) forward; return buffers, input, targets."""
        if batch is None:
            inputs, targets = self.inputs, self.targets
        else:
            rows = self.data.take(batch, 1)
            inputs, targets = rows[:self._split], rows[self._split:]
        buffers = self._buffers(inputs.shape[1], self._local)
        stacked, _ = self._views(theta)
        ins, z, a, into, dot = buffers.ins, buffers.z, buffers.a, self._into, np.dot
        top, current = buffers.top, inputs
        for layer in range(1, top):
            dot(stacked[layer - 1], current, z[layer])
            into[layer - 1](z[layer], a[layer])
            current = ins[layer]
        dot(stacked[top - 1], current, z[top])
        # samples × outputs views: softmax (an output activation) works along the outputs
        into[top - 1](z[top].T, a[top].T)
        return buffers, inputs, targets

    def _output_loss(self, buffers: _Buffers, targets: Array, theta: Array,
                     want_dz: bool) -> float:
        """Return the batch loss (regularization included); fill dL/dz of the output if asked."""
        top, network = buffers.top, self.network
        z, a = buffers.z[top], buffers.a[top]
        if self._plain_mse:
            diff = buffers.da[top]
            np.subtract(a, targets, diff)
            loss = float(np.vdot(diff, diff)) / diff.size  # mean((a − y)²)
            if want_dz:
                np.multiply(diff, 2.0 / diff.size, diff)  # dL/da = (2/n)(a − y)
                self._backward_into[-1](z, a, diff, buffers.dz[top])
        else:
            # The loss objects take samples × outputs: hand them transposed views.
            loss = network.loss.value(z.T, a.T, targets.T)
            if want_dz and self._fused:
                np.subtract(a, targets, buffers.dz[top])  # (σ(z) − y) / n
                np.divide(buffers.dz[top], a.size, buffers.dz[top])
            elif want_dz:
                np.copyto(buffers.dz[top].T, network.loss.dL_dz(z.T, a.T, targets.T,
                                                                 self._functions[-1]))
        if network.regularization is not None:
            loss += network.regularization.value(self._views(theta)[1])
        return loss

    def loss(self, theta: Array, batch: Array | None = None) -> float:
        """Return the loss at θ on some samples (all when ``None``), regularization included."""
        theta = np.asarray(theta, dtype=float)
        buffers, _, targets = self._forward(theta, batch)
        return self._output_loss(buffers, targets, theta, want_dz=False)

    def loss_and_gradient(self, theta: Array, batch: Array | None = None,
                          out: Array | None = None) -> tuple[float, Array]:
        """Return the loss and dL/dθ on some samples (all when ``None``); ``out`` gets dL/dθ.

        Backward, layer by layer from the output (the same rules as ``Network.backward``)::

            [dL/dW; dL/db] = [a; 1] (dL/dz)ᵀ    dL/da_prev = W dL/dz    dL/dz_prev = dL/da_prev · f'
        """
        theta = np.asarray(theta, dtype=float)
        buffers, inputs, targets = self._forward(theta, batch)
        loss = self._output_loss(buffers, targets, theta, want_dz=True)
        flat = np.empty(self.network.parameter_count) if out is None else out
        grads = self._gradient_views(flat, self._local)
        _, weights = self._views(theta)
        regularization, backward_into, dot = self.network.regularization, self._backward_into, np.dot
        ins, z, a, dz, da = buffers.ins, buffers.z, buffers.a, buffers.dz, buffers.da
        layer = buffers.top
        while layer > 1:
            dot(ins[layer - 1], dz[layer].T, grads[layer - 1])
            if regularization is not None:
                regularization.add_gradient(weights[layer - 1], grads[layer - 1][:-1])
            dot(weights[layer - 1], dz[layer], da[layer - 1])
            backward_into[layer - 2](z[layer - 1], a[layer - 1], da[layer - 1], dz[layer - 1])
            layer -= 1
        dot(inputs, dz[1].T, grads[0])
        if regularization is not None:
            regularization.add_gradient(weights[0], grads[0][:-1])
        return loss, flat
