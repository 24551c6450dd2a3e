"""One served console and one headless Chromium for every browser test of the console."""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from testkit.console import CHROMIUM, Console, chromium_missing, served_console

if TYPE_CHECKING:
    from playwright.sync_api import Browser

MQTT = "mqtt://127.0.0.1:1883"


@pytest.fixture(scope="package")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """`agrisafe cloud serve` with the demo registry, tokens, evidence and one spraying alert."""
    with served_console(tmp_path_factory.mktemp("console"), MQTT) as served:
        yield served


@pytest.fixture(scope="package")
def browser(console: Console) -> Iterator["Browser"]:
    """Headless Debian Chromium."""
    missing = chromium_missing()
    if missing is not None:
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield b
        b.close()
