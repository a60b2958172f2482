"""Signed webhooks (API-4): endpoints per organisation, deliveries written as outbox rows with the audited event,
sent by a Celery worker. Domain knowledge comes through settings, so the kernel imports no domain app: who may see
an event (WEBHOOKS_AUDIENCE) and who administers an organisation (tenancy.administered_organization_ids)."""
