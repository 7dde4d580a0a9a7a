"""`seqkeras.datasets.load` and the catalogue of names."""

import pytest

from seqkeras import datasets
from seqkeras.errors import UnknownDatasetError


def test_catalogue_names_tasks_and_sources():
    names = {info.name: info for info in datasets.catalogue()}
    assert {"sentiment-sample", "sst2", "sst5"} <= set(names)
    assert names["sentiment-sample"].embedded
    assert names["sst2"].files == ("sst",) and not names["sst2"].embedded
    assert all("sentiment" in i.tasks for i in datasets.catalogue("sentiment"))
    series = {i.name for i in datasets.catalogue("forecasting")}
    assert series == {"seattle-weather", "seattle-temps", "stocks"}
    assert all(names[n].embedded for n in series)
    labelled = {i.name for i in datasets.catalogue("series-classification")}
    assert labelled == {"seattle-weather"}


def test_every_data_set_names_registered_tasks_and_every_task_has_one():
    from seqkeras.pipelines import registry

    named = {task for info in datasets.catalogue() for task in info.tasks}
    assert named == set(registry.tasks())
    for task in registry.tasks():  # each task can run without a download
        assert any(i.embedded for i in datasets.catalogue(task)), task


def test_unknown_name_lists_what_exists():
    with pytest.raises(UnknownDatasetError) as raised:
        datasets.load("imbd")
    message = str(raised.value)
    assert (
        "'imbd'" in message
        and "sst2" in message
        and "seqkeras datasets list" in message
    )


def test_name_of_another_task_is_refused():
    with pytest.raises(UnknownDatasetError, match="Unknown forecasting data set"):
        datasets.get_info("sst2", task="forecasting")


def test_embedded_data_needs_no_network(monkeypatch):
    monkeypatch.setenv("SEQKERAS_DATA_MIRROR", "/nonexistent")
    data = datasets.load("sentiment-sample")
    assert len(data.train) == 4000
