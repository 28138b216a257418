"""InstallationError: an ImportError turned into a sentence naming what did not load."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from huntaze_desktop.domain.errors import HuntazeError, InstallationError


def _import_error(code: str, tmp_path: Path, name: str) -> ImportError:
    (tmp_path / f"{name}.py").write_text(code)
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(ImportError) as caught:
            __import__(name)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)
    return caught.value


def test_a_missing_module_is_named(tmp_path: Path) -> None:
    exc = _import_error("import huntaze_no_such_library.sub\n", tmp_path, "needs_missing")
    error = InstallationError.from_import(exc, "Analytics")
    assert isinstance(error, HuntazeError)
    assert error.user_message == (
        "huntaze_no_such_library could not be loaded, and Analytics needs it. The "
        "installation looks incomplete or damaged: reinstalling it should fix this."
    )


def test_a_module_that_raises_on_import_is_named_by_its_package(tmp_path: Path) -> None:
    exc = _import_error('raise ImportError("C-extensions failed")\n', tmp_path, "fake_numpy")
    error = InstallationError.from_import(exc, "Charts")
    assert error.user_message.startswith("fake_numpy could not be loaded, and Charts needs it.")
    assert "C-extensions" not in error.user_message  # the details go to the log


def test_the_apps_own_modules_are_named_in_full() -> None:
    exc = ModuleNotFoundError("gone", name="huntaze_desktop.services.analytics.scheduler")
    error = InstallationError.from_import(exc, "Analytics")
    assert str(error).startswith("huntaze_desktop.services.analytics.scheduler could not be loaded")


def test_without_a_module_name_the_message_still_says_what_to_do() -> None:
    error = InstallationError.from_import(ImportError("no name"), "Analytics")
    assert error.user_message.startswith("A module could not be loaded, and Analytics needs it.")
    assert "reinstalling it should fix this" in error.user_message
