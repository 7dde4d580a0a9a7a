import datetime

import pytest

from seqkeras.datasets import load
from seqkeras.datasets.dates import FORMATS, load_dates, render
from seqkeras.errors import InvalidArgumentError


def test_every_format_writes_its_example_date():
    day = datetime.date(2011, 3, 25)
    assert [render(day, form) for form in FORMATS] == list(FORMATS)


@pytest.mark.parametrize(
    "day, form, text",
    [
        (
            datetime.date(1999, 12, 1),
            "the 25th of March 2011",
            "the 1st of December 1999",
        ),
        (
            datetime.date(2001, 1, 12),
            "the 25th of March 2011",
            "the 12th of January 2001",
        ),
        (datetime.date(2022, 7, 23), "the 25th of March 2011", "the 23rd of July 2022"),
        (datetime.date(1950, 1, 2), "25 MAR 11", "2 JAN 50"),
        (datetime.date(2049, 2, 3), "25.03.2011", "03.02.2049"),
        (datetime.date(2049, 2, 3), "03/25/2011", "02/03/2049"),
    ],
)
def test_ordinals_two_digit_years_and_numeric_orders(day, form, text):
    assert render(day, form) == text


def test_same_seed_same_data_and_held_out_days_are_unseen():
    data = load_dates(num_train=3000, num_validation=200, num_test=200, seed=3)
    again = load_dates(num_train=3000, num_validation=200, num_test=200, seed=3)
    assert data.train.sources == again.train.sources
    assert data.test.targets == again.test.targets
    train_days = set(data.train.targets)
    assert not train_days & set(data.test.targets)
    assert not train_days & set(data.validation.targets)
    assert len(set(data.test.targets)) == 200  # distinct days
    for target in data.train.targets:
        day = datetime.date.fromisoformat(target)
        assert datetime.date(1950, 1, 1) <= day <= datetime.date(2049, 12, 31)


def test_sources_render_their_targets():
    data = load("dates").subset(train=500)
    for source, target in zip(data.train.sources, data.train.targets, strict=True):
        day = datetime.date.fromisoformat(target)
        assert source in {render(day, form) for form in FORMATS}
    assert len({len(s) for s in data.train.sources}) > 5  # varied lengths


def test_bad_arguments_are_refused():
    with pytest.raises(InvalidArgumentError, match="Unknown date format"):
        render(datetime.date(2000, 1, 1), "2000-01-01")
    with pytest.raises(InvalidArgumentError, match="held-out dates"):
        load_dates(num_validation=20000, num_test=20000)
    with pytest.raises(InvalidArgumentError, match="`num_train`"):
        load_dates(num_train=0)
