"""Whole chapters on a learner's data or model: 05, 06, 07 and 10 run to their last cell on other inputs.

The README promises that the chapters that take a ``dataset`` run on your files with no code
edits. ``test_bring_your_own_data.py`` checks the loading cells; this test runs every cell, in
the smoke profile, with papermill as a learner would, on fixtures made here:

- NER: entity types the project never uses (``DRUG``, ``SYMPTOM``, ``DOSE``), non-ASCII words,
  CoNLL-2003's four columns;
- sentiment: a GLUE-style TSV with numeric labels named by ``label_names`` (three classes, other
  names than the project's);

with a randomly initialised two-layer BERT of MiniLM's architecture and vocabulary (05, 06), or a
two-layer Llama with SmolLM2's tokenizer and chat template (07), saved to a folder and given as
``model_name``. A random model learns nothing, so every claim about results
fails on it: the run must print "on your data this did not hold" and go on to the last cell.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from tests.conftest import random_llama, write_tiny_bert

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

DRUGS = ["ibuprofène", "paracetamol", "Metformin", "Ötzinib", "Zolpidem", "amoxicilina", "Warfarin", "Ñervon"]
SYMPTOMS = ["migraine", "Übelkeit", "fever", "rash", "insomnia", "dolor de cabeza"]
DOSES = ["200 mg", "5 mL", "1 g", "10 µg"]
TEMPLATES = [
    "took {drug} for {symptom}",
    "{drug} {dose} twice a day",
    "no {symptom} after {drug}",
    "the {symptom} came back , so {drug} {dose} again",
    "patient reports {symptom}",
]


def _tagged(words: str, label: str) -> list[tuple[str, str]]:
    tokens = words.split()
    return [(t, ("B-" if i == 0 else "I-") + label) for i, t in enumerate(tokens)]


def _ner_sentence(rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for piece in rng.choice(TEMPLATES).split():
        if piece == "{drug}":
            out += _tagged(rng.choice(DRUGS), "DRUG")
        elif piece == "{symptom}":
            out += _tagged(rng.choice(SYMPTOMS), "SYMPTOM")
        elif piece == "{dose}":
            out += _tagged(rng.choice(DOSES), "DOSE")
        else:
            out.append((piece, "O"))
    return out


def write_ner_folder(folder: Path, sizes=(60, 24, 30)) -> Path:
    """CoNLL-2003's four columns (token, POS, chunk, tag), ``-DOCSTART-`` lines, other entity types."""
    rng = random.Random(0)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in zip(("train", "dev", "test"), sizes):
        lines = ["-DOCSTART- -X- -X- O", ""]
        for _ in range(n):
            lines += [f"{token} NN I-NP {tag}" for token, tag in _ner_sentence(rng)] + [""]
        (folder / f"{split}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


REVIEWS = {
    0: ["dreadful , a waste of an evening", "le film est ennuyeux", "flat and joyless", "ich fand es schrecklich"],
    1: ["it is fine , nothing more", "an ordinary film , neither good nor bad", "watchable once", "so-so"],
    2: ["a joy from start to finish", "¡magnífica!", "wonderful acting and a clever plot", "I loved every minute"],
}


def write_sentiment_folder(folder: Path, sizes=(60, 24, 30)) -> Path:
    """A GLUE-style TSV folder (``sentence``, ``label``) with numeric labels 0, 1, 2."""
    rng = random.Random(1)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in zip(("train", "dev", "test"), sizes):
        rows = ["sentence\tlabel"]
        for i in range(n):
            label = i % 3
            rows.append(f"{rng.choice(REVIEWS[label])} ({split} {i})\t{label}")
        (folder / f"{split}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def run_chapter(chapter: str, tmp_path: Path, **parameters) -> str:
    """Execute every cell of ``chapter`` with papermill; return what it printed."""
    import papermill

    executed = papermill.execute_notebook(
        str(NOTEBOOKS / f"{chapter}.ipynb"),
        str(tmp_path / f"{chapter}.ipynb"),
        parameters={"build_dir": str(tmp_path / "build"), **parameters},
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
    )
    return "\n".join(
        "".join(o.get("text", "")) for c in executed.cells for o in c.get("outputs", []) if o.get("name") == "stdout"
    )


def write_tiny_llama(folder: Path, tokenizer) -> Path:
    """A randomly initialised 2-layer Llama (SmolLM2's family) with SmolLM2's ``tokenizer``, saved as a model
    folder."""
    random_llama(
        tokenizer, max_position_embeddings=2048, bos_token_id=tokenizer.bos_token_id, tie_word_embeddings=True
    ).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return write_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.mark.slow
def test_ner_chapter_runs_to_the_end_on_other_entity_types_with_a_random_model(tmp_path, tiny_bert):
    data = write_ner_folder(tmp_path / "drugs")
    printed = run_chapter("05_ner_finetuning", tmp_path, dataset=str(data), real_dataset="", model_name=str(tiny_bert))
    assert "claims are measured and reported, not asserted" in printed
    assert "on your data this did not hold" in printed


@pytest.mark.slow
def test_sentiment_chapter_runs_to_the_end_on_numeric_three_class_labels_with_a_random_model(tmp_path, tiny_bert):
    data = write_sentiment_folder(tmp_path / "tsv3")
    printed = run_chapter(
        "06_sentiment_finetuning",
        tmp_path,
        dataset=str(data),
        label_names="awful,meh,great",
        real_dataset="",
        model_name=str(tiny_bert),
    )
    assert "claims are measured and reported, not asserted" in printed
    assert "on your data this did not hold" in printed


@pytest.mark.slow
def test_instruction_tuning_chapter_runs_to_the_end_on_other_data_with_a_random_llama(tmp_path, smollm2_tokenizer):
    sentiment = write_sentiment_folder(tmp_path / "tsv3")
    ner = write_ner_folder(tmp_path / "drugs")
    model = write_tiny_llama(tmp_path / "tiny-llama", smollm2_tokenizer)
    printed = run_chapter(
        "07_instruction_tuning",
        tmp_path,
        sentiment_dataset=str(sentiment),
        ner_dataset=str(ner),
        label_names="awful,meh,great",
        model_name=str(model),
    )
    assert "claims are measured and reported, not asserted" in printed
    assert "on your data this did not hold" in printed


@pytest.mark.slow
def test_which_data_chapter_runs_to_the_end_with_a_random_llama(tmp_path, smollm2_tokenizer):
    """Chapter 10 with another local causal LM folder, section 5 (the extras) included: a random model follows
    almost no instruction, so the claims are reported, not asserted. Its replies never end before the token limit,
    so none is kept and section 5 must say, budget by budget, that the pool is too small (the selection rules
    themselves are tested in tests/construct/test_selection.py)."""
    model = write_tiny_llama(tmp_path / "tiny-llama", smollm2_tokenizer)
    printed = run_chapter("10_which_data", tmp_path, model_name=str(model), extras=True)
    assert "claims are measured and reported, not asserted" in printed
    assert "on your data this did not hold" in printed
    assert re.search(r"budget 8(, verified, most diverse:|: skipped, the pool has only \d+ verified replies)", printed)
