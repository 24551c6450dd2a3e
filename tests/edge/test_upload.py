"""The uploader's decisions (pure) and, against a stand-in server, a failing 5xx file.

A real cloud does not answer 500 on demand, so `test_a_5xx_file_does_not_hold_back_the_rest`
uses httpx's MockTransport; every other reply is replayed against the real cloud in
tests/cloud/api/test_evidence_api.py."""

import hashlib
import json
import logging
from pathlib import Path

import httpx
import pytest

from edge.evidence import EvidenceStore
from edge.upload import Action, EvidenceUploader, Refusal, decide, refusal_of

MISMATCH = {"detail": "sha256 mismatch", "claimed": "a" * 64, "received": "b" * 64}
BAD, OTHER = Refusal.BAD_FILE, Refusal.OTHER


@pytest.mark.parametrize(
    ("status", "failed_before", "refusal", "action"),
    [
        (201, False, OTHER, Action.UPLOADED),
        (200, True, OTHER, Action.UPLOADED),
        (422, False, BAD, Action.SET_ASIDE),  # the bytes are not what their hash says
        (415, True, BAD, Action.SET_ASIDE),  # not evidence by its content
        (422, False, OTHER, Action.STOP),  # e.g. "name the site": every file would get it
        (413, False, OTHER, Action.STOP),  # a proxy's limit or a lowered cloud limit
        (413, False, BAD, Action.STOP),  # never proof against the file
        (500, False, OTHER, Action.SKIP),  # maybe this file: try the next one
        (503, True, OTHER, Action.STOP),  # two in a row: the server is down
        (507, False, OTHER, Action.STOP),  # the site's quota: every file would get it
        (None, False, OTHER, Action.STOP),  # no answer
        (401, False, OTHER, Action.STOP),
        (403, False, OTHER, Action.STOP),
        (429, False, OTHER, Action.STOP),
        (404, False, OTHER, Action.STOP),  # unknown: keep the file, retry later
    ],
)
def test_decide(status: int | None, failed_before: bool, refusal: Refusal, action: Action) -> None:
    assert decide(status, failed_before, refusal) is action


@pytest.mark.parametrize(
    ("status", "body", "refusal"),
    [
        (415, {"detail": "not an allowed evidence file"}, BAD),
        (422, MISMATCH, BAD),
        (422, {"detail": "empty body"}, BAD),
        (422, {"detail": "name the site the evidence is for in X-Agrisafe-Site"}, OTHER),
        (422, {"detail": [{"loc": ["header"], "msg": "field required"}]}, OTHER),
        (422, MISMATCH | {"claimed": "c" * 64}, OTHER),  # not the hash this file was sent with
        (422, MISMATCH | {"received": "a" * 64}, OTHER),  # no mismatch at all
        (422, MISMATCH | {"received": "not a digest"}, OTHER),
        (422, "<html>422</html>", OTHER),  # a proxy's page
        (413, {"detail": "too large"}, OTHER),
        (201, {"sha256": "a" * 64}, OTHER),
    ],
)
def test_refusal_of(status: int, body: object, refusal: Refusal) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    assert refusal_of(status, text, "a" * 64) is refusal


def _store(tmp_path: Path, n: int) -> tuple[EvidenceStore, list[str]]:
    store = EvidenceStore(tmp_path, 10_000_000)
    refs = [
        store.put_bytes(b"\xff\xd8\xff" + bytes([i]) * 100, "image/jpeg", ".jpg") for i in range(n)
    ]
    return store, [r.sha256 for r in refs]


Reply = int | tuple[int, dict[str, object]]


def _uploader(store: EvidenceStore, answer: dict[str, Reply]) -> tuple[EvidenceUploader, list[str]]:
    sent: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        sha = hashlib.sha256(req.content).hexdigest()
        sent.append(sha)
        reply = answer.get(sha, 201)
        status, body = reply if isinstance(reply, tuple) else (reply, {"sha256": sha})
        return httpx.Response(status, json=body)

    up = EvidenceUploader(store, "http://cloud", None)
    up._client = httpx.Client(base_url="http://cloud", transport=httpx.MockTransport(handler))
    return up, sent


def test_a_5xx_file_does_not_hold_back_the_rest(tmp_path: Path) -> None:
    store, shas = _store(tmp_path, 3)
    up, sent = _uploader(store, {shas[0]: 500})
    assert up.upload_pending() == 2
    assert [p.sha256 for p in store.pending()] == [shas[0]]  # still pending, still first
    assert store.set_aside() == {}  # a 5xx may pass later: nothing set aside
    sent.clear()
    assert up.upload_pending() == 0
    assert sent == [shas[0]]


def test_two_5xx_in_a_row_end_the_pass(tmp_path: Path) -> None:
    store, shas = _store(tmp_path, 3)
    up, sent = _uploader(store, {shas[0]: 500, shas[1]: 502})
    assert up.upload_pending() == 0
    assert sent == shas[:2]
    assert [p.sha256 for p in store.pending()] == shas


@pytest.mark.parametrize(
    "reply",
    [
        (413, {"detail": "Request Entity Too Large"}),  # a reverse proxy's body limit
        (422, {"detail": "name the site the evidence is for in X-Agrisafe-Site"}),
    ],
)
def test_a_refusal_every_file_would_get_stops_and_sets_nothing_aside(
    tmp_path: Path, reply: tuple[int, dict[str, object]], caplog: pytest.LogCaptureFixture
) -> None:
    store, shas = _store(tmp_path, 3)
    up, sent = _uploader(store, dict.fromkeys(shas, reply))
    with caplog.at_level(logging.ERROR, logger="edge.upload"):
        assert up.upload_pass().set_aside == 0
    assert sent == shas[:1]  # the pass ended at the first refusal
    assert [p.sha256 for p in store.pending()] == shas  # order kept
    assert store.set_aside() == {}
    assert "EVIDENCE UPLOAD REFUSED" in caplog.text
    assert str(reply[1]["detail"]) in caplog.text  # the cloud's reason, for the operator


def test_requeue_puts_refused_files_back_oldest_first(tmp_path: Path) -> None:
    store, shas = _store(tmp_path, 3)
    mismatch: Reply = (422, {"detail": "sha256 mismatch", "claimed": shas[0], "received": "b" * 64})
    up, _ = _uploader(store, {shas[0]: mismatch, shas[1]: 415})
    assert up.upload_pass().set_aside == 2
    assert set(store.set_aside()) == set(shas[:2])
    assert store.requeue([shas[1], "f" * 64]) == [shas[1]]  # unknown hashes: nothing
    assert [p.sha256 for p in store.pending()] == [shas[1]]
    assert set(store.set_aside()) == {shas[0]}
    assert store.requeue() == [shas[0]]
    assert [p.sha256 for p in store.pending()] == shas[:2]  # in their old order
    assert (store.set_aside(), store.counts().rejected) == ({}, 0)
    up, _ = _uploader(store, {})
    assert up.upload_pending() == 2
