"""Signed webhooks (API-4): endpoints per organisation, deliveries written as outbox rows with the audited event,
sent by a Celery worker. Domain knowledge (who administers an organisation, who may see an event) comes from
functions of the domain apps named in settings (WEBHOOKS_ORGANIZATION_ADMINS, WEBHOOKS_AUDIENCE)."""
