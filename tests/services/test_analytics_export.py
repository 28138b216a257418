"""CSV export: the format, and a write that fails never costs the user their old file.

Failures are real ones: rows that break while the file is being written, a file
size limit that makes write() fail with EFBIG, a folder in the target's place.
Umask and resource limits are process-wide, so those cases run in a child process.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from huntaze_desktop.services.analytics.aggregate import Line
from huntaze_desktop.services.analytics.export import (
    format_count,
    format_money,
    minor_units,
    write_csv,
)

START = date(2026, 3, 1)
END = START + timedelta(days=3)
OLD = b"date,Old\r\n2026-01-01,1\r\n"
EXPECTED = (
    b"date,Followers,Earnings\r\n"
    b"2026-03-01,100,5.50\r\n"
    b"2026-03-02,,\r\n"
    b"2026-03-03,1500000,12.00\r\n"
    b"2026-03-04,101,0.25\r\n"
)


def _lines(days: int = 4) -> list[Line]:
    followers = np.array([100.0, np.nan, 1_500_000.0, 101.0][:days])
    earnings = np.array([5.5, np.nan, 12.0, 0.25][:days])
    return [
        Line("alpha", "Followers", None, followers, [1]),
        Line("beta", "Earnings", "USD", earnings, [2]),
    ]


def _run_child(folder: Path, name: str, *, umask: int, max_file_bytes: int | None = None) -> dict:
    """write_csv in a fresh interpreter with the given umask and file size limit."""
    script = """
import json, os, resource, signal, sys
from datetime import date
from pathlib import Path
import numpy as np
from huntaze_desktop.services.analytics.aggregate import Line
from huntaze_desktop.services.analytics.export import (
    format_count,
    format_money,
    minor_units,
    write_csv,
)

folder, name, umask, limit = json.loads(sys.argv[1])
os.umask(umask)
if limit is not None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
values = np.arange(400.0)
lines = [Line("alpha", "Followers", None, values, [1])]
try:
    rows = write_csv(Path(folder) / name, date(2026, 1, 1), date(2027, 2, 4), lines)
except OSError as exc:
    print(json.dumps({"errno": exc.errno, "strerror": exc.strerror}))
else:
    print(json.dumps({"rows": rows}))
