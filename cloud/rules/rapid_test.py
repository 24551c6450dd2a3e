"""rapid_test_positive: a rapid test whose result is `positive` (kit threshold applied upstream);
rapid_test_inconsistent: a result that contradicts its own inhibition figure; and the lot such a
test blocks.

GB/T 5009.199-2003 酶抑制率法: an inhibition of 50 % or more is positive (domain-facts.md §4). A
test reported anything but `positive` at ≥ 50 % (`negative`, `suspicious`, `invalid`), or
`positive` below it, cannot be trusted either way; for a certificate it counts as positive, so a
mis-set instrument (or a label chosen by hand) cannot certify a lot whose own figure says positive.
"""

from collections.abc import Sequence

from agrisafe.protocol import (
    Envelope,
    RapidTestBody,
    RapidTestEnvelope,
    Rule,
    TestMethod,
    TestResult,
)
from agrisafe.timeutil import format_rfc3339, to_ms
from cloud.domain import AlertDraft, LotBlock

INHIBITION_POSITIVE_PCT = 50.0  # GB/T 5009.199-2003 酶抑制率法: ≥ 50 % = positive


def _detail(b: RapidTestBody) -> dict[str, object]:
    detail = {
        "commodity": b.commodity,
        "analyte": b.analyte,
        "method": b.method.value,
        "inhibition_pct": b.inhibition_pct,
        "t_c_ratio": b.t_c_ratio,
        "lot": b.lot,
        "plot": b.plot,
        "instrument": b.instrument,
    }
    return {k: v for k, v in detail.items() if v is not None}


def inconsistent(b: RapidTestBody) -> bool:
    """True when an enzyme-inhibition result contradicts its own inhibition percentage."""
    if b.method is not TestMethod.ENZYME_INHIBITION or b.inhibition_pct is None:
        return False
    says_positive = b.inhibition_pct >= INHIBITION_POSITIVE_PCT
    if says_positive:
        return b.result is not TestResult.POSITIVE
    # Below 50 % a `suspicious` or `invalid` label is the cautious reading, not a contradiction.
    return b.result is TestResult.POSITIVE


def counts_positive(b: RapidTestBody) -> bool:
    """Positive for certificates: reported positive, or an inconsistent result."""
    return b.result is TestResult.POSITIVE or inconsistent(b)


def rapid_test_positive(env: Envelope) -> AlertDraft | None:
    """One alert per positive test, subject `sample:{id}`, caused by the test message."""
    if not isinstance(env, RapidTestEnvelope) or env.body.result is not TestResult.POSITIVE:
        return None
    return AlertDraft(
        rule=Rule.RAPID_TEST_POSITIVE,
        site=env.site,
        subject=f"sample:{env.body.sample}",
        cause=env.id,
        ts=env.ts,
        evidence=(env.id,),
        detail=_detail(env.body),
    )


def rapid_test_inconsistent(env: Envelope) -> AlertDraft | None:
    """One alert per test whose result contradicts its inhibition (GB/T 5009.199: ≥ 50 %)."""
    if not isinstance(env, RapidTestEnvelope) or not inconsistent(env.body):
        return None
    detail = _detail(env.body)
    detail["reported"] = env.body.result.value
    detail["threshold_pct"] = INHIBITION_POSITIVE_PCT
    detail["counts_as"] = "positive"
    return AlertDraft(
        rule=Rule.RAPID_TEST_INCONSISTENT,
        site=env.site,
        subject=f"sample:{env.body.sample}",
        cause=env.id,
        ts=env.ts,
        evidence=(env.id,),
        detail=detail,
    )


def positive_blocks(new: Sequence[Envelope]) -> list[LotBlock]:
    """A positive (or inconsistent) rapid test on a lot blocks the lot for good."""
    return [
        LotBlock(
            env.site, env.body.lot, "positive_test", env.id, to_ms(env.ts), format_rfc3339(env.ts)
        )
        for env in new
        if isinstance(env, RapidTestEnvelope)
        and counts_positive(env.body)
        and env.body.lot is not None
    ]
