"""The training loop: it learns, it resumes exactly after a kill, it runs under torchrun, and its checkpoints are safe."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from sftlab.batching import length_grouped_batches, shard_batches
from sftlab.checkpoint import CheckpointError, load_checkpoint, remove_stale_temporaries, save_checkpoint
from sftlab.conll import write_conll
from sftlab.encoding import align_labels, encode_ner
from sftlab.errors import ConfigError
from sftlab.finetune import evaluate_ner, finetune_ner
from sftlab.make_data import read_ner_sources
from sftlab.models import load_tokenizer
from sftlab.training import TrainConfig

from conftest import ROOT


@pytest.fixture(scope="module")
def small_ner(tmp_path_factory):
    """A small IOB2 dataset folder (train/dev/test) cut from the project's own NER sources."""
    sentences = read_ner_sources(ROOT / "data" / "ner" / "source")
    folder = tmp_path_factory.mktemp("ner")
    write_conll(folder / "train.iob2", sentences[:160])
    write_conll(folder / "dev.iob2", sentences[400:440])
    write_conll(folder / "test.iob2", sentences[800:840])
    return folder, sentences


def test_align_labels_first_subword_and_all_subwords():
    label2id = {"O": 0, "B-PER": 1, "I-PER": 2}
    word_ids = [None, 0, 1, 1, 2, None]
    tags = ["B-PER", "I-PER", "O"]
    assert align_labels(word_ids, tags, label2id) == [-100, 1, 2, -100, 0, -100]
    assert align_labels([None, 0, 0, 1, None], ["B-PER", "O"], label2id, label_all_subwords=True) == [-100, 1, 2, 0, -100]


def test_encode_ner_uses_word_ids_from_the_fast_tokenizer(small_ner):
    _, sentences = small_ner
    tokenizer = load_tokenizer("minilm")
    features = encode_ner(sentences[:20], tokenizer, {t: i for i, t in enumerate(
        ["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"])}, max_length=128)
    for sentence, feature in zip(sentences[:20], features):
        scored = [label for label in feature["labels"] if label != -100]
        assert len(scored) == len(sentence.tokens)
        assert len(feature["labels"]) == len(feature["input_ids"]) == len(feature["word_ids"])


def test_length_grouped_batches_are_deterministic_cover_everything_and_are_tight():
    lengths = [(i * 37) % 97 + 3 for i in range(1000)]
    batches = length_grouped_batches(lengths, 32, seed=5)
    assert batches == length_grouped_batches(lengths, 32, seed=5)
    assert batches != length_grouped_batches(lengths, 32, seed=6)
    assert sorted(i for b in batches for i in b) == list(range(1000))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 10  # random batches of 32 would span most of the 3..99 range


def test_shards_have_equal_length_and_cover_all_batches():
    batches = [[i] for i in range(7)]
    shards = [shard_batches(batches, rank, 2) for rank in range(2)]
    assert len(shards[0]) == len(shards[1]) == 4
    assert {b[0] for s in shards for b in s} == set(range(7))


@pytest.mark.slow
def test_fine_tuning_learns_and_restores_the_best_epoch(small_ner):
    _, sentences = small_ner
    config = TrainConfig(epochs=3, lr=3e-4, batch_size=16, progress=False, patience=None)
    run = finetune_ner(sentences[:160], sentences[400:440], config)
    history = run.result.history
    assert history[-1]["train_loss"] < history[0]["train_loss"] / 2
    scores, _ = evaluate_ner(run, sentences[400:440])
    assert scores["f1"] == pytest.approx(run.result.best_score)
    assert run.result.best_score > 0.1


@pytest.mark.slow
def test_autocast_branch_runs_on_the_cpu(small_ner, monkeypatch):
    """The mixed-precision code path of CUDA, exercised on the CPU with bf16 autocast."""
    import sftlab.training as training

    monkeypatch.setattr(training, "autocast_dtype", lambda device: torch.bfloat16)
    _, sentences = small_ner
    run = finetune_ner(sentences[:32], sentences[400:416], TrainConfig(epochs=1, batch_size=16, progress=False))
    assert run.result.steps == 2 and len(run.result.history) == 1


def _train_command(data: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "sftlab.distributed", "--task", "ner", "--dataset", str(data), "--epochs", "2",
            "--batch-size", "16", "--lr", "3e-4", "--max-train", "96", "--max-eval", "24", "--output", str(output)]


def _scores(output: Path) -> dict:
    metrics = json.loads((output / "metrics.json").read_text())
    return {k: metrics[k] for k in ("test_f1", "best_dev", "best_epoch")}


