"""The uploader's decisions (pure) and, against a stand-in server, a failing 5xx file.

A real cloud does not answer 500 on demand, so `test_a_5xx_file_does_not_hold_back_the_rest`
uses httpx's MockTransport; every other reply is replayed against the real cloud in
tests/cloud/api/test_evidence_api.py."""

import hashlib
from pathlib import Path

import httpx
import pytest

from edge.evidence import EvidenceStore
from edge.upload import Action, EvidenceUploader, decide


@pytest.mark.parametrize(
    ("status", "failed_before", "action"),
    [
        (201, False, Action.UPLOADED),
        (200, True, Action.UPLOADED),
        (422, False, Action.SET_ASIDE),  # the bytes are not what their hash says
        (415, True, Action.SET_ASIDE),  # not evidence by its content
        (413, False, Action.SET_ASIDE),  # larger than the cloud takes
        (500, False, Action.SKIP),  # maybe this file: try the next one
        (503, True, Action.STOP),  # two in a row: the server is down
        (507, False, Action.STOP),  # the site's quota: every file would get it
        (None, False, Action.STOP),  # no answer
        (401, False, Action.STOP),
        (429, False, Action.STOP),
        (404, False, Action.STOP),  # unknown: keep the file, retry later
    ],
)
def test_decide(status: int | None, failed_before: bool, action: Action) -> None:
    assert decide(status, failed_before) is action


def _store(tmp_path: Path, n: int) -> tuple[EvidenceStore, list[str]]:
    store = EvidenceStore(tmp_path, 10_000_000)
    refs = [
        store.put_bytes(b"\xff\xd8\xff" + bytes([i]) * 100, "image/jpeg", ".jpg") for i in range(n)
    ]
    return store, [r.sha256 for r in refs]


def _uploader(store: EvidenceStore, answer: dict[str, int]) -> tuple[EvidenceUploader, list[str]]:
    sent: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        sha = hashlib.sha256(req.content).hexdigest()
        sent.append(sha)
        return httpx.Response(answer.get(sha, 201), json={"sha256": sha})

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
