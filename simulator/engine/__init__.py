"""The numbers: forward pass, backpropagation, optimizers, datasets, sessions (numpy only).

Importing the engine asks numpy's BLAS for one thread (see ``blas``): its products are too
small for a second one to pay.
"""

from .blas import use_one_blas_thread

use_one_blas_thread()
