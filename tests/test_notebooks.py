"""Every notebook is committed without outputs and runs top to bottom in
quick mode (`SEQKERAS_QUICK=1`); the assertions inside them must hold.

Each run's wall time goes to `runs/notebook_times.json` (merged with what is
there, by notebook file name), for the run-time table in notebooks/README.md,
when the notebooks ran in the only test process: `make notebooks`, not `make
test`, whose second test process would slow them down.
"""

import datetime
import json
import os
import pathlib
import time

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((pathlib.Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
TIMES = pathlib.Path(__file__).parents[1] / "runs" / "notebook_times.json"


def _ran_alone():
    """False under pytest-xdist with more than one worker process."""
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) <= 1


def _record_time(path, seconds):
    """Merges one quick-mode wall time into `TIMES`, keyed by file name."""
    times = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    times[path.name] = {
        "quick_seconds": round(seconds, 1),
        "date": datetime.date.today().isoformat(),
        "cpus": os.cpu_count(),
    }
    TIMES.parent.mkdir(parents=True, exist_ok=True)
    partial = TIMES.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")
    partial.replace(TIMES)


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert not dirty, f"strip the outputs of cells {dirty} in {path.name}"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_in_quick_mode(path, monkeypatch):
    monkeypatch.setenv("SEQKERAS_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    # The kernel must be this Python, with seqkeras importable from anywhere.
    root = str(path.parents[1])
    monkeypatch.setenv(
        "PYTHONPATH",
        os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    )
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    if _ran_alone():
        _record_time(path, time.perf_counter() - start)