"""
    args = json.dumps([str(folder), name, umask, max_file_bytes])
    done = subprocess.run(
        [sys.executable, "-c", script, args], capture_output=True, text=True, check=True, timeout=60
    )
    result: dict = json.loads(done.stdout)
    return result


def test_writes_the_csv_format_and_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "numbers.csv"
    target.write_bytes(OLD)
    assert write_csv(target, START, END, _lines()) == 4
    assert target.read_bytes() == EXPECTED  # \r\n, whole counts, USD with 2 decimals, gaps empty
    assert sorted(tmp_path.iterdir()) == [target]  # no temporary left behind


def test_cells_are_exact_counts_and_money_in_its_currencys_minor_units(tmp_path: Path) -> None:
    views = np.array([1_167_508.0, 2.5, 0.0001])
    lines = [
        Line("views", "@sunny.creates · Instagram", None, views, [1]),
        Line("usd", "OnlyFans (USD)", "USD", np.array([1_167_508.0, 5.5, 0.125]), [2]),
        Line("jpy", "OnlyFans (JPY)", "JPY", np.array([1_167_508.0, 1234.5, 980.0]), [3]),
    ]
    target = tmp_path / "exact.csv"
    assert write_csv(target, START, START + timedelta(days=2), lines) == 3
    assert target.read_text(encoding="utf-8").splitlines() == [
        "date,@sunny.creates · Instagram,OnlyFans (USD),OnlyFans (JPY)",
        "2026-03-01,1167508,1167508.00,1167508",
        "2026-03-02,2.5,5.50,1235",
        "2026-03-03,0.0001,0.13,980",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1_167_508.0, "1167508"),
        (12_345_678_901.0, "12345678901"),
        (1e20, "100000000000000000000"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.30000000000000004"),  # every digit the number has, none made up
        (1e-7, "0.0000001"),
        (-0.0, "0"),
        (-3.0, "-3"),
    ],
)
def test_counts_are_never_written_with_an_exponent(value: float, text: str) -> None:
    assert format_count(value) == text


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        (5.5, "USD", "5.50"),
        (0.125, "USD", "0.13"),  # half up, from the amount as written
        (1_167_508.0, "usd", "1167508.00"),
        (1234.5, "JPY", "1235"),
        (980.0, "JPY", "980"),
        (1.25, "BHD", "1.250"),
        (-0.001, "EUR", "0.00"),
        (3.14159, "XAU", "3.14159"),  # no minor units: every digit held
        (7.0, "ZZZ", "7"),  # not an ISO currency: as held
    ],
)
def test_money_has_its_currencys_decimals(value: float, currency: str, text: str) -> None:
    assert format_money(value, currency) == text


def test_minor_units_come_from_the_iso_table() -> None:
    assert [minor_units(c) for c in ("USD", "EUR", "GBP", "JPY", "KRW", "BHD", "KWD")] == [
        2,
        2,
        2,
        0,
        0,
        3,
        3,
    ]
    assert minor_units("XAU") is None and minor_units("NOPE") is None


def test_rows_that_break_midway_leave_the_old_file_whole_and_no_temporary(
    tmp_path: Path,
) -> None:
    target = tmp_path / "numbers.csv"
    target.write_bytes(OLD)
    # Two days of values for four days: the header and two rows are written, then it breaks.
    with pytest.raises(IndexError):
        write_csv(target, START, END, _lines(days=2))
    assert target.read_bytes() == OLD
    assert sorted(tmp_path.iterdir()) == [target]


def test_a_new_file_that_breaks_midway_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(IndexError):
        write_csv(tmp_path / "numbers.csv", START, END, _lines(days=2))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_write_error_while_writing_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "numbers.csv"
    target.write_bytes(OLD)
    # 400 rows are ~7 KB; at 2 KB the kernel refuses the write, like a full disk would.
    outcome = _run_child(tmp_path, target.name, umask=0o022, max_file_bytes=2048)
    assert outcome == {"errno": errno.EFBIG, "strerror": os.strerror(errno.EFBIG)}
    assert target.read_bytes() == OLD
    assert sorted(tmp_path.iterdir()) == [target]


def test_a_folder_in_the_way_is_an_os_error_and_the_folder_is_untouched(tmp_path: Path) -> None:
    target = tmp_path / "numbers.csv"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(IsADirectoryError) as caught:
        write_csv(target, START, END, _lines())
    assert caught.value.strerror == os.strerror(errno.EISDIR)  # what the page shows
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert (target / "keep.txt").read_text() == "mine"
    assert sorted(tmp_path.iterdir()) == [target]


def test_a_missing_folder_is_the_same_error_open_gives(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        write_csv(tmp_path / "missing" / "numbers.csv", START, END, _lines())
    assert caught.value.strerror == os.strerror(errno.ENOENT)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
@pytest.mark.parametrize(
    ("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)], ids=["022", "077", "002"]
)
def test_a_new_file_gets_the_mode_the_umask_gives_any_new_file(
    tmp_path: Path, umask: int, mode: int
) -> None:
    outcome = _run_child(tmp_path, "numbers.csv", umask=umask)
    assert outcome == {"rows": 400}
    assert stat.S_IMODE((tmp_path / "numbers.csv").stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["numbers.csv"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_replacing_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "numbers.csv"
    target.write_bytes(OLD)
    target.chmod(0o640)
    write_csv(target, START, END, _lines())
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_bytes() == EXPECTED


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_a_read_only_file_is_treated_as_open_would_treat_it(tmp_path: Path) -> None:
    target = tmp_path / "numbers.csv"
    target.write_bytes(OLD)
    target.chmod(0o444)
    try:
        with target.open("ab"):
            writable = True  # root (as in CI containers) may write anyway
    except PermissionError:
        writable = False
    if writable:
        write_csv(target, START, END, _lines())
        assert target.read_bytes() == EXPECTED
    else:
        with pytest.raises(PermissionError):
            write_csv(target, START, END, _lines())
        assert target.read_bytes() == OLD
    assert sorted(tmp_path.iterdir()) == [target]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_through_a_symlink_the_linked_file_is_replaced_and_the_link_stays(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "numbers.csv"
    real.write_bytes(OLD)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_csv(link, START, END, _lines())
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() == EXPECTED
    assert [p.name for p in real_dir.iterdir()] == ["numbers.csv"]


@pytest.fixture
def sealed_folder(tmp_path: Path):
    """A folder no new file may be created in, holding a file that may be written.

    As root (permission bits do not apply) the folder is made immutable, which
    stops creating entries in it but not writing its files; otherwise it is
    made read-only.
    """
    folder = tmp_path / "shared"
    folder.mkdir()
    target = folder / "numbers.csv"
    target.write_bytes(OLD)
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("cannot make a folder immutable here (chattr)")
        yield folder, target
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        yield folder, target
        folder.chmod(0o755)


def test_a_file_in_a_folder_that_takes_no_new_files_is_rewritten_in_place(sealed_folder) -> None:
    folder, target = sealed_folder
    with pytest.raises(PermissionError):
        (folder / "probe.tmp").touch()  # the folder really refuses new files
    assert write_csv(target, START, END, _lines()) == 4
    assert target.read_bytes() == EXPECTED
    assert sorted(folder.iterdir()) == [target]


def test_a_new_file_in_such_a_folder_is_refused(sealed_folder) -> None:
    folder, _target = sealed_folder
    with pytest.raises(PermissionError):
        write_csv(folder / "new.csv", START, END, _lines())
    assert not (folder / "new.csv").exists()


def test_a_file_name_that_is_not_valid_utf8_still_gets_a_temporary(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9-numbers.csv")  # Latin-1 bytes, surrogate-escaped
    target = tmp_path / name
    assert write_csv(target, START, END, _lines()) == 4
    assert target.read_bytes() == EXPECTED
    assert sorted(tmp_path.iterdir()) == [target]
