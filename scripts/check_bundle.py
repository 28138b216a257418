"""The newest glibc a frozen bundle needs: every ELF file's version needs, read directly.

    scripts/check-bundle [DIR]             print the floor and the files that set it
    scripts/check-bundle DIR --max 2.35    also exit 1 when the bundle needs more
    scripts/check-bundle DIR --json        one JSON object (the test reads this)

DIR defaults to dist/huntaze-desktop. Every regular file that starts with the ELF
magic is read (shared libraries, Python extension modules, Qt plugins, the
executables); symbolic links are skipped, their targets are in the bundle too.

The dynamic loader refuses a library whose ``.gnu.version_r`` section (the
"version needs", ``readelf -V``) names a ``GLIBC_2.NN`` that the system's libc
does not define, so that section is exactly what decides where the bundle starts.
It is parsed here with the standard library (``struct``), so the check runs
wherever Python does, without binutils or an extra package.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

SHT_DYNAMIC = 6
SHT_GNU_VERNEED = 0x6FFFFFFE
DT_NULL = 0
DT_NEEDED = 1
GLIBC_VERSION = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$")


class NotElf(Exception):
    """The file is not an ELF object this reader understands."""


def _cstring(blob: bytes, offset: int) -> str:
    end = blob.index(b"\0", offset)
    return blob[offset:end].decode("ascii", "replace")


def _sections(data: bytes) -> tuple[str, list[tuple[int, ...]]]:
    """The byte order (``struct`` prefix) and the section headers of one ELF image."""
    if data[:4] != b"\x7fELF":
        raise NotElf("no ELF magic")
    elf_class, encoding = data[4], data[5]
    if elf_class not in (1, 2) or encoding not in (1, 2):
        raise NotElf("unknown ELF class or byte order")
    end = "<" if encoding == 1 else ">"
    is64 = elf_class == 2
    if is64:
        shoff, shentsize, shnum = (
            struct.unpack_from(end + "Q", data, 0x28)[0],
            struct.unpack_from(end + "H", data, 0x3A)[0],
            struct.unpack_from(end + "H", data, 0x3C)[0],
        )
        section = end + "IIQQQQIIQQ"
    else:
        shoff, shentsize, shnum = (
            struct.unpack_from(end + "I", data, 0x20)[0],
            struct.unpack_from(end + "H", data, 0x2E)[0],
            struct.unpack_from(end + "H", data, 0x30)[0],
        )
        section = end + "IIIIIIIIII"
    sections = [struct.unpack_from(section, data, shoff + i * shentsize) for i in range(shnum)]
    return end, sections


def needed_libraries(data: bytes) -> list[str]:
    """The ``DT_NEEDED`` names of one ELF image: the libraries it links directly."""
    end, sections = _sections(data)
    is64 = data[4] == 2
    entry_format, entry_size = (end + "qQ", 16) if is64 else (end + "iI", 8)
    names: list[str] = []
    for _name, sh_type, _flags, _addr, offset, size, link, _info, _align, _entsize in sections:
        if sh_type != SHT_DYNAMIC:
            continue
        strtab = sections[link][4]
        for at in range(offset, offset + size, entry_size):
            tag, value = struct.unpack_from(entry_format, data, at)
            if tag == DT_NULL:
                break
            if tag == DT_NEEDED:
                names.append(_cstring(data, strtab + value))
    return names


def version_needs(data: bytes) -> list[tuple[str, str]]:
    """``(library, version)`` pairs from the ``.gnu.version_r`` sections of one ELF image."""
    end, sections = _sections(data)
    needs: list[tuple[str, str]] = []
    for _name, sh_type, _flags, _addr, offset, _size, link, info, _align, _entsize in sections:
        if sh_type != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][4]
        entry = offset
        for _ in range(info):  # sh_info: the number of Verneed entries
            _version, count, file_off, aux_off, next_off = struct.unpack_from(
                end + "HHIII", data, entry
            )
            library = _cstring(data, strtab + file_off)
            aux = entry + aux_off
            for _ in range(count):
                _hash, _flags, _other, name_off, aux_next = struct.unpack_from(
                    end + "IHHII", data, aux
                )
                needs.append((library, _cstring(data, strtab + name_off)))
                if not aux_next:
                    break
                aux += aux_next
            if not next_off:
                break
            entry += next_off
    return needs


def glibc_version(name: str) -> tuple[int, ...] | None:
    match = GLIBC_VERSION.match(name)
    return tuple(int(part) for part in match.groups() if part is not None) if match else None


def elf_files(root: Path) -> Iterator[Path]:
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    yield path


def scan(root: Path) -> dict[str, object]:
    """The newest GLIBC version each ELF file needs, and the bundle's floor."""
    per_file: dict[str, str] = {}
    newest: tuple[int, ...] = (0,)
    count = 0
    for path in elf_files(root):
        count += 1
        try:
            needs = version_needs(path.read_bytes())
        except (NotElf, struct.error, IndexError, ValueError) as exc:
            raise SystemExit(f"check-bundle: cannot read {path}: {exc}") from exc
        versions = [v for _lib, name in needs if (v := glibc_version(name)) is not None]
        if versions:
            top = max(versions)
            per_file[str(path.relative_to(root))] = ".".join(map(str, top))
            newest = max(newest, top)
    floor = ".".join(map(str, newest)) if newest != (0,) else None
    setters = sorted(f for f, v in per_file.items() if v == floor)
    return {
        "root": str(root),
        "elf_files": count,
        "glibc_floor": floor,
        "needed_by": setters,
        "per_file": per_file,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="check-bundle", description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default="dist/huntaze-desktop", type=Path)
    parser.add_argument("--max", help="fail when the bundle needs a newer glibc than this")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"check-bundle: {args.root} is not a folder (run scripts/build)", file=sys.stderr)
        return 2
    result = scan(args.root)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        per_file = result["per_file"]
        assert isinstance(per_file, dict)
        print(f"{result['elf_files']} ELF files in {args.root}")
        print(f"glibc floor: {result['glibc_floor']}")
        by_version: dict[str, list[str]] = {}
        for name, version in per_file.items():
            by_version.setdefault(version, []).append(name)
        for version in sorted(by_version, key=lambda v: tuple(map(int, v.split("."))))[-3:]:
            names = sorted(by_version[version])
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            print(f"  GLIBC_{version}: {shown}")
    if args.max and result["glibc_floor"]:
        wanted = tuple(int(p) for p in args.max.split("."))
        have = tuple(int(p) for p in str(result["glibc_floor"]).split("."))
        if have > wanted:
            print(
                f"check-bundle: the bundle needs glibc {result['glibc_floor']}, more than "
                f"{args.max}: {', '.join(result['needed_by'])}",  # type: ignore[arg-type]
                file=sys.stderr,
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
