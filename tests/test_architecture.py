"""House-style guards (STYLE.md): tenancy and side effects stay where the architecture says."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["agreements", "permissions", "partners", "subscriptions", "notifications", "licensing_portal"]


def _files(name: str):
    for app in APPS:
        yield from (p for p in (ROOT / app).rglob(name) if "migrations" not in p.parts)


def test_views_and_forms_never_query_models_directly():  # SEC-1
    """Reads go through selectors/scoped querysets; a bare `.objects.` in a view, form or API module bypasses
    tenancy."""
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for name in ("views.py", "forms.py", "api.py")
        for p in _files(name)
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"\.objects\.", line)
    ]
    assert offenders == []


def test_only_the_outbox_sends_mail():  # NOTE-1
    pattern = re.compile(r"(?<!def )\b(send_mail|send_mass_mail|EmailMessage|EmailMultiAlternatives)\(")
    offenders = [
        str(p.relative_to(ROOT))
        for p in _files("*.py")
        if pattern.search(p.read_text()) and p.parts[-2:] != ("notifications", "services.py")
    ]
    assert offenders == []


def test_tasks_take_ids_not_instances():  # STYLE: thin tasks
    for path in _files("tasks.py"):
        for sig in re.findall(r"def \w+\(([^)]*)\)", path.read_text()):
            for arg in filter(None, (a.strip() for a in sig.split(","))):
                if arg in ("self", "*"):
                    continue
                assert re.search(r"(_id|_ids)\s*(:|$)", arg), f"{path.name}: task argument {arg!r} is not an id"


def test_code_passes_ruff_lint_and_format():  # STYLE: ruff config in pyproject.toml
    import subprocess
    import sys

    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)  # noqa: S603
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
