"""Time series: a container, CSV loading with checks, and the bundled series.

A `TimeSeries` is a table indexed by time: numeric columns (`values`), and
optionally one categorical label per step (the weather of the day). Which
columns a model reads (`feature_columns`) and which it predicts
(`target_columns`) are stored with it as defaults.

Real series come bundled with the `vega_datasets` package, so they need no
network: `seattle-weather` (daily, 2012-2015), `seattle-temps` (hourly, 2010)
and `stocks` (monthly prices of five companies, 2000-2010).

Timestamps are read strictly: ISO dates (`2009-01-13 00:10`) as they are;
dates that start with the day or the month (`13.01.2009`, `01/13/2009`)
only when the order is certain, from `dayfirst=`, from `time_format=`, or
from the file itself when every date can be read only one way. A column in
which some date reads differently day-first and month-first is refused with
both readings shown, never guessed. `resample="1h"` then averages each hour
(or applies the rule given per column), so that 10-minute data can be
forecast in hours.

Splits are by time only: `series.split(0.7, 0.2)` is the first 70% for
training, the next 20% for validation and the rest for testing, so a model is
never tested on days that come before days it trained on.

One concept, a series and where it comes from, kept in one module of about
500 lines: the container's checks and the CSV reader's are the same rules.

Example:

>>> series = load_seattle_weather()
>>> series.summary()
"seattle-weather: 1,461 daily steps 2012-01-01 .. 2015-12-31, columns [...]"
>>> train, validation, test = series.split(0.7, 0.2)
>>> len(train), len(validation), len(test)
(1023, 292, 146)
"""

import dataclasses
import warnings

import numpy as np
import pandas as pd

from seqkeras._validation import one_of
from seqkeras.datasets.splits import cut_points
from seqkeras.errors import InvalidInputError

NAN_POLICIES = ("error", "interpolate", "drop")
GAP_POLICIES = ("error", "interpolate", "ignore")
RESAMPLE_RULES = ("mean", "sum", "min", "max", "first", "last", "median")
# A date that starts with the day or the month: "13.01.2009 00:10", "1/13/09".
_DAY_MONTH_DATE = r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4})\b(.*)$"


