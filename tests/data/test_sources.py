"""Dataset sources: local paths in every format, hf: names (exercised offline with a local dataset folder), and the packaged corpora."""

from __future__ import annotations

import pytest

from sftlab.data.sources import load_ner, load_text_classification
from sftlab.io.conll import Sentence, write_conll
from sftlab.io.errors import ConfigError


@pytest.fixture
def hub_style_folders(tmp_path):
    """Folders laid out like Hub dataset repositories, with ClassLabel features stored in parquet."""
    from datasets import ClassLabel, Dataset, Features, Sequence, Value

    ner = tmp_path / "conll_like"
    features = Features({"tokens": Sequence(Value("string")),
                         "ner_tags": Sequence(ClassLabel(names=["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]))})
    for split, rows in {"train": [(["Ada", "Lovelace", "left"], [1, 2, 0])], "validation": [(["in", "Paris"], [0, 3])]}.items():
        (ner / "data").mkdir(parents=True, exist_ok=True)
        Dataset.from_dict({"tokens": [r[0] for r in rows], "ner_tags": [r[1] for r in rows]}, features=features) \
            .to_parquet(str(ner / "data" / f"{split}-00000-of-00001.parquet"))
    text = tmp_path / "reviews_like"
    (text / "data").mkdir(parents=True)
    Dataset.from_dict({"text": ["good", "bad"], "label": [1, 0]},
                      features=Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})) \
        .to_parquet(str(text / "data" / "train-00000-of-00001.parquet"))
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


def test_packaged_real_corpora_are_split_by_group():
    wnut = {split: load_ner("wnut16", split) for split in ("train", "dev", "test")}
    assert sum(map(len, wnut.values())) == 2394
    reviews = {split: load_text_classification("rotten_tomatoes", split) for split in ("train", "dev", "test")}
    films = {split: {r["movie"] for r in part} for split, part in reviews.items()}
    assert not (films["train"] & films["test"]) and not (films["train"] & films["dev"])
    assert {r["label"] for r in reviews["test"]} == {"negative", "positive"}
