# seqkeras: the two commands of the README are `make demo` and `make test`.
# Both create .venv and install the package with its dev extras first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

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

.PHONY: venv demo test lint format notebooks bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -m pip install --quiet -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/python -c "import seqkeras, tensorflow_text, keras, pytest, nbclient"
	touch $(STAMP)

demo: venv
	$(BIN)/seqkeras train sentiment --dataset sentiment-sample --model bilstm \
		--epochs 8 --out runs/demo --overwrite
	@echo "== the exported SavedModel, reloaded in a fresh process (TensorFlow only):"
	$(BIN)/python -P seqkeras/serving.py runs/demo/saved_model $(DEMO_SENTENCES)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

notebooks: venv
	SEQKERAS_QUICK=1 $(BIN)/pytest tests/test_notebooks.py

bench: venv
	@for script in $(filter-out bench/common.py,$(wildcard bench/*.py)); do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) runs build *.egg-info
