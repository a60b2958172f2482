import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "licensing_portal.settings.local")

app = Celery("licensing_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect(weak=False)
def _django_logging(**kwargs) -> None:
    """Workers and beat log like the web (settings.LOGGING: JSON lines with the request id, redacted, OPS-3)
    instead of Celery's own format; connecting this receiver is what stops Celery from taking over logging."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
