"""The layering rules: imports point down, and only ui/ (and the boot) may import Qt.

Layers, top to bottom (docs/ARCHITECTURE.md):

    boot (__main__, app, cli/)  ->  ui/  ->  runtime  ->  services/
    ->  storage/, providers/, sandbox/  ->  domain/, net/, fileio, logsetup

A module may import its own layer and any layer below it, never one above.
Imports under ``if TYPE_CHECKING:`` count too: a type is a dependency.

One placement is not by folder: a platform's sandbox stand-in,
``providers/<name>/sandbox/`` (or ``sandbox.py``), belongs to the sandbox layer.
Adding a platform is adding one folder, stand-in included; the stand-in builds
on ``sandbox/`` (state, authorize page, faults), and nothing in ``providers/``
may import it (only the sandbox does, through ``endpoints.sandbox_platforms()``).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "huntaze_desktop"
QT_FREE_LAYERS = [
    "domain",
    "services",
    "providers",
    "storage",
    "net",
    "sandbox",
    "cli",
    "runtime.py",
]

# What each top-level part of the package may import (besides itself and the
# package root, which holds only ``__version__``).
_BASE = {"domain", "net", "fileio", "resources", "outside"}
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "fileio": set(),
    "outside": set(),
    "resources": set(),
    "gc_policy": set(),
    "net": {"domain"},
    "logsetup": {"domain", "net", "fileio"},
    "storage": _BASE | {"logsetup"},
    "providers": _BASE,
    # The sandbox stands in for the platforms each provider package describes.
    "sandbox": _BASE | {"providers"},
    "services": _BASE | {"storage", "providers"},
    "runtime": _BASE | {"logsetup", "storage", "providers", "sandbox", "services"},
    "ui": _BASE | {"logsetup", "gc_policy", "providers", "services", "runtime"},
    "cli": _BASE | {"logsetup", "storage", "providers", "sandbox", "services", "runtime"},
    "app": _BASE
    | {"logsetup", "gc_policy", "ui", "runtime", "services", "storage", "cli", "app_services"},
    "app_services": _BASE
    | {"logsetup", "gc_policy", "ui", "runtime", "services", "storage", "cli"},
    "__main__": {"cli", "app"},
}


def layer_of(parts: tuple[str, ...] | list[str]) -> str:
    """The layer of a module below ``huntaze_desktop`` (path parts, ``.py`` or not)."""
    names = [part.removesuffix(".py") for part in parts]
    if len(names) >= 3 and names[0] == "providers" and names[2] == "sandbox":
        return "sandbox"  # a platform's stand-in (see the module docstring)
    return names[0]


def _sources(layer: str) -> list[Path]:
    target = PACKAGE / layer
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


def _app_imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """The layer of every ``huntaze_desktop`` module the file at ``root/...`` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ["huntaze_desktop", *path.relative_to(root).parts[:-1]]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this file's package
                base = ".".join([*package[: len(package) - node.level + 1], base]).rstrip(".")
            # from huntaze_desktop import runtime; from ...tiktok import sandbox
            names = [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "huntaze_desktop" and len(parts) > 1:
                found.append((node.lineno, layer_of(parts[1:])))
    return sorted(set(found))


def upward_imports(root: Path = PACKAGE) -> list[str]:
    """``file:line imports part`` for every import under ``root`` that ``ALLOWED`` forbids."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        layer = layer_of(path.relative_to(root).parts)
        if layer == "__init__":
            continue
        allowed = ALLOWED.get(layer)
        assert allowed is not None, f"{layer} has no place in ALLOWED: add it"
        for line, part in _app_imports(path, root):
            if part not in (layer, "__version__") and part not in allowed:
                bad.append(f"{path.relative_to(root).as_posix()}:{line} imports {part}")
    return bad


def test_every_import_points_down() -> None:
    assert upward_imports() == []


def test_checker_sees_upward_imports_in_every_form(tmp_path: Path) -> None:
    # Guard against a checker that silently finds nothing.
    domain = tmp_path / "huntaze_desktop" / "domain"
    domain.mkdir(parents=True)
    (domain / "bad.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from huntaze_desktop.services.accounts import AccountService\n"
        "from huntaze_desktop import runtime\n"
        "from ..ui import theme\n"
        "import huntaze_desktop.storage.db\n"
        "from huntaze_desktop.domain.errors import HuntazeError\n"
        "from . import models\n"
    )
    found = upward_imports(tmp_path / "huntaze_desktop")
    assert found == [
        "domain/bad.py:3 imports services",
        "domain/bad.py:4 imports runtime",
        "domain/bad.py:5 imports ui",
        "domain/bad.py:6 imports storage",
    ]


def test_the_real_tree_fails_with_one_upward_import(tmp_path: Path) -> None:
    copy = tmp_path / "huntaze_desktop"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    models = copy / "domain" / "models.py"
    lines = models.read_text(encoding="utf-8").count("\n")
    with models.open("a", encoding="utf-8") as out:
        out.write("from huntaze_desktop.services.tokens import TokenManager\n")
    assert upward_imports(copy) == [f"domain/models.py:{lines + 1} imports services"]


def test_a_platform_folder_may_hold_its_sandbox_stand_in(tmp_path: Path) -> None:
    # The stand-in builds on sandbox/; the platform's own code may not import it.
    platform = tmp_path / "huntaze_desktop" / "providers" / "acme"
    (platform / "sandbox").mkdir(parents=True)
    (platform / "sandbox" / "__init__.py").write_text(
        "from huntaze_desktop.sandbox.platform import SandboxPlatform\n"
        "from huntaze_desktop.providers.acme.spec import SPEC\n"
    )
    (platform / "client.py").write_text(
        "from huntaze_desktop.providers.base import ProviderClient\n"
        "from huntaze_desktop.providers.acme import sandbox\n"
        "from huntaze_desktop.providers.acme.sandbox import SANDBOX\n"
        "from huntaze_desktop.sandbox.state import SandboxState\n"
    )
    assert upward_imports(tmp_path / "huntaze_desktop") == [
        "providers/acme/client.py:2 imports sandbox",
        "providers/acme/client.py:3 imports sandbox",
        "providers/acme/client.py:4 imports sandbox",
    ]


def _qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6"}]
    return found


@pytest.mark.parametrize("layer", QT_FREE_LAYERS)
def test_layer_source_never_imports_qt(layer: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): imports
        for path in _sources(layer)
        if (imports := _qt_imports(path))
    }
    assert offenders == {}, f"Qt imported outside ui/: {offenders}"


def test_checker_sees_a_qt_import(tmp_path: Path) -> None:
    # Guard against a checker that silently finds nothing.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from PySide6.QtCore import QObject\n")
    assert _qt_imports(sample) == ["PySide6.QtCore"]


def test_importing_every_non_ui_module_loads_no_qt() -> None:
    # Transitive imports count too: import all of them in a fresh interpreter.
    modules = sorted(
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for layer in QT_FREE_LAYERS
        for path in _sources(layer)
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
