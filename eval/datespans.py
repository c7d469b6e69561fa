"""Dates as documents write them (2027-03-15, 15 March 2027, March 2027, Q1 2027, H2 2027), each read as
the span of days it covers."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE = re.compile(
    r"\b(?P<iso>(?P<y1>20\d\d)-(?P<m1>[01]\d)-(?P<d1>[0-3]\d))\b"
    rf"|\b(?P<d2>[0-3]?\d) (?P<m2>{_MONTH})\.? (?P<y2>20\d\d)\b"
    rf"|\b(?P<m3>{_MONTH})\.? (?P<d3>[0-3]?\d), (?P<y3>20\d\d)\b"
    rf"|\b(?P<m4>{_MONTH})\.? (?P<y4>20\d\d)\b"
    r"|\bQ(?P<q>[1-4])[ /-]?(?P<y5>20\d\d)\b"
    r"|\bH(?P<h>[12])[ /-]?(?P<y6>20\d\d)\b",
    re.I,
)


@dataclass(frozen=True)
class Span:
    text: str
    start: date
    end: date


def _month_span(year: int, month: int, months: int = 1) -> tuple[date, date]:
    last_month = month + months - 1
    return date(year, month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def find_dates(text: str) -> list[Span]:
    spans: list[Span] = []
    for m in DATE.finditer(text):
        try:
            if m.group("iso"):
                day = date(int(m.group("y1")), int(m.group("m1")), int(m.group("d1")))
                spans.append(Span(m.group(0), day, day))
            elif m.group("d2"):
                day = date(int(m.group("y2")), MONTHS[m.group("m2").lower()], int(m.group("d2")))
                spans.append(Span(m.group(0), day, day))
            elif m.group("d3"):
                day = date(int(m.group("y3")), MONTHS[m.group("m3").lower()], int(m.group("d3")))
                spans.append(Span(m.group(0), day, day))
            elif m.group("m4"):
                spans.append(
                    Span(m.group(0), *_month_span(int(m.group("y4")), MONTHS[m.group("m4").lower()]))
                )
            elif m.group("q"):
                quarter = int(m.group("q"))
                spans.append(Span(m.group(0), *_month_span(int(m.group("y5")), quarter * 3 - 2, 3)))
            elif m.group("h"):
                half = int(m.group("h"))
                spans.append(Span(m.group(0), *_month_span(int(m.group("y6")), half * 6 - 5, 6)))
        except ValueError:
            continue  # 2027-02-30 is not a date; the text is left for a person to correct
    return spans
