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
    with pytest.raises(InvalidArgumentError, match="train \\+ validation < 1"):
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
    assert series.name == "series.csv"
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


def ten_minute_day_first(periods=3000):
    """10-minute readings with day-first timestamps, as the Jena climate
    record writes them: `13.01.2009 00:10:00`."""
    import pandas as pd

    times = pd.date_range("2009-01-01", periods=periods, freq="10min")
    rows = [f"{t:%d.%m.%Y %H:%M:%S},{i % 6}" for i, t in enumerate(times)]
    return "Date Time,T\n" + "\n".join(rows) + "\n"


def test_dates_that_read_two_ways_are_refused_with_both_readings(tmp_path):
    path = write(tmp_path, ten_minute_day_first())
    with pytest.raises(InvalidInputError) as error:
        load_csv_series(path, "Date Time")
    message = str(error.value)
    assert "'02.01.2009 00:00:00', is 2009-01-02 day-first and 2009-02-01" in message
    assert "'13.01.2009 00:00:00', reads only day-first" in message
    assert "dayfirst=True" in message
    # Cut to days 1-12 (what once loaded month-first without a word): the
    # same refusal, with no proof of either order.
    short = write(tmp_path, ten_minute_day_first(12 * 144), "short.csv")
    with pytest.raises(InvalidInputError, match="read two ways") as error:
        load_csv_series(short, "Date Time")
    assert "reads only" not in str(error.value)


def test_day_first_dates_read_when_told_or_when_certain(tmp_path):
    path = write(tmp_path, ten_minute_day_first())
    series = load_csv_series(path, "Date Time", dayfirst=True)
    assert len(series) == 3000 and series.frequency == "10min"
    assert str(series.time[1728]) == "2009-01-13T00:00:00.000000000"
    formatted = load_csv_series(path, "Date Time", time_format="%d.%m.%Y %H:%M:%S")
    np.testing.assert_array_equal(formatted.time, series.time)
    with pytest.raises(InvalidInputError, match="not timestamps \\(month-first\\)"):
        load_csv_series(path, "Date Time", dayfirst=False)
    # Every date readable one way only: that order, with nothing to say.
    certain = write(tmp_path, "day,x\n13.01.2009,1\n14.01.2009,2\n15.01.2009,3\n")
    assert str(load_csv_series(certain, "day").time[0])[:10] == "2009-01-13"
    us = write(tmp_path, "day,x\n01/13/2009,1\n01/14/2009,2\n01/15/2009,3\n")
    assert str(load_csv_series(us, "day").time[2])[:10] == "2009-01-15"


def test_timestamps_are_checked_for_order_after_reading(tmp_path):
    # Sorted as text, not as dates: 02.01 comes before 31.12 in the file.
    path = write(tmp_path, "day,x\n30.12.2008,1\n02.01.2009,2\n31.12.2008,3\n")
    with pytest.raises(InvalidInputError, match="not sorted: 2008-12-31"):
        load_csv_series(path, "day", dayfirst=True)


def test_resampling_averages_each_step_or_applies_a_rule(tmp_path):
    path = write(tmp_path, ten_minute_day_first(144))  # one day
    hourly = load_csv_series(path, "Date Time", dayfirst=True, resample="1h")
    assert len(hourly) == 24 and hourly.frequency == "h"
    np.testing.assert_allclose(hourly.column("T"), 2.5)  # mean of 0..5
    summed = load_csv_series(
        path, "Date Time", dayfirst=True, resample="1h", resample_rules={"T": "sum"}
    )
    np.testing.assert_allclose(summed.column("T"), 15.0)
    daily_max = load_csv_series(
        path, "Date Time", dayfirst=True, resample="1D", resample_rules={"T": "max"}
    )
    assert daily_max.values.tolist() == [[5.0]] and daily_max.frequency == "D"
    with pytest.raises(InvalidInputError, match="not a pandas frequency"):
        load_csv_series(path, "Date Time", dayfirst=True, resample="hourly")
    with pytest.raises(InvalidInputError, match="names column\\(s\\) \\['rain'\\]"):
        load_csv_series(
            path,
            "Date Time",
            dayfirst=True,
            resample="1h",
            resample_rules={"rain": "sum"},
        )
    with pytest.raises(InvalidArgumentError, match="resample_rules\\['T'\\]"):
        load_csv_series(
            path, "Date Time", dayfirst=True, resample="1h", resample_rules={"T": "avg"}
        )


def test_resampled_labels_take_the_most_common_label(tmp_path):
    rows = (
        ["t,x,kind"]
        + [
            f"2024-01-01 00:{m:02d},1,{'rain' if m < 40 else 'sun'}"
            for m in range(0, 60, 10)
        ]
        + [f"2024-01-01 01:{m:02d},3,sun" for m in range(0, 60, 10)]
    )
    path = write(tmp_path, "\n".join(rows) + "\n")
    series = load_csv_series(path, "t", ["x"], label_column="kind", resample="1h")
    names = [series.label_names[i] for i in series.labels]
    assert names == ["rain", "sun"] and series.values[:, 0].tolist() == [1.0, 3.0]
