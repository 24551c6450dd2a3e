"""Typed dependency providers: how a route gets the parts of the running cloud it uses.

`create_app` stores the runtime on `app.state`; `runtime` is the one place that reads it back,
so every route sees typed, always-present parts instead of an untyped attribute.
"""

import logging
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from cloud.alerts.hub import AlertHub
from cloud.certificates.page import TracePages
from cloud.credit.policy import CreditPolicy
from cloud.engine.runner import RuleEngine
from cloud.ingest.service import IngestService
from cloud.metrics import IngestMetrics
from cloud.reference.provider import ReferenceProvider
from cloud.registry.service import RegistryService
from cloud.runtime import CloudRuntime
from cloud.settings import CloudSettings
from cloud.timeseries.factory import TimeSeriesParts

logger = logging.getLogger(__name__)


def runtime(request: Request) -> CloudRuntime:
    """The running cloud the app was created for."""
    found: CloudRuntime = request.app.state.runtime
    return found


RuntimeDep = Annotated[CloudRuntime, Depends(runtime)]


def engine(rt: RuntimeDep) -> Engine:
    """The database engine."""
    return rt.engine


def settings(rt: RuntimeDep) -> CloudSettings:
    """The cloud's settings."""
    return rt.settings


def registry(rt: RuntimeDep) -> RegistryService:
    """Sites, plots, herds and devices."""
    return rt.registry


def rules(rt: RuntimeDep) -> RuleEngine:
    """The rule engine (reference data, windows, credit policy)."""
    return rt.rules


def credit_policy(rt: RuntimeDep) -> CreditPolicy:
    """The credit policy the rules apply."""
    return rt.rules.credit


def reference(rt: RuntimeDep) -> ReferenceProvider:
    """The reference data the rules use (national tables plus admin label entries)."""
    return rt.rules.reference


def hub(rt: RuntimeDep) -> AlertHub:
    """Live alerts for the SSE stream."""
    return rt.hub


def ingest(rt: RuntimeDep) -> IngestService:
    """Validation, storage and rule evaluation of incoming envelopes."""
    return rt.ingest


def metrics(rt: RuntimeDep) -> IngestMetrics:
    """Prometheus counters of the ingest."""
    return rt.metrics


def timeseries(rt: RuntimeDep) -> TimeSeriesParts:
    """The configured time-series store (its reader is None when it is off)."""
    return rt.timeseries


def trace_pages(request: Request) -> TracePages:
    """The renderer of public certificate pages."""
    pages: TracePages = request.app.state.trace_pages
    return pages


EngineDep = Annotated[Engine, Depends(engine)]
SettingsDep = Annotated[CloudSettings, Depends(settings)]
RegistryDep = Annotated[RegistryService, Depends(registry)]
RulesDep = Annotated[RuleEngine, Depends(rules)]
CreditPolicyDep = Annotated[CreditPolicy, Depends(credit_policy)]
ReferenceDep = Annotated[ReferenceProvider, Depends(reference)]
HubDep = Annotated[AlertHub, Depends(hub)]
IngestDep = Annotated[IngestService, Depends(ingest)]
MetricsDep = Annotated[IngestMetrics, Depends(metrics)]
TimeSeriesDep = Annotated[TimeSeriesParts, Depends(timeseries)]
TracePagesDep = Annotated[TracePages, Depends(trace_pages)]