@dataclasses.dataclass(frozen=True, eq=False)
class TimeSeries:
    """Numeric columns over time, with optional per-step class labels.

    Args:
        name: a short name, shown in summaries and plots.
        time: `(steps,)` timestamps, increasing (`datetime64`).
        values: `(steps, columns)` float32 values.
        columns: the column names, one per column of `values`.
        feature_columns: the columns a model reads by default.
        target_columns: the columns a model predicts by default.
        labels: `(steps,)` int64 class ids, or None.
        label_names: class names, indexed by label id.
        label_column: what the labels are called ("weather").
        frequency: the pandas frequency of the steps ("h", "D", "MS"), or None.
        description: where the data comes from.
    """

    name: str
    time: np.ndarray
    values: np.ndarray
    columns: tuple
    feature_columns: tuple = None
    target_columns: tuple = None
    labels: np.ndarray = None
    label_names: tuple = ()
    label_column: str = "label"
    frequency: str = None
    description: str = ""

    def __post_init__(self):
        values = np.asarray(self.values, dtype="float32")
        if values.ndim == 1:
            values = values[:, None]
        columns = tuple(str(c) for c in self.columns)
        time = np.asarray(self.time).astype("datetime64[ns]")
        if values.ndim != 2 or values.shape[1] != len(columns):
            raise InvalidInputError(
                f"Expected values of shape (steps, {len(columns)}) for columns "
                f"{list(columns)}, got {values.shape}."
            )
        if len(time) != len(values):
            raise InvalidInputError(
                f"Got {len(time)} timestamps but {len(values)} rows of values."
            )
        set_ = object.__setattr__
        set_(self, "values", values)
        set_(self, "columns", columns)
        set_(self, "time", time)
        features = columns if self.feature_columns is None else self.feature_columns
        targets = features if self.target_columns is None else self.target_columns
        set_(self, "feature_columns", tuple(features))
        set_(self, "target_columns", tuple(targets))
        self.column_indices(self.feature_columns)  # both must exist
        self.column_indices(self.target_columns)
        if self.labels is not None:
            labels = np.asarray(self.labels, dtype="int64").reshape(-1)
            if len(labels) != len(values):
                raise InvalidInputError(
                    f"Got {len(labels)} labels for {len(values)} steps."
                )
            set_(self, "labels", labels)
            set_(self, "label_names", tuple(str(n) for n in self.label_names))

    def __len__(self):
        return len(self.values)

    def __getitem__(self, index):
        """Steps `index` (a slice) as a new `TimeSeries`."""
        if not isinstance(index, slice):
            raise TypeError("Index a TimeSeries with a slice: series[100:200].")
        return dataclasses.replace(
            self,
            time=self.time[index],
            values=self.values[index],
            labels=None if self.labels is None else self.labels[index],
        )

    def column_indices(self, names):
        """The positions of the columns `names`; a clear error for unknown ones."""
        missing = [n for n in names if n not in self.columns]
        if missing:
            raise InvalidInputError(
                f"{self.name} has no column(s) {missing}; its columns are "
                f"{list(self.columns)}."
            )
        return [self.columns.index(n) for n in names]

    def column(self, name):
        """The `(steps,)` values of one column."""
        return self.values[:, self.column_indices([name])[0]]

    def split(self, train=0.7, validation=0.2):
        """Splits by time: the first `train` fraction, then `validation`, then
        the rest for testing. Returns `(train, validation, test)`."""
        a, b = cut_points(len(self), train, validation)
        return self[:a], self[a:b], self[b:]

    def with_label_indicators(self):
        """A copy with one 0/1 column per class (`"weather=sun"`, ...), so
        that a model can read the labels of past steps as features."""
        if self.labels is None:
            raise InvalidInputError(f"{self.name} has no labels.")
        names = tuple(f"{self.label_column}={n}" for n in self.label_names)
        one_hot = np.eye(len(self.label_names), dtype="float32")[self.labels]
        return dataclasses.replace(
            self,
            values=np.concatenate([self.values, one_hot], axis=1),
            columns=self.columns + names,
            feature_columns=self.feature_columns + names,
        )

    def to_frame(self):
        """A pandas DataFrame indexed by time (labels as names, if any)."""
        frame = pd.DataFrame(self.values, columns=list(self.columns))
        frame.index = pd.DatetimeIndex(self.time, name="time")
        if self.labels is not None:
            names = np.asarray(self.label_names, dtype=object)
            frame[self.label_column] = names[self.labels]
        return frame

    def summary(self):
        """One line: name, length, span, columns."""
        if not len(self):
            return f"{self.name}: empty"
        unit = {"h": "hourly", "D": "daily", "MS": "monthly"}.get(
            self.frequency, self.frequency or "irregular"
        )
        start, end = (str(t)[:10] for t in (self.time[0], self.time[-1]))
        text = (
            f"{self.name}: {len(self):,} {unit} steps {start} .. {end}, "
            f"columns {list(self.columns)}"
        )
        if self.labels is not None:
            text += f", labels {list(self.label_names)}"
        return text


