"""Sampling requests in the spool: atomic files, waiting for a fix, malformed files set aside."""

from pathlib import Path

from agrisafe.protocol import EnvelopeBase, Geo, GeoFix
from agrisafe.protocol.bodies import SampleBody
from firmware_bridge.recorder import Recorder
from firmware_bridge.sampling import SampleRequest, SpoolWatcher, photo_digest, write_request
from firmware_bridge.state import BridgeState


def test_requests_wait_until_handled_and_bad_files_are_set_aside(tmp_path: Path) -> None:
    spool = tmp_path / "samples"
    req = SampleRequest(sample="S-1", commodity="黄瓜", inspector="张三")
    path = write_request(spool, req)
    (spool / "broken.json").write_text('{"sample": "S-2"}', "utf-8")
    handled: list[SampleRequest] = []
    have_fix = [False]

    def handle(r: SampleRequest) -> bool:
        if have_fix[0]:
            handled.append(r)
        return have_fix[0]

    watcher = SpoolWatcher(spool, handle)
    assert watcher.scan() == 0
    assert path.exists()
    assert (spool / "rejected" / "broken.json").exists()
    assert "commodity" in (spool / "rejected" / "broken.json.reason.txt").read_text("utf-8")
    have_fix[0] = True
    assert watcher.scan() == 1
    assert not path.exists()
    assert handled == [req]


def test_photo_digest(tmp_path: Path) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"abc")
    assert photo_digest(photo) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


class ListPublisher:
    """Collects envelopes."""

    def __init__(self) -> None:
        self.envs: list[EnvelopeBase] = []

    def publish(self, env: EnvelopeBase) -> None:
        self.envs.append(env)


def test_a_request_the_sample_message_refuses_is_set_aside_and_the_scan_goes_on(
    tmp_path: Path,
) -> None:
    spool = tmp_path / "samples"
    pub = ListPublisher()
    state = BridgeState(tmp_path / "state.db")

    def station(fallback: Geo | None) -> Recorder:
        return Recorder(
            state,
            pub,
            site="SX-TG-001",
            device="bridge-01",
            station_geo=lambda: Geo(fix=GeoFix.NONE),
            sample_fallback=fallback,
        )

    # A commodity of blanks passes the request model; the message strips it to nothing.
    blank = SampleRequest(request_id="req-0001", sample="S-1", commodity="  ", inspector="张三")
    write_request(spool, blank)
    write_request(
        spool,
        SampleRequest(request_id="req-0002", sample="S-2", commodity="韭菜", inspector="张三"),
    )
    recorder = [station(None)]  # no position fix yet
    watcher = SpoolWatcher(spool, lambda req: recorder[0].sample(req))
    assert watcher.scan() == 0
    # Set aside at once, not after waiting for a fix it could never be published with.
    assert (spool / "rejected" / "req-0001.json").exists()
    assert "commodity" in (spool / "rejected" / "req-0001.json.reason.txt").read_text("utf-8")
    recorder[0] = station(Geo(lat=37.43, lon=112.56, fix=GeoFix.FIXED))
    assert watcher.scan() == 1
    assert [e.body.sample for e in pub.envs] == ["S-2"]  # type: ignore[attr-defined]
    assert list(spool.glob("*.json")) == []
    state.close()


def test_a_request_the_handler_finds_unpublishable_is_set_aside(tmp_path: Path) -> None:
    spool = tmp_path / "samples"
    write_request(
        spool,
        SampleRequest(request_id="req-0001", sample="S-1", commodity="黄瓜", inspector="张三"),
    )
    write_request(
        spool,
        SampleRequest(request_id="req-0002", sample="S-2", commodity="韭菜", inspector="张三"),
    )
    handled: list[str] = []

    def handle(req: SampleRequest) -> bool:
        if req.sample == "S-1":  # whatever else the message model may refuse one day
            SampleBody.model_validate({"sample": "S-1"})
        handled.append(req.sample)
        return True

    assert SpoolWatcher(spool, handle).scan() == 1
    assert handled == ["S-2"]
    assert (spool / "rejected" / "req-0001.json.reason.txt").exists()
