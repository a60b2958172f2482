# The production image: web (gunicorn, the CMD), and the same image runs the migrate job, the Celery worker and
# beat (docker-compose.yml). Dependencies come from uv.lock, exactly (`uv sync --frozen`).
FROM python:3.11.7-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=licensing_portal.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir 'uv==0.13.9'
WORKDIR /app
# The lock first: this layer is rebuilt only when the dependencies change.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-default-groups --group runtime --no-cache
COPY . .
# Translations and static files are part of the image (no writes at start-up). collectstatic needs no secret:
# the local settings have the same STATIC_ROOT and storage as production.
RUN python manage.py compilemessages -v0 --ignore=.venv \
    && DJANGO_SETTINGS_MODULE=licensing_portal.settings.local python manage.py collectstatic --noinput -v0
RUN mkdir -p /app/media && useradd --system portal && chown -R portal /app  # media: AGR-8 files, a volume
USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
