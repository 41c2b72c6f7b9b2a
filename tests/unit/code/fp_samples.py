"""Hand-written code samples for the code-fingerprint tests (original, not third-party)."""

INTERNAL = '''\
"""Payment schedule calculation for the claims service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

HOLIDAYS = {dt.date(2024, 12, 25), dt.date(2024, 12, 26), dt.date(2025, 1, 1)}


@dataclass
class Award:
    claim_ref: str
    weekly_amount_pence: int
    start: dt.date
    frequency_weeks: int = 2


def next_working_day(day: dt.date) -> dt.date:
    # Payments never land on a weekend or a bank holiday.
    while day.weekday() >= 5 or day in HOLIDAYS:
        day = day + dt.timedelta(days=1)
    return day


def payment_dates(award: Award, until: dt.date) -> list[dt.date]:
    """Every payment date of an award up to and including ``until``."""
    dates = []
    cursor = award.start + dt.timedelta(weeks=award.frequency_weeks)
    while cursor <= until:
        dates.append(next_working_day(cursor))
        cursor = cursor + dt.timedelta(weeks=award.frequency_weeks)
    return dates


def instalment(award: Award, previous: dt.date | None, paid_on: dt.date) -> int:
    """Pence due for the period ending on ``paid_on`` (pro rata for a short first period)."""
    if previous is None:
        days = (paid_on - award.start).days
    else:
        days = (paid_on - previous).days
    full_days = award.frequency_weeks * 7
    if days >= full_days:
        return award.weekly_amount_pence * award.frequency_weeks
    daily = award.weekly_amount_pence / 7
    return int(round(daily * days))


def schedule(award: Award, until: dt.date) -> list[tuple[dt.date, int]]:
    rows = []
    previous = None
    for paid_on in payment_dates(award, until):
        amount = instalment(award, previous, paid_on)
        if amount <= 0:
            continue
        rows.append((paid_on, amount))
        previous = paid_on
    total = sum(amount for _, amount in rows)
    if total > award.weekly_amount_pence * 60:
        raise ValueError(f"schedule for {award.claim_ref} exceeds the annual cap")
    return rows


def overpayment(schedule_rows, actually_paid):
    """Difference between what was paid and what the schedule says, by date."""
    expected = dict(schedule_rows)
    result = {}
    for when, paid in actually_paid.items():
        owed = expected.get(when, 0)
        if paid != owed:
            result[when] = paid - owed
    return result
'''

# Lines 25-63 of INTERNAL, with local identifiers renamed, 2-space indents, comments and
# docstrings removed, and different blank lines: what a member of staff might paste.
INTERNAL_EDITED = """\
def pay_days(a: Award, end: dt.date) -> list[dt.date]:
  out = []
  c = a.start + dt.timedelta(weeks=a.frequency_weeks)
  while c <= end:
    out.append(next_working_day(c))
    c = c + dt.timedelta(weeks=a.frequency_weeks)
  return out
def instalment(a: Award, prev: dt.date | None, when: dt.date) -> int:
  if prev is None:
    n = (when - a.start).days
  else:
    n = (when - prev).days
  full = a.frequency_weeks * 7
  if n >= full:
    return a.weekly_amount_pence * a.frequency_weeks
  per_day = a.weekly_amount_pence / 7
  return int(round(per_day * n))
def schedule(a: Award, end: dt.date) -> list[tuple[dt.date, int]]:
  lines = []
  prev = None
  for when in pay_days(a, end):
    amt = instalment(a, prev, when)
    if amt <= 0:
      continue
    lines.append((when, amt))
    prev = when
  grand = sum(amt for _, amt in lines)
  if grand > a.weekly_amount_pence * 60:
    raise ValueError(f"schedule for {a.claim_ref} exceeds the annual cap")
  return lines
"""

UNRELATED = """\
import csv
import statistics


def load_readings(path):
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        return [float(row["value"]) for row in reader if row.get("value")]


def summarise(values):
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    middle = len(ordered) // 2
    return {
        "count": len(values),
        "mean": statistics.fmean(values),
        "median": ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2,
        "stdev": statistics.pstdev(values),
        "min": ordered[0],
        "max": ordered[-1],
    }


class MovingAverage:
    def __init__(self, size):
        self.size = size
        self.window = []

    def push(self, value):
        self.window.append(value)
        if len(self.window) > self.size:
            self.window.pop(0)
        return sum(self.window) / len(self.window)
"""
