"""Line-by-line reading of UTF-8 text files that reports bad bytes with their line number."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from sftlab.io.errors import DataError


def iter_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` without line endings; a leading BOM is dropped.

    A line that is not valid UTF-8 raises :class:`DataError` naming the file, line and byte.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, None, "no such file", "check the path (relative paths start in the notebook's folder)")
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(
                    path,
                    number,
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                    "save the file as UTF-8",
                ) from None
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text.rstrip("\r\n")


def iter_tab_pairs(path: str | Path, layout: str) -> Iterator[tuple[int, str, str]]:
    """``(line_number, key, value)`` of ``key<TAB>value`` lines; blank and ``#`` lines are skipped.

    A line without a tab raises :class:`DataError` that shows the expected ``layout``.
    """
    for number, line in iter_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise DataError(path, number, f"expected '{layout}'", "separate the two fields with a tab")
        key, value = line.split("\t", 1)
        yield number, key.strip(), value.strip()
