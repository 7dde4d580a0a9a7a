"""Generated date translation: human-readable dates to ISO `YYYY-MM-DD`.

The embedded default for translation: it needs no network, any number of
pairs can be made, and every source has exactly one right answer, so exact
match measures a model without ambiguity. Each date is written in one of
the formats below, chosen at random:

    25 March 2011        25 Mar 2011          March 25, 2011
    Mar 25 2011          Friday, March 25, 2011
    friday 25 march 2011 the 25th of March 2011
    25.03.2011 (day first)   03/25/2011 (month first)   25 MAR 11

Numeric formats never leave a doubt: a dot always means day first, a slash
month first, and a two-digit year is always 19xx for 50-99 and 20xx for
00-49, the range the dates are drawn from (1950-2049).

The split is by calendar day: a date in the test split never appears, in
any format, in training.

Example:

>>> import datetime
>>> render(datetime.date(2011, 3, 25), "the 25th of March 2011")
'the 25th of March 2011'
>>> data = load_dates(num_train=100, num_validation=10, num_test=10, seed=0)
>>> len(data.train), data.train.targets[0][4], data.train.targets[0][7]
(100, '-', '-')
"""

import datetime

import numpy as np

from seqkeras._validation import non_negative_int, positive_int
from seqkeras.datasets.translation import SentencePairs, TranslationData
from seqkeras.errors import InvalidArgumentError

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = (
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
)  # fmt: skip
# Each format, named by its rendering of 25 March 2011.
FORMATS = (
    "25 March 2011",
    "25 Mar 2011",
    "March 25, 2011",
    "Mar 25 2011",
    "Friday, March 25, 2011",
    "friday 25 march 2011",
    "the 25th of March 2011",
    "25.03.2011",
    "03/25/2011",
    "25 MAR 11",
)
FIRST_DAY = datetime.date(1950, 1, 1)
LAST_DAY = datetime.date(2049, 12, 31)


def _ordinal(day):
    suffix = (
        "th"
        if 11 <= day % 100 <= 13
        else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    )
    return f"{day}{suffix}"


def render(date, form):
    """Writes `date` in the format named `form` (one of `FORMATS`)."""
    d, m, y = date.day, MONTHS[date.month - 1], date.year
    weekday = WEEKDAYS[date.weekday()]
    renderings = {
        "25 March 2011": f"{d} {m} {y}",
        "25 Mar 2011": f"{d} {m[:3]} {y}",
        "March 25, 2011": f"{m} {d}, {y}",
        "Mar 25 2011": f"{m[:3]} {d} {y}",
        "Friday, March 25, 2011": f"{weekday}, {m} {d}, {y}",
        "friday 25 march 2011": f"{weekday} {d} {m} {y}".lower(),
        "the 25th of March 2011": f"the {_ordinal(d)} of {m} {y}",
        "25.03.2011": f"{d:02d}.{date.month:02d}.{y}",
        "03/25/2011": f"{date.month:02d}/{d:02d}/{y}",
        "25 MAR 11": f"{d} {m[:3].upper()} {y % 100:02d}",
    }
    if form not in renderings:
        raise InvalidArgumentError(
            f"Unknown date format {form!r}; the formats are {list(FORMATS)}."
        )
    return renderings[form]


def generate_dates(days, *, seed=0):
    """One `(rendering, ISO date)` pair per date in `days`, formats at random."""
    rng = np.random.default_rng(seed)
    forms = rng.integers(len(FORMATS), size=len(days))
    return SentencePairs(
        [render(day, FORMATS[f]) for day, f in zip(days, forms, strict=True)],
        [day.isoformat() for day in days],
    )


def load_dates(*, num_train=20000, num_validation=1000, num_test=1000, seed=0):
    """Generated date translation with splits disjoint by calendar day.

    Args:
        num_train, num_validation, num_test: pairs per split. Training may
            repeat a day (in other formats); validation and test hold
            distinct days, unseen in training.
        seed: the same seed gives the same data.

    Returns:
        A `TranslationData` from human-readable dates to `YYYY-MM-DD`.
    """
    positive_int("num_train", num_train)
    non_negative_int("num_validation", num_validation)
    non_negative_int("num_test", num_test)
    total_days = (LAST_DAY - FIRST_DAY).days + 1
    held_out = num_validation + num_test
    if held_out >= total_days // 2:
        raise InvalidArgumentError(
            f"Asked for {held_out:,} held-out dates; keep them under "
            f"{total_days // 2:,} so that training still covers the calendar."
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(total_days)

    def day(i):
        return FIRST_DAY + datetime.timedelta(days=int(i))

    validation_days = [day(i) for i in order[:num_validation]]
    test_days = [day(i) for i in order[num_validation:held_out]]
    train_pool = order[held_out:]
    train_days = [day(i) for i in rng.choice(train_pool, size=num_train)]
    return TranslationData(
        name="dates",
        train=generate_dates(train_days, seed=seed + 1),
        validation=generate_dates(validation_days, seed=seed + 2),
        test=generate_dates(test_days, seed=seed + 3),
        source_language="human-readable date",
        target_language="ISO 8601 date",
        description="generated: dates 1950-2049 in 10 written formats -> "
        "YYYY-MM-DD; test days unseen in training (embedded, no download)",
    )
