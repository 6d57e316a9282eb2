"""Tests of ``sftlab.train.training``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sftlab.io.errors import ConfigError
from sftlab.train.checkpoint import load_checkpoint
from sftlab.train.finetune import evaluate_ner, finetune_ner
from sftlab.train.training import Scorer, TrainConfig, fit


def _train_command(data: Path, model: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sftlab.train.distributed",
        "--task",
        "ner",
        "--dataset",
        str(data),
        "--model",
        str(model),
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--lr",
        "3e-4",
        "--max-train",
        "96",
        "--max-eval",
        "24",
        "--output",
        str(output),
    ]


def _scores(output: Path) -> dict:
    metrics = json.loads((output / "metrics.json").read_text())
    return {k: metrics[k] for k in ("test_f1", "best_dev", "best_epoch")}


def _last_weights(output: Path) -> dict:
    """The weights after the last epoch, from the run's ``last.pt``."""
    (last,) = (output / "checkpoints").glob("*/last.pt")
    return load_checkpoint(last)["model"]


@pytest.fixture(scope="module")
def uninterrupted(small_ner, tiny_encoder, tmp_path_factory):
    data, _ = small_ner
    output = tmp_path_factory.mktemp("uninterrupted")
    subprocess.run(_train_command(data, tiny_encoder, output), check=True, capture_output=True)
    return _scores(output), _last_weights(output)


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
    import sftlab.train.training as training

    monkeypatch.setattr(training, "autocast_dtype", lambda device: torch.bfloat16)
    _, sentences = small_ner
    run = finetune_ner(sentences[:32], sentences[400:416], TrainConfig(epochs=1, batch_size=16, progress=False))
    assert run.result.steps == 2 and len(run.result.history) == 1


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_mid_epoch_resumes_to_the_same_result(small_ner, tiny_encoder, uninterrupted, tmp_path, sig):
    """The training script, killed after two of the six optimizer steps of its second epoch, run again: it goes on
    from the first epoch's checkpoint and ends as the unbroken run, scores and weights bit for bit.

    ``stop_mid_epoch.py`` runs the same script and stops it (SIGSTOP) at that step, so the kill lands mid-epoch
    by construction, not after a guessed sleep."""
    data, _ = small_ner
    interrupted = tmp_path / "interrupted"
    command = _train_command(data, tiny_encoder, interrupted)
    stopper = [sys.executable, str(Path(__file__).with_name("stop_mid_epoch.py")), *command[3:]]
    with open(tmp_path / "stderr.txt", "w") as errors:  # a file, not a pipe: no one reads it while it runs
        process = subprocess.Popen(stopper, stdout=subprocess.DEVNULL, stderr=errors)
    _, status = os.waitpid(process.pid, os.WUNTRACED)  # returns once it stops itself (or ends: then it failed)
    assert os.WIFSTOPPED(status), (tmp_path / "stderr.txt").read_text()[-2000:]
    checkpoints = list((interrupted / "checkpoints").glob("*/last.pt"))
    assert checkpoints, "the first epoch never finished"
    checkpoint = checkpoints[0]
    process.send_signal(sig)
    if sig != signal.SIGKILL:
        process.send_signal(signal.SIGCONT)  # a stopped process acts on SIGTERM once it runs again
    process.wait(timeout=60)
    assert process.returncode == -sig and not (interrupted / "metrics.json").exists(), "killed too late"
    assert load_checkpoint(checkpoint)["epoch"] == 0

    subprocess.run(command, check=True, capture_output=True)
    assert json.loads((interrupted / "metrics.json").read_text())["resumed_from_epoch"] == 0
    scores, weights = uninterrupted
    assert _scores(interrupted) == scores
    resumed = _last_weights(interrupted)
    assert resumed.keys() == weights.keys() and all(torch.equal(resumed[k], weights[k]) for k in weights)


