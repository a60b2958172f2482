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
        for name in ("views.py", "views/*.py", "forms.py", "api.py")
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


MAX_MODULE_LINES = 500


def test_no_module_over_500_lines():  # STYLE: modules by rule family (issue 13)
    """A module that outgrows 500 lines holds several rule families: split it into a package named for them."""
    tracked = subprocess_lines(["git", "ls-files", "*.py"])
    offenders = {
        path: n
        for path in tracked
        if "migrations" not in Path(path).parts and Path(path).parts[0] != "tests"
        for n in [len((ROOT / path).read_text().splitlines())]
        if n > MAX_MODULE_LINES
    }
    assert offenders == {}


def subprocess_lines(cmd: list[str]) -> list[str]:
    import subprocess

    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
    return [line for line in result.stdout.splitlines() if (ROOT / line).exists()]


def test_service_packages_export_every_public_function():  # STYLE: callers import from the package
    """`from partners.services import x` keeps working for every public service, wherever its family module is."""
    import importlib
    import inspect
    import pkgutil

    for name in ("partners.services", "subscriptions.services", "permissions.services"):
        package = importlib.import_module(name)
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{name}.{info.name}")
            public = [
                f
                for f, obj in vars(module).items()
                if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not f.startswith("_")
            ]
            missing = [f for f in public if f not in package.__all__ or getattr(package, f) is not vars(module)[f]]
            assert missing == [], f"{module.__name__}: {missing}"


def test_kernel_helpers_import_no_domain_app():  # STYLE: the kernel sits below the domain
    domain = re.compile(r"^\s*(from|import) (agreements|permissions|partners|subscriptions|notifications)\b", re.M)
    for name in ("addresses.py", "links.py", "feedback.py"):
        assert not domain.search((ROOT / "licensing_portal" / name).read_text()), name
