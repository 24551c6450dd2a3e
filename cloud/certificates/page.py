"""The public trace page of a certificate and its QR code.

Public: it shows what the certificate says (product, quantity, lot, origin, issue date,
promisor, commitment, basis), the PHI / withdrawal status at issue, the lot's rapid tests and
the producer's credit level — never an internal id, a device, an operator or a phone number
the producer did not choose to show.
"""

import io
from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape

from cloud.certificates.decide import Refusal

TEMPLATES = Path(__file__).with_name("templates")

METHOD = {"enzyme_inhibition": "酶抑制率法", "colloidal_gold": "胶体金法"}
RESULT = {"negative": "阴性（合格）", "positive": "阳性", "suspicious": "可疑", "invalid": "无效"}
PRODUCT = {"meat": "出栏/屠宰", "milk": "售奶", "eggs": "售蛋"}
REVOKED = {
    Refusal.BLOCKED_LOT.value: "该批次在农药安全间隔期或兽药休药期内采收（出栏）",
    Refusal.POSITIVE_TEST.value: "该批次快速检测结果为阳性",
    Refusal.BANNED_INPUT.value: "该批次所在地块使用了禁用农药",
    Refusal.UNVERIFIED_INPUT.value: "该批次使用的投入品无法核验，待监管人员复核",
}


def qr_svg(url: str) -> bytes:
    """QR code of the page URL as SVG."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, border=2)
    return buf.getvalue()


def qr_png(url: str) -> bytes:
    """QR code of the page URL as PNG."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=6, border=2)
    return buf.getvalue()


def _compliance_line(row: dict[str, Any]) -> dict[str, str]:
    ok = row.get("ok")
    css = "unknown" if ok is None else ("ok" if ok else "bad")
    verdict = "无法核对（缺少参考数据）" if ok is None else ("已满足" if ok else "未满足")
    if row["type"] == "phi":
        names = "、".join(row["ingredients"])
        days = (
            f"安全间隔期 {row['phi_days']} 天" if row["phi_days"] is not None else "安全间隔期未知"
        )
        text = f"{row['applied_on']} 使用 {names}，{days}，{row['on']} 采收：{verdict}"
    else:
        periods = "、".join(row["periods"]) or "休药期未知"
        action = PRODUCT.get(row["product"], row["product"])
        text = (
            f"{row['treated_on']} 使用 {row['drug']}，休药期 {periods}，"
            f"{row['on']} {action}：{verdict}"
        )
    return {"text": text, "css": css}


def _test_line(test: dict[str, Any]) -> str:
    body = test["body"]
    method = METHOD.get(body.get("method", ""), body.get("method", ""))
    result = RESULT.get(body.get("result", ""), body.get("result", ""))
    what = f"{body.get('commodity', '')} · {body.get('analyte', '')}"
    return f"{test['ts'][:10]} {what} · {method}：{result}"


class TracePages:
    """Renders trace pages from stored certificates (Jinja2, autoescaped)."""

    def __init__(self) -> None:
        self._env = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
        )

    def render(
        self,
        cert: dict[str, Any],
        *,
        tests: list[dict[str, Any]],
        credit_level: str,
        qr_url: str,
        revoked_on: str | None,
    ) -> str:
        """The page of an issued (or revoked) certificate."""
        revoked = cert["status"] == "revoked"
        reasons = (
            [REVOKED.get(r["reason"], r["reason"]) for r in cert["reasons"]] if revoked else []
        )
        return self._env.get_template("trace.html").render(
            c=cert["content"],
            revoked=revoked,
            revoked_on=revoked_on,
            revoked_reasons=list(dict.fromkeys(reasons)),
            compliance=[_compliance_line(r) for r in cert["content"].get("compliance", [])],
            tests=[_test_line(t) for t in tests],
            credit_level=credit_level,
            qr_url=qr_url,
        )
