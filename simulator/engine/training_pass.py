"""The training loop's forward and backward pass: the same sweep as ``Network``, made fast.

``Network.forward`` and ``Network.backward`` are written to be read: every layer's z, a and
dL/dz come back in fresh arrays, samples × neurons. A training loop needs only the loss and
the flat gradient, thousands of times on the same data set, and on arrays of a few dozen
numbers numpy spends more time allocating and dispatching than computing. This pass
computes the same numbers (up to the rounding of a sum taken in another order) with four
changes that take most of that time away:

- **neurons × samples**: every activation is a contiguous block, so the element-wise
  calls run on contiguous memory;
- **the bias as a weight**: in θ, ``b[l]`` follows ``W[l]``, so ``θ[W[l] start : b[l] end]``
  is the matrix [W; b] of shape (n_in + 1) × n_out. Each activation buffer carries a last
  row of ones, so z = [W; b]ᵀ [a; 1] is one product, and the gradient [dL/dW; dL/db] =
  [a; 1] (dL/dz)ᵀ is one product written straight into the flat gradient;
- **buffers made once** per batch size (and per thread: the grids are computed off the GUI
  thread), filled with ``out=``;
- **a plan**: every call of the pass with its arguments (buffers, views of θ and of the
  gradient) bound in a list once, so a step runs a short loop over prepared tuples, each
  product called as its array's own ``dot`` (a third cheaper than ``np.dot`` on a few dozen
  numbers), or ``np.matmul`` for a large output (``product``; the biggest network's in
  two halves of samples, see ``SMALL_PRODUCT``), and a mini-batch gathered into the
  plan's buffer. A training loop passes the
  same θ and gradient arrays (updated in place) every step; a new θ array (a rewind, an
  edit) makes a new plan.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import numpy as np

from .functions import MeanSquaredError, Softmax

Array = np.ndarray

#: the size of output from which a product is ``np.matmul``'s, not the array's own ``dot``:
#: ``dot`` zeroes its output before BLAS writes it (256 KB for each 32 × 1,000 product of the
#: biggest network, 8% of its step), ``matmul`` does not; on a few dozen numbers ``dot`` is
#: the cheaper call. The two give the same bits (the same BLAS call).
MATMUL_FROM = 4096

#: the most multiply-adds OpenBLAS gives its small-matrix kernel (AVX-512 cores): a larger
#: product copies its operands into packed blocks and zeroes its output first (17% of the
#: biggest network's step). The biggest network's 32 × 33 by 33 × 1,000 and 32 × 32 by
#: 32 × 1,000 products are just above, so they are made in blocks of samples below it.
SMALL_PRODUCT = 1_000_000

#: A block's columns are the whole product's, bit for bit, when the blocks are cut at
#: multiples of 8 samples of a product whose sample count is one (measured for every such
#: count from 944 to 2,192, [W; b]ᵀ and W as they lie in θ); otherwise the two kernels round
#: the samples of a last run shorter than 8 differently, so any other product is made whole.
#: So are the weight gradients', whose long dimension is the one summed over.
BLOCK_ALIGN = 8


def product(left: Array, right: Array, out: Array) -> Callable[[], object]:
    """Return ``run()``, which writes left × right into ``out`` (arrays of their sizes).

    ``left`` may be a view of θ: it is read at every call.
    """
    if out.size < MATMUL_FROM:
        return functools.partial(left.dot, right, out)
    width = right.shape[1]
    blocks = -(-left.size * width // SMALL_PRODUCT)
    if blocks < 2 or width % BLOCK_ALIGN:
        return functools.partial(np.matmul, left, right, out)
    edges = [BLOCK_ALIGN * round(width * block / (blocks * BLOCK_ALIGN))
             for block in range(blocks + 1)]
    calls = [functools.partial(np.matmul, left, right[:, start:end], out[:, start:end])
             for start, end in zip(edges[:-1], edges[1:], strict=True)]

    def run() -> None:
        for call in calls:
            call()
    return run


class _Plan:
    """Every call of a pass over ``width`` samples, its buffers made and its arguments bound.

    Layer l (1 … L) reads ``ins[l - 1]`` (its input with a row of ones) and writes ``z[l]``
    and ``a[l]``; backward writes ``dz[l]`` and ``da[l]``. ``ins[0]`` is the whole data
    set's inputs, or (``batched``) a buffer a mini-batch is gathered into. ``theta`` and
    ``flat`` are the arrays the views were taken of.
    """

    def __init__(self, owner: TrainingPass, width: int, batched: bool, theta: Array,
                 flat: Array | None):
        network, sizes = owner.network, owner.sizes
        top = self.top = len(sizes) - 1
        self.theta, self.flat = theta, flat
        # a mini-batch's columns of the data block: inputs, the row of ones, targets
        self.rows = np.empty((owner.data.shape[0], width)) if batched else owner.data
        self.targets = self.rows[owner.split:]
        ins: list[Array] = [self.rows[:owner.split]]
        for n in sizes[1:-1]:
            buffer = np.empty((n + 1, width))
            buffer[n] = 1.0
            ins.append(buffer)
        z = [None, *(np.empty((n, width)) for n in sizes[1:])]
        a = [None, *(buffer[:-1] for buffer in ins[1:]), np.empty((sizes[-1], width))]
        # a hidden layer's dL/da and dL/dz are needed only until the layer below has its
        # own: every da shares one block and the dz take turns in two, so the backward pass
        # works in memory that is still in cache (the biggest network's step: -2%)
        hidden = max(sizes[1:-1], default=0) * width
        da_block, dz_blocks = np.empty(hidden), (np.empty(hidden), np.empty(hidden))
        dz = [None, *(dz_blocks[layer % 2][:n * width].reshape(n, width)
                      for layer, n in enumerate(sizes[1:-1], 1)), np.empty((sizes[-1], width))]
        da = [None, *(da_block[:n * width].reshape(n, width) for n in sizes[1:-1]),
              np.empty((sizes[-1], width))]
        self.z, self.a, self.dz, self.da = z, a, dz, da
        # a 0-d array, not a float: numpy converts a Python float on every call
        self.mse_scale = np.array(2.0 / (sizes[-1] * width))
        # the output layer's buffers, and mse's difference a − y (da of the output is unused)
        diff = da[top]
        self.loss_buffers = (z[top], a[top], diff, diff.reshape(-1), dz[top],
                             owner.backward_into[-1])
        stacked, weights = [], []  # [W; b]ᵀ and W of every layer, views of θ
        for (w_start, b_start, end), n_in, n_out in zip(
            network._offsets, sizes[:-1], sizes[1:], strict=True
        ):
            stacked.append(theta[w_start:end].reshape(n_in + 1, n_out).T)
            weights.append(theta[w_start:b_start].reshape(n_in, n_out))
        self.weights = weights
        into, back = owner.into, owner.backward_into
        # layer by layer: z = [W; b]ᵀ [a; 1], then a = f(z) (given as views f works along:
        # softmax works along the outputs, so the output's are samples × outputs)
        self.forward = [(product(stacked[layer - 1], ins[layer - 1], z[layer]),
                         into[layer - 1], z[layer], a[layer]) for layer in range(1, top)]
        self.forward.append((product(stacked[top - 1], ins[top - 1], z[top]),
                             into[top - 1], z[top].T, a[top].T))
        if flat is None:
            return
        grads = [flat[w_start:end].reshape(n_in + 1, n_out)
                 for (w_start, _, end), n_in, n_out in zip(
                     network._offsets, sizes[:-1], sizes[1:], strict=True)]
        self.grads = grads
        self.backward = [(ins[layer - 1], dz[layer].T, grads[layer - 1], weights[layer - 1],
                          product(weights[layer - 1], dz[layer], da[layer - 1]),
                          back[layer - 2], z[layer - 1], a[layer - 1], da[layer - 1],
                          dz[layer - 1])
                         for layer in range(top, 1, -1)]
        self.first_gradient = (ins[0], dz[1].T, grads[0])


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
        self.split = x.shape[1] + 1
        self.data = np.empty((self.split + y.shape[1], x.shape[0]))
        self.data[:self.split - 1] = x.T
        self.data[self.split - 1] = 1.0
        self.data[self.split:] = y.T
        self.samples = x.shape[0]
        self.sizes = network.sizes
        functions = [network.activation(layer) for layer in range(1, len(self.sizes))]
        self._functions = functions
        # the in-place calls themselves, looked up once (one Python call per layer saved)
        self.into = [f.value_out or f.value_into for f in functions]
        self.backward_into = [f.backward_out or f.backward_into for f in functions]
        loss, output = network.loss, functions[-1]
        # Element-wise output under mse: dL/dz = (2/n)(a − y) · f'(z), done in place.
        self._plain_mse = isinstance(loss, MeanSquaredError) and not isinstance(output, Softmax)
        self._fused = loss.requires is not None and loss.targets == "values"  # sigmoid + bce
        self._regularization = network.regularization
        self._local = threading.local()

    def _plan(self, batch: Array | None, theta: Array, flat: Array | None) -> _Plan:
        """Return this thread's plan for a batch, θ and gradient (made anew if they changed).

        A plan is kept per batch width (``None``: the whole data set), and the batch's
        columns are gathered into its buffer.
        """
        try:
            plans = self._local.plans
        except AttributeError:
            plans = self._local.plans = {}
        width = None if batch is None else len(batch)
        plan = plans.get(width)
        if plan is None or plan.theta is not theta or (flat is not None and plan.flat is not flat):
            plan = _Plan(self, self.samples if width is None else width, width is not None,
                         theta, flat)
            # views of a view would not follow a reallocated parent: keep only plans of bases
            if theta.base is None and (flat is None or flat.base is None):
                plans[width] = plan
        if width is not None:
            # 'wrap': gathering into a buffer with numpy's default 'raise' goes through a
            # temporary copy; a batch holds indices of samples, so none is out of range
            self.data.take(batch, 1, plan.rows, "wrap")
        return plan

    # ----- the pass ----------------------------------------------------------------------

    def _forward(self, plan: _Plan) -> None:
        """Run the plan's samples forward: every layer's z and a."""
        for times, into, z_view, a_view in plan.forward:
            times()
            into(z_view, a_view)

    def _output_loss(self, plan: _Plan, want_dz: bool) -> float:
        """Return the batch loss (regularization included); fill dL/dz of the output if asked."""
        z, a, diff, diff_flat, dz, back = plan.loss_buffers
        if self._plain_mse:
            np.subtract(a, plan.targets, diff)
            loss = float(diff_flat.dot(diff_flat)) / diff_flat.size  # mean((a − y)²)
            if want_dz:
                np.multiply(diff, plan.mse_scale, diff)  # dL/da = (2/n)(a − y)
                back(z, a, diff, dz)
        else:
            # The loss objects take samples × outputs: hand them transposed views.
            network, targets = self.network, plan.targets
            loss = network.loss.value(z.T, a.T, targets.T)
            if want_dz and self._fused:
                np.subtract(a, targets, dz)  # (σ(z) − y) / n
                np.divide(dz, a.size, dz)
            elif want_dz:
                np.copyto(dz.T, network.loss.dL_dz(z.T, a.T, targets.T, self._functions[-1]))
        if self._regularization is not None:
            loss += self._regularization.value(plan.weights)
        return loss

    def loss(self, theta: Array, batch: Array | None = None) -> float:
        """Return the loss at θ on some samples (all when ``None``), regularization included.

        ``batch`` holds indices of samples (a negative one counts from the end).
        """
        plan = self._plan(batch, np.asarray(theta, dtype=float), None)
        self._forward(plan)
        return self._output_loss(plan, want_dz=False)

    def loss_and_gradient(self, theta: Array, batch: Array | None = None,
                          out: Array | None = None) -> tuple[float, Array]:
        """Return the loss and dL/dθ on some samples (all when ``None``); ``out`` gets dL/dθ."""
        theta = np.asarray(theta, dtype=float)
        flat = np.empty(self.network.parameter_count) if out is None else out
        return self._gradient(self._plan(batch, theta, flat)), flat

    def stepper(self, theta: Array, out: Array) -> Callable[[Array], float]:
        """Return ``run(batch)``: the loss on a batch at ``theta``, its dL/dθ written into ``out``.

        For a training loop that hands the same θ and gradient arrays (updated in place)
        every step: ``loss_and_gradient`` looks up its plan on every call, ``run`` once for
        each batch width. The numbers are the same.
        """
        plans: dict[int, _Plan] = {}
        take, gradient = self.data.take, self._gradient

        def run(batch: Array) -> float:
            plan = plans.get(len(batch))
            if plan is None:
                plan = plans[len(batch)] = self._plan(batch, theta, out)
            else:
                take(batch, 1, plan.rows, "wrap")  # as _plan gathers it
            return gradient(plan)
        return run

    def _gradient(self, plan: _Plan) -> float:
        """Return the loss on the plan's samples and write dL/dθ into its gradient.

        Backward, layer by layer from the output (the same rules as ``Network.backward``)::

            [dL/dW; dL/db] = [a; 1] (dL/dz)ᵀ    dL/da_prev = W dL/dz    dL/dz_prev = dL/da_prev · f'
        """
        for times, into, z_view, a_view in plan.forward:  # _forward, inline
            times()
            into(z_view, a_view)
        loss = self._output_loss(plan, want_dz=True)
        regularization = self._regularization
        if regularization is None:
            for below, dz_t, grad, _, times, back, z, a, da, dz_below in plan.backward:
                below.dot(dz_t, grad)
                times()
                back(z, a, da, dz_below)
            inputs, dz_t, grad = plan.first_gradient
            inputs.dot(dz_t, grad)
        else:
            for below, dz_t, grad, weights, times, back, z, a, da, dz_below in plan.backward:
                below.dot(dz_t, grad)
                regularization.add_gradient(weights, grad[:-1])
                times()
                back(z, a, da, dz_below)
            inputs, dz_t, grad = plan.first_gradient
            inputs.dot(dz_t, grad)
            regularization.add_gradient(plan.weights[0], grad[:-1])
        return loss
