"""The contract every registered task keeps, tested once for all of them.

For each task of `seqkeras.pipelines.registry` (a new task is covered as soon
as it registers): `seqkeras train TASK --quick` with the task's own smoke
arguments (tiny data, a tiny model) fits, evaluates, saves and exports; then
`evaluate` gives the keys the run wrote; `predict` follows the input rule
(one item in, one item out; a list in, a list out, item for item the same);
`save` / `load` predicts the same; the SavedModel, run in a fresh process with
only TensorFlow and tensorflow-text, answers as `predict` does; the command
line's `evaluate`, `predict` and `--overwrite` work.
"""

import importlib.util
import json
import math
import pathlib
import shutil

import keras
import numpy as np
import pytest

from seqkeras import cli
from seqkeras.cli.command import COMMON_FILES
from seqkeras.pipelines import (
    CaptioningPipeline,
    GenerativePipeline,
    load_pipeline,
    registry,
)
from tests.helpers import serve_many_in_fresh_process

TASKS = registry.tasks()


class Run:
    """A finished `train --quick` run of one task, and its pieces."""

    def __init__(self, task, out, folder):
        self.command = cli.command_for(task)
        self.out = out
        self.folder = folder
        self.metrics = json.loads((out / "metrics.json").read_text())
        self.pipeline = load_pipeline(out)
        parser = cli.build_parser().train_parsers[self.command.task]
        self.data = self.command.evaluation_data(parser, self.metrics, None)
        self.data = self.data.subset(**cli.QUICK_SIZES)
        self.inputs = self.command.examples(self.pipeline, self.data)


_RUNS = {}


def run_of(task, quick_run, tmp_path_factory):
    if task not in _RUNS:
        folder = tmp_path_factory.mktemp(f"{task}-inputs")
        _RUNS[task] = Run(task, quick_run(task), folder)
    return _RUNS[task]


@pytest.fixture(scope="module", params=TASKS)
def run(request, quick_run, tmp_path_factory):
    return run_of(request.param, quick_run, tmp_path_factory)


@pytest.fixture(scope="module")
def served(quick_run, tmp_path_factory):
    """Every task's export run on its examples in one fresh process with
    only TensorFlow and tensorflow-text (TensorFlow starts once for all)."""
    jobs = []
    for task in TASKS:
        run = run_of(task, quick_run, tmp_path_factory)
        pipeline = run.pipeline
        jobs.append(
            {
                "model": str(run.out / "saved_model"),
                "inputs": run.command.serving_inputs(run.inputs, run.folder),
                "signature": pipeline.export_signature,
                "arguments": pipeline.export_arguments(),
            }
        )
    outputs, modules = serve_many_in_fresh_process(
        jobs, tmp_path_factory.mktemp("served")
    )
    assert "seqkeras" not in modules and "tensorflow_text" in modules
    return dict(zip(TASKS, outputs, strict=True))


def same(a, b):
    """Predictions equal up to float round-off, whatever their structure."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (str, bytes)):
        return a == b
    return np.allclose(np.asarray(a), np.asarray(b), atol=1e-5)


def plain(value):
    """Served outputs as Python values: bytes -> str, arrays -> lists."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OS":
            return [plain(v) for v in value.tolist()]
        return value
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def test_train_writes_the_run_and_its_metrics(run):
    metrics = run.metrics
    assert metrics["task"] == run.command.task == run.pipeline.task
    assert metrics["architecture"] == run.command.default_architecture
    assert metrics["quick"] is True and metrics["epochs"] in (0, 1)
    assert metrics["config"] == run.pipeline.get_config()
    assert metrics["backend"] == keras.backend.backend()
    written = {path.name for path in run.out.iterdir()}
    assert set(COMMON_FILES) - {"training_curves.png"} <= written
    assert written <= set(COMMON_FILES) | set(run.command.files)


def test_evaluate_gives_the_keys_the_run_wrote(run):
    scores = run.pipeline.evaluate(run.data.test)
    assert scores.keys() == run.metrics["test"].keys()
    json.dumps(scores)  # plain numbers, lists and strings
    numbers = [v for v in scores.values() if isinstance(v, float)]
    assert numbers and all(math.isfinite(v) for v in numbers)


