"""Per-camera counters the telemetry message reports (`edge.telemetry`)."""

from dataclasses import dataclass


@dataclass
class Stats:
    """Counters for telemetry (reset by whoever reports them)."""

    frames: int = 0
    detected: int = 0
    gated: int = 0
    infer_ms: float = 0.0
    motion: float = 0.0
    activities: int = 0
    verified: int = 0  # frames the COCO verifier looked at (a track due a look, or a sweep)
    abstained: int = 0  # cue tracks it did not confirm (hidden from the activity machines)
    relabelled: int = 0  # our tracks it renamed `person`
    swept: int = 0  # of the verified frames, whole-frame looks for missed people
    people_added: int = 0  # COCO people our model missed, added as `person` detections
    people_unconfirmed: int = 0  # our sure `person` boxes no COCO person covered on a sweep
    people_widened: int = 0  # our `person` boxes on a part of a COCO person, given his box
    people_carried: int = 0  # on frames between sweeps, our boxes on such a part, given it again
    people_held: int = 0  # on frames between sweeps, people only COCO saw, found by template
    motion_crops: int = 0  # crops around motion the sweeps looked at (`sweep_motion_crop`)
    woken: int = 0  # frames the motion gate let pass that such a sweep's person woke
    verify_ms: float = 0.0

    def snapshot_and_reset(self) -> "Stats":
        """The counts so far; this object starts again from zero."""
        out = Stats(**vars(self))
        for name in vars(self):
            setattr(self, name, type(getattr(self, name))())
        return out
