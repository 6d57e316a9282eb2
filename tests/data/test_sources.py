"""Dataset sources: local paths in every format, hf: names (exercised offline with local folders laid out like Hub
datasets), the packaged corpora, and the layouts of tests/fixtures/ with their bad variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from sftlab.data.sources import load_ner, load_text_classification
from sftlab.io.conll import Sentence, write_conll
from sftlab.io.errors import ConfigError, DataError


@pytest.fixture
def hub_style_folders(tmp_path):
    """Folders laid out like Hub dataset repositories, with ClassLabel features stored in parquet."""
    from datasets import ClassLabel, Dataset, Features, Sequence, Value

    ner = tmp_path / "conll_like"
    features = Features(
        {
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])),
        }
    )
    for split, rows in {
        "train": [(["Ada", "Lovelace", "left"], [1, 2, 0])],
        "validation": [(["in", "Paris"], [0, 3])],
    }.items():
        (ner / "data").mkdir(parents=True, exist_ok=True)
        Dataset.from_dict(
            {"tokens": [r[0] for r in rows], "ner_tags": [r[1] for r in rows]}, features=features
        ).to_parquet(str(ner / "data" / f"{split}-00000-of-00001.parquet"))
    text = tmp_path / "reviews_like"
    (text / "data").mkdir(parents=True)
    Dataset.from_dict(
        {"text": ["good", "bad"], "label": [1, 0]},
        features=Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])}),
    ).to_parquet(str(text / "data" / "train-00000-of-00001.parquet"))
    return ner, text


def test_ner_folder_with_split_files(tmp_path):
    write_conll(tmp_path / "train.iob2", [Sentence(["Ada"], ["B-PER"])])
    write_conll(tmp_path / "validation.conll", [Sentence(["Paris"], ["B-LOC"])])
    assert load_ner(str(tmp_path), "train")[0].tags == ["B-PER"]
    assert load_ner(str(tmp_path), "dev")[0].tokens == ["Paris"]
    with pytest.raises(ConfigError, match="no file for split 'test'"):
        load_ner(str(tmp_path), "test")


def test_ner_single_file_and_bad_names(tmp_path):
    path = tmp_path / "any.txt"
    write_conll(path, [Sentence(["IBM"], ["B-ORG"])])
    assert load_ner(str(path))[0].tags == ["B-ORG"]
    with pytest.raises(ConfigError, match="neither"):
        load_ner(str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="unknown split"):
        load_ner(str(path), "validation")


def test_text_tsv_and_jsonl_folders(tmp_path):
    (tmp_path / "train.tsv").write_text("review\tsentiment\nGreat\tpos\n")
    records = load_text_classification(str(tmp_path), "train", text_field="review", label_field="sentiment")
    assert (records[0]["text"], records[0]["label"]) == ("Great", "pos")


def test_hf_path_reads_classlabel_names(hub_style_folders):
    ner, text = hub_style_folders
    train = load_ner(f"hf:{ner}", "train")
    assert train[0].tokens == ["Ada", "Lovelace", "left"] and train[0].tags == ["B-PER", "I-PER", "O"]
    assert load_ner(f"hf:{ner}", "dev")[0].tags == ["O", "B-LOC"]
    records = load_text_classification(f"hf:{text}", "train")
    assert [(r["text"], r["label"]) for r in records] == [("good", "pos"), ("bad", "neg")]


def test_hf_errors_are_clear(hub_style_folders, tmp_path):
    _, text = hub_style_folders
    with pytest.raises(ConfigError, match="text_field='review': is not a column of hf:"):
        load_text_classification(f"hf:{text}", "train", text_field="review")
    with pytest.raises(ConfigError, match="could not be loaded"):
        load_ner(f"hf:{tmp_path / 'nothing-here'}", "train")


@pytest.mark.slow  # reads the packaged WNUT-16 and Rotten Tomatoes splits: about 8 s
def test_packaged_real_corpora_are_split_by_group():
    wnut = {split: load_ner("wnut16", split) for split in ("train", "dev", "test")}
    assert sum(map(len, wnut.values())) == 2394
    reviews = {split: load_text_classification("rotten_tomatoes", split) for split in ("train", "dev", "test")}
    films = {split: {r["movie"] for r in part} for split, part in reviews.items()}
    assert not (films["train"] & films["test"]) and not (films["train"] & films["dev"])
    assert {r["label"] for r in reviews["test"]} == {"negative", "positive"}


# --- bring your own data: the layouts of tests/fixtures/ and their bad variants -------------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def splits(dataset: str, **kwargs) -> dict[str, list[dict]]:
    return {
        split: load_text_classification(dataset, split, verbose=False, **kwargs) for split in ("train", "dev", "test")
    }


def test_glue_tsv_columns_are_found_and_numbers_named(capsys):
    loaded = splits(str(FIXTURES / "glue_tsv"), label_names=["negative", "positive"])
    assert {s: len(r) for s, r in loaded.items()} == {"train": 6, "dev": 2, "test": 3}
    first = loaded["train"][0]
    assert first["text"] == first["sentence"] == "a gentle , funny film that earns every one of its tears "
    assert first["label"] == "positive" and loaded["train"][1]["label"] == "negative"
    load_text_classification(str(FIXTURES / "glue_tsv"), "dev", label_names=["negative", "positive"])
    line = capsys.readouterr().out
    assert (
        "dev.tsv: text column 'sentence', label column 'label', named by label_names (0 → negative, 1 → positive)"
        in line
    )
    assert "2 records, labels ['negative', 'positive']" in line


def test_glue_tsv_without_names_keeps_the_spelling():
    assert {r["label"] for r in splits(str(FIXTURES / "glue_tsv"))["train"]} == {"0", "1"}


@pytest.mark.parametrize(
    "names",
    [
        ["negative", "positive"],
        "negative, positive",
        {0: "negative", 1: "positive"},
        {"0": "negative", "1": "positive"},
    ],
    ids=["list", "comma string", "int keys", "str keys"],
)
def test_every_form_of_label_names_gives_the_same_labels(names):
    assert [r["label"] for r in splits(str(FIXTURES / "glue_tsv"), label_names=names)["train"]] == [
        "positive",
        "negative",
        "positive",
        "negative",
        "negative",
        "positive",
    ]


def test_csv_with_quotes_commas_and_a_line_break():
    loaded = splits(str(FIXTURES / "reviews_csv"), text_field="body", label_field="verdict")
    assert {s: len(r) for s, r in loaded.items()} == {"train": 4, "dev": 2, "test": 2}  # dev is validation.csv
    train = loaded["train"]
    assert train[1]["text"] == 'Stopped charging after two days. Support said "turn it off and on", twice.'
    assert train[3]["text"] == 'Quiet, small and "just works".\nWould buy again.' and train[3]["_line"] == 5
    assert train[0]["title"] == "Great, really" and [r["label"] for r in train] == [
        "positive",
        "negative",
        "negative",
        "positive",
    ]


def test_csv_columns_with_other_names_need_naming():
    with pytest.raises(
        ConfigError,
        match=r"text_field=None: .*train.csv: no column is called 'text' or 'sentence' or "
        r"'review' or 'content' \(columns: id, title, body, verdict\)",
    ):
        load_text_classification(str(FIXTURES / "reviews_csv"), "train", label_field="verdict")


def test_hub_like_folder_uses_its_classlabel_names(capsys):
    loaded = splits(f"hf:{FIXTURES / 'hub_reviews'}")
    assert {s: len(r) for s, r in loaded.items()} == {"train": 4, "dev": 2, "test": 3}
    assert [(r["text"], r["label"]) for r in loaded["test"]] == [
        ("A small gem.", "pos"),
        ("Too long by half.", "neg"),
        ("Nothing works here.", "neg"),
    ]
    load_text_classification(f"hf:{FIXTURES / 'hub_reviews'}", "train")
    assert "named by its ClassLabel feature (0 → neg, 1 → pos); 4 records" in capsys.readouterr().out
    renamed = load_text_classification(
        f"hf:{FIXTURES / 'hub_reviews'}", "train", label_names=["negative", "positive"], verbose=False
    )
    assert [r["label"] for r in renamed] == ["positive", "negative", "positive", "negative"]


def test_conll2003_four_columns_and_docstart():
    loaded = {split: load_ner(str(FIXTURES / "conll2003"), split) for split in ("train", "dev", "test")}
    assert {s: len(r) for s, r in loaded.items()} == {"train": 3, "dev": 1, "test": 2}
    first = loaded["train"][0]
    assert first.tokens[:3] == ["EU", "rejects", "German"] and first.tags[:3] == ["B-ORG", "O", "B-MISC"]
    assert all("-DOCSTART-" not in s.tokens for part in loaded.values() for s in part)


def test_unknown_column_names_the_columns(tmp_path):
    (tmp_path / "train.tsv").write_text("sentence\tlabel\nfine\t1\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"label_field='stars': is not a column of .*train.tsv \(columns: sentence, label\)"
    ):
        load_text_classification(str(tmp_path), "train", label_field="stars")


def test_ambiguous_columns_must_be_named(tmp_path):
    (tmp_path / "train.jsonl").write_text('{"text": "a", "sentence": "b", "label": "x"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="several columns could hold the text: text, sentence"):
        load_text_classification(str(tmp_path), "train")
    assert load_text_classification(str(tmp_path), "train", text_field="sentence", verbose=False)[0]["text"] == "b"


def test_label_outside_the_names_points_at_its_line(tmp_path):
    (tmp_path / "train.tsv").write_text("sentence\tlabel\ngood\t1\nodd\t2\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_text_classification(str(tmp_path), "train", label_names=["negative", "positive"])
    assert info.value.line == 3 and "label '2' has no name in label_names (names for: 0, 1)" in str(info.value)


@pytest.mark.parametrize(
    "content,line",
    [
        ('{"text": "a", "label": 1}\n{"text": "b", "label": "positive"}\n', 2),
        ('{"text": "a", "label": "positive"}\n{"text": "b", "label": 0}\n', 1),
    ],
)
def test_labels_that_mix_numbers_and_names_are_an_error(tmp_path, content, line):
    (tmp_path / "train.jsonl").write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_text_classification(str(tmp_path), "train")
    assert info.value.line == line and "labels mix names (first at line" in str(info.value)
    assert "numbers (first at line" in str(info.value)


def test_the_same_number_written_two_ways_is_one_label(tmp_path):
    (tmp_path / "train.jsonl").write_text(
        '{"text": "a", "label": 1}\n{"text": "b", "label": "1"}\n{"text": "c", "label": 0.0}\n', encoding="utf-8"
    )
    assert [r["label"] for r in load_text_classification(str(tmp_path), "train", verbose=False)] == ["1", "1", "0"]


@pytest.mark.parametrize("label", ["null", "[1]", '""'])
def test_a_label_that_is_no_label(tmp_path, label):
    (tmp_path / "train.jsonl").write_text(f'{{"text": "a", "label": {label}}}\n', encoding="utf-8")
    with pytest.raises(DataError, match="is not a name or a whole number"):
        load_text_classification(str(tmp_path), "train")


def test_unlabelled_rows_of_a_hub_split_get_a_hint(tmp_path):
    from datasets import Dataset, Features, Value

    folder = tmp_path / "glue_like" / "data"
    folder.mkdir(parents=True)
    Dataset.from_dict(
        {"sentence": ["hidden"], "label": [-1]},
        features=Features({"sentence": Value("string"), "label": Value("int64")}),
    ).to_parquet(str(folder / "test-00000-of-00001.parquet"))
    with pytest.raises(DataError, match="-1 marks an unlabelled example"):
        load_text_classification(f"hf:{folder.parent}", "test", label_names=["negative", "positive"])


def test_a_single_file_is_the_training_split_only(tmp_path):
    (tmp_path / "all.tsv").write_text("text\tlabel\ngood\tpositive\n", encoding="utf-8")
    write_conll(tmp_path / "all.iob2", [Sentence(["Ada"], ["B-PER"])])
    assert load_text_classification(str(tmp_path / "all.tsv"), "train", verbose=False)[0]["label"] == "positive"
    for loader, name in ((load_text_classification, "all.tsv"), (load_ner, "all.iob2")):
        with pytest.raises(ConfigError, match="is a single file, so it has no 'test' split"):
            loader(str(tmp_path / name), "test")


@pytest.mark.parametrize("parameter", ["text_field", "label_field", "label_names"])
def test_field_parameters_do_not_apply_to_the_packaged_data(parameter):
    with pytest.raises(ConfigError, match=f"{parameter}=.*describes your own data, but dataset='bundled'"):
        load_text_classification("bundled", "train", **{parameter: "x"})
