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


# --- The import graph (issue 13): the kernel sits below the domain; no cycles but services↔tasks ------------

import ast  # noqa: E402 - the graph tests below are self-contained

DOMAIN_APPS = {"agreements", "permissions", "partners", "subscriptions", "notifications"}
# licensing_portal/ modules that are NOT kernel: settings and URL roots, operational probes that count domain
# rows (metrics, health), the support feature app, and composition roots (views, management commands, benches).
NOT_KERNEL = (
    "licensing_portal.settings",
    "licensing_portal.urls",
    "licensing_portal.metrics",
    "licensing_portal.health",
    "licensing_portal.support",
    "licensing_portal.core.views",
    "licensing_portal.core.urls",
    "licensing_portal.core.management",
    "licensing_portal.core.bench",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node) -> bool:
    test = node.test
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _imports(tree: ast.AST):
    """Every import statement, at module level or inside functions, except `if TYPE_CHECKING:` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, set[str]]:
    """module -> the repository modules it imports (a name imported from a package counts as its submodule)."""
    modules = {_module_name(p): p for p in _files("*.py")}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        edges = set()
        for node in _imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    package = package[: len(package) - node.level + 1]
                    base = ".".join([*package, *([node.module] if node.module else [])])
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            edges |= {t for t in map(resolve, targets) if t and t != name}
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _allowed_cycle(component: set[str], graph: dict[str, set[str]]) -> bool:
    """One app's lazy services↔tasks pair: a task calls its service, the service enqueues the task. The services
    may be a package of rule-family modules (its `__init__` re-exporting them); without the tasks module the
    services must not form a cycle of their own."""
    tasks = [m for m in component if m.endswith(".tasks")]
    if len(tasks) != 1:
        return False
    app = tasks[0].removesuffix(".tasks")
    services = component - set(tasks)
    if not all(m == f"{app}.services" or m.startswith(f"{app}.services.") for m in services):
        return False
    return not _cycles({m: graph[m] & services for m in services})


def test_kernel_imports_no_domain_app():  # issue 13: the kernel sits below the domain
    """`licensing_portal/` kernel modules (tenancy, audit, tokens, db, outbox, core models/services/middleware,
    export, limits, ...) import no domain app, not even inside a function: they reach the access core and the
    outbox through settings (PORTAL_ACCESS_SCOPE, PORTAL_OUTBOX)."""
    graph = import_graph()
    kernel = [m for m in graph if m.startswith("licensing_portal") and not m.startswith(NOT_KERNEL)]
    assert {"licensing_portal.tenancy", "licensing_portal.audit", "licensing_portal.core.services"} <= set(kernel)
    offenders = sorted(f"{m} -> {t}" for m in kernel for t in graph[m] if t.split(".")[0] in DOMAIN_APPS)
    assert offenders == []


def test_no_import_cycles_but_services_and_tasks():  # issue 13
    """No import cycle between modules, counting imports inside functions, except one app's lazy services↔tasks
    pair. In particular agreements and permissions services no longer call each other both ways: PERM-2's
    contact → grants lives on the permissions side (permissions/contacts.py)."""
    graph = import_graph()
    cycles = [sorted(c) for c in _cycles(graph) if not _allowed_cycle(c, graph)]
    assert cycles == []


def test_cycle_finder_finds_cycles():
    """The guard above would see a cycle: the finder on a small graph, including a three-module ring."""
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a"},
        "d": {"a"},
        "x.services": {"x.services.orders"},
        "x.services.orders": {"x.tasks"},
        "x.tasks": {"x.services"},
        "y.services": {"y.tasks", "z.tasks"},
        "y.tasks": set(),
        "z.tasks": {"y.services"},
    }
    found = sorted(sorted(c) for c in _cycles(graph))
    assert found == [["a", "b", "c"], ["x.services", "x.services.orders", "x.tasks"], ["y.services", "z.tasks"]]
    assert [_allowed_cycle(set(c), graph) for c in found] == [False, True, False]
    assert "permissions.access" in import_graph()["permissions.selectors"]


def test_access_rule_lives_in_the_access_core():  # issue 13, PERM-8
    """Only the access core (and the models, migrations, admin and bench seeding) names InheritanceOptOut outside
    writes: creating, locking for update and deleting opt-outs in the services."""
    allowed = {
        "permissions/access.py",
        "permissions/access_people.py",
        "permissions/access_mine.py",
        "permissions/access_listing.py",
        "permissions/access_pages_orm.py",
        "permissions/models.py",
        "permissions/admin.py",
        "permissions/bench.py",
    }
    write = re.compile(
        r"InheritanceOptOut(\.objects\.(create|update_or_create|select_for_update|bulk_create)|\.Reason|,$|\()"
    )
    offenders = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _files("*.py")
        if str(p.relative_to(ROOT)) not in allowed
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if "InheritanceOptOut" in line and not write.search(line.strip())
    ]
    assert offenders == []