def test_other_settings_start_a_fresh_run_beside_the_old_one(small_ner, tmp_path):
    _, sentences = small_ner
    folder = tmp_path / "ck"
    first = finetune_ner(
        sentences[:16],
        sentences[400:408],
        TrainConfig(epochs=1, batch_size=16, progress=False, checkpoint_dir=str(folder)),
    )
    again = finetune_ner(
        sentences[:16],
        sentences[400:408],
        TrainConfig(epochs=1, batch_size=16, progress=False, checkpoint_dir=str(folder)),
    )
    other = finetune_ner(
        sentences[:16],
        sentences[400:408],
        TrainConfig(epochs=1, batch_size=8, progress=False, checkpoint_dir=str(folder)),
    )
    assert first.result.resumed_from_epoch is None and again.result.resumed_from_epoch == 0
    assert other.result.resumed_from_epoch is None
    assert len(list(folder.iterdir())) == 2


@pytest.mark.parametrize(
    "field,value",
    [
        ("epochs", 0),
        ("epochs", -1),
        ("batch_size", 2.5),
        ("lr", 0),
        ("warmup_ratio", 1.5),
        ("patience", 0),
        ("grad_accum", 0),
    ],
)
def test_bad_training_settings_are_rejected(field, value):
    with pytest.raises(ConfigError, match=field):
        TrainConfig(**{field: value})


def test_the_default_metric_is_the_task_scorers_and_an_unknown_one_is_named():
    from sftlab.io.errors import ConfigError
    from sftlab.train.finetune import finetune_classifier

    records = [{"text": t, "label": label} for t, label in [("great film", "positive"), ("awful film", "negative")] * 4]
    run = finetune_classifier(
        records, records, TrainConfig(epochs=1, batch_size=8, progress=False), labels=["negative", "positive"]
    )
    assert "dev_accuracy" in run.result.history[0] and run.result.best_epoch == 1
    with pytest.raises(
        ConfigError, match="metric='f1': is not computed by this task's scorer \\(it gives: accuracy, macro_f1\\)"
    ):
        finetune_classifier(
            records,
            records,
            TrainConfig(epochs=1, batch_size=8, progress=False, metric="f1"),
            labels=["negative", "positive"],
        )


@pytest.mark.parametrize("causal", [False, True])
def test_accumulated_micro_batches_give_the_large_batch_gradient_even_with_uneven_lengths(causal):
    """Σ token losses / Σ targets over the group equals the big batch's mean; the mean of micro-batch means does not."""
    from transformers import BertConfig, BertForTokenClassification, LlamaConfig, LlamaForCausalLM

    from sftlab.train.training import is_causal_lm, summed_loss, target_count

    torch.manual_seed(0)
    if causal:
        model = LlamaForCausalLM(
            LlamaConfig(
                vocab_size=50,
                hidden_size=16,
                intermediate_size=32,
                num_hidden_layers=1,
                num_attention_heads=2,
                num_key_value_heads=2,
            )
        )
    else:
        model = BertForTokenClassification(
            BertConfig(
                vocab_size=50,
                hidden_size=16,
                num_hidden_layers=1,
                num_attention_heads=2,
                intermediate_size=32,
                num_labels=3,
            )
        )
    model.eval()  # no dropout: the same forward pass every time
    assert is_causal_lm(model) is causal
    # two micro-batches with very different numbers of targets (padding is -100)
    a = {"input_ids": torch.randint(0, 50, (2, 12)), "labels": torch.randint(0, 3, (2, 12))}
    b = {"input_ids": torch.randint(0, 50, (2, 12)), "labels": torch.full((2, 12), -100)}
    b["labels"][:, :3] = torch.randint(0, 3, (2, 3))
    for batch in (a, b):
        batch["attention_mask"] = torch.ones_like(batch["input_ids"])
    big = {k: torch.cat([a[k], b[k]]) for k in a}
    features = [{"labels": row.tolist()} for row in big["labels"]]
    assert target_count(features, range(4), causal) == int(
        (big["labels"][:, 1:] if causal else big["labels"]).ne(-100).sum()
    )

    def gradient(loss_of):
        model.zero_grad()
        loss_of()
        return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])

    reference = gradient(lambda: model(**big).loss.backward())
    total = target_count(features, range(4), causal)
    accumulated = gradient(lambda: [(summed_loss(model, batch, causal)[0] / total).backward() for batch in (a, b)])
    mean_of_means = gradient(lambda: [(model(**batch).loss / 2).backward() for batch in (a, b)])
    assert torch.allclose(accumulated, reference, rtol=1e-4, atol=1e-6)
    assert not torch.allclose(mean_of_means, reference, rtol=1e-2, atol=1e-4)


