"""The relative dates of the demo data: "today-30", "fy_start+6m-1", "quarter_end-7q".

A date is an anchor followed by any number of steps, applied left to right:

- anchors: ``today`` (the day the demo is loaded), ``fy_start`` and ``fy_end`` (the first and
  last day of the fiscal year containing today), ``quarter_end`` (the last day of the latest
  fiscal quarter that has ended by today; today itself on a quarter's last day);
- steps: a sign, a whole number and a unit: ``d`` days (the default when no unit is given),
  ``m`` months, ``y`` years, ``q`` quarters. Months and years keep the day of the month where
  they can and otherwise take the month's last day (31 January + 1m is 28 or 29 February).
  Quarters are three months that keep a month's last day on a month's last day, so
  ``quarter_end-1q`` is the quarter end before.

A date and time is a date, a space and a local time: ``today-12 14:30``.

Text may name the fiscal year: ``{fy}`` is the year the current fiscal year starts in,
``{fy-1}`` the one before (any offset works).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from plans.services import fiscal_year_bounds

_DATE = re.compile(r"^(today|fy_start|fy_end|quarter_end)((?:[+-]\d+[dmyq]?)*)$")
_STEP = re.compile(r"([+-]\d+)([dmyq]?)")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_FISCAL_YEAR = re.compile(r"\{fy([+-]\d+)?\}")


def _month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def _step(day: dt.date, amount: int, unit: str) -> dt.date:
    if unit in ("", "d"):
        return day + dt.timedelta(days=amount)
    if unit == "m":
        return day + relativedelta(months=amount)
    if unit == "y":
        return day + relativedelta(years=amount)
    if _month_end(day):
        return day + relativedelta(months=3 * amount, day=31)
    return day + relativedelta(months=3 * amount)


@dataclass(frozen=True)
class Calendar:
    """The anchors of the notation for one load day and fiscal year start month."""

    today: dt.date
    fy_start: dt.date
    fy_end: dt.date
    quarter_end: dt.date

    @classmethod
    def on(cls, today: dt.date, fiscal_year_start_month: int) -> Calendar:
        fy_start, fy_end = fiscal_year_bounds(day=today, start_month=fiscal_year_start_month)
        # Quarters start in the fiscal year's first month and every third month after it.
        months_in = (today.month - fiscal_year_start_month) % 3
        quarter_start = today.replace(day=1) - relativedelta(months=months_in)
        quarter_end = quarter_start + relativedelta(months=3) - dt.timedelta(days=1)
        if quarter_end > today:
            quarter_end = quarter_start - dt.timedelta(days=1)
        return cls(today, fy_start, fy_end, quarter_end)

    def date(self, text: str) -> dt.date:
        match = _DATE.match(text.strip())
        if match is None:
            raise ValueError(f"not a demo date: {text!r}")
        day = getattr(self, match[1])
        for amount, unit in _STEP.findall(match[2]):
            day = _step(day, int(amount), unit)
        return day

    def datetime(self, text: str) -> dt.datetime:
        date_text, _, time_text = text.strip().rpartition(" ")
        match = _TIME.match(time_text)
        if not date_text or match is None:
            raise ValueError(f"not a demo date and time: {text!r}")
        moment = dt.datetime.combine(self.date(date_text), dt.time(int(match[1]), int(match[2])))
        return timezone.make_aware(moment)

    def text(self, value: str, **years: int) -> str:
        """The text with its fiscal years filled in, and any other years named in `years`."""
        year = self.fy_start.year
        value = _FISCAL_YEAR.sub(lambda m: str(year + int(m[1] or 0)), value)
        for name, number in years.items():
            value = value.replace(f"{{{name}}}", str(number))
        return value
