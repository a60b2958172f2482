FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade 'pip>=25.1' && pip install --group runtime
COPY . .
RUN python manage.py compilemessages --ignore=.venv
RUN useradd --system portal && chown -R portal /app
USER portal
EXPOSE 8000