@pytest.fixture(scope="module")
def uninterrupted(small_ner, tmp_path_factory):
    data, _ = small_ner
    output = tmp_path_factory.mktemp("uninterrupted")
    subprocess.run(_train_command(data, output), check=True, capture_output=True)
    return _scores(output)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_mid_epoch_resumes_to_the_same_result(small_ner, uninterrupted, tmp_path, sig):
    data, _ = small_ner
    interrupted = tmp_path / "interrupted"
    process = subprocess.Popen(_train_command(data, interrupted), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list((interrupted / "checkpoints").glob("*/last.pt")) and time.time() < deadline and process.poll() is None:
        time.sleep(0.02)
    checkpoints = list((interrupted / "checkpoints").glob("*/last.pt"))
    assert checkpoints, "the first epoch never finished"
    checkpoint = checkpoints[0]
    time.sleep(0.3)  # inside epoch 2 (an epoch of 96 sentences takes over a second)
    process.send_signal(sig)
    process.wait(timeout=60)
    assert process.returncode != 0 and not (interrupted / "metrics.json").exists(), "killed too late"
    assert load_checkpoint(checkpoint)["epoch"] == 0

    subprocess.run(_train_command(data, interrupted), check=True, capture_output=True)
    assert json.loads((interrupted / "metrics.json").read_text())["resumed_from_epoch"] == 0
    assert _scores(interrupted) == uninterrupted


@pytest.mark.slow
def test_torchrun_with_two_cpu_processes_reports_one_set_of_metrics(small_ner, tmp_path):
    data, _ = small_ner
    output = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "sftlab.distributed", "--task", "ner", "--dataset", str(data), "--epochs", "1",
               "--batch-size", "16", "--max-train", "64", "--max-eval", "16", "--output", str(output)]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["train_examples"] == 64
    assert 0.0 <= metrics["test_f1"] <= 1.0
    assert done.stdout.count("wrote") == 1  # only rank 0 reports and writes
    assert (output / "model" / "model.safetensors").is_file()


def test_checkpoint_round_trip_and_atomicity(tmp_path):
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"model": {"w": torch.ones(2)}, "epoch": 3, "rng": (3, (1, 2), None)})
    assert load_checkpoint(path)["epoch"] == 3
    (tmp_path / ".last.pt.abc.tmp").write_bytes(b"half")
    assert remove_stale_temporaries(tmp_path) == 1 and [p.name for p in tmp_path.iterdir()] == ["last.pt"]


class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    with open(path, "wb") as handle:
        pickle.dump({"model": Payload()}, handle)
    with pytest.raises(CheckpointError, match="refused to load"):
        load_checkpoint(path)
    torch.save({"obj": Payload()}, tmp_path / "evil2.pt")
    with pytest.raises(CheckpointError, match="not a weights-only checkpoint"):
        load_checkpoint(tmp_path / "evil2.pt")


def test_truncated_checkpoint_is_refused(tmp_path):
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"model": {"w": torch.ones(1000)}})
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(CheckpointError, match="Delete it"):
        load_checkpoint(path)


def test_pytorch_bin_weights_are_refused(tmp_path):
    """Models load from safetensors only: a folder holding only a pickled pytorch_model.bin is rejected."""
    from transformers import BertConfig, BertForTokenClassification

    from sftlab.models import load_token_classifier

    config = BertConfig(vocab_size=32, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16)
    config.save_pretrained(tmp_path)
    torch.save(BertForTokenClassification(config).state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(OSError, match="safetensors"):
        load_token_classifier(str(tmp_path), ["O", "B-PER"])


def test_other_settings_start_a_fresh_run_beside_the_old_one(small_ner, tmp_path):
    _, sentences = small_ner
    folder = tmp_path / "ck"
    first = finetune_ner(sentences[:16], sentences[400:408], TrainConfig(epochs=1, batch_size=16, progress=False,
                                                                        checkpoint_dir=str(folder)))
    again = finetune_ner(sentences[:16], sentences[400:408], TrainConfig(epochs=1, batch_size=16, progress=False,
                                                                        checkpoint_dir=str(folder)))
    other = finetune_ner(sentences[:16], sentences[400:408], TrainConfig(epochs=1, batch_size=8, progress=False,
                                                                        checkpoint_dir=str(folder)))
    assert first.result.resumed_from_epoch is None and again.result.resumed_from_epoch == 0
    assert other.result.resumed_from_epoch is None
    assert len(list(folder.iterdir())) == 2


@pytest.mark.parametrize("field,value", [("epochs", 0), ("epochs", -1), ("batch_size", 2.5), ("lr", 0),
                                         ("warmup_ratio", 1.5), ("patience", 0), ("grad_accum", 0)])
def test_bad_training_settings_are_rejected(field, value):
    with pytest.raises(ConfigError, match=field):
        TrainConfig(**{field: value})
