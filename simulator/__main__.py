"""Run Backprop Hiker with ``python -m simulator``."""

from simulator.app import main

raise SystemExit(main())
