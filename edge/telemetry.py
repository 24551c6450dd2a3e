"""The `telemetry` message: per-minute health of the edge node (pure builder)."""

from dataclasses import dataclass

from agrisafe.ids import new_id
from agrisafe.protocol import Kind, TelemetryBody, TelemetryEnvelope
from agrisafe.timeutil import utc_now
from edge.drift import DriftReport
from edge.evidence import EvidenceCounts
from edge.stats import Stats


@dataclass(frozen=True, slots=True)
class Health:
    """What a period adds up to across cameras."""

    period_s: float
    stats: Stats
    skipped: int
    reconnects: int
    outbox_depth: int
    cameras: int
    drift: DriftReport | None = None
    evidence: EvidenceCounts | None = None  # None when evidence is off


def health_fields(h: Health) -> dict[str, float]:
    """Numbers only (the protocol's telemetry rule)."""
    s = h.stats
    return (
        {
            "fps": round(s.frames / h.period_s, 3) if h.period_s > 0 else 0.0,
            "frames": s.frames,
            "detected_frames": s.detected,
            "skipped_frames": h.skipped,
            "motion_gated_frames": s.gated,
            "inference_ms": round(s.infer_ms / s.detected, 2) if s.detected else 0.0,
            "motion_ratio": round(s.motion / s.frames, 5) if s.frames else 0.0,
            "outbox_depth": h.outbox_depth,
            "reconnects": h.reconnects,
            "activities": s.activities,
            "cameras": h.cameras,
            "verified_frames": s.verified,
            "abstained_frames": s.abstained,
            "relabelled_boxes": s.relabelled,
            "swept_frames": s.swept,
            "people_added": s.people_added,
            "people_unconfirmed": s.people_unconfirmed,
            "people_widened": s.people_widened,
            "people_carried": s.people_carried,
            "people_held": s.people_held,
            "motion_crops": s.motion_crops,
            "woken_frames": s.woken,
            "verify_ms": round(s.verify_ms / s.verified, 2) if s.verified else 0.0,
        }
        | drift_fields(h.drift)
        | evidence_fields(h.evidence)
    )


def evidence_fields(counts: EvidenceCounts | None) -> dict[str, float]:
    """Evidence waiting for upload, and files ever refused for good or lost before upload."""
    if counts is None:
        return {}
    return {
        "evidence_pending": counts.pending,
        "evidence_rejected": counts.rejected,
        "evidence_lost": counts.lost,
    }


def drift_fields(report: DriftReport | None) -> dict[str, float]:
    """`drift_score` and `out_of_domain` (0/1: telemetry is numbers only), with the parts."""
    if report is None:
        return {}
    parts = {f"drift_{k}": v for k, v in report.parts.items()}
    return {"drift_score": report.score, "out_of_domain": int(report.out_of_domain)} | parts


def telemetry_envelope(site: str, device: str, h: Health) -> TelemetryEnvelope:
    """One telemetry message for the period just ended."""
    return TelemetryEnvelope(
        v=1,
        id=new_id(),
        kind=Kind.TELEMETRY,
        site=site,
        device=device,
        ts=utc_now(),
        body=TelemetryBody.model_validate(health_fields(h)),
    )
