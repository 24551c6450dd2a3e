"""The node's side of the downlink: check a command, carry it out, answer it.

Commands arrive on the pump's connection (`agrisafe/v1/{site}/{device}/cmd/+`). Each is checked
again here (the gateway is not trusted to have done it): signed by the cloud, for this node,
not expired, well-formed. The answer — done, refused or failed, with any evidence made — is a
`command_result` envelope queued in the outbox like everything else the node says. A command
delivered twice (QoS 1 after a reconnect) is carried out once while its id is among the last
1000 remembered in memory. Any other command replayed later, after a restart too, or older than
one already carried out in its scope, is refused (edge.command_marks) — except a snapshot, which
leaves no mark: replayed after a restart (or 1000 commands on) it runs again, taking one more
still and changing nothing.
"""

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol

import paho.mqtt.client as mqtt

from agrisafe.identity import VerifyKey
from agrisafe.identity.downlink import check_command
from agrisafe.ids import new_id
from agrisafe.protocol import EvidenceRef
from agrisafe.protocol.bodies import CommandResultBody
from agrisafe.protocol.commands import (
    Command,
    ModelParams,
    Refusal,
    Refused,
    SnapshotParams,
    ThresholdsParams,
    ZonesParams,
)
from agrisafe.protocol.enums import CommandStatus, Kind
from agrisafe.protocol.envelope import CommandResultEnvelope
from agrisafe.timeutil import Clock, utc_now
from edge.command_marks import CommandMarks, Replay
from edge.evidence import EvidenceStore, jpeg
from edge.pipeline import CameraPipeline

logger = logging.getLogger(__name__)

Outcome = tuple[CommandStatus, str | None, list[EvidenceRef]]


class Camera(Protocol):
    """What a command needs of a running camera."""

    @property
    def camera(self) -> str:
        """The camera's id on this node."""
        ...

    @property
    def pipeline(self) -> CameraPipeline:
        """Its pipeline (latest frame, plot zones)."""
        ...


