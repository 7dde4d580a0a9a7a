"""Time series: the bundled series, CSV checks, NaN and gap policies, splits."""

import numpy as np
import pytest

from seqkeras import datasets
from seqkeras.datasets.series import TimeSeries, load_csv_series
from seqkeras.errors import InvalidArgumentError, InvalidInputError


def write(tmp_path, text, name="series.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


DAILY = "day,a,b\n2024-01-01,1,10\n2024-01-02,2,20\n2024-01-03,3,30\n2024-01-04,4,40\n"


def test_bundled_series_need_no_network(monkeypatch):
    monkeypatch.setenv("SEQKERAS_DATA_MIRROR", "/nonexistent")
    weather = datasets.load("seattle-weather")
    assert len(weather) == 1461 and weather.frequency == "D"
    assert weather.columns == ("precipitation", "temp_max", "temp_min", "wind")
    assert weather.target_columns == ("temp_max",)
    assert weather.label_names[0] == "sun"  # the most common class first
    assert np.bincount(weather.labels).tolist() == [714, 411, 259, 54, 23]
    assert str(weather.time[0])[:10] == "2012-01-01"
    assert weather.values[1].tolist() == pytest.approx([10.9, 10.6, 2.8, 4.5])


def test_seattle_temps_fills_the_missing_summer_time_hour():
    temps = datasets.load("seattle-temps")
    assert len(temps) == 8760 and temps.frequency == "h"
    steps = np.diff(temps.time).astype("timedelta64[m]").astype(int)
    assert set(steps.tolist()) == {60}
    i = int(np.argmax(temps.time == np.datetime64("2010-03-14T03:00")))
    before, filled, after = temps.column("temp")[i - 1 : i + 2]
    assert filled == pytest.approx((before + after) / 2)


def test_stocks_are_one_column_per_company_and_goog_starts_late():
    stocks = datasets.load("stocks")
    assert stocks.columns == ("AAPL", "AMZN", "IBM", "MSFT") and len(stocks) == 123
    assert stocks.values[0].tolist() == pytest.approx([25.94, 64.56, 100.52, 39.81])
    with_goog = datasets.load_stocks(("GOOG", "MSFT"))
    assert str(with_goog.time[0])[:7] == "2004-08" and len(with_goog) == 68
    with pytest.raises(InvalidInputError, match="nan='interpolate' or nan='drop'"):
        datasets.load_stocks(("GOOG", "MSFT"), nan="error")


def test_split_is_by_time_and_never_shuffled():
    series = datasets.load("seattle-weather")
    train, validation, test = series.split(0.7, 0.2)
    assert (len(train), len(validation), len(test)) == (1023, 292, 146)
    assert train.time[-1] < validation.time[0] and validation.time[-1] < test.time[0]
    joined = np.concatenate([train.values, validation.values, test.values])
    np.testing.assert_array_equal(joined, series.values)
    np.testing.assert_array_equal(test.labels, series.labels[-146:])
    with pytest.raises(InvalidInputError, match="train \\+ validation < 1"):
        series.split(0.8, 0.3)


def test_label_indicators_are_one_hot_columns():
    weather = datasets.load("seattle-weather")[:3].with_label_indicators()
    assert weather.columns[4:] == tuple(f"weather={n}" for n in weather.label_names)
    assert weather.feature_columns == weather.columns
    one_hot = weather.values[:, 4:]
    assert one_hot.sum(axis=1).tolist() == [1, 1, 1]
    assert one_hot.argmax(axis=1).tolist() == weather.labels.tolist()


def test_csv_columns_features_and_targets(tmp_path):
    series = load_csv_series(write(tmp_path, DAILY), "day", ["a"], ["b"])
    assert series.columns == ("a", "b") and series.feature_columns == ("a",)
    assert series.target_columns == ("b",) and series.frequency == "D"
    assert series.values.tolist() == [[1, 10], [2, 20], [3, 30], [4, 40]]
    assert series.name == "series"
    everything = load_csv_series(write(tmp_path, DAILY), "day")
    assert everything.feature_columns == everything.target_columns == ("a", "b")


def test_csv_missing_column_names_what_exists(tmp_path):
    with pytest.raises(InvalidInputError) as raised:
        load_csv_series(write(tmp_path, DAILY), "day", ["a", "c"])
    assert "['c'] not found" in str(raised.value) and "'b'" in str(raised.value)
    with pytest.raises(InvalidInputError, match="Column\\(s\\) \\['date'\\]"):
        load_csv_series(write(tmp_path, DAILY), "date")


def test_csv_non_numeric_value_names_column_and_row(tmp_path):
    text = DAILY.replace("3,30", "3,thirty")
    with pytest.raises(InvalidInputError) as raised:
        load_csv_series(write(tmp_path, text), "day")
    assert "'b'" in str(raised.value) and "row 3" in str(raised.value)
    assert "'thirty'" in str(raised.value)


def test_csv_bad_timestamp(tmp_path):
    text = DAILY.replace("2024-01-03", "yesterday")
    with pytest.raises(InvalidInputError, match="'yesterday' in data row 3"):
        load_csv_series(write(tmp_path, text), "day")


def test_csv_unsorted_and_duplicated_timestamps(tmp_path):
    unsorted = DAILY.replace("2024-01-02", "2024-01-09")
    with pytest.raises(InvalidInputError, match="not sorted.*data row 3"):
        load_csv_series(write(tmp_path, unsorted), "day")
    duplicated = DAILY.replace("2024-01-03", "2024-01-02")
    with pytest.raises(InvalidInputError, match="2024-01-02 00:00:00 appears twice"):
        load_csv_series(write(tmp_path, duplicated), "day")


def test_csv_gaps_error_interpolate_or_ignore(tmp_path):
    gappy = write(tmp_path, DAILY.replace("2024-01-03,3,30\n", ""))
    with pytest.raises(InvalidInputError) as raised:
        load_csv_series(gappy, "day", frequency="D")
    assert "1 missing step" in str(raised.value) and "2024-01-03" in str(raised.value)
    assert "gaps='interpolate'" in str(raised.value)
    filled = load_csv_series(gappy, "day", frequency="D", gaps="interpolate")
    assert filled.values.tolist() == [[1, 10], [2, 20], [3, 30], [4, 40]]
    assert len(load_csv_series(gappy, "day", frequency="D", gaps="ignore")) == 3
    # Without a frequency, the usual step (one day) is inferred.
    with pytest.raises(InvalidInputError, match="missing step"):
        load_csv_series(gappy, "day")


def test_csv_nan_error_interpolate_or_drop(tmp_path):
    holey = write(tmp_path, DAILY.replace("3,30", "3,"))
    with pytest.raises(InvalidInputError) as raised:
        load_csv_series(holey, "day")
    assert "column 'b' at 2024-01-03" in str(raised.value)
    filled = load_csv_series(holey, "day", nan="interpolate")
    assert filled.column("b").tolist() == [10, 20, 30, 40]
    dropped = load_csv_series(holey, "day", nan="drop")
    assert dropped.column("a").tolist() == [1, 2, 4]
    with pytest.raises(InvalidArgumentError, match="`nan`"):
        load_csv_series(holey, "day", nan="zero")


def test_csv_empty_or_missing_file(tmp_path):
    with pytest.raises(InvalidInputError, match="empty"):
        load_csv_series(write(tmp_path, "day,a\n"), "day")
    with pytest.raises(InvalidInputError, match="not a readable CSV"):
        load_csv_series(write(tmp_path, ""), "day")
    with pytest.raises(InvalidInputError, match="No such file"):
        load_csv_series(tmp_path / "absent.csv", "day")


def test_csv_labels_and_unknown_label(tmp_path):
    text = "day,x,sky\n2024-01-01,1,sun\n2024-01-02,2,rain\n2024-01-03,3,sun\n"
    series = load_csv_series(write(tmp_path, text), "day", label_column="sky")
    assert series.label_names == ("sun", "rain") and series.labels.tolist() == [0, 1, 0]
    assert series.feature_columns == ("x",) and series.label_column == "sky"
    with pytest.raises(InvalidInputError, match="\\['rain'\\].*not in label_names"):
        load_csv_series(
            write(tmp_path, text), "day", label_column="sky", label_names=["sun", "fog"]
        )


def test_time_series_checks_its_own_shapes():
    with pytest.raises(InvalidInputError, match="3 timestamps but 2 rows"):
        TimeSeries("s", np.arange(3).astype("datetime64[D]"), np.zeros((2, 1)), ["a"])
    series = TimeSeries("s", np.arange(2).astype("datetime64[D]"), np.zeros(2), ["a"])
    with pytest.raises(InvalidInputError, match="no column\\(s\\) \\['b'\\]"):
        series.column_indices(["b"])
    with pytest.raises(TypeError, match="slice"):
        series[0]
