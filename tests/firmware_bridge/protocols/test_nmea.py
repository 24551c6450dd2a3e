"""NMEA GGA / RMC / GSA: checksums enforced, no-fix never 0,0, time from RMC, splits, flips."""

import re
from datetime import UTC, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.protocols.base import Decoded, Rejection, frames_of, rejections_of
from firmware_bridge.protocols.nmea import NmeaDecoder, NmeaFix, parse_sentence
from firmware_bridge.simulators.gps import epoch, sentence

GGA = "$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D"
RMC = "$GPRMC,083000.00,A,3725.8120,N,11233.6060,E,0.02,0.0,010526,,,D*6E"


def decode(data: bytes, cuts: list[int] | None = None) -> list[Decoded[NmeaFix] | Rejection]:
    dec = NmeaDecoder()
    out: list[Decoded[NmeaFix] | Rejection] = []
    prev = 0
    for cut in [*sorted(set(cuts or [])), len(data)]:
        out += dec.feed(data[prev:cut])
        prev = cut
    return out + dec.flush()


def test_gga_decodes_to_the_decode_json_shape() -> None:
    fix = parse_sentence(GGA)
    assert fix.to_json() == {
        "sentence": "GGA",
        "lat": pytest.approx(-19.484083333),
        "lon": pytest.approx(24.1751),
        "fix": "gps",
        "time": "18:43:53.070",
        "hdop": 2.6,
    }
    assert fix.alt == 100.0
    assert fix.sats == 4


def test_rmc_carries_the_date_and_its_mode() -> None:
    body = RMC[1:].split("*")[0]
    fix = parse_sentence(sentence(body).decode().strip())
    assert fix.when == datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    assert fix.to_json()["time"] == "2026-05-01T08:30:00Z"
    assert fix.fix == "dgps"
    assert fix.lat == pytest.approx(37.4302)
    assert fix.lon == pytest.approx(112.5601)


@pytest.mark.parametrize(
    "body",
    [
        "GPGGA,120000.00,3725.8120,N,11233.6060,E,0,00,99.99,,,,,,",
        "GPGGA,120000.00,,,,,0,00,99.99,,,,,,",
        "GPRMC,120000.00,V,3725.8120,N,11233.6060,E,,,010526,,,N",
        "GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99",
    ],
)
def test_no_fix_never_has_a_position(body: str) -> None:
    fix = parse_sentence(sentence(body).decode().strip())
    assert fix.fix == "none"
    assert fix.lat is None
    assert fix.lon is None


def test_a_real_fix_at_zero_zero_is_kept() -> None:
    fix = parse_sentence(
        sentence("GPGGA,120000,0000.0000,N,00000.0000,E,1,08,1.0,5.0,M,,,,").decode().strip()
    )
    assert (fix.lat, fix.lon, fix.fix) == (0.0, 0.0, "gps")


@pytest.mark.parametrize(
    ("quality", "name"), [(2, "dgps"), (4, "rtk"), (5, "float"), (6, "estimated")]
)
def test_gga_quality_names(quality: int, name: str) -> None:
    body = f"GNGGA,010203,3725.8120,N,11233.6060,W,{quality},12,0.7,780.0,M,,,,"
    fix = parse_sentence(sentence(body).decode().strip())
    assert fix.fix == name
    assert fix.lon == pytest.approx(-112.5601)
    assert fix.talker == "GN"
    assert fix.time_of_day == time(1, 2, 3)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (GGA[:-3], "missing '*HH' checksum"),
        (GGA[:-2] + "6E", "checksum mismatch"),
        ("GPGGA,1*00", "does not start with '$'"),
        (sentence("GPGSV,1,1,00").decode().strip(), "unsupported sentence type GSV (ignored)"),
        (
            sentence("GPGGA,120000,3725.8120,N,11233.6060,E,9,08,1.0,,,,,,").decode().strip(),
            "GGA quality '9' is not 0..8",
        ),
        (
            sentence("GPGGA,120000,3775.8120,N,11233.6060,E,1,08,1.0,,,,,,").decode().strip(),
            "out of range",
        ),
        (
            sentence("GPGGA,126000,3725.8120,N,11233.6060,E,1,08,1.0,,,,,,").decode().strip(),
            "out of range",
        ),
        (
            sentence("GPRMC,120000,A,3725.8120,N,11233.6060,E,,,320526,,,A").decode().strip(),
            "not a calendar date",
        ),
        (sentence("GPGGA,120000,,,,,1,08,1.0,,,,,,").decode().strip(), "a fix without a position"),
    ],
)
def test_bad_sentences_name_their_problem(line: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_sentence(line)


def test_stream_with_noise_reports_positions() -> None:
    data = b"garbage\r\n" + GGA.encode() + b"\r\n\r\n" + b"\xff\xfe\n" + RMC.encode()
    events = decode(data)
    assert [type(e).__name__ for e in events] == ["Rejection", "Decoded", "Rejection", "Rejection"]
    assert [r.offset for r in rejections_of(events)] == [0, 9 + len(GGA) + 4, 9 + len(GGA) + 7]


lats = st.floats(-89.99, 89.99, allow_nan=False)
lons = st.floats(-179.99, 179.99, allow_nan=False)
moments = st.datetimes(datetime(2001, 1, 1), datetime(2079, 12, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)


@given(moments, lats, lons, st.sampled_from([0, 1, 2, 4, 5, 6]))
def test_simulated_epochs_decode_to_what_was_sent(
    when: datetime, lat: float, lon: float, quality: int
) -> None:
    fixes = frames_of(decode(epoch(when, lat, lon, 780.0, quality, 0.9, 9)))
    assert [f.sentence for f in fixes] == ["RMC", "GGA", "GSA"]
    rmc, gga, _ = fixes
    assert rmc.when == when
    if quality == 0:
        assert all(f.lat is None and f.lon is None and f.fix == "none" for f in fixes)
    else:
        assert gga.lat == pytest.approx(lat, abs=1e-6)
        assert gga.lon == pytest.approx(lon, abs=1e-6)
        assert gga.hdop == 0.9


@settings(max_examples=300)
@given(st.binary(max_size=3000), st.lists(st.integers(0, 3000), max_size=8))
def test_random_bytes_never_raise(data: bytes, cuts: list[int]) -> None:
    assert decode(data, cuts) == decode(data)


@given(
    st.lists(st.tuples(moments, lats, lons), min_size=1, max_size=4),
    st.lists(st.integers(0, 1000), max_size=10),
)
def test_any_split_decodes_identically(
    epochs: list[tuple[datetime, float, float]], cuts: list[int]
) -> None:
    data = b"junk\n".join(epoch(w, la, lo, 1.0, 1, 1.0, 8) for w, la, lo in epochs)
    assert decode(data, cuts) == decode(data)


@settings(max_examples=400)
@given(moments, lats, lons, st.data())
def test_one_flipped_byte_is_never_accepted_as_different_content(
    when: datetime, lat: float, lon: float, data: st.DataObject
) -> None:
    raw = bytearray(epoch(when, lat, lon, 780.0, 1, 0.9, 9))
    originals = frames_of(decode(bytes(raw)))
    i = data.draw(st.integers(0, len(raw) - 1), label="index")
    raw[i] ^= data.draw(st.integers(1, 255), label="xor")
    assert all(f in originals for f in frames_of(decode(bytes(raw))))
