"""Prometheus metrics (OPS-2).

Requests by view and status and latency by view come from django-prometheus's middleware. This module adds what
the database knows at scrape time (outbox pending, failed and oldest pending age; active OPEN-5 suspensions: a
few aggregate queries per scrape, none per request), Celery task outcomes, and the endpoint, which answers only
a scraper holding METRICS_TOKEN or calling from METRICS_ALLOWED_IPS (404 for everyone else).

Task counters are counted in the worker processes: with CELERY_METRICS_PORT set, the worker serves them itself
(prometheus_client multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set, which a prefork pool needs).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.http import Http404, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

TASKS = Counter("portal_celery_tasks", "Celery task outcomes by task name.", ["task", "outcome"])


class DatabaseCollector:
    """Read at scrape time with aggregate queries; a database outage shows as portal_metrics_database_up 0."""

    def describe(self):  # registering must not query the database
        return []

    def collect(self):
        from licensing_portal.webhooks.selectors import delivery_stats
        from notifications.selectors import outbox_stats
        from partners.selectors import open_license_suspension_active_count

        up = GaugeMetricFamily("portal_metrics_database_up", "1 when the scrape could read the database.")
        try:
            stats = outbox_stats()
            suspensions = open_license_suspension_active_count()
            webhooks = delivery_stats()
        except Exception:  # the scrape still answers, and says why the other gauges are missing
            logger.warning("metrics: database unavailable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("portal_outbox_pending", "Outbox rows waiting to be sent.", value=stats.pending)
        yield GaugeMetricFamily("portal_outbox_failed", "Outbox rows that gave up (NOTE-2).", value=stats.failed)
        yield GaugeMetricFamily(
            "portal_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row waiting to be sent (0 when none).",
            value=stats.oldest_pending_age_seconds,
        )
        yield GaugeMetricFamily("portal_webhook_pending", "Webhook deliveries waiting.", value=webhooks.pending)
        yield GaugeMetricFamily("portal_webhook_failed", "Webhook deliveries that gave up.", value=webhooks.failed)
        yield GaugeMetricFamily(
            "portal_webhook_oldest_pending_age_seconds",
            "Age of the oldest webhook delivery waiting (0 when none).",
            value=webhooks.oldest_pending_age_seconds,
        )
        yield GaugeMetricFamily(
            "portal_open_license_suspensions_active",
            "Open License suspensions in force (OPEN-5).",
            value=suspensions,
        )


_database_collector = DatabaseCollector()
_registered = False


def _registry() -> CollectorRegistry:
    global _registered
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # several web processes: add up their files
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(_database_collector)
        return registry
    if not _registered:
        REGISTRY.register(_database_collector)
        _registered = True
    return REGISTRY


def scrape_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS)


def metrics_view(request):
    if not scrape_allowed(request):
        raise Http404  # not an advertised page: looks missing
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


# --- Celery task outcomes ---------------------------------------------------------------------------------


def _outcome(outcome: str):
    def receiver(sender=None, **kwargs) -> None:
        TASKS.labels(task=getattr(sender, "name", str(sender)), outcome=outcome).inc()

    return receiver


_receivers = {"success": _outcome("success"), "failure": _outcome("failure"), "retry": _outcome("retry")}


def _serve_worker_metrics(**kwargs):
    """On worker start (the main process): an HTTP endpoint of the task counters, if CELERY_METRICS_PORT."""
    from prometheus_client import start_http_server

    port = settings.CELERY_METRICS_PORT
    if not port:
        return None
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # prefork: the counts live in the child processes' files
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    server, _thread = start_http_server(port, registry=registry)
    logger.info("task metrics served on port %s", port)
    return server


def connect_task_outcomes() -> None:
    from celery.signals import task_failure, task_retry, task_success, worker_ready

    task_success.connect(_receivers["success"], dispatch_uid="metrics.task_success", weak=False)
    task_failure.connect(_receivers["failure"], dispatch_uid="metrics.task_failure", weak=False)
    task_retry.connect(_receivers["retry"], dispatch_uid="metrics.task_retry", weak=False)
    worker_ready.connect(_serve_worker_metrics, dispatch_uid="metrics.worker_ready", weak=False)