def test_the_causal_loss_shifts_the_labels_and_matches_the_logits_cut_by_one_position():
    """summed_loss moves the labels left instead of dropping the logits' last position (no copy of the logits):
    the loss is the same sum and every gradient the same, bit for bit, as the version that cuts the logits."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from sftlab.train.training import summed_loss

    torch.manual_seed(0)
    model = LlamaForCausalLM(
        LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2)
    ).eval()
    batch = {"input_ids": torch.randint(0, 50, (3, 10)), "attention_mask": torch.ones(3, 10, dtype=torch.long)}
    batch["labels"] = batch["input_ids"].clone()
    batch["labels"][:, :4] = -100  # the prompt
    batch["labels"][2, 7:] = -100  # padding

    def cut_logits():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False).logits
        return torch.nn.functional.cross_entropy(
            logits[:, :-1].reshape(-1, 50), batch["labels"][:, 1:].reshape(-1), ignore_index=-100, reduction="sum"
        )

    def gradients(loss):
        model.zero_grad()
        loss.backward()
        return [p.grad.clone() for p in model.parameters()]

    summed, count = summed_loss(model, batch, causal=True)
    assert count == int(batch["labels"][:, 1:].ne(-100).sum()) == 6 + 6 + 3
    reference = cut_logits()
    assert torch.allclose(summed, reference, rtol=1e-6)
    assert torch.allclose(summed / count, model(**batch).loss, rtol=1e-6)  # Hugging Face's own mean
    assert all(torch.equal(a, b) for a, b in zip(gradients(summed), gradients(reference)))


def test_the_epoch_loss_weighs_every_target_token_the_same():
    """With lr 1e-12 and no dropout nothing changes, so the logged loss is the mean over all targets of the epoch.

    Five examples in batches of 2 make batches of 2, 2 and 1: a mean of the batches' means would weigh
    the lone example twice as much as the others, and miss this value.
    """
    from sftlab.train.batching import collate
    from sftlab.train.training import summed_loss

    model, features, collator = _tiny_classifier()
    with torch.no_grad():
        per_example = [
            summed_loss(model, collate(collator, features, [i]), causal=False)[0].item() for i in range(len(features))
        ]
    config = TrainConfig(
        epochs=1,
        batch_size=2,
        lr=1e-12,
        progress=False,
        patience=None,
        metric="zero",
        amp=False,
        warmup_ratio=0.0,
        weight_decay=0.0,
    )
    result = fit(
        model,
        features,
        features[:2],
        collator=collator,
        predict=lambda m, f: [0] * len(f),
        score=Scorer(lambda predictions: {"zero": 0.0}, metric="zero"),
        config=config,
    )
    assert result.history[0]["train_loss"] == pytest.approx(sum(per_example) / len(features), rel=1e-5)


def _tiny_classifier():
    """A one-layer BERT classifier without dropout, five short texts as its features, and their collator."""
    from transformers import BertConfig, BertForSequenceClassification

    from sftlab.train.batching import make_collator
    from sftlab.train.models import load_tokenizer

    torch.manual_seed(0)
    model = BertForSequenceClassification(
        BertConfig(
            vocab_size=30522,
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
            num_labels=2,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
        )
    )
    tokenizer = load_tokenizer("minilm")
    texts = ["good", "a long and winding review that goes on and on about the film", "bad", "fine film", "meh"]
    features = [{**tokenizer(t, truncation=True), "labels": i % 2} for i, t in enumerate(texts)]
    return model, features, make_collator(tokenizer, "classification")


def _scripted(values: list[float], fail_at: int | None = None) -> Scorer:
    """A scorer whose metric ``m`` takes ``values`` in turn, one per epoch; call ``fail_at`` (from 1) raises."""
    calls = iter(range(1, len(values) + 1))

    def score(predictions: list) -> dict:
        call = next(calls)
        if call == fail_at:
            raise InterruptedError("stopped while scoring")
        return {"m": values[call - 1]}

    return Scorer(score, metric="m")


def _no_predictions(model, features) -> list[int]:
    """A placeholder prediction per feature: the scripted scorers ignore predictions."""
    return [0] * len(features)


def _without_time(history: list[dict]) -> list[dict]:
    """The history without its seconds (the one figure that differs between two identical runs)."""
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


def test_the_task_scorers_name_the_metric_that_chooses_the_epoch(small_ner):
    from sftlab.train.finetune import classification_scorer, ner_scorer

    _, sentences = small_ner
    with_names = [s for s in sentences if any(t != "O" for t in s.tags)][:3]
    scorer = ner_scorer(with_names)
    assert scorer.metric == "f1" and scorer([s.tags for s in with_names])["f1"] == 1.0
    scorer = classification_scorer([{"text": "x", "label": "a"}, {"text": "y", "label": "b"}], ["a", "b"])
    assert scorer.metric == "accuracy" and scorer([[0.9, 0.1], [0.2, 0.8]]) == {"accuracy": 1.0, "macro_f1": 1.0}


@pytest.mark.parametrize(
    "best_epoch,epoch,patience,stops",
    [
        (0, 1, 2, False),
        (0, 2, 2, True),  # nothing better yet: the epochs so far count
        (2, 3, 2, False),
        (2, 4, 2, True),
        (2, 9, None, False),
    ],
)
def test_patience_counts_the_epochs_since_the_best(best_epoch, epoch, patience, stops):
    from sftlab.train.training import TrainResult, _patience_ran_out

    assert _patience_ran_out(TrainResult(best_epoch=best_epoch), epoch, patience) is stops


def test_early_stopping_ends_the_run_patience_epochs_after_the_best_and_restores_its_weights():
    model, features, collator = _tiny_classifier()
    scored_with = []

    def predict(m, f):  # the weights each epoch is scored with
        scored_with.append({k: v.clone() for k, v in m.state_dict().items()})
        return _no_predictions(m, f)

    config = TrainConfig(epochs=6, batch_size=2, lr=1e-3, patience=2, progress=False, amp=False)
    result = fit(
        model,
        features,
        features[:2],
        collator=collator,
        predict=predict,
        score=_scripted([0.5, 0.7, 0.6, 0.4, 0.9]),
        config=config,
    )
    assert [h["epoch"] for h in result.history] == [1, 2, 3, 4] and [h["dev_m"] for h in result.history][-1] == 0.4
    assert result.stopped_early and (result.best_epoch, result.best_score) == (2, 0.7)
    assert result.steps == 4 * 3  # 5 examples in batches of 2: three steps an epoch
    assert all(torch.equal(v, scored_with[1][k]) for k, v in model.state_dict().items())


def test_a_run_stopped_mid_way_resumes_from_its_checkpoint_to_the_same_result(tmp_path):
    """Stopped while scoring epoch 3, a re-run goes on from epoch 2's checkpoint and ends as the unbroken run."""
    values = [0.5, 0.7, 0.6, 0.8]

    def run(folder: str, score: Scorer):
        model, features, collator = _tiny_classifier()
        config = TrainConfig(
            epochs=4,
            batch_size=2,
            lr=1e-3,
            patience=None,
            progress=False,
            amp=False,
            checkpoint_dir=str(tmp_path / folder),
        )
        return fit(
            model, features, features[:2], collator=collator, predict=_no_predictions, score=score, config=config
        ), model

    unbroken, unbroken_model = run("unbroken", _scripted(values))
    with pytest.raises(InterruptedError):
        run("broken", _scripted(values, fail_at=3))
    (last,) = (tmp_path / "broken").glob("*/last.pt")
    assert load_checkpoint(last)["epoch"] == 1 and (last.parent / "best.pt").is_file()
    resumed, resumed_model = run("broken", _scripted(values[2:]))
    assert resumed.resumed_from_epoch == 1 and len(resumed.history) == 4
    assert _without_time(resumed.history) == _without_time(unbroken.history)
    assert (resumed.best_epoch, resumed.steps) == (unbroken.best_epoch, unbroken.steps) == (4, 12)
    assert all(torch.equal(v, unbroken_model.state_dict()[k]) for k, v in resumed_model.state_dict().items())
