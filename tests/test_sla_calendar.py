"""Business-time arithmetic on fixed dates, each expected instant worked out by hand.

São Paulo has no daylight saving time since 2019: local = UTC − 3 all year. The default
calendar is Monday to Friday, 08:00–18:00. Calendars used below (checked by
`calendar.month`): November 2026 starts on a Sunday (02/11 Monday is Finados, 20/11 Friday is
Consciência Negra, 15/11 is a Sunday); Easter 2027 is 28/03, so 26/03/2027 is Sexta-feira
Santa.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from isocrm.sla.clock import (
    STATE_LATE,
    STATE_MET,
    STATE_MISSED,
    STATE_ON_TIME,
    STATE_PAUSED,
    STATE_SOON,
    due_state,
    pauses_from,
)
from isocrm.sla.worktime import (
    Calendar,
    add_business_time,
    business_due,
    business_time_between,
    calendar_due,
    easter,
    national_holidays,
)

SP = ZoneInfo("America/Sao_Paulo")
DEFAULT = Calendar()
SPLIT = Calendar(hours={d: ((8 * 60, 12 * 60), (13 * 60, 18 * 60)) for d in range(5)})


def sp(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SP)


def hours(n) -> timedelta:
    return timedelta(hours=n)


def test_sao_paulo_is_utc_minus_3():
    assert sp(2026, 11, 10, 9).astimezone(UTC) == datetime(2026, 11, 10, 12, tzinfo=UTC)


def test_easter_dates():
    assert easter(2024) == date(2024, 3, 31)
    assert easter(2025) == date(2025, 4, 20)
    assert easter(2026) == date(2026, 4, 5)
    assert easter(2027) == date(2027, 3, 28)
    assert easter(2000) == date(2000, 4, 23)


def test_national_holidays():
    assert date(2027, 3, 26) in national_holidays(2027)  # Sexta-feira Santa: Easter − 2
    assert date(2026, 4, 3) in national_holidays(2026)
    assert date(2026, 11, 20) in national_holidays(2026)  # Lei 14.759/2023, from 2024 on
    assert date(2023, 11, 20) not in national_holidays(2023)
    assert date(2026, 2, 17) not in national_holidays(2026)  # Carnaval: ponto facultativo
    assert len(national_holidays(2026)) == 10


def test_across_a_night():
    # Tue 10/11 17:00 + 3 h: 1 h until 18:00, then Wed 11/11 08:00 + 2 h = 10:00.
    assert add_business_time(sp(2026, 11, 10, 17), hours(3), DEFAULT) == sp(2026, 11, 11, 10)


def test_ending_at_closing_time_is_that_closing_time():
    # Tue 10/11 16:00 + 2 h ends exactly at 18:00, not at Wed 08:00.
    assert add_business_time(sp(2026, 11, 10, 16), hours(2), DEFAULT) == sp(2026, 11, 10, 18)


def test_across_a_weekend():
    # Fri 06/11 16:00 + 4 h: 2 h on Friday, Sat/Sun closed, Mon 09/11 08:00 + 2 h = 10:00.
    assert add_business_time(sp(2026, 11, 6, 16), hours(4), DEFAULT) == sp(2026, 11, 9, 10)


def test_starting_on_a_saturday():
    # Sat 07/11 10:00 + 1 h: nothing until Mon 09/11 08:00, + 1 h = 09:00.
    assert add_business_time(sp(2026, 11, 7, 10), hours(1), DEFAULT) == sp(2026, 11, 9, 9)


def test_across_a_national_holiday_and_weekend():
    # Thu 19/11 17:00 + 2 h: 1 h on Thursday; Fri 20/11 Consciência Negra; Sat/Sun;
    # Mon 23/11 08:00 + 1 h = 09:00.
    assert add_business_time(sp(2026, 11, 19, 17), hours(2), DEFAULT) == sp(2026, 11, 23, 9)


def test_across_good_friday():
    # Thu 25/03/2027 16:00 + 10 h: 2 h on Thursday; Fri 26/03 Sexta-feira Santa; Sat/Sun;
    # Mon 29/03 08:00 + 8 h = 16:00.
    assert add_business_time(sp(2027, 3, 25, 16), hours(10), DEFAULT) == sp(2027, 3, 29, 16)


def test_across_finados_on_a_monday():
    # Fri 30/10 17:00 + 2 h: 1 h on Friday; Sat/Sun; Mon 02/11 Finados; Tue 03/11 09:00.
    assert add_business_time(sp(2026, 10, 30, 17), hours(2), DEFAULT) == sp(2026, 11, 3, 9)


def test_across_an_empresa_holiday():
    # The Empresa closes Wed 25/11. Tue 24/11 17:00 + 2 h: 1 h Tuesday, Thu 26/11 09:00.
    own = Calendar(holidays=frozenset({date(2026, 11, 25)}))
    assert add_business_time(sp(2026, 11, 24, 17), hours(2), own) == sp(2026, 11, 26, 9)
    assert add_business_time(sp(2026, 11, 24, 17), hours(2), DEFAULT) == sp(2026, 11, 25, 9)


def test_split_hours():
    # 08–12 and 13–18. Mon 09/11 11:00 + 2 h: 1 h until 12:00, lunch, 13:00 + 1 h = 14:00.
    assert add_business_time(sp(2026, 11, 9, 11), hours(2), SPLIT) == sp(2026, 11, 9, 14)
    # Starting at lunch (12:30) + 30 min: 13:30.
    assert add_business_time(sp(2026, 11, 9, 12, 30), timedelta(minutes=30), SPLIT) == sp(
        2026, 11, 9, 13, 30
    )
    # A whole split day is 9 h: Mon 08:00 + 9 h = Mon 18:00; + 10 h = Tue 09:00.
    assert add_business_time(sp(2026, 11, 9, 8), hours(9), SPLIT) == sp(2026, 11, 9, 18)
    assert add_business_time(sp(2026, 11, 9, 8), hours(10), SPLIT) == sp(2026, 11, 10, 9)


def test_business_time_between():
    # Fri 06/11 17:00 → Mon 09/11 10:00: 1 h Friday + 2 h Monday.
    assert business_time_between(sp(2026, 11, 6, 17), sp(2026, 11, 9, 10), DEFAULT) == hours(3)
    # Split day, Mon 11:00 → 14:00: 11–12 and 13–14.
    assert business_time_between(sp(2026, 11, 9, 11), sp(2026, 11, 9, 14), SPLIT) == hours(2)
    # Within a night: nothing.
    assert business_time_between(sp(2026, 11, 9, 19), sp(2026, 11, 10, 7), DEFAULT) == hours(0)
    assert business_time_between(sp(2026, 11, 10), sp(2026, 11, 9), DEFAULT) == hours(0)


def test_pause_spanning_a_weekend_moves_a_business_hours_due():
    # Opened Thu 05/11 09:00, 16 business hours: Thursday 09–18 is 9 h, Friday 08:00 + 7 h
    # = Fri 06/11 15:00 without pauses.
    opened = sp(2026, 11, 5, 9)
    assert business_due(opened, 16, [], DEFAULT) == sp(2026, 11, 6, 15)
    # Waiting on the customer from Fri 14:00 to Mon 09/11 10:00. The clock ran 9 h on
    # Thursday and 6 h on Friday (08–14) = 15 h; from Mon 10:00 the last hour: 11:00.
    pause = (sp(2026, 11, 6, 14), sp(2026, 11, 9, 10))
    assert business_due(opened, 16, [pause], DEFAULT) == sp(2026, 11, 9, 11)


def test_pause_after_the_due_time_moves_nothing():
    opened = sp(2026, 11, 5, 9)
    late_pause = (sp(2026, 11, 6, 16), sp(2026, 11, 9, 10))  # began after Fri 15:00
    assert business_due(opened, 16, [late_pause], DEFAULT) == sp(2026, 11, 6, 15)


def test_default_seven_calendar_days_with_a_two_day_pause():
    # Opened Mon 02/11 10:00 (a holiday: calendar days do not care). 7 × 24 h = Mon 09/11
    # 10:00; paused Wed 04/11 10:00 → Fri 06/11 10:00 (48 h) = Wed 11/11 10:00.
    opened = sp(2026, 11, 2, 10)
    assert calendar_due(opened, timedelta(days=7), []) == sp(2026, 11, 9, 10)
    pause = (sp(2026, 11, 4, 10), sp(2026, 11, 6, 10))
    assert calendar_due(opened, timedelta(days=7), [pause]) == sp(2026, 11, 11, 10)
    # A pause starting after the due time changes nothing.
    after = (sp(2026, 11, 10, 10), sp(2026, 11, 12, 10))
    assert calendar_due(opened, timedelta(days=7), [after]) == sp(2026, 11, 9, 10)


def test_calendar_without_hours_is_refused():
    with pytest.raises(ValueError):
        add_business_time(sp(2026, 11, 9, 8), hours(1), Calendar(hours={}))


def test_pauses_from_events():
    waiting, open_, progress = 7, 1, 2
    opened, now = sp(2026, 11, 2, 9), sp(2026, 11, 20, 9)
    t1, t2, t3 = sp(2026, 11, 3, 9), sp(2026, 11, 4, 9), sp(2026, 11, 5, 9)
    events = [(t1, open_, waiting), (t2, waiting, progress), (t3, progress, waiting)]
    # Paused t1–t2, and again since t3 (the current situação is 'aguardando').
    assert pauses_from(events, waiting, frozenset({waiting}), opened, now) == ([(t1, t2)], t3)
    # The change to 'em andamento' not recorded yet (same flush): the pause ends now.
    assert pauses_from(events, progress, frozenset({waiting}), opened, now) == (
        [(t1, t2), (t3, now)],
        None,
    )
    # No event: the ticket has been in its situação since it was opened.
    assert pauses_from([], waiting, frozenset({waiting}), opened, now) == ([], opened)
    # An event not yet recorded (it comes in the same flush): the current situação decides.
    assert pauses_from([(t1, open_, progress)], waiting, frozenset({waiting}), opened, now) == (
        [],
        now,
    )
    assert pauses_from([], open_, frozenset({waiting}), opened, now) == ([], None)


def test_due_states():
    now = sp(2026, 11, 10, 12)
    due = sp(2026, 11, 10, 15)
    assert due_state(None, None, paused=False, now=now) is None
    assert due_state(due, None, paused=False, now=now) == STATE_SOON  # 3 h away
    assert due_state(due, None, paused=False, now=now - hours(5)) == STATE_ON_TIME
    assert due_state(due, None, paused=False, now=now + hours(4)) == STATE_LATE
    assert due_state(due, None, paused=True, now=now + hours(4)) == STATE_PAUSED
    assert due_state(due, due, paused=False, now=now) == STATE_MET
    assert due_state(due, due + hours(1), paused=False, now=now) == STATE_MISSED
