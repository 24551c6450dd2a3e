"""Runnable fenced blocks in Markdown (docs/README.md "Docs are tests"): found and run as written.

A block is runnable when the line right before its opening fence is `<!-- run -->` (or
`<!-- run exit=N -->` when the example shows a failure, e.g. curl's 22 for an HTTP error).
The blocks of one page run in order, as a reader would type them into one terminal: each in
`bash -euo pipefail`, with the variables the earlier blocks exported.
"""

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"^<!--\s*run(?:\s+exit=(\d+))?\s*-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)\s*([\w-]*)")
SHELLS = {"sh", "bash", "shell", "console"}


@dataclass(frozen=True, slots=True)
class Block:
    """One runnable block: where it is, its text, the exit status it must end with."""

    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    exit: int = 0

    @property
    def where(self) -> str:
        """`docs/api.md:42` for messages."""
        return f"{self.page.name}:{self.line}"


class MarkerError(ValueError):
    """A `<!-- run -->` marker that is not right before a shell block (it would run nothing)."""


def runnable_blocks(page: Path) -> list[Block]:
    """The runnable blocks of a page, in order; `MarkerError` for a stray marker."""
    lines = page.read_text("utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        marker = MARKER.match(lines[i])
        if marker is None:
            i += 1
            continue
        fence = FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
        if fence is None or fence.group(2) not in SHELLS:
            raise MarkerError(f"{page.name}:{i + 1}: <!-- run --> must sit right above a sh block")
        end = i + 2
        while end < len(lines) and not lines[end].startswith(fence.group(1)):
            end += 1
        code = "\n".join(lines[i + 2 : end])
        blocks.append(Block(page, i + 2, fence.group(2), code, int(marker.group(1) or 0)))
        i = end + 1
    return blocks


def shell_blocks(page: Path) -> list[int]:
    """Lines of every shell block's opening fence (runnable or not)."""
    out = []
    inside = None
    for n, line in enumerate(page.read_text("utf-8").splitlines(), 1):
        fence = FENCE.match(line)
        if fence is None:
            continue
        if inside is None:
            inside = fence.group(1)
            if fence.group(2) in SHELLS:
                out.append(n)
        elif line.startswith(inside):
            inside = None
    return out


@dataclass
class Result:
    """What a block did."""

    block: Block
    status: int
    output: str


def run_page(
    blocks: list[Block], env: dict[str, str], cwd: Path, state: Path, timeout_s: float = 60.0
) -> list[Result]:
    """Run the blocks in order in one shell environment (exports carry on); stop at a failure."""
    results: list[Result] = []
    state.write_text("", "utf-8")
    for block in blocks:
        script = (
            f"source {state}\nset -euo pipefail\n{block.code}\n"
            f"__status=$?\nexport -p > {state}\nexit $__status\n"
        )
        if block.exit:
            # A failing example: its status is the result; exports are not kept.
            script = f"source {state}\nset -uo pipefail\n{block.code}\n"
        try:
            proc = subprocess.run(
                ["bash", "-c", script],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
            result = Result(block, proc.returncode, proc.stdout + proc.stderr)
        except subprocess.TimeoutExpired as err:
            result = Result(block, 124, f"timed out after {timeout_s}s: {err.output!r}")
        results.append(result)
        if result.status != block.exit:
            break
    return results


def base_env(extra: dict[str, str]) -> dict[str, str]:
    """The test process's environment without AGRISAFE_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGRISAFE_")}
    return env | extra
