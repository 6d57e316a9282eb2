"""Line-by-line reading of UTF-8 text files that reports bad bytes with their line number."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from .errors import DataError


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
                    path, number, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                    "save the file as UTF-8",
                ) from None
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text.rstrip("\r\n")
