"""JSON Lines, TSV and CSV readers/writers for labelled text, validated line by line.

Text classification examples are records with a text field and a label field
(``{"text": "...", "label": "positive"}``). ``read_text_labels`` accepts ``.jsonl`` files,
tab-separated ``.tsv`` files and comma-separated ``.csv`` files (quoted fields may hold commas,
quotes and line breaks), each with a header row, so the same notebook runs on any of them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterable, Sequence

from sftlab.io.atomic import write_text
from sftlab.io.errors import DataError
from sftlab.io.textfile import iter_lines


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read one JSON object per non-blank line; bad JSON names its line and column."""
    records = []
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                path,
                number,
                f"invalid JSON at column {exc.colno}: {exc.msg}",
                "write one JSON object per line, keys and strings in double quotes",
            ) from None
        if not isinstance(record, dict):
            raise DataError(
                path,
                number,
                f"expected a JSON object, found {type(record).__name__}",
                'write each record as {"text": ..., "label": ...}',
            )
        record["_line"] = number
        records.append(record)
    if not records:
        raise DataError(path, None, "no records found (the file is empty)", "give the path of a non-empty .jsonl file")
    return records


def format_jsonl(records: Iterable[dict[str, Any]]) -> str:
    """One JSON object per line; keys starting with ``_`` (such as ``_line``) are left out."""
    return "".join(
        json.dumps({k: v for k, v in r.items() if not k.startswith("_")}, ensure_ascii=False) + "\n" for r in records
    )


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> None:
    """Write :func:`format_jsonl` of ``records`` to ``path`` atomically."""
    write_text(path, format_jsonl(records))


def _check_header(path: Path, number: int, header: list[str]) -> list[str]:
    names = [name.strip() for name in header]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(
            path,
            number,
            f"the header names column {', '.join(map(repr, repeated))} more than once",
            "give every column its own name",
        )
    return names


def _at_least_one(path: Path, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``records``, or a DataError for a file that holds none."""
    if not records:
        raise DataError(
            path, None, "no records found (empty file or a header only)", "add one record per line below the header"
        )
    return records


def _read_tsv(path: Path) -> list[dict[str, Any]]:
    records, header = [], None
    for number, line in iter_lines(path):
        if not line.strip():
            continue
        fields = line.split("\t")
        if header is None:
            header = _check_header(path, number, fields)
            continue
        if len(fields) != len(header):
            raise DataError(
                path,
                number,
                f"found {len(fields)} tab-separated fields, the header has {len(header)}",
                "remove tabs inside the text",
            )
        records.append({**dict(zip(header, fields)), "_line": number})
    return _at_least_one(path, records)


def _read_csv(path: Path) -> list[dict[str, Any]]:
    lines = list(iter_lines(path))  # validates the encoding line by line
    numbers = [number for number, _ in lines]
    text = dict(lines)
    reader = csv.reader([line + "\n" for _, line in lines])
    records, header = [], None
    while True:
        number = numbers[min(reader.line_num, len(numbers) - 1)] if numbers else 1  # the record's first line
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataError(path, number, f"malformed CSV: {exc}", 'close every quoted field: "like this"') from None
        if not fields or not any(f.strip() for f in fields):
            continue
        if header is None:
            header = _check_header(path, number, fields)
            continue
        if len(fields) != len(header):
            if text[number].count('"') % 2:
                raise DataError(
                    path,
                    number,
                    "a quoted field that starts on this line is never closed",
                    'end it with a quote; write a quote inside a field as two: ""',
                )
            raise DataError(
                path,
                number,
                f"found {len(fields)} comma-separated fields, the header has {len(header)}",
                'quote fields that contain commas: "like, this"',
            )
        records.append({**dict(zip(header, fields)), "_line": number})
    return _at_least_one(path, records)


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The records of a ``.jsonl``, ``.tsv`` or ``.csv`` file (by suffix), each with its ``_line``."""
    path = Path(path)
    if path.suffix in (".tsv", ".tab"):
        return _read_tsv(path)
    if path.suffix == ".csv":
        return _read_csv(path)
    return read_jsonl(path)


def check_text_labels(
    records: Sequence[dict[str, Any]],
    where: str | Path,
    *,
    text_field: str = "text",
    label_field: str = "label",
    labels: Sequence[str] | None = None,
) -> None:
    """Check that each record has a non-empty string ``text_field`` and a ``label_field`` (in
    ``labels`` when given); errors name ``where`` and the record's ``_line``."""
    allowed = set(labels) if labels is not None else None
    for record in records:
        line = record.get("_line")
        for name in (text_field, label_field):
            if name not in record:
                raise DataError(
                    where,
                    line,
                    f"missing field {name!r} (fields: {', '.join(k for k in record if k != '_line')})",
                    "pass text_field=/label_field= to name the right columns",
                )
        text = record[text_field]
        if not isinstance(text, str):
            raise DataError(
                where, line, f"field {text_field!r} must be a string, found {type(text).__name__}", "quote the text"
            )
        if not text.strip():
            raise DataError(where, line, f"empty text in field {text_field!r}", "remove the record or fill in its text")
        label = record[label_field]
        if allowed is not None and label not in allowed:
            raise DataError(
                where,
                line,
                f"unknown label {label!r} (known: {', '.join(map(str, sorted(allowed)))})",
                "correct the label, or pass labels= with the label set of your data",
            )


def read_text_labels(
    path: str | Path,
    *,
    text_field: str = "text",
    label_field: str = "label",
    labels: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Read labelled texts from ``.jsonl``, ``.tsv`` or ``.csv`` (header row) and validate them
    (:func:`check_text_labels`). Records keep their other fields and ``_line``."""
    records = read_records(path)
    check_text_labels(records, path, text_field=text_field, label_field=label_field, labels=labels)
    return records
