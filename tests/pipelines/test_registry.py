"""The task registry: one name per task, old names kept, old runs loaded."""

import json

import numpy as np
import pytest

from seqkeras.datasets import load
from seqkeras.errors import InvalidArgumentError, InvalidInputError
from seqkeras.pipelines import (
    ForecastingPipeline,
    LanguageModelPipeline,
    Pipeline,
    load_pipeline,
    registry,
)


def test_every_task_has_one_name_and_its_old_words():
    assert registry.tasks() == [
        "sentiment",
        "tagging",
        "language-model",
        "translation",
        "captioning",
        "forecasting",
        "series-classification",
        "tree-sentiment",
        "speech",
        "music",
    ]
    assert registry.task_name("tag") == registry.task_name("tagging") == "tagging"
    assert (
        registry.task_name("lm") == registry.task_name("language") == ("language-model")
    )
    assert registry.task_name("weather-classifier") == "series-classification"
    assert registry.pipeline_class("forecast") is ForecastingPipeline
    assert registry.command_module("translate") == "seqkeras.cli.translation"
    assert registry.command_module("music") == "seqkeras.cli.music"
    with pytest.raises(InvalidArgumentError, match="tasks are sentiment, tagging"):
        registry.task_name("poetry")


def test_a_name_cannot_be_taken_twice():
    class Clash(Pipeline):
        task = "poetry"
        task_aliases = ("tag",)  # tagging's

    with pytest.raises(InvalidArgumentError, match="taken by 'tagging'"):
        registry.register_pipeline(Clash)
    assert "poetry" not in registry.tasks()


def test_the_old_argument_names_are_refused_with_the_new_one():
    with pytest.raises(InvalidArgumentError, match="pass architecture='gru'"):
        ForecastingPipeline(model="gru")
    with pytest.raises(InvalidArgumentError, match="pass architecture='small'"):
        LanguageModelPipeline(config="small")


def test_a_run_saved_before_the_names_changed_still_loads(tmp_path):
    train, _, test = load("seattle-temps").split(0.7, 0.2)
    pipeline = ForecastingPipeline("persistence", input_width=6, horizon=2)
    pipeline.fit(train)
    pipeline.save(tmp_path)
    # What an earlier version wrote: task "forecast", the preset as "model".
    info = json.loads((tmp_path / "pipeline.json").read_text())
    info["task"] = "forecast"
    info["config"]["model"] = info["config"].pop("architecture")
    (tmp_path / "pipeline.json").write_text(json.dumps(info))
    loaded = load_pipeline(tmp_path)
    assert loaded.task == "forecasting" and loaded.architecture == "persistence"
    window = test.values[:6]
    np.testing.assert_array_equal(loaded.predict(window), pipeline.predict(window))
    with pytest.raises(InvalidInputError, match="not 'language-model'"):
        LanguageModelPipeline.load(tmp_path)


def test_an_old_language_model_config_reads_as_an_architecture():
    old = {"level": "char", "config": None, "units": [8], "seed": 0}
    config = LanguageModelPipeline._current_config(old)
    assert config["architecture"] == "lstm" and "config" not in config
    assert LanguageModelPipeline(**config).get_config()["units"] == [8]
    small = LanguageModelPipeline._current_config({"config": "small"})
    assert LanguageModelPipeline(**small).num_steps == 20
