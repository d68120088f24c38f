"""One BLAS thread for numpy's matrix products (unless the user chose otherwise).

The engine's products are small: at most 33 × 32 times 32 × 1,000 for the biggest network
a lesson can build. OpenBLAS splits any product above about 260,000 multiply-adds across
threads, and on this project's 2-core machines waking the second thread costs far more than
it saves: the biggest network's full-batch gradient took 2.3 ms on one thread and 10.5 ms on
two (under load from other processes, up to 20 ms). The app already computes its grids on
background threads, so BLAS threads would only compete with them.

numpy has no call for this, so it is made through ``ctypes`` on the OpenBLAS library numpy
loaded. Where there is none (another BLAS, an unknown build), nothing changes. An
``OPENBLAS_NUM_THREADS`` or ``OMP_NUM_THREADS`` set by the user is left alone.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import numpy as np

#: the setter's name in numpy's own OpenBLAS builds, then in plain OpenBLAS
SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
           "openblas_set_num_threads64_", "openblas_set_num_threads")


def _loaded_openblas() -> list[str]:
    """Return the paths of OpenBLAS libraries this process has loaded (or numpy ships)."""
    paths: list[str] = []
    maps = Path("/proc/self/maps")
    if maps.exists():
        for line in maps.read_text(errors="replace").splitlines():
            path = line.split()[-1] if line.split() else ""
            if "openblas" in Path(path).name.lower() and path not in paths:
                paths.append(path)
    if not paths:  # not Linux: the libraries numpy's wheels carry beside the package
        root = Path(np.__file__).resolve().parent
        for folder in (root.parent / "numpy.libs", root / ".dylibs"):
            if folder.is_dir():
                paths += [str(p) for p in sorted(folder.iterdir()) if "openblas" in p.name.lower()]
    return paths


def use_one_blas_thread() -> bool:
    """Ask numpy's OpenBLAS to use one thread; return whether it could be asked."""
    if "OPENBLAS_NUM_THREADS" in os.environ or "OMP_NUM_THREADS" in os.environ:
        return False
    for path in _loaded_openblas():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter.argtypes = [ctypes.c_int]
                setter.restype = None
                setter(1)
                return True
    return False
