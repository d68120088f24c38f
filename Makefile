# Backprop Hiker: every target sets up .venv itself, so a fresh clone needs only python3 (>= 3.11) and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint clean icons install-desktop uninstall-desktop package package-test

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Backprop Hiker needs Python 3.11 or newer; '$(PYTHON)' is older. Try: make PYTHON=python3.12"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || \
	  { echo "Could not create a virtual environment. On Debian/Ubuntu: sudo apt install python3-venv"; exit 1; }
	$(PY) -m pip install --disable-pip-version-check -q -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m simulator $(ARGS)

# The model's tests first, in a process that fails any test importing Qt (they must run
# without it); then the rest on Qt's offscreen platform; then the OpenGL/X11 tests under
# xvfb-run where it exists.
QT_FREE_TESTS := tests/engine tests/symbolic tests/lessons tests/workspace
test: $(STAMP)
	$(PY) -m ruff check simulator tests
	BACKPROP_HIKER_NO_QT=1 $(PY) -m pytest -p no:pytest-qt $(QT_FREE_TESTS) $(PYTEST_ARGS)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(addprefix --ignore=,$(QT_FREE_TESTS)) $(PYTEST_ARGS)
	@if command -v xvfb-run >/dev/null 2>&1; then \
	  BACKPROP_HIKER_X11=1 xvfb-run -a -s '-screen 0 1600x1000x24' $(PY) -m pytest -m x11 $(PYTEST_ARGS); \
	  rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; \
	else echo "xvfb-run not found: the OpenGL tests were skipped (apt install xvfb)"; fi

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m simulator bench $(ARGS)

# The packaged app: PyInstaller (the [package] extra) goes into .venv only for these targets.
PACKAGE_STAMP := $(VENV)/.package-installed
$(PACKAGE_STAMP): $(STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[test,package]'
	@touch $(PACKAGE_STAMP)

# dist/backprop-hiker/backprop-hiker, a one-folder app; prints the build time and the size.
package: $(PACKAGE_STAMP)
	$(PY) packaging/build.py

# Build the app and run the frozen executable's --self-test (the `packaging` tests; not in `make test`).
package-test: $(PACKAGE_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -s -m packaging tests/packaging $(PYTEST_ARGS)

# Render resources/icons/*.png, .ico and .icns from the icon's SVG sources (the results are committed).
icons: $(STAMP)
	$(PY) packaging/make_icons.py

# The launcher (running this clone's .venv), icons and *.lesson.json file type for the current
# user, under $$XDG_DATA_HOME (~/.local/share); no root needed.
install-desktop: $(STAMP)
	$(PY) -m simulator --install-desktop

uninstall-desktop: $(STAMP)
	$(PY) -m simulator --uninstall-desktop

lint: $(STAMP)
	$(PY) -m ruff check simulator tests

clean:
	rm -rf $(VENV) build dist *.egg-info
