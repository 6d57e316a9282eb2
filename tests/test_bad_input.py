"""One table of malformed inputs across every reader and entry point.

Each row: what is given, how it is given to sftlab, and what the error must say. Every error must
be sftlab's own (DataError, ConfigError, GenerationError: never a crash deep in a library), must
name where the problem is (``file:line``, the record, or the parameter) and, for files and
parameters, must say how to fix it (``fix: ...``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sftlab.construct.parsing import GenerationError, parse_ner, parse_review
from sftlab.data.formats import validate_chat, validate_token_record
from sftlab.data.make_data import read_sentiment_sources
from sftlab.data.sources import load_ner, load_text_classification
from sftlab.io.brackets import read_brackets
from sftlab.io.conll import read_conll
from sftlab.io.errors import ConfigError, DataError
from sftlab.io.jsonl import read_text_labels
from sftlab.run.profiles import settings
from sftlab.train.models import resolve_model
from sftlab.train.training import TrainConfig

FILE = "file"  # the row writes ``content`` to a file and passes its path
DIRECTORY = "dir"  # the row writes ``content`` to ``files`` inside a folder and passes the folder
CALL = "call"  # the row calls ``reader`` with ``content`` as is

# (case, how, file name, content, reader, error type, where it must point, phrase in the message)
CASES = [
    ("IOB2: I- after O", FILE, "a.iob2", "Ada\tO\nLovelace\tI-PER\n", read_conll, DataError, ":2:", "follows 'O'"),
    (
        "IOB2: I- continues another type",
        FILE,
        "a.iob2",
        "Ada\tB-ORG\nX\tI-PER\n",
        read_conll,
        DataError,
        ":2:",
        "same type",
    ),
    (
        "IOB2: unknown type",
        FILE,
        "a.iob2",
        "Ada\tB-PERSON\n",
        lambda p: read_conll(p, types=["PER", "ORG", "LOC", "MISC"]),
        DataError,
        ":1:",
        "unknown entity type",
    ),
    ("IOB2: tag without prefix", FILE, "a.iob2", "Ada\tPER\n", read_conll, DataError, ":1:", "malformed tag"),
    ("IOB2: wrong column count", FILE, "a.iob2", "Ada\tNNP\tB-PER\nmet\tO\n", read_conll, DataError, ":2:", "columns"),
    ("IOB2: empty token", FILE, "a.iob2", "Ada\tB-PER\n\tO\n", read_conll, DataError, ":2:", "empty token"),
    (
        "IOB2: latin-1 bytes",
        FILE,
        "a.iob2",
        "Z\xfcrich\tB-LOC\n".encode("latin-1"),
        read_conll,
        DataError,
        ":1:",
        "UTF-8",
    ),
    ("IOB2: empty file", FILE, "a.iob2", "", read_conll, DataError, "a.iob2", "no sentences"),
    ("IOB2: BIOES tags", FILE, "a.iob2", "Ada\tS-PER\n", read_conll, DataError, ":1:", "BIOES"),
    (
        "brackets: unclosed",
        FILE,
        "news.txt",
        "# doc: n-1\n[PER Ada met IBM.\n",
        read_brackets,
        DataError,
        ":2:",
        "never closed",
    ),
    (
        "brackets: nested",
        FILE,
        "news.txt",
        "# doc: n-1\n[ORG Bank of [LOC England]]\n",
        read_brackets,
        DataError,
        ":2:",
        "nested",
    ),
    (
        "brackets: unknown type",
        FILE,
        "news.txt",
        "# doc: n-1\n[PERSON Ada] spoke.\n",
        read_brackets,
        DataError,
        ":2:",
        "unknown entity type",
    ),
    (
        "brackets: cuts a word",
        FILE,
        "news.txt",
        "# doc: n-1\n[MISC Brit]ish tea.\n",
        read_brackets,
        DataError,
        ":2:",
        "cuts a word",
    ),
    (
        "brackets: no document line",
        FILE,
        "news.txt",
        "[PER Ada] spoke.\n",
        read_brackets,
        DataError,
        ":1:",
        "# doc: ID",
    ),
    (
        "JSONL: bad JSON",
        FILE,
        "d.jsonl",
        '{"text": "ok", "label": "positive"}\n{"text": \n',
        read_text_labels,
        DataError,
        ":2:",
        "invalid JSON",
    ),
    (
        "JSONL: missing label",
        FILE,
        "d.jsonl",
        '{"text": "great"}\n',
        read_text_labels,
        DataError,
        ":1:",
        "missing field 'label'",
    ),
    (
        "JSONL: unknown label",
        FILE,
        "d.jsonl",
        '{"text": "meh", "label": "meh"}\n',
        lambda p: read_text_labels(p, labels=["negative", "positive"]),
        DataError,
        ":1:",
        "unknown label 'meh'",
    ),
    (
        "JSONL: empty text",
        FILE,
        "d.jsonl",
        '{"text": "", "label": "positive"}\n',
        read_text_labels,
        DataError,
        ":1:",
        "empty text",
    ),
    (
        "TSV: tab inside the text",
        FILE,
        "d.tsv",
        "text\tlabel\ngood\tfilm\tpositive\n",
        read_text_labels,
        DataError,
        ":2:",
        "tab-separated fields",
    ),
    (
        "sentiment source: three fields",
        DIRECTORY,
        "films.tsv",
        "films-0001\tpositive\tGreat\n",
        read_sentiment_sources,
        DataError,
        ":1:",
        "expected 4 tab-separated fields",
    ),
    (
        "sentiment source: duplicate id",
        DIRECTORY,
        "films.tsv",
        "f-1\tpositive\tA\tGood\nf-1\tnegative\tB\tBad\n",
        read_sentiment_sources,
        DataError,
        ":2:",
        "already used",
    ),
    (
        "dataset folder without the split",
        DIRECTORY,
        "train.iob2",
        "Ada\tB-PER\n",
        lambda p: load_ner(str(p), "test"),
        ConfigError,
        "dataset=",
        "no file for split 'test'",
    ),
    (
        "text data: unknown column",
        DIRECTORY,
        "train.tsv",
        "sentence\tlabel\ngood\t1\n",
        lambda p: load_text_classification(str(p), "train", text_field="review"),
        ConfigError,
        "text_field=",
        "is not a column of",
    ),
    (
        "text data: no text column found",
        DIRECTORY,
        "train.csv",
        "body,label\ngood,1\n",
        lambda p: load_text_classification(str(p), "train"),
        ConfigError,
        "text_field=",
        "no column is called 'text'",
    ),
    (
        "text data: label outside the names",
        DIRECTORY,
        "train.tsv",
        "sentence\tlabel\ngood\t1\nodd\t2\n",
        lambda p: load_text_classification(str(p), "train", label_names=["negative", "positive"]),
        DataError,
        ":3:",
        "has no name in label_names",
    ),
    (
        "text data: mixed label types",
        DIRECTORY,
        "train.jsonl",
        '{"text": "a", "label": 1}\n{"text": "b", "label": "good"}\n',
        lambda p: load_text_classification(str(p), "train"),
        DataError,
        ":2:",
        "labels mix",
    ),
    (
        "text data: one file asked for dev",
        FILE,
        "all.tsv",
        "text\tlabel\ngood\tpositive\n",
        lambda p: load_text_classification(str(p), "dev"),
        ConfigError,
        "dataset=",
        "is a single file",
    ),
    (
        "CSV: quote never closed",
        FILE,
        "d.csv",
        'text,label\n"good,positive\nbad,negative\n',
        read_text_labels,
        DataError,
        ":2:",
        "never closed",
    ),
    (
        "CSV: column named twice",
        FILE,
        "d.csv",
        "text,label,label\ngood,positive,x\n",
        read_text_labels,
        DataError,
        ":1:",
        "more than once",
    ),
    ("missing data path", CALL, None, "data/does-not-exist.iob2", load_ner, ConfigError, "dataset=", "neither"),
    (
        "missing text data path",
        CALL,
        None,
        "reviews/missing.jsonl",
        load_text_classification,
        ConfigError,
        "dataset=",
        "neither",
    ),
    (
        "unknown profile",
        CALL,
        None,
        ("05_ner_finetuning", "huge"),
        lambda a: settings(*a),
        ConfigError,
        "profile=",
        "unknown profile",
    ),
    (
        "negative epoch count (notebook parameter)",
        CALL,
        None,
        -2,
        lambda v: settings("05_ner_finetuning", "smoke", epochs=v),
        ConfigError,
        "epochs=",
        "positive",
    ),
    (
        "negative epoch count (training)",
        CALL,
        None,
        -2,
        lambda v: TrainConfig(epochs=v),
        ConfigError,
        "epochs=",
        ">= 1",
    ),
    ("zero learning rate", CALL, None, 0.0, lambda v: TrainConfig(lr=v), ConfigError, "lr=", "positive"),
    (
        "unknown notebook setting",
        CALL,
        None,
        3,
        lambda v: settings("05_ner_finetuning", "smoke", epoch=v),
        ConfigError,
        "epoch=",
        "not a setting",
    ),
    ("Hub model name offline", CALL, None, "bert-base-cased", resolve_model, ConfigError, "model=", "offline"),
    ("missing model folder", CALL, None, "./models/mine", resolve_model, ConfigError, "model=", "no such directory"),
    (
        "unknown sentiment class count",
        CALL,
        None,
        4,
        lambda v: load_text_classification("bundled", "train", classes=v),
        ConfigError,
        "classes=",
        "2 or 3 classes",
    ),
    (
        "generated review: refusal",
        CALL,
        None,
        "As an AI language model, I cannot review films.",
        parse_review,
        GenerationError,
        "",
        "refusal",
    ),
    (
        "generated review: empty after the preamble",
        CALL,
        None,
        "Here is a positive review:",
        parse_review,
        GenerationError,
        "",
        "empty",
    ),
    (
        "generated NER: bad brackets",
        CALL,
        None,
        "[ORG Acme] opened in [LOC Paris",
        parse_ner,
        GenerationError,
        "",
        "never closed",
    ),
    ("generated NER: no entity", CALL, None, "A sentence without names.", parse_ner, GenerationError, "", "no entity"),
    (
        "token record: length mismatch",
        CALL,
        None,
        {"tokens": ["a", "b"], "tags": ["O"]},
        lambda r: validate_token_record(r, where="record 12"),
        DataError,
        "record 12",
        "2 tokens but 1 tags",
    ),
    (
        "chat record: ends with the user",
        CALL,
        None,
        {
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
                {"role": "user", "content": "and?"},
            ]
        },
        lambda r: validate_chat(r, "record 3"),
        DataError,
        "record 3",
        "last message",
    ),
]


@pytest.mark.parametrize("case,how,name,content,reader,error,where,phrase", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_clear_error(tmp_path, case, how, name, content, reader, error, where, phrase):
    if how == FILE:
        target = tmp_path / name
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    elif how == DIRECTORY:
        (tmp_path / name).write_text(content, encoding="utf-8")
        target = tmp_path
    else:
        target = content
    with pytest.raises(error) as info:
        reader(target)
    message = str(info.value)
    assert phrase in message, message
    assert where in message, f"{case}: the message does not point to {where!r}: {message}"
    if how in (FILE, DIRECTORY):
        assert re.search(re.escape(str(tmp_path)) + r".*:\d+:|" + re.escape(str(tmp_path)), message)
    if error in (DataError, ConfigError) and not where.startswith("record"):
        assert "(fix: " in message, f"{case}: no fix in {message!r}"


def test_the_table_covers_every_reader_and_enough_cases():
    assert len(CASES) >= 25
    readers = {c[4].__name__ if hasattr(c[4], "__name__") else "lambda" for c in CASES}
    assert {
        "read_conll",
        "read_brackets",
        "read_text_labels",
        "read_sentiment_sources",
        "parse_review",
        "parse_ner",
        "resolve_model",
    } <= readers


@pytest.mark.slow
def test_a_bad_notebook_parameter_fails_the_notebook_with_the_message(tmp_path):
    """The entry point learners use: papermill with a bad parameter stops at the settings cell."""
    from sftlab.run import runner

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    build = tmp_path / "build"
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(notebooks / "01_theory.ipynb"),
            str(tmp_path / "out.ipynb"),
            parameters={"profile": "huge", "build_dir": str(build)},
            cwd=str(notebooks),
            kernel_name="python3",
            progress_bar=False,
        )
    assert info.value.ename == "ConfigError" and "parameter profile='huge': unknown profile" in info.value.evalue
    assert "fix: use one of: smoke, cpu, full" in info.value.evalue
    assert "ConfigError: parameter profile='huge'" in runner._error_text(info.value)
