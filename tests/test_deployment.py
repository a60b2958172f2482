"""The deployment files (issue 18): compose shape, healthchecks, the one-shot migrate job, .env.example covering
every setting, the image's ignore list and entry point, the lock file."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _env_example() -> dict[str, str]:
    """Names set in .env.example, and the commented-out `# NAME=default` lines that document optional ones."""
    names = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            names[match[1]] = match[2] if not line.startswith("#") else None
    return names


def env_names_read_by(path: Path) -> set[str]:
    """Every env("NAME" ...) / env.bool("NAME" ...) / env.list(...) / env.db(...) / os.environ.get("NAME" ...)."""
    source = path.read_text()
    names = set(re.findall(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    names |= set(re.findall(r"os\.environ(?:\.get\(|\[)\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    return names


def test_env_name_parser_sees_every_call_shape(tmp_path):
    sample = tmp_path / "s.py"
    sample.write_text(
        'A = env("ONE")\nB = env.bool(\n    "TWO", default=1)\nC = env.db("THREE")\nD = os.environ.get("FOUR")\n'
    )
    assert env_names_read_by(sample) == {"ONE", "TWO", "THREE", "FOUR"}


def test_env_example_lists_every_setting_the_deployment_reads():
    """Test settings (settings/test.py) are not deployed; everything else a deployment can set is documented."""
    files = [p for p in (ROOT / "licensing_portal" / "settings").glob("*.py") if p.name != "test.py"]
    files.append(ROOT / "gunicorn.conf.py")
    read = set().union(*(env_names_read_by(p) for p in files))
    assert {"SECRET_KEY", "DATABASE_URL", "HEALTH_OUTBOX_MAX_AGE", "FORWARDED_ALLOW_IPS"} <= read
    missing = read - _env_example().keys()
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_compose_runs_migrations_once_before_the_application_starts():
    services = _compose()["services"]
    migrate = services["migrate"]
    assert "manage.py migrate" in migrate["command"]
    assert migrate["restart"] == "no"
    assert "deploy" not in migrate and "scale" not in migrate
    for name in APP_SERVICES:
        assert "migrate" not in services[name]["command"], name  # two web replicas would race
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "gunicorn -c gunicorn.conf.py" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_every_long_running_service_has_a_healthcheck():
    services = _compose()["services"]
    assert {"web", "worker", "beat", "db", "redis", "smtp"} <= services.keys()
    for name, service in services.items():
        if name == "migrate":
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert "/health/ready" in " ".join(services["web"]["healthcheck"]["test"])
    assert "pg_isready" in services["db"]["healthcheck"]["test"]
    assert "ping" in services["redis"]["healthcheck"]["test"]


def test_compose_pins_every_image_and_overrides_nothing_from_env_file():
    services = _compose()["services"]
    for name, service in services.items():
        image = re.sub(r"\$\{\w+:-([^}]+)\}", r"\1", service["image"])  # ${PORTAL_VERSION:-0.1.0}
        tag = image.rsplit(":", 1)[1] if ":" in image.split("/")[-1] else ""
        assert tag and tag != "latest", f"{name}: pin the image tag ({image})"
    env_example = _env_example().keys()
    for name in ("migrate", *APP_SERVICES):
        assert services[name]["env_file"] == ".env"
        overridden = set(services[name].get("environment") or {}) & env_example
        assert not overridden, f"{name} silently overrides .env: {overridden}"


def test_relay_accepts_the_configured_sender():
    env = _env_example()
    sender_domain = re.search(r"@([^>\s]+)", env["DEFAULT_FROM_EMAIL"])[1]
    relay = _compose()["services"]["smtp"]["environment"]["ALLOWED_SENDER_DOMAINS"]
    variable = re.fullmatch(r"\$\{(\w+)[^}]*\}", relay)[1]
    assert env[variable] == sender_domain
    assert env["EMAIL_URL"] == "smtp://smtp:587"  # boky/postfix listens on 587


def test_image_ignores_secrets_and_local_state_and_has_an_entry_point():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", ".git", "bench/.venv", "staticfiles", "test-results", "**/__pycache__"):
        assert entry in ignored, entry
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py"]' in dockerfile
    assert "uv sync --frozen" in dockerfile and "COPY pyproject.toml uv.lock" in dockerfile
    assert "DJANGO_SETTINGS_MODULE=licensing_portal.settings.production" in dockerfile
    assert re.search(r"^FROM python:3\.11\.\d+-", dockerfile, re.M)


def test_lock_file_pins_django_5_2_for_python_3_11():
    lock = (ROOT / "uv.lock").read_text()
    assert 'requires-python = ">=3.11"' in lock
    django = re.findall(r'\[\[package\]\]\nname = "django"\nversion = "([^"]+)"', lock)
    assert len(django) == 1 and django[0].startswith("5.2."), django  # no fork resolving 6.x on newer Pythons
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"Django>=5.2,<6.0"' in pyproject


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed")
def test_compose_file_validates(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(  # noqa: S603 - fixed argv
        ["docker-compose", "config", "-q"],  # noqa: S607 - found on PATH like any CLI
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_repository_basics():
    license_text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text  # the full text, not a pointer
    assert 'license = { text = "Apache-2.0" }' in (ROOT / "pyproject.toml").read_text()
    for name in ("CONTRIBUTING.md", "CHANGELOG.md"):
        assert (ROOT / name).is_file(), name
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    ids = {hook["id"]: repo for repo in hooks["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "makemigrations-check"} <= ids.keys()
    assert "makemigrations --check --dry-run" in ids["makemigrations-check"]["hooks"][0]["entry"]
    locked_ruff = re.search(r'name = "ruff"\nversion = "([^"]+)"', (ROOT / "uv.lock").read_text())[1]
    assert ids["ruff"]["rev"] == f"v{locked_ruff}"  # the hook lints exactly as the test suite's ruff


def test_tests_and_bench_write_committed_outputs_only_on_request():
    from tests import browser

    expected = "docs" if os.environ.get("REFRESH_SCREENSHOTS") else "test-results"
    assert browser.SCREENSHOTS.relative_to(ROOT).parts == (expected, "screenshots")
    assert "test-results/" in (ROOT / ".gitignore").read_text().split()
    bench_run = (ROOT / "bench" / "run").read_text()
    assert 'BENCH_RESULTS_DIR="$PWD/bench/tmp/results"' in bench_run and "BENCH_PUBLISH" in bench_run
