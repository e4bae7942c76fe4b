"""Size limits checked before a file is parsed: a zip bomb or a huge file is refused, not read.

Zip-based formats (.docx, .odt, .xlsx, .qdpx ...) are checked from the zip directory alone
(``zipfile.ZipFile.infolist``: ``file_size`` and ``compress_size``), so nothing is inflated:

- the total uncompressed size must stay under ``max_unzipped_mb`` (default 500 MB);
- no member larger than 1 MB uncompressed may inflate more than ``max_zip_ratio`` times
  (default 100; ordinary Word XML inflates 5-20 times, a zip bomb thousands of times).

Python's ``zipfile`` (which python-docx, odfpy and openpyxl use) never inflates a member past the
size its directory entry states, so the directory is a sound bound. Every file, zip or not, must
also stay under ``max_file_mb`` on disk (default 2048 MB).

The limits come from ``Limits()`` (the defaults), ``Limits.from_env()`` (the environment variables
``WORKBENCH_MAX_UNZIPPED_MB``, ``WORKBENCH_MAX_ZIP_RATIO``, ``WORKBENCH_MAX_FILE_MB``), or
``ingest_paths(..., limits=Limits(...))``.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..errors import InputError, WorkbenchError

ZIP_FORMATS = frozenset({"docx", "docm", "dotx", "odt", "ods", "odp", "xlsx", "xlsm", "pptx", "qdpx", "epub", "zip"})
ENV_UNZIPPED = "WORKBENCH_MAX_UNZIPPED_MB"
ENV_RATIO = "WORKBENCH_MAX_ZIP_RATIO"
ENV_FILE = "WORKBENCH_MAX_FILE_MB"
RATIO_FLOOR_BYTES = 1 << 20  # members smaller than this inflate as they like (tiny XML parts)
MB = 1_000_000


@dataclass(frozen=True)
class Limits:
    """Maximum sizes for one input file (megabytes are 10^6 bytes)."""

    max_unzipped_mb: float = 500.0
    max_zip_ratio: float = 100.0
    max_file_mb: float = 2048.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Limits":
        """The defaults, overridden by ``WORKBENCH_MAX_UNZIPPED_MB``, ``WORKBENCH_MAX_ZIP_RATIO`` and
        ``WORKBENCH_MAX_FILE_MB`` where set."""
        env = os.environ if environ is None else environ
        values = {}
        for field, var in (("max_unzipped_mb", ENV_UNZIPPED), ("max_zip_ratio", ENV_RATIO), ("max_file_mb", ENV_FILE)):
            raw = (env.get(var) or "").strip()
            if not raw:
                continue
            try:
                value = float(raw.replace(",", "."))
            except ValueError:
                value = -1.0
            if not value > 0:
                raise WorkbenchError(f"{var}={raw!r} is not a positive number; set it to a number such as "
                                     f"{getattr(cls, field) * 4:g} or unset it")
            values[field] = value
        return cls(**values)


def _mb(n: float) -> str:
    if n < 1000:
        return f"{int(n)} bytes"
    return f"{n / MB:,.1f} MB".replace(",", " ") if n >= 0.1 * MB else f"{n / 1000:,.0f} kB".replace(",", " ")


def check_file(path: Path, limits: Limits | None = None) -> None:
    """Raise ``InputError`` (one line: file, sizes, how to raise the limit) when ``path`` is above a
    limit; zip-based formats are checked from their directory without inflating anything."""
    path = Path(path)
    limits = limits or Limits.from_env()
    size = path.stat().st_size
    if size > limits.max_file_mb * MB:
        raise InputError(f"{path.name}: the file is {_mb(size)}, above the limit of {limits.max_file_mb:g} MB; "
                         f"split it, or raise the limit with {ENV_FILE}={_suggest(size / MB)}")
    if path.suffix.lower().lstrip(".") in ZIP_FORMATS:
        check_zip(path, limits)


def check_zip(path: Path, limits: Limits | None = None) -> None:
    """Refuse a zip whose members would inflate above ``max_unzipped_mb`` in total, or a member
    (over 1 MB) that inflates more than ``max_zip_ratio`` times. Reads the zip directory only."""
    path = Path(path)
    limits = limits or Limits.from_env()
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return  # not a readable zip: the reader says so in its own words
    total = sum(i.file_size for i in infos)
    try:
        size = path.stat().st_size
    except OSError:
        size = sum(i.compress_size for i in infos)
    if total > limits.max_unzipped_mb * MB:
        raise InputError(f"{path.name}: unpacks to {_mb(total)} by its zip directory (the file is {_mb(size)}), "
                         f"above the limit "
                         f"of {limits.max_unzipped_mb:g} MB unpacked; if you trust the file, raise the limit "
                         f"with {ENV_UNZIPPED}={_suggest(total / MB)}")
    for info in infos:
        if info.file_size < RATIO_FLOOR_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_zip_ratio:
            times = f"{ratio:,.0f}".replace(",", " ")
            raise InputError(f"{path.name}: part {info.filename} inflates {times} times "
                             f"({_mb(info.compress_size)} to {_mb(info.file_size)}), above the limit of "
                             f"{limits.max_zip_ratio:g} (a zip bomb?); if you trust the file, raise the limit "
                             f"with {ENV_RATIO}={_suggest(ratio)}")


def _suggest(value: float) -> str:
    """A round number above ``value`` to put in the environment variable."""
    step = 10 ** max(len(str(int(value))) - 1, 0)
    return str(int((value // step + 1) * step))
