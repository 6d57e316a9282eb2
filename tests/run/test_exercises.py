"""Every exercise check rejects a wrong answer (a check that cannot fail would teach nothing)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sftlab.io.conll import Sentence
from sftlab.run import exercises

WRONG = {
    "check_mse_sigmoid_grad": lambda z, y: torch.sigmoid(z) - y,  # the cross-entropy gradient
    "check_log_softmax": lambda z: torch.log(torch.softmax(z, -1)),  # overflows to -inf
    "check_smoothed_masked_grad": lambda z, y, a: torch.zeros_like(z),
    "check_adamw_step": lambda theta, grad, state, lr, weight_decay: theta - lr * grad,  # plain SGD
    "check_word_jaccard": lambda a, b: 0.5,
    "check_kappa": lambda a, b: sum(x == y for x, y in zip(a, b)) / len(a),  # raw agreement
    "check_mention_swap": lambda s, inventory, rng: s,  # nothing swapped
    "check_minhash_estimate": lambda a, b: float(len(set(a) & set(b)) / len(set(a) | set(b))),  # Jaccard of the values
    "check_label_suspects": lambda given, p: [
        i for i, g in enumerate(given) if int(np.argmax(p[i])) != g
    ],  # no thresholds
    "check_bioes_to_iob2": lambda tags: list(tags),
    "check_text_target": lambda s: " ".join(s.tokens),
    "check_prompt_labels": lambda p, a: list(p) + list(a),  # prompt not masked
    "check_distinct_2": lambda texts: 1.0,
    "check_rouge_l": lambda a, b: float(a == b),
    "check_url_filter": type("KeepAll", (), {"name": "keep", "__call__": lambda self, c, p: [(True, "") for _ in c]})(),
    "check_align_labels": lambda word_ids, tags, label2id: [0] * len(word_ids),
    "check_word_predictions": lambda word_ids, predicted: predicted,
    "check_padding_share": lambda lengths, batches: 0.5,
    "check_decay_parameters": lambda pairs: [name for name, shape in pairs],  # LayerNorm and biases too
    "check_macro_f1": lambda gold, predicted: float(np.mean([g == p for g, p in zip(gold, predicted)])),
    "check_best_threshold": lambda p, y: 0.5,
    "check_majority_accuracy": lambda train, test: 1.0,
    "check_answer_labels": lambda messages, tokenizer: [-100] * 5,  # nothing learned
    "check_entity_parser": lambda text, tokens: [],  # everything parsed as 'none'
    "check_ece": lambda p, y: 0.0,
    "check_mcnemar": lambda a, b: 0.05,
    "check_spans": lambda tags: [],
    "check_lora_parameters": lambda d, r, layers, matrices: d * r,
    "check_linear_schedule": lambda step, warmup, total: 1.0,  # no warmup, no decay
    "check_accumulation_scale": lambda means, counts: sum(means) / len(means),  # the unweighted mean
    "check_accumulation_step": lambda model, batches, optimizer: (  # a mean of per-batch means
        [(model(**b).loss / len(batches)).backward() for b in batches],
        optimizer.step(),
        optimizer.zero_grad(),
    ),
    "check_paragraph_checker": lambda reply, n: reply.count("\n\n") + 1 == n,  # blank lines at the ends, spaces
    "check_pass_at_k": lambda n, c, k: min(1.0, k * c / n),  # the union bound, not the estimate
}


def test_every_check_has_a_wrong_answer_here():
    checks = {name for name in dir(exercises) if name.startswith("check_")}
    assert checks == set(WRONG)


@pytest.mark.parametrize("name", sorted(WRONG))
def test_check_rejects_a_wrong_answer(name):
    with pytest.raises(AssertionError):
        getattr(exercises, name)(WRONG[name])


def test_a_right_answer_passes():
    assert exercises.check_prompt_labels(lambda p, a: [-100] * len(p) + list(a)) == "prompt_labels: correct"

    def swap(s, inventory, rng):
        return Sentence(["Kofi", "visited", "New", "York", "."], ["B-PER", "O", "B-LOC", "I-LOC", "O"])

    assert exercises.check_mention_swap(swap) == "mention_swap: correct"


def test_right_answers_to_the_minhash_and_confident_learning_exercises_pass():
    assert exercises.check_minhash_estimate(lambda a, b: float(np.mean(a == b))) == "minhash_estimate: correct"

    def suspects(given, probabilities):
        given = np.asarray(given)
        thresholds = np.array([probabilities[given == j, j].mean() for j in range(probabilities.shape[1])])
        out = []
        for i, row in enumerate(probabilities):
            confident = np.flatnonzero(row >= thresholds)
            if len(confident) and confident[np.argmax(row[confident])] != given[i]:
                out.append(i)
        return out

    assert exercises.check_label_suspects(suspects) == "label_suspects: correct"
