# seqkeras: the two commands of the README are `make demo` and `make test`.
# Both create .venv and install the package with its dev extras first.

# The Python versions that requires-python in pyproject.toml allows, newest
# first (keep the two in step). PYTHON is the newest of python3.13,
# python3.12, python3.11 on PATH that runs (a pyenv shim of a version that is
# not active does not), else python3, which the .venv rule checks. Another
# one: `make PYTHON=/path/to/python3.12` (or PYTHON in the environment).
PY_VERSIONS := 3.13 3.12 3.11
ifeq ($(origin PYTHON),undefined)
  PYTHON := $(shell for v in $(PY_VERSIONS); do python$$v -c "" 2>/dev/null \
	&& command -v python$$v && exit; done; echo python3)
endif
VENV := .venv
BIN := $(VENV)/bin
# Named after the interpreter, so that another PYTHON makes .venv anew.
STAMP := $(VENV)/.installed-stamp-$(notdir $(PYTHON))

# Read the data-set mirror beside the project when there is one (CI, and the
# development machines); an explicit SEQKERAS_DATA_MIRROR wins.
MIRROR_DIR := $(abspath ../shared/datasets)
ifeq ($(origin SEQKERAS_DATA_MIRROR), undefined)
  ifneq ($(wildcard $(MIRROR_DIR)/SHA256SUMS),)
    export SEQKERAS_DATA_MIRROR := $(MIRROR_DIR)
  endif
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2
export MPLBACKEND ?= Agg
export PIP_DISABLE_PIP_VERSION_CHECK := 1

DEMO_SENTENCES := "John enjoys eating the shark." "The shark enjoys eating John." \
	"The acting was not bad, but the plot was dull." \
	"The plot was dull, but the acting was not bad." "What a gripping story!"

.PHONY: venv demo test lint format notebooks bench clean docs docs-check docs-venv chromium

venv: $(STAMP)

$(STAMP): pyproject.toml
	@v=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	case " $(PY_VERSIONS) " in *" $$v "*) ;; *) \
	  echo "error: PYTHON=$(PYTHON) is $${v:+Python }$${v:-not a working interpreter};" \
	    "seqkeras needs one of Python $(PY_VERSIONS) (requires-python in" \
	    "pyproject.toml): install one, or name it: make PYTHON=/path/to/python3.X" >&2; \
	  exit 1;; esac; \
	w=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); \
	if [ -e $(VENV) ] && [ "$$w" != "$$v" ]; then \
	  echo "== $(VENV) is not Python $$v's: making it anew"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -m pip install --quiet -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import seqkeras, tensorflow_text, keras, pytest, nbclient"
	touch $(STAMP)

demo: venv
	$(BIN)/seqkeras train sentiment --dataset sentiment-sample --architecture bilstm \
		--epochs 8 --batch-size 64 --out runs/demo --overwrite
	@echo "== the exported SavedModel, reloaded in a fresh process (TensorFlow only):"
	$(BIN)/python -P seqkeras/serving.py runs/demo/saved_model $(DEMO_SENTENCES)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# What runs a second time with Keras on JAX (a process runs one backend):
# the backend-neutral model code (layers, builders, decoding), the contract
# test (every task trains from the command line, evaluates, predicts, saves
# and exports a SavedModel answered in a fresh process, all on JAX), and the
# paths that JAX takes differently (pretrained embeddings unfrozen
# mid-training, the language model's carried state and its export, the
# gradient-norm monitor, input gradients). The
# other pipeline tests (learning curves, checkpoints, plots) test the shared
# code once, on TensorFlow, to keep `make test` under 30 minutes.
JAX_TESTS = tests/layers tests/models tests/test_decoding.py tests/test_contract.py \
	tests/pipelines/test_pretrained.py tests/pipelines/test_language.py \
	tests/test_callbacks.py tests/test_gradients.py

# Test files run in TEST_WORKERS processes at once (pytest-xdist), a file's
# tests in one process so that its module fixtures are built once. Most of a
# test's time is single-threaded (tracing, compiling, starting processes and
# kernels), so 2 processes pay on 2 cores; `make test TEST_WORKERS=0` runs
# everything in one process.
TEST_WORKERS ?= 2
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadfile

# The tests compile far more than they run: with the LLVM optimisations of
# XLA's CPU backend off (JAX, and the JAX processes of the TensorFlow pass),
# a quick run on JAX takes a fifth to a third less CPU time (BENCHMARKS.md,
# "Tracing and compiling"). XLA_FLAGS of your own come after, so they win.
test: export XLA_FLAGS := --xla_backend_optimization_level=0 $(XLA_FLAGS)
test: lint
	$(BIN)/pytest $(PYTEST_PARALLEL)
	@echo "== again with Keras on JAX: layers, builders, decoding, every task's contract"
	KERAS_BACKEND=jax $(BIN)/pytest $(PYTEST_PARALLEL) $(JAX_TESTS)

notebooks: venv
	SEQKERAS_QUICK=1 $(BIN)/pytest tests/test_notebooks.py

bench: venv
	@for script in $(filter-out bench/common.py,$(wildcard bench/*.py)); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The documentation site (docs/build.py): every notebook executed in quick
# mode with its outputs (`make docs FULL=1`: full mode; `NOTEBOOKS="01 02"`:
# only those), the READMEs, BENCHMARKS.md and the API reference, in site/.
DOCS_STAMP := $(VENV)/.docs-stamp-$(notdir $(PYTHON))
DOCS_FLAGS := $(if $(FULL),--full) $(if $(NOTEBOOKS),--notebooks $(NOTEBOOKS))
export NO_MKDOCS_2_WARNING := 1

docs-venv: $(DOCS_STAMP)

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,docs]" 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import mkdocs, material, mkdocs_jupyter, mkdocstrings, nbclassic, selenium"
	touch $(DOCS_STAMP)

docs: docs-venv
	$(BIN)/python docs/build.py $(DOCS_FLAGS)

# The site in a real browser (docs/test_site.py): Debian's chromium and its
# driver, installed here when missing (apt-get, as root or through sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  echo "== installing Debian's chromium and chromium-driver for the site check"; \
	  $(SUDO) apt-get install -y -q chromium chromium-driver \
	  || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver; }; \
	fi

docs-check: docs-venv chromium
	$(BIN)/pytest -p no:xdist docs/test_site.py

clean:
	rm -rf $(VENV) runs build site *.egg-info
