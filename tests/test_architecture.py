"""The layering rules of docs/architecture.md, checked on the package's imports.

- core (records, config, errors, extras, money, blobstore, workspace, store, migrations)
  imports no stage, no application module and no face;
- a stage imports only core, itself and the stages before it
  (collect → preserve → extract → identify → assess → link → measure → act);
- the application layer (``wildtrace.app``) imports core, the stages and itself;
- a face (``wildtrace.cli``, ``wildtrace.web``) imports core, the application layer and
  itself (the CLI's ``serve`` may start the web face);
- only storage (``wildtrace.store`` and the migrations) imports SQLAlchemy, Alembic or the
  schema (``wildtrace.store.tables``), and nothing else reaches for the database engine
  (``store.engine``): every query is a method of a store module.

Every import counts, including those inside functions: a deferred import is still a
dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "wildtrace"
STAGES = ("collect", "preserve", "extract", "identify", "assess", "link", "measure", "act")
CORE = {"records", "config", "errors", "extras", "money", "numbers", "blobstore", "workspace",
        "store",
        "migrations", "__init__"}
FACES = {"cli", "web", "__main__"}
SQL_LIBRARIES = ("sqlalchemy", "alembic")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from wildtrace import tables`` names a module too
            if module == "wildtrace":
                found += [(node.lineno, f"wildtrace.{a.name}") for a in node.names
                          if (PACKAGE / a.name).is_dir() or (PACKAGE / f"{a.name}.py").exists()]
    return found


def _area(module: str) -> str:
    """The top-level part of the package a module belongs to (``collect``, ``store``…)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(area: str) -> str:
    if area in CORE:
        return "core"
    if area in STAGES:
        return "stage"
    if area == "app":
        return "app"
    if area in FACES:
        return "face"
    return "unknown"


def allowed(importer: str, imported: str) -> str | None:
    """None when ``importer`` may import ``imported``; else the rule it breaks."""
    src, dst = _area(importer), _area(imported)
    if imported == "wildtrace":  # the version string
        return None
    src_layer, dst_layer = _layer(src), _layer(dst)
    if "unknown" in (src_layer, dst_layer):
        return f"{src if src_layer == 'unknown' else dst} is in no layer (add it to one)"
    if src == dst:
        return None
    if src_layer == "core":
        return None if dst_layer == "core" else "core imports no stage, app or face"
    if src_layer == "stage":
        if dst_layer == "core":
            return None
        if dst_layer == "stage" and STAGES.index(dst) < STAGES.index(src):
            return None
        return "a stage imports only core and earlier stages"
    if src_layer == "app":
        return None if dst_layer in ("core", "stage") else "app imports core and stages only"
    # faces
    if dst_layer in ("core", "app"):
        return None
    if src == "__main__" and dst == "cli":
        return None  # python -m wildtrace
    if src == "cli" and imported == "wildtrace.web":
        return None  # `wildtrace serve` starts the web face
    return "a face imports only the application layer and core"


def violations() -> list[str]:
    """Every broken rule, as ``file:line: importer -> imported (rule)``."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        area = _area(name)
        for line, module in _imports(path):
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if module.split(".")[0] in SQL_LIBRARIES and area not in ("store", "migrations"):
                out.append(f"{where}: {name} -> {module} (only storage uses SQL)")
            if module.startswith("wildtrace.store.tables") and area not in ("store", "migrations"):
                out.append(f"{where}: {name} -> {module} (only storage uses the schema)")
            if module == "wildtrace" or module.startswith("wildtrace."):
                rule = allowed(name, module)
                if rule:
                    out.append(f"{where}: {name} -> {module} ({rule})")
    return out


def engine_uses() -> list[str]:
    """``store.engine`` (or ``x.store.engine``) reached outside storage."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _area(_module_name(path)) in ("store", "migrations"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "engine":
                owner = node.value
                named = (owner.id if isinstance(owner, ast.Name) else
                         owner.attr if isinstance(owner, ast.Attribute) else "")
                if named == "store":
                    out.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: "
                               "store.engine outside storage (add a store method)")
    return out


def test_nothing_outside_storage_touches_the_engine() -> None:
    found = engine_uses()
    assert not found, "the engine is storage's:\n" + "\n".join(found)


def test_import_rules_hold() -> None:
    found = violations()
    assert not found, "layering rules broken:\n" + "\n".join(found)


@pytest.mark.parametrize(("importer", "imported", "ok"), [
    ("wildtrace.extract.generic", "wildtrace.collect.canonical", True),
    ("wildtrace.collect.spider", "wildtrace.extract.html", False),
    ("wildtrace.collect.archive", "wildtrace.preserve.session", False),
    ("wildtrace.store.frontier", "wildtrace.collect.canonical", False),
    ("wildtrace.app.pageworker", "wildtrace.extract.extractor", True),
    ("wildtrace.cli.crawl_cmds", "wildtrace.collect.frontier", False),
    ("wildtrace.store.core", "wildtrace.preserve.custody", False),
    ("wildtrace.workspace", "wildtrace.store", True),
    ("wildtrace.web.routes_listings", "wildtrace.act.cases", False),
    ("wildtrace.web.routes_listings", "wildtrace.app.views", True),
    ("wildtrace.cli.core", "wildtrace.pipeline", False),
    ("wildtrace.app.process", "wildtrace.link.sellers", True),
    ("wildtrace.app.process", "wildtrace.web.app", False),
    ("wildtrace.cli.web_cmds", "wildtrace.web", True),
])
def test_the_rule_checker_can_fail(importer: str, imported: str, ok: bool) -> None:
    assert (allowed(importer, imported) is None) is ok
