"""rapid_test_positive: a rapid test whose result is `positive` (kit threshold applied upstream),
and the lot such a test blocks."""

from collections.abc import Sequence

from agrisafe.protocol import Envelope, RapidTestEnvelope, Rule, TestResult
from agrisafe.timeutil import format_rfc3339, to_ms
from cloud.domain import AlertDraft, LotBlock


def rapid_test_positive(env: Envelope) -> AlertDraft | None:
    """One alert per positive test, subject `sample:{id}`, caused by the test message."""
    if not isinstance(env, RapidTestEnvelope) or env.body.result is not TestResult.POSITIVE:
        return None
    b = env.body
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
    return AlertDraft(
        rule=Rule.RAPID_TEST_POSITIVE,
        site=env.site,
        subject=f"sample:{b.sample}",
        cause=env.id,
        ts=env.ts,
        evidence=(env.id,),
        detail={k: v for k, v in detail.items() if v is not None},
    )


def positive_blocks(new: Sequence[Envelope]) -> list[LotBlock]:
    """A positive rapid test on a lot blocks the lot for good."""
    return [
        LotBlock(
            env.site, env.body.lot, "positive_test", env.id, to_ms(env.ts), format_rfc3339(env.ts)
        )
        for env in new
        if isinstance(env, RapidTestEnvelope)
        and env.body.result is TestResult.POSITIVE
        and env.body.lot is not None
    ]
