"""Sampling requests in the spool: atomic files, waiting for a fix, malformed files set aside."""

from pathlib import Path

from firmware_bridge.sampling import SampleRequest, SpoolWatcher, photo_digest, write_request


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
