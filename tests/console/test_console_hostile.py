"""What a producer sends is data, never code, in the regulator's console (real Chromium): a body
field carrying markup does not run, the console and the public trace page send a
Content-Security-Policy, and the console itself runs under it without one violation."""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from agrisafe.protocol import Kind
from agrisafe.timeutil import format_rfc3339
from testkit.console import SITE, Console, chromium_missing, login, page_value
from testkit.messages import message

MISSING = chromium_missing()
pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]
if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Counts every CSP violation the page reports, from its first script on.
WATCH_CSP = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));"""
STEAL = "window.__xss = sessionStorage.getItem('agrisafe.token')"


def _watched(browser: "Browser", console: Console, token: str) -> "Page":
    page = login(browser, console, token)
    page.add_init_script(WATCH_CSP)
    page.reload()
    page.wait_for_selector("#live.on")
    return page


def test_markup_in_a_producers_record_does_not_run(browser: "Browser", console: Console) -> None:
    # The producer's own app posts an input_use whose free extra field holds a script.
    env = message(
        Kind.INPUT_USE, device="app-zhang", plot="P1", phi_days=f'<img src=x onerror="{STEAL}">'
    )
    env["ts"] = format_rfc3339(datetime.now(UTC) - timedelta(days=1))
    with console.api(console.tokens.producer) as http:
        assert http.post("/api/v1/messages", json=env).status_code == 202
    page = _watched(browser, console, console.tokens.regulator)
    page.goto(f"{console.base}/console/#/site/{SITE}")
    page.wait_for_selector("#view[data-page='site']")
    page.wait_for_selector("#timeline circle")  # the input record is drawn …
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None  # … and its markup never ran
    assert page.locator("#timeline img").count() == 0
    page.context.close()


def test_the_console_runs_under_its_policy_and_the_policy_blocks_inline_code(
    browser: "Browser", console: Console
) -> None:
    page = _watched(browser, console, console.tokens.regulator)
    for route, name in (
        ("#/alerts", "alerts"),
        (f"#/alert/{console.spray_alert['id']}", "alert"),
        ("#/map", "map"),
        (f"#/site/{SITE}", "site"),
        ("#/devices", "devices"),
    ):
        page.goto(f"{console.base}/console/{route}")
        page.wait_for_selector(f"#view[data-page='{name}']")
        if name == "alert":  # evidence fetched, verified and played from blob: URLs
            page_value(page, "() => document.querySelectorAll('.check.verified').length === 3")
            page_value(
                page, "() => [...document.querySelectorAll('video')].every(v => v.readyState >= 2)"
            )
    page.wait_for_timeout(500)
    assert page.evaluate("window.__csp") == []
    # Markup that got in by any other way still cannot run: the policy refuses inline code.
    page.evaluate(
        """() => { const d = document.createElement("div");
                   d.innerHTML = '<img src="data:," onerror="window.__ran = 1">';
                   document.body.appendChild(d); }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
    page.context.close()


def test_the_pages_send_their_policies(console: Console) -> None:
    console_page = httpx.get(f"{console.base}/console/")
    policy = console_page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    api = httpx.get(f"{console.base}/api/v1/health")
    assert "content-security-policy" not in api.headers  # JSON needs none
    assert api.headers["referrer-policy"] == "no-referrer"
    # Every response under /t/ carries the trace page's policy (here a 404 page).
    trace = httpx.get(f"{console.base}/t/no-such-certificate")
    assert trace.headers["content-security-policy"].startswith("default-src 'none'")
