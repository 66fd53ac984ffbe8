"""Which feature package may import which: a feature (a blueprint package under isocrm/)
imports the shared modules below it (isocrm/*.py, models) and a few services every feature
may use, never another feature's forms, views or queries. The imports that still break the
rule are listed in KNOWN_DEBT (issue 14 removes them): a new one fails here, and so does a
listed one that is gone, so the list only ever shrinks."""

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "isocrm"
NOT_FEATURES = {"models", "migrations", "translations", "demo"}

# Services any feature may use: they sit below the features that show them.
SHARED_SERVICES = {
    "isocrm.entity_search",  # the entity search (finder, Incluir, pickers)
    "isocrm.mail.service",  # sending e-mail and the outbox
    "isocrm.auth.passwords",  # admin sets temporary ones
    "isocrm.sla.clock",  # business hours and due dates
    "isocrm.tickets.service",  # the ticket rules: a save, a status change, an unsaved edit
    "isocrm.reports.pdf",
    "isocrm.auth.throttle",  # the app's rate limiter (the public survey page uses it)
}

# (importing package, imported module): to be moved to a shared home.
KNOWN_DEBT: set[tuple[str, str]] = set()


def _features(package: Path) -> set[str]:
    return {
        p.name
        for p in package.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_FEATURES
    }


def _cross_imports(package: Path = PACKAGE) -> dict[tuple[str, str], set[str]]:
    """(package, module it imports from another feature) → the files that do it."""
    features = _features(package)
    found = defaultdict(set)
    for path in package.rglob("*.py"):
        parts = path.relative_to(package).parts
        if len(parts) < 2 or parts[0] not in features:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from isocrm.tickets import service` imports the module isocrm.tickets.service
                modules = [_submodule_or_package(package, node.module, a.name) for a in node.names]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                names = module.split(".")
                feature = names[1] if names[0] == "isocrm" and len(names) > 1 else None
                if feature in features and feature != parts[0]:
                    found[(parts[0], module)].add(str(path.relative_to(package.parent)))
    return found


def _submodule_or_package(package: Path, module: str, name: str) -> str:
    folder = package.parent.joinpath(*module.split("."))
    is_module = (folder / f"{name}.py").exists() or (folder / name / "__init__.py").exists()
    return f"{module}.{name}" if is_module else module


def _allowed(module: str) -> bool:
    return module in SHARED_SERVICES


def test_no_feature_imports_another_features_forms_views_or_queries():
    found = _cross_imports()
    print("\nimports between feature packages:")
    for (package, module), files in sorted(found.items()):
        mark = "shared" if _allowed(module) else "DEBT"
        print(f"  {package:17} -> {module:30} {mark:6} {', '.join(sorted(files))}")
    breaking = {key for key in found if not _allowed(key[1])}
    new = breaking - KNOWN_DEBT
    assert not new, f"a feature imports another feature's internals: {sorted(new)}"
    gone = KNOWN_DEBT - breaking
    assert not gone, f"fixed: take these out of KNOWN_DEBT: {sorted(gone)}"


def test_the_walk_sees_a_cross_import(tmp_path):
    """The check itself: a planted import of another feature's forms is found."""
    fake = tmp_path / "isocrm"
    for name in ("alpha", "beta"):
        (fake / name).mkdir(parents=True)
        (fake / name / "__init__.py").write_text("")
    (fake / "alpha" / "views.py").write_text("from isocrm.beta.forms import Thing\n")
    assert set(_cross_imports(fake)) == {("alpha", "isocrm.beta.forms")}
