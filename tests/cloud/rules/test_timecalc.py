"""Time arithmetic of the rules: plain cases and hypothesis properties."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from cloud.rules.timecalc import (
    DAY_MS,
    days_blocks,
    degree_days_block,
    earliest_date,
    hours_blocks,
    local_date,
    season_bounds_ms,
    season_of,
    span_ms,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZONES = st.sampled_from(
    [SHANGHAI, ZoneInfo("UTC"), ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]
)
INSTANTS = st.integers(min_value=1_600_000_000_000, max_value=2_000_000_000_000)


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_days_compare_site_calendar_dates_with_the_boundary_allowed() -> None:
    sprayed = ms("2026-05-01T23:30:00+08:00")
    assert days_blocks(sprayed, ms("2026-05-02T23:59:59+08:00"), 2, SHANGHAI)
    assert not days_blocks(sprayed, ms("2026-05-03T00:00:00+08:00"), 2, SHANGHAI)  # boundary
    assert earliest_date(sprayed, 2, SHANGHAI) == date(2026, 5, 3)


def test_the_site_zone_decides_the_date_not_the_senders_offset() -> None:
    # 2026-05-01T17:00Z is 05-02 01:00 in Shanghai: applied on 05-02 there.
    sprayed = ms("2026-05-01T17:00:00+00:00")
    assert local_date(sprayed, SHANGHAI) == date(2026, 5, 2)
    assert days_blocks(sprayed, ms("2026-05-03T08:00:00+08:00"), 2, SHANGHAI)
    assert not days_blocks(sprayed, ms("2026-05-04T00:00:00+08:00"), 2, SHANGHAI)


def test_an_event_before_the_opening_fact_is_outside_the_window() -> None:
    sprayed = ms("2026-05-01T15:00:00+08:00")
    assert not days_blocks(sprayed, ms("2026-05-01T08:00:00+08:00"), 2, SHANGHAI)
    assert not hours_blocks(sprayed, sprayed - 1, 48)


def test_hours_compare_instants() -> None:
    treated = ms("2026-05-01T08:00:00+08:00")
    assert hours_blocks(treated, ms("2026-05-03T07:59:59+08:00"), 48)
    assert not hours_blocks(treated, ms("2026-05-03T08:00:00+08:00"), 48)


def test_degree_days_accumulate_temperature_times_days() -> None:
    treated = ms("2026-05-01T08:00:00+08:00")
    assert degree_days_block(treated, ms("2026-05-25T08:00:00+08:00"), 20.0, 500, SHANGHAI)
    assert not degree_days_block(treated, ms("2026-05-26T08:00:00+08:00"), 20.0, 500, SHANGHAI)
    # At or below 0 °C nothing accumulates: never allowed.
    assert degree_days_block(treated, treated + 3000 * DAY_MS, -2.0, 500, SHANGHAI)


def test_seasons_are_calendar_years_in_the_site_zone() -> None:
    assert season_of(ms("2026-12-31T23:30:00+08:00"), SHANGHAI) == 2026
    assert season_of(ms("2026-12-31T16:30:00+00:00"), SHANGHAI) == 2027
    lo, hi = season_bounds_ms(2026, SHANGHAI)
    assert lo == ms("2026-01-01T00:00:00+08:00")
    assert hi == ms("2027-01-01T00:00:00+08:00")


@given(start=INSTANTS, delta=st.integers(0, 400 * DAY_MS), days=st.integers(0, 60), tz=ZONES)
def test_a_day_window_is_monotone_in_event_time(
    start: int, delta: int, days: int, tz: ZoneInfo
) -> None:
    # Once allowed, every later event is allowed too.
    if not days_blocks(start, start + delta, days, tz):
        assert not days_blocks(start, start + delta + DAY_MS, days, tz)


@given(start=INSTANTS, days=st.integers(0, 60), tz=ZONES)
def test_the_first_moment_of_the_earliest_date_is_allowed_and_the_last_before_is_not(
    start: int, days: int, tz: ZoneInfo
) -> None:
    first = datetime.combine(earliest_date(start, days, tz), datetime.min.time(), tz)
    first_ms = int(first.timestamp() * 1000)
    assert not days_blocks(start, max(first_ms, start), days, tz)
    if days > 0 and first_ms - 1 >= start:
        assert days_blocks(start, first_ms - 1, days, tz)


@given(start=INSTANTS, days=st.integers(0, 60), tz=ZONES)
def test_span_bounds_every_day_window(start: int, days: int, tz: ZoneInfo) -> None:
    # span_ms is what the runner reads: nothing inside the window lies beyond it.
    assert not days_blocks(start, start + span_ms(days), days, tz)


@given(start=INSTANTS, delta=st.integers(-DAY_MS, 10 * DAY_MS), hours=st.integers(0, 240))
def test_hours_do_not_depend_on_how_the_instant_is_written(
    start: int, delta: int, hours: int
) -> None:
    # The same instants under any offset give the same answer.
    shifted = datetime.fromtimestamp(start / 1000, timezone(timedelta(hours=-7)))
    same = int(shifted.astimezone(UTC).timestamp() * 1000)
    assert hours_blocks(start, start + delta, hours) == hours_blocks(same, same + delta, hours)


@given(
    start=INSTANTS,
    delta=st.integers(0, 200 * DAY_MS),
    temp=st.floats(min_value=0.5, max_value=35),
    needed=st.integers(1, 1500),
    tz=ZONES,
)
def test_warmer_water_never_lengthens_a_degree_day_withdrawal(
    start: int, delta: int, temp: float, needed: int, tz: ZoneInfo
) -> None:
    if not degree_days_block(start, start + delta, temp, needed, tz):
        assert not degree_days_block(start, start + delta, temp + 1.0, needed, tz)
