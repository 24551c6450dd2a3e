"""Docs are tests: every runnable block of README.md and docs/ runs as written (docs/api.md,
"Docs are tests"), against a real `agrisafe cloud serve` on a free port and the machine's
Mosquitto; a broken example fails the build.
"""

import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.paths import REPO
from testkit.procs import CloudProcess, cloud_env

from .runnable import Block, MarkerError, base_env, run_page, runnable_blocks, shell_blocks

PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
RUNNABLE = {page: runnable_blocks(page) for page in PAGES}
# Shell blocks of docs/api.md that deliberately do not run (line of the opening fence → why).
API_EXCEPTIONS = {
    "export URL=http://127.0.0.1:8000": "the harness sets URL and the token for its own cloud",
    'curl -N "$URL/api/v1/alerts/stream"': "a live stream never ends",
}


class DocsCloud:
    """The cloud the examples talk to, and the two variables the docs define."""

    def __init__(self, url: str, admin_token: str) -> None:
        self.url = url
        self.admin_token = admin_token

    def env(self) -> dict[str, str]:
        """What a reader has set after reading "Before you start" in docs/api.md."""
        bin_dir = str(Path(sys.executable).parent)
        return base_env({"URL": self.url, "AGRISAFE_ADMIN_TOKEN": self.admin_token}) | {
            "PATH": f"{bin_dir}:{base_env({}).get('PATH', '/usr/bin:/bin')}"
        }


@pytest.fixture(scope="module")
def docs_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DocsCloud]:
    """`agrisafe cloud serve` with the machine's Mosquitto, as a reader would start it."""
    tmp = tmp_path_factory.mktemp("docs-cloud")
    token = secrets.token_urlsafe(32)
    env = cloud_env(
        tmp,
        "mqtt://127.0.0.1:1883",
        admin_token=token,
        auto_register="false",
        webhook_allow_private="true",
    )
    serve = CloudProcess(["serve"], env, tmp / "serve.log").start_http()
    try:
        yield DocsCloud(serve.base, token)
    finally:
        serve.stop()


@pytest.mark.integration
@pytest.mark.parametrize(
    "page", [p for p, blocks in RUNNABLE.items() if blocks], ids=lambda p: p.name
)
def test_every_runnable_block_runs_as_written(
    page: Path, docs_cloud: DocsCloud, tmp_path: Path
) -> None:
    blocks = RUNNABLE[page]
    results = run_page(blocks, docs_cloud.env(), REPO, tmp_path / "shell-state.sh")
    for r in results:
        print(f"--- {r.block.where} → {r.status}\n{r.output}")  # shown with -s or on failure
        assert r.status == r.block.exit, (
            f"{r.block.where} exited {r.status}, the page expects {r.block.exit}:\n"
            f"{r.block.code}\n--- output ---\n{r.output[-3000:]}"
        )
    assert len(results) == len(blocks), "a block did not run"  # every block ran


def test_the_api_page_runs_every_shell_block_but_its_named_exceptions() -> None:
    page = REPO / "docs" / "api.md"
    ran = {b.line for b in RUNNABLE[page]}
    lines = page.read_text("utf-8").splitlines()
    skipped = [n for n in shell_blocks(page) if n not in ran]
    first_lines = [lines[n].strip() for n in skipped]  # the line after each fence
    assert sorted(first_lines) == sorted(
        next(line for line in first_lines if line.startswith(key)) for key in API_EXCEPTIONS
    )
    assert len(ran) >= 15


def test_a_marker_that_runs_nothing_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "stray.md"
    page.write_text("<!-- run -->\n\nsome text\n```sh\necho hi\n```\n", "utf-8")
    with pytest.raises(MarkerError, match=r"stray\.md:1"):
        runnable_blocks(page)
    page.write_text("<!-- run exit=3 -->\n```sh\nexit 3\n```\n", "utf-8")
    assert runnable_blocks(page) == [Block(page, 2, "sh", "exit 3", 3)]


def test_exports_carry_to_the_next_block_and_a_failure_stops_the_page(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        '<!-- run -->\n```sh\nexport A=1\n```\n<!-- run -->\n```sh\ntest "$A" = 1\nfalse\n```\n'
        "<!-- run -->\n```sh\ntrue\n```\n",
        "utf-8",
    )
    results = run_page(runnable_blocks(page), base_env({}), tmp_path, tmp_path / "s.sh")
    assert [r.status for r in results] == [0, 1]
