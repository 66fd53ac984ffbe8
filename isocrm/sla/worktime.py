"""Business-time arithmetic: pure functions over aware datetimes, no database.

A Calendar holds the Empresa's working intervals per weekday (minutes after local
midnight), its own holidays and the time zone its desk works in. National holidays are
computed here (see `national_holidays`), so nothing has to be loaded for them.

All instants in and out are aware datetimes (UTC from the database); the arithmetic is
done on local wall-clock intervals converted to UTC, so a day is whatever the zone says.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "America/Sao_Paulo"
# Monday to Friday, 08:00–18:00: an Empresa that configured nothing.
DEFAULT_HOURS: dict[int, tuple[tuple[int, int], ...]] = {
    weekday: ((8 * 60, 18 * 60),) for weekday in range(5)
}
# How far ahead a target is looked for before giving up (a calendar with no working time).
MAX_DAYS = 3 * 366


def easter(year: int) -> date:
    """Easter Sunday (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def national_holidays(year: int) -> frozenset[date]:
    """Feriados nacionais: Lei 662/1949 (01/01, 21/04, 01/05, 07/09, 15/11, 25/12), Lei
    6.802/1980 (12/10), Lei 9.093/1995 (02/11 and Sexta-feira Santa, Easter − 2 days) and
    Lei 14.759/2023 (20/11, Dia Nacional de Zumbi e da Consciência Negra, from 2024).

    Carnaval is not here on purpose: it is a ponto facultativo, not a national holiday; an
    Empresa that closes then adds those days as its own holidays."""
    days = {
        date(year, 1, 1),
        easter(year) - timedelta(days=2),
        date(year, 4, 21),
        date(year, 5, 1),
        date(year, 9, 7),
        date(year, 10, 12),
        date(year, 11, 2),
        date(year, 11, 15),
        date(year, 12, 25),
    }
    if year >= 2024:
        days.add(date(year, 11, 20))
    return frozenset(days)


@dataclass(frozen=True)
class Calendar:
    hours: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=lambda: DEFAULT_HOURS)
    holidays: frozenset[date] = frozenset()
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or day in national_holidays(day.year)

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as UTC instants (none on a holiday)."""
        if self.is_holiday(day):
            return []
        return [
            (self._instant(day, opens), self._instant(day, closes))
            for opens, closes in self.hours.get(day.weekday(), ())
        ]

    def _instant(self, day: date, minutes: int) -> datetime:
        if minutes >= 24 * 60:  # 24:00 is the next midnight
            day, minutes = day + timedelta(days=1), minutes - 24 * 60
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return local.astimezone(UTC)

    def intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals that end after `start`, clipped to start there, in order."""
        if not any(self.hours.values()):
            raise ValueError("calendar without business hours")
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # an interval past 24:00
        for _ in range(MAX_DAYS):
            for opens, closes in self.intervals_on(day):
                if closes > start:
                    yield max(opens, start), closes
            day += timedelta(days=1)
        raise ValueError("no business time found within the search window")


def add_business_time(start: datetime, amount: timedelta, calendar: Calendar) -> datetime:
    """The instant at which `amount` of business time has passed since `start`.

    Ending exactly at an interval's close gives that close (18:00), not the next opening."""
    if amount <= timedelta(0):
        return start
    remaining = amount
    for opens, closes in calendar.intervals_from(start):
        length = closes - opens
        if remaining <= length:
            return opens + remaining
        remaining -= length
    raise AssertionError("unreachable")  # pragma: no cover - intervals_from raises first


def business_time_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Business time in [start, end) (zero when end is not after start)."""
    total = timedelta(0)
    if end <= start:
        return total
    for opens, closes in calendar.intervals_from(start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


Pause = tuple[datetime, datetime]


def business_due(
    start: datetime, hours: int, pauses: Iterable[Pause], calendar: Calendar
) -> datetime:
    """When `hours` business hours of clock have run since `start`, the clock stopped
    during the (sorted, disjoint, finished) pauses. A pause that starts after the target was
    reached moves nothing: pausing a late ticket does not make it on time."""
    due = add_business_time(start, timedelta(hours=hours), calendar)
    for pause_start, pause_end in pauses:
        pause_start = max(pause_start, start)
        if pause_start >= due:
            break
        due = add_business_time(
            due, business_time_between(pause_start, pause_end, calendar), calendar
        )
    return due


def calendar_due(start: datetime, span: timedelta, pauses: Iterable[Pause]) -> datetime:
    """The same in calendar time (the 7-day default): start + span + the paused time that
    began before the due time."""
    due = start + span
    for pause_start, pause_end in pauses:
        pause_start = max(pause_start, start)
        if pause_start >= due:
            break
        due += max(pause_end - pause_start, timedelta(0))
    return due
