"""The layering rule: only ui/ (and the boot) may import Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "huntaze_desktop"
QT_FREE_LAYERS = ["core", "providers", "storage", "net", "sandbox"]


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
        for path in sorted((PACKAGE / layer).rglob("*.py"))
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
        for path in (PACKAGE / layer).rglob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
