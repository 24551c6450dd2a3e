"""The compliance core's routers, registered by `create_app` in one line."""

from fastapi import APIRouter

from cloud.api.routes import admin, alert_lifecycle, certificates, credit, reference, webhooks

COMPLIANCE_ROUTERS: tuple[APIRouter, ...] = (
    alert_lifecycle.router,
    certificates.router,
    credit.router,
    reference.router,
    webhooks.router,
    admin.router,
)
