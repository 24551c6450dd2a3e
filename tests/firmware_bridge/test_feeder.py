"""The simulated station numbers its samples like a real one and rarely finds a positive."""

import itertools
import random

from firmware_bridge.simulators.feeder import DEMO_TESTS, LATER_POSITIVE_SHARE, later_tests


def test_sample_numbers_never_repeat_and_positives_are_rare() -> None:
    first = [t.sample_no for t in DEMO_TESTS]
    later = list(itertools.islice(later_tests(len(first) + 1, DEMO_TESTS, random.Random(1)), 2000))
    numbers = first + [t.sample_no for t in later]
    assert len(set(numbers)) == len(numbers)  # one number per sample, as a station keeps them
    positives = sum(1 for t in later if (t.inhibition_pct or 0) >= 50)
    assert 0 < positives < 2000 * LATER_POSITIVE_SHARE * 2
    assert {t.commodity for t in later} <= {t.commodity for t in DEMO_TESTS}


def test_seeded_runs_repeat() -> None:
    a = list(itertools.islice(later_tests(6, DEMO_TESTS, random.Random(7)), 50))
    b = list(itertools.islice(later_tests(6, DEMO_TESTS, random.Random(7)), 50))
    assert a == b