class CommandExecutor:
    """Checks, carries out and answers the commands for one node."""

    def __init__(  # noqa: PLR0913 - its parts, then keyword-only knobs
        self,
        site: str,
        device: str,
        cloud_key: VerifyKey | None,
        cameras: Sequence[Camera],
        evidence: EvidenceStore | None,
        answer: Callable[[CommandResultEnvelope], None],
        *,
        thresholds: Callable[[float | None, dict[str, float]], None] | None = None,
        jpeg_quality: int = 85,
        marks: CommandMarks | None = None,
    ) -> None:
        self.site, self.device, self.cloud_key = site, device, cloud_key
        self.cameras = {c.camera: c for c in cameras}
        self.evidence = evidence
        self.answer = answer
        self.thresholds = thresholds
        self.jpeg_quality = jpeg_quality
        self.clock = Clock()
        self._done: OrderedDict[str, None] = OrderedDict()  # recent ids: a re-delivery is no-op
        # The durable guard (DATA_DIR/command-marks.json in the app); in memory when not given.
        self.marks = marks if marks is not None else CommandMarks(None)

    def on_message(self, msg: mqtt.MQTTMessage) -> None:
        """paho callback for this node's command topics."""
        self.handle(msg.topic, bytes(msg.payload))

    def handle(self, topic: str, payload: bytes) -> CommandResultEnvelope | None:
        """Check and carry out one command; the answer sent (None: nothing to answer)."""
        verdict = check_command(
            topic,
            payload,
            site=self.site,
            device=self.device,
            cloud_key=self.cloud_key,
            now_ms=self.clock.now_ms(),
        )
        if isinstance(verdict, Refused):
            logger.warning("command on %s refused: %s", topic, verdict.detail)
            cmd = verdict.command
            # Answer only what provably came from the cloud for us (signature checked first):
            # a forged or misrouted command gets no reply.
            if cmd is None or verdict.reason not in (Refusal.EXPIRED, Refusal.BAD_PARAMS):
                return None
            return self._reply(cmd, (CommandStatus.REFUSED, verdict.detail, []))
        if verdict.id in self._done:
            return None
        replay = self.marks.check(verdict)
        if replay is Replay.SAME:
            logger.warning("command %s carried out before: replay ignored", verdict.id)
            return None  # answered when it was carried out
        if replay is Replay.OLDER:
            return self._reply(verdict, self._superseded(verdict))
        self._done[verdict.id] = None
        while len(self._done) > 1000:
            self._done.popitem(last=False)
        try:
            # On disk before it runs: carried out at most once, even across a crash.
            self.marks.record(verdict)
            outcome = self.execute(verdict)
        except Exception as err:  # a failed command is answered, never a dead paho thread
            logger.exception("command %s failed", verdict.id)
            outcome = (CommandStatus.FAILED, f"{type(err).__name__}: {err}"[:500], [])
        return self._reply(verdict, outcome)

    def _superseded(self, cmd: Command) -> Outcome:
        newest = self.marks.newest(cmd)
        why = f"a newer {cmd.name.value} command ({newest.id if newest else '?'}) was carried "
        why += "out already; an older one may not undo it"
        logger.warning("command %s refused: %s", cmd.id, why)
        return CommandStatus.REFUSED, why, []

    def execute(self, cmd: Command) -> Outcome:
        """Carry out a checked command."""
        params = cmd.typed_params()
        if isinstance(params, SnapshotParams):
            return self._snapshot(params)
        if isinstance(params, ZonesParams):
            return self._zones(params)
        if isinstance(params, ThresholdsParams):
            return self._thresholds(params)
        assert isinstance(params, ModelParams)
        return (
            CommandStatus.REFUSED,
            "this node switches models only when its operator installs one (docs/edge.md)",
            [],
        )

    def _snapshot(self, p: SnapshotParams) -> Outcome:
        if self.evidence is None:
            return CommandStatus.FAILED, "evidence is switched off on this node", []
        names = [p.camera] if p.camera else sorted(self.cameras)
        refs, missing = [], []
        for name in names:
            cam = self.cameras.get(name)
            frame = cam.pipeline.last_frame if cam is not None else None
            if frame is None:
                missing.append(name)
                continue
            data = jpeg(frame.image, self.jpeg_quality)
            refs.append(self.evidence.put_bytes(data, "image/jpeg", ".jpg"))
        if not refs:
            return CommandStatus.FAILED, f"no frame yet from {', '.join(missing)}", []
        note = f"{len(refs)} snapshot(s)" + (
            f"; no frame from {', '.join(missing)}" * bool(missing)
        )
        return CommandStatus.DONE, note, refs

    def _zones(self, p: ZonesParams) -> Outcome:
        cam = self.cameras.get(p.camera)
        if cam is None:
            return CommandStatus.REFUSED, f"no camera {p.camera!r} on this node", []
        cam.pipeline.replace_plots(p.plots)
        return CommandStatus.DONE, f"{len(p.plots)} plot(s) on {p.camera} from the next frame", []

    def _thresholds(self, p: ThresholdsParams) -> Outcome:
        if self.thresholds is None:
            return CommandStatus.REFUSED, "this node's detector cannot change thresholds", []
        try:
            self.thresholds(p.conf, dict(p.class_conf))
        except ValueError as err:
            return CommandStatus.REFUSED, str(err), []
        return CommandStatus.DONE, "thresholds changed until the node restarts", []

    def _reply(self, cmd: Command, outcome: Outcome) -> CommandResultEnvelope:
        status, detail, refs = outcome
        env = CommandResultEnvelope(
            v=1,
            id=new_id(),
            kind=Kind.COMMAND_RESULT,
            site=self.site,
            device=self.device,
            ts=utc_now(),
            body=CommandResultBody(
                command=cmd.id, name=cmd.name, status=status, detail=detail, evidence=refs
            ),
        )
        self.answer(env)
        logger.info("command %s %s: %s (%s)", cmd.id, cmd.name.value, status.value, detail)
        return env