def test_predict_one_item_gives_one_item_a_list_gives_a_list(run):
    # Sampled text depends on a row's place in the batch: compare greedy text.
    greedy = (
        {"method": "greedy"} if isinstance(run.pipeline, GenerativePipeline) else {}
    )
    batch = run.pipeline.predict(run.inputs, **greedy)
    assert len(batch) == len(run.inputs) >= 2
    for i, item in enumerate(run.inputs):
        single = run.pipeline.predict(item, **greedy)
        assert type(single) is type(batch[i])
        assert same(single, batch[i]), (single, batch[i])
    # One at a time or all at once: the batch size never changes the answer.
    one_by_one = run.pipeline.predict(run.inputs, batch_size=1, **greedy)
    assert same(one_by_one, batch)


def test_save_and_load_predict_the_same(run):
    run.pipeline.save(run.folder / "saved")
    loaded = load_pipeline(run.folder / "saved")
    assert type(loaded) is type(run.pipeline)
    assert loaded.get_config() == run.pipeline.get_config()
    assert same(loaded.predict(run.inputs), run.pipeline.predict(run.inputs))


def test_export_answers_as_predict_in_a_fresh_process(run, served):
    pipeline = run.pipeline
    outputs = served[pipeline.task]
    expected = pipeline.predict(run.inputs)
    if isinstance(expected[0], dict):
        expected = [item[pipeline.export_output] for item in expected]
    assert same(plain(outputs[pipeline.export_output]), expected)


def test_command_line_evaluate_predict_and_overwrite(run, capsys):
    capsys.readouterr()
    assert cli.main(["evaluate", str(run.out), "--split", "validation"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == "validation"
    assert set(result) == {"dataset", "split", *run.metrics["validation"]}

    texts = run.command.command_line_inputs(run.inputs, run.folder)
    argv = ["predict", str(run.out), *(texts or ["1.0"])]
    if texts is None:  # the task reads numbers, not the command line
        assert cli.main(argv) == cli.EXIT_ERROR
        assert "seqkeras: error:" in capsys.readouterr().err
    else:
        assert cli.main(argv) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        assert len(lines) == len(texts)
        assert cli.main([*argv[:2], "--json", *argv[2:]]) == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert len(rows) == len(texts)

    # Without --overwrite a finished run stays; --overwrite clears everything
    # train wrote (and nothing else). On a copy: other tests read the run.
    again = ["train", run.command.task, "--quick", "--out", str(run.out)]
    assert cli.main(again) == cli.EXIT_ERROR
    assert "--overwrite" in capsys.readouterr().err
    copy = run.folder / "copy"
    shutil.copytree(run.out, copy)
    (copy / "notes.txt").write_text("mine")
    run.command.remove_run(copy)
    assert [path.name for path in copy.iterdir()] == ["notes.txt"]


def test_every_task_is_on_the_command_line(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    listed = capsys.readouterr().out
    for task in TASKS:
        assert task in listed
        for alias in registry.aliases(task):
            assert alias in listed


@pytest.mark.one_backend  # matplotlib from saved runs: the JAX pass would repeat it
def test_readme_figures_are_drawn_from_the_runs(
    quick_run, tmp_path_factory, tmp_path, capsys, monkeypatch
):
    """`bench/readme_figures.py` draws the README's five small PNGs from saved
    runs, skips a figure whose run is not given, and refuses a captioner
    without attention, naming the fix."""
    path = pathlib.Path(__file__).parents[1] / "bench" / "readme_figures.py"
    spec = importlib.util.spec_from_file_location("readme_figures", path)
    readme_figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(readme_figures)
    tasks = ("translation", "forecasting", "tagging", "captioning")
    folders = {
        task: str(run_of(task, quick_run, tmp_path_factory).out) for task in tasks
    }
    argv = [arg for task in tasks for arg in (f"--{task}", folders[task])]
    history = ["--history", folders["translation"]]

    assert readme_figures.main([*argv, *history, "--out", str(tmp_path / "all")]) == 0
    written = sorted(path.name for path in (tmp_path / "all").iterdir())
    assert written == sorted(readme_figures.FIGURES)
    for name in written:
        data = (tmp_path / "all" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
        assert 2_000 < len(data) < 150_000, (name, len(data))

    capsys.readouterr()
    assert readme_figures.main([*history, "--out", str(tmp_path / "one")]) == 0
    printed = capsys.readouterr().out
    assert "skipped caption.png: no --captioning run given" in printed
    assert [path.name for path in (tmp_path / "one").iterdir()] == [
        "training_curve.png"
    ]

    without = property(lambda self: False)
    monkeypatch.setattr(CaptioningPipeline, "has_attention", without)
    argv = ["--captioning", folders["captioning"], "--out", str(tmp_path / "none")]
    assert readme_figures.main(argv) == 2
    error = capsys.readouterr().err
    assert "no attention" in error and "--architecture attention" in error
    assert not (tmp_path / "none").exists()
