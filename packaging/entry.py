"""The frozen app's entry script: PyInstaller starts here, as ``python -m simulator`` would."""

from simulator.app import main

raise SystemExit(main())