def from_frame(
    frame,
    time_column,
    feature_columns=None,
    target_columns=None,
    *,
    label_column=None,
    label_names=None,
    nan="error",
    gaps="error",
    frequency=None,
    time_format=None,
    dayfirst=None,
    resample=None,
    resample_rules=None,
    name="series",
    description="",
    source=None,
):
    """Builds a `TimeSeries` from a pandas DataFrame, checking it first.

    Args:
        frame: the table, one row per time step.
        time_column: the column of timestamps.
        feature_columns: numeric columns a model reads (default: every column
            but the time and the label, which must then all be numeric).
        target_columns: numeric columns a model predicts (default: the
            features). Features and targets together are the series' columns.
        label_column: a categorical column to keep as per-step class labels.
        label_names: the classes in id order (default: sorted by frequency,
            most common first).
        nan: what to do with missing values in the numeric columns: "error"
            (refuse, saying where), "interpolate" (linearly in time) or "drop"
            (drop those rows; windows then span the dropped steps).
        gaps: what to do with missing time steps: "error", "interpolate"
            (insert them and interpolate the numeric columns; not allowed with
            labels) or "ignore".
        frequency: the spacing of the steps as a pandas frequency ("h", "D",
            "MS"); None infers it.
        time_format: how the timestamps are written, as `strftime` codes
            ("%d.%m.%Y %H:%M:%S"); None reads ISO dates, and dates that start
            with the day or the month as `dayfirst` says.
        dayfirst: True for day-first dates (13.01.2009), False for
            month-first (01/13/2009); None accepts only an order the column
            proves (some day above 12, no date readable both ways).
        resample: a pandas frequency ("1h", "1D") to resample the series to
            before anything else: each new step takes the mean of the rows in
            it (see `resample_rules`), labels their most common label.
        resample_rules: column -> one of `RESAMPLE_RULES` ("sum" for
            rainfall, "max" for gusts); other columns take the mean.
        name: the series' name.
        description: where the data comes from.
        source: the file the frame came from, named in errors.
    """
    one_of("nan", nan, NAN_POLICIES)
    one_of("gaps", gaps, GAP_POLICIES)
    where = f" in {source}" if source else ""
    if len(frame) == 0:
        raise InvalidInputError(f"The series{where} is empty: it has no rows.")
    reserved = {time_column, label_column}
    if feature_columns is None:
        feature_columns = [c for c in frame.columns if c not in reserved]
    feature_columns = list(feature_columns)
    target_columns = list(feature_columns if target_columns is None else target_columns)
    columns = list(dict.fromkeys(feature_columns + target_columns))
    wanted = [time_column, *columns] + ([label_column] if label_column else [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise InvalidInputError(
            f"Column(s) {missing} not found{where}; the columns are "
            f"{list(frame.columns)}."
        )
    if not columns:
        raise InvalidInputError(f"No numeric columns to use{where}.")
    frame = frame[wanted].copy()
    frame[time_column] = _parse_times(
        frame[time_column], time_column, where, time_format, dayfirst
    )
    for column in columns:
        frame[column] = _parse_numbers(frame[column], column, where)
    _check_order(frame[time_column], time_column, where)
    if resample is not None:
        frame = _resample(
            frame, time_column, columns, label_column, resample, resample_rules, where
        )
        frequency = frame.attrs["frequency"]
    if frequency is None:
        frequency = _infer_frequency(frame[time_column])
    frame = _handle_gaps(
        frame, time_column, columns, label_column, gaps, frequency, where
    )
    frame = _handle_nan(frame, time_column, columns, nan, where)

    labels = names = None
    if label_column:
        text = frame[label_column].astype(str)
        if label_names is None:
            label_names = list(text.value_counts().index)
        names = tuple(str(n) for n in label_names)
        unknown = sorted(set(text) - set(names))
        if unknown:
            raise InvalidInputError(
                f"Label(s) {unknown} in column {label_column!r}{where} are not in "
                f"label_names {list(names)}."
            )
        labels = text.map({n: i for i, n in enumerate(names)}).to_numpy("int64")
    return TimeSeries(
        name=name,
        time=frame[time_column].to_numpy("datetime64[ns]"),
        values=frame[columns].to_numpy("float32"),
        columns=tuple(columns),
        feature_columns=tuple(feature_columns),
        target_columns=tuple(target_columns),
        labels=labels,
        label_names=names or (),
        label_column=label_column or "label",
        frequency=frequency,
        description=description,
    )


def load_csv_series(
    path,
    time_column,
    feature_columns=None,
    target_columns=None,
    **kwargs,
):
    """Loads a time series from a CSV file with a time column.

    The file is checked before use: every named column must exist, numeric
    columns must hold numbers, timestamps must be read in a certain order
    of day and month and be increasing without duplicates, and missing steps
    or values are handled as the caller says (see `from_frame` for `nan`,
    `gaps`, `frequency`, `label_column`, `time_format`, `dayfirst`,
    `resample` and `resample_rules`).

    Args:
        path: the CSV file.
        time_column: the column of timestamps.
        feature_columns: numeric columns a model reads (default: all numeric).
        target_columns: numeric columns a model predicts (default: features).
        **kwargs: passed to `from_frame`.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sales.csv"
    >>> _ = path.write_text("day,sales\\n2024-01-01,3\\n2024-01-02,5\\n2024-01-03,4\\n")
    >>> series = load_csv_series(path, "day", ["sales"])
    >>> series.values[:, 0].tolist(), series.frequency
    ([3.0, 5.0, 4.0], 'D')
    """
    import pathlib

    path = pathlib.Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such file: {path}")
    try:
        # Times stay text until `from_frame` reads them in a certain order.
        frame = pd.read_csv(path, dtype={time_column: str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise InvalidInputError(f"{path} is not a readable CSV file: {e}") from None
    kwargs.setdefault("name", path.name)
    return from_frame(
        frame, time_column, feature_columns, target_columns, source=path, **kwargs
    )


# === Checks ===


def _parse_times(column, name, where, time_format=None, dayfirst=None):
    """Timestamps from a column, read as the module docstring says."""
    hint = ""
    if time_format is not None:
        times = pd.to_datetime(column, format=time_format, errors="coerce")
        hint = f" in the format {time_format!r}"
    elif pd.api.types.is_datetime64_any_dtype(column):
        times = column
    else:
        text = column.astype(str)
        parts = text.str.extract(_DAY_MONTH_DATE)
        if parts[0].notna().any():
            text = _day_month_to_iso(text, parts, name, where, dayfirst)
            hint = " (day-first)" if dayfirst else " (month-first)"
        times = pd.to_datetime(text, format="ISO8601", errors="coerce")
        if times.isna().all() and not hint:  # another layout, read by pandas
            with warnings.catch_warnings():  # "could not infer format"
                warnings.simplefilter("ignore")
                times = pd.to_datetime(text, format="mixed", errors="coerce")
    bad = times.isna()
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise InvalidInputError(
            f"Column {name!r}{where} holds {int(bad.sum())} value(s) that are not "
            f"timestamps{hint}, the first {column.iloc[row]!r} in data row "
            f"{row + 1}. Pass `time_format` (--time-format) with the layout of "
            "the dates, such as '%d.%m.%Y %H:%M:%S'."
        )
    return times


def _day_month_to_iso(text, parts, name, where, dayfirst):
    """Rewrites `13.01.2009 00:10` as `2009-01-13 00:10`, in the order that
    `dayfirst` says or that the column proves; refuses an unproven order."""
    first = pd.to_numeric(parts[0]).to_numpy()
    second = pd.to_numeric(parts[2]).to_numpy()
    if dayfirst is None:
        both_ways = (first <= 12) & (second <= 12) & (first != second)
        if both_ways.any():
            row = int(np.argmax(both_ways))
            value = text.iloc[row].strip()
            day_first = f"{int(parts[3].iloc[row])}-{second[row]:02d}-{first[row]:02d}"
            month_first = (
                f"{int(parts[3].iloc[row])}-{first[row]:02d}-{second[row]:02d}"
            )
            proof = ""
            if (first > 12).any() or (second > 12).any():
                big = int(np.argmax((first > 12) | (second > 12)))
                proof = (
                    f" (data row {big + 1}, {text.iloc[big].strip()!r}, reads only "
                    f"{'day' if first[big] > 12 else 'month'}-first)"
                )
            raise InvalidInputError(
                f"Column {name!r}{where} holds dates that read two ways: data row "
                f"{row + 1}, {value!r}, is {day_first} day-first and {month_first} "
                f"month-first{proof}. Say which: dayfirst=True or False "
                "(--dayfirst, --monthfirst), or time_format (--time-format)."
            )
        dayfirst = bool((first > 12).any())
    day, month = (first, second) if dayfirst else (second, first)
    iso = (
        parts[3]
        + "-"
        + pd.Series(month, index=text.index).map("{:02d}".format)
        + "-"
        + pd.Series(day, index=text.index).map("{:02d}".format)
        + parts[4].fillna("")
    )
    return iso.where(parts[0].notna(), text)


def _parse_numbers(column, name, where):
    numbers = pd.to_numeric(column, errors="coerce")
    bad = numbers.isna() & column.notna()
    if bad.any():
        row = int(np.argmax(bad.to_numpy()))
        raise InvalidInputError(
            f"Column {name!r}{where} must be numeric, but data row {row + 1} holds "
            f"{column.iloc[row]!r}. Fix the file, or leave the column out of "
            "feature_columns and target_columns."
        )
    return numbers.astype("float64")


def _check_order(times, name, where):
    steps = times.diff().iloc[1:]
    duplicated = steps == pd.Timedelta(0)
    if duplicated.any():
        row = int(np.argmax(duplicated.to_numpy())) + 1
        raise InvalidInputError(
            f"Timestamp {times.iloc[row]} appears twice in {name!r}{where} (data "
            f"rows {row} and {row + 1}): keep one row per time step."
        )
    backwards = steps < pd.Timedelta(0)
    if backwards.any():
        row = int(np.argmax(backwards.to_numpy())) + 1
        raise InvalidInputError(
            f"Timestamps in {name!r}{where} are not sorted: {times.iloc[row]} (data "
            f"row {row + 1}) comes after {times.iloc[row - 1]}. Sort the rows by "
            "time first."
        )


def _resample(frame, time_column, columns, label_column, rule, rules, where):
    """The frame resampled to steps of `rule`: each column by its rule (the
    mean unless `rules` says otherwise), labels by their most common value.
    The frequency used goes to `frame.attrs["frequency"]`."""
    try:
        offset = pd.tseries.frequencies.to_offset(rule)
    except ValueError:
        raise InvalidInputError(
            f"resample={rule!r} is not a pandas frequency; use one such as '1h', "
            "'30min' or '1D'."
        ) from None
    rules = dict(rules or {})
    unknown = sorted(set(rules) - set(columns))
    if unknown:
        raise InvalidInputError(
            f"resample_rules names column(s) {unknown} that the series{where} does "
            f"not use; its columns are {columns}."
        )
    for column, how in rules.items():
        one_of(f"resample_rules[{column!r}]", how, RESAMPLE_RULES)
    how = {column: rules.get(column, "mean") for column in columns}
    indexed = frame.set_index(time_column)
    resampled = indexed[columns].resample(offset).agg(how)
    if label_column:
        resampled[label_column] = (
            indexed[label_column]
            .resample(offset)
            .agg(lambda s: s.mode().iloc[0] if len(s) else np.nan)
        )
    resampled = resampled.rename_axis(time_column).reset_index()
    resampled.attrs["frequency"] = offset.freqstr
    return resampled


def _infer_frequency(times):
    if len(times) < 3:
        return None
    with warnings.catch_warnings():  # pandas 3 warns that the type will change
        warnings.simplefilter("ignore")
        frequency = pd.infer_freq(pd.DatetimeIndex(times))
    if frequency is not None:
        frequency = pd.tseries.frequencies.to_offset(frequency).freqstr
    else:  # a gap stops pandas inferring: take the usual step
        step = times.diff().iloc[1:].mode().iloc[0]
        frequency = pd.tseries.frequencies.to_offset(step).freqstr
    return frequency


def _handle_gaps(frame, time_column, columns, label_column, gaps, frequency, where):
    if gaps == "ignore" or frequency is None:
        return frame
    times = pd.DatetimeIndex(frame[time_column])
    expected = pd.date_range(times[0], times[-1], freq=frequency)
    missing = expected.difference(times)
    if len(missing) == 0:
        return frame
    if gaps == "error":
        shown = ", ".join(str(t) for t in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise InvalidInputError(
            f"The series{where} has {len(missing)} missing step(s) at frequency "
            f"{frequency!r}: {shown}{more}. Pass gaps='interpolate' to fill them, "
            "gaps='ignore' to use the rows as they are, or the right `frequency`."
        )
    if label_column:
        raise InvalidInputError(
            f"The series{where} has {len(missing)} missing step(s), and labels "
            "cannot be interpolated: pass gaps='ignore' or fill the file."
        )
    filled = frame.set_index(time_column).reindex(expected)
    filled[columns] = filled[columns].interpolate(method="time", limit_area="inside")
    return filled.rename_axis(time_column).reset_index()


def _handle_nan(frame, time_column, columns, nan, where):
    empty = frame[columns].isna()
    if not empty.to_numpy().any():
        return frame
    if nan == "error":
        row, col = np.argwhere(empty.to_numpy())[0]
        raise InvalidInputError(
            f"The series{where} has {int(empty.to_numpy().sum())} missing value(s), "
            f"the first in column {columns[col]!r} at {frame[time_column].iloc[row]}. "
            "Pass nan='interpolate' or nan='drop', or fill them in the file."
        )
    if nan == "drop":
        return frame[~empty.any(axis=1)].reset_index(drop=True)
    indexed = frame.set_index(time_column)
    indexed[columns] = indexed[columns].interpolate(
        method="time", limit_direction="both"
    )
    return indexed.reset_index()


# === Bundled series (vega_datasets, no network) ===


def _vega(name):
    from vega_datasets import local_data

    return getattr(local_data, name.replace("-", "_"))()


def load_seattle_weather():
    """Daily Seattle weather, 2012-2015 (vega_datasets, bundled offline).

    Columns `precipitation` (mm), `temp_max` and `temp_min` (degrees C) and
    `wind` (m/s); labels: the day's weather (sun, fog, rain, drizzle, snow,
    most common first). The default target is `temp_max`.
    """
    return from_frame(
        _vega("seattle-weather"),
        "date",
        ["precipitation", "temp_max", "temp_min", "wind"],
        ["temp_max"],
        label_column="weather",
        name="seattle-weather",
        description="Seattle daily weather 2012-2015, via the vega_datasets package",
    )


def load_seattle_temps():
    """Hourly Seattle temperature (degrees F) in 2010 (vega_datasets).

    The file lacks one hour on the day of the change to summer time
    (2010-03-14 03:00); it is filled by linear interpolation, so the series
    has 8,760 evenly spaced steps. The series is smooth (the same hour one
    day earlier differs by 0.16 degrees on average), so repeating yesterday
    is a strong baseline.
    """
    return from_frame(
        _vega("seattle-temps"),
        "date",
        ["temp"],
        gaps="interpolate",
        frequency="h",
        name="seattle-temps",
        description="Seattle hourly temperature 2010, via the vega_datasets package",
    )


def load_stocks(symbols=("AAPL", "AMZN", "IBM", "MSFT"), *, nan="drop"):
    """Monthly closing prices (USD), 2000-01 to 2010-03 (vega_datasets).

    Args:
        symbols: which companies, one column each: any of AAPL, AMZN, GOOG,
            IBM, MSFT. GOOG starts in 2004-08.
        nan: with GOOG, the months before it was listed are missing: "drop"
            starts the series at 2004-08, "error" refuses.
    """
    long = _vega("stocks")
    wide = long.pivot(index="date", columns="symbol", values="price").reset_index()
    wide.columns.name = None
    return from_frame(
        wide,
        "date",
        list(symbols),
        nan=nan,
        frequency="MS",
        name="stocks",
        description="Monthly stock prices 2000-2010, via the vega_datasets package",
    )
