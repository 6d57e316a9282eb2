"""Checks for the exercises at the end of each notebook.

Call a check on your own answer: ``check_mse_sigmoid_grad(my_function)``. It tests the answer on
cases it generates, raises an ``AssertionError`` that says what is wrong, and returns a short
confirmation when the answer is right. The solutions notebooks in ``notebooks/solutions/`` call
the same checks on the reference answers.
"""

from __future__ import annotations

import random
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from sftlab.construct.loop import distinct_n
from sftlab.construct.rouge import rouge_l
from sftlab.data.agreement import cohens_kappa
from sftlab.data.dedup import jaccard, minhash_signatures, shingles
from sftlab.data.formats import to_text_pair
from sftlab.data.label_errors import find_label_issues
from sftlab.evaluate.calibration import expected_calibration_error
from sftlab.evaluate.significance import mcnemar
from sftlab.io.conll import Sentence
from sftlab.io.tags import bioes_to_iob2, iob2_problems, iob2_to_bioes, spans_from_iob2
from sftlab.theory.gradcheck import autograd_grad, relative_error
from sftlab.train.encoding import align_labels


def _ok(name: str) -> str:
    return f"{name}: correct"


def _float64(*shape: int, seed: int = 0, scale: float = 3.0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale


# --- 01 ---------------------------------------------------------------------------------------


def check_mse_sigmoid_grad(answer: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> str:
    """Exercise 01.1: the gradient of mean((σ(z) − y)²) with respect to z."""
    z, y = _float64(20), (torch.rand(20, generator=torch.Generator().manual_seed(1)) > 0.5).double()
    expected = autograd_grad(lambda t: ((torch.sigmoid(t) - y) ** 2).mean(), z)
    got = answer(z, y)
    assert got.shape == z.shape, f"expected shape {tuple(z.shape)}, got {tuple(got.shape)}"
    error = relative_error(got, expected)
    assert error < 1e-7, (
        f"relative error {error:.2e} against autograd; remember the chain rule through σ'(z) and the mean"
    )
    return _ok("mse_sigmoid_grad")


def check_log_softmax(answer: Callable[[torch.Tensor], torch.Tensor]) -> str:
    """Exercise 01.2: a numerically stable log-softmax over the last dimension."""
    for z in (
        _float64(4, 6),
        torch.tensor([[1000.0, 999.0, -1000.0]], dtype=torch.float64),
        torch.tensor([[-1000.0, -1001.0]], dtype=torch.float64),
    ):
        got = answer(z)
        assert torch.isfinite(got).all(), f"non-finite values for logits {z.tolist()}: subtract the maximum first"
        error = relative_error(got, F.log_softmax(z, dim=-1))
        assert error < 1e-10, f"relative error {error:.2e} against F.log_softmax for logits {z.tolist()[:1]}"
    return _ok("log_softmax")


def check_smoothed_masked_grad(answer: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> str:
    """Exercise 01.3: ∂/∂z of cross-entropy with label smoothing α and ignore_index=-100 (mean over kept positions)."""
    z = _float64(10, 5, seed=2)
    y = torch.tensor([0, 3, -100, 1, 4, -100, 2, 2, 0, -100])
    for alpha in (0.0, 0.1, 0.3):
        expected = autograd_grad(lambda t, a=alpha: F.cross_entropy(t, y, ignore_index=-100, label_smoothing=a), z)
        error = relative_error(answer(z, y, alpha), expected)
        assert error < 1e-7, (
            f"alpha={alpha}: relative error {error:.2e}; ignored rows get 0, others (softmax − q) / kept"
        )
    return _ok("smoothed_masked_grad")


def check_adamw_step(answer: Callable[..., torch.Tensor]) -> str:
    """Exercise 01.4: ``answer(theta, grad, state, lr, weight_decay)`` implements one AdamW step.

    ``state`` is a dict the answer fills."""
    theta = _float64(8, seed=3)
    reference = theta.clone().requires_grad_(True)
    optimizer = torch.optim.AdamW([reference], lr=0.01, weight_decay=0.1)
    state: dict = {}
    for step in range(10):
        grad = _float64(8, seed=10 + step)
        theta = answer(theta, grad, state, lr=0.01, weight_decay=0.1)
        reference.grad = grad.clone()
        optimizer.step()
        error = relative_error(theta, reference.detach())
        assert error < 1e-10, f"step {step + 1}: relative error {error:.2e} against torch.optim.AdamW"
    return _ok("adamw_step")


# --- 02 ---------------------------------------------------------------------------------------


def check_word_jaccard(answer: Callable[[str, str], float]) -> str:
    """Exercise 02.1: Jaccard similarity of the two texts' sets of lower-cased words."""
    cases = [("the cat sat", "the cat ran", 2 / 4), ("A b", "a B", 1.0), ("x", "y", 0.0), ("the the cat", "cat", 1 / 2)]
    for a, b, expected in cases:
        got = answer(a, b)
        assert abs(got - expected) < 1e-12, f"word_jaccard({a!r}, {b!r}) = {got}, expected {expected}"
    return _ok("word_jaccard")


def check_kappa(answer: Callable[[list, list], float]) -> str:
    """Exercise 02.2: Cohen's kappa from scratch."""
    rng = random.Random(0)
    for _ in range(20):
        n = rng.randint(5, 60)
        a = [rng.choice("xyz") for _ in range(n)]
        b = [x if rng.random() < 0.7 else rng.choice("xyz") for x in a]
        if len(set(a) | set(b)) == 1:
            continue
        assert abs(answer(a, b) - cohens_kappa(a, b)) < 1e-12, (
            f"kappa({a}, {b}) = {answer(a, b)}, expected {cohens_kappa(a, b)}"
        )
    return _ok("kappa")


def check_minhash_estimate(answer: Callable[[np.ndarray, np.ndarray], float]) -> str:
    """Exercise 02.4: the Jaccard similarity two MinHash signatures estimate (the share of equal positions)."""
    rng = random.Random(0)
    words = [f"w{i}" for i in range(400)]
    for overlap in (0.0, 0.3, 0.6, 0.9, 1.0):
        common = rng.sample(words, 60)
        a = set(common) | {f"a{i}" for i in range(round(60 * (1 - overlap)))}
        b = set(common[: round(60 * overlap)]) | {f"b{i}" for i in range(60 - round(60 * overlap))}
        signatures = minhash_signatures([a, b], num_perm=256)
        expected = float((signatures[0] == signatures[1]).mean())
        got = answer(signatures[0], signatures[1])
        assert abs(got - expected) < 1e-12, (
            f"for two signatures with {expected:.3f} of their positions equal, got {got}"
        )
        assert abs(got - jaccard(a, b)) < 0.12, "the estimate should be near the true Jaccard similarity"
    text = shingles("the quick brown fox")
    one = minhash_signatures([text, text], num_perm=64)
    assert answer(one[0], one[1]) == 1.0, "a set and itself: every position is equal"
    return _ok("minhash_estimate")


def check_label_suspects(answer: Callable[[list[int], np.ndarray], list[int]]) -> str:
    """Exercise 02.5: confident learning's suspects, from per-class thresholds (section 6)."""
    rng = np.random.default_rng(0)
    for case in range(30):
        n, k = int(rng.integers(8, 40)), int(rng.integers(2, 5))
        probabilities = rng.dirichlet(np.ones(k) * 0.7, size=n)
        given = [int(x) for x in rng.integers(0, k, n)]
        if len(set(given)) < k:
            continue
        classes = [str(c) for c in range(k)]
        expected = sorted(
            issue["index"] for issue in find_label_issues([str(g) for g in given], probabilities, classes)
        )
        got = sorted(answer(given, probabilities))
        assert got == expected, (
            f"case {case}: suspects {got}, expected {expected} (a class counts only where its "
            "probability reaches that class's threshold: the mean probability of the class "
            "over the examples labelled with it)"
        )
    return _ok("label_suspects")


def check_mention_swap(answer: Callable[[Sentence, dict, random.Random], Sentence]) -> str:
    """Exercise 02.3: swap every mention for another of its type from ``inventory`` (type -> list of token tuples)."""
    inventory = {"PER": [("Kofi",), ("Mei", "Ling", "Chen")], "LOC": [("Oslo",), ("New", "York")]}
    sentence = Sentence(["Ada", "Lovelace", "visited", "Paris", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"])
    for seed in range(20):
        out = answer(sentence, inventory, random.Random(seed))
        assert len(out.tokens) == len(out.tags), "tokens and tags differ in length"
        assert not iob2_problems(out.tags), f"invalid IOB2: {out.tags}"
        spans = spans_from_iob2(out.tags)
        assert [s.label for s in spans] == ["PER", "LOC"], f"entity types changed: {out.tags}"
        for s in spans:
            assert tuple(out.tokens[s.start : s.end]) in inventory[s.label], (
                f"{out.tokens[s.start : s.end]} is not in the inventory"
            )
        assert "visited" in out.tokens and out.tokens[-1] == ".", "the words outside the mentions changed"
    return _ok("mention_swap")


# --- 03 ---------------------------------------------------------------------------------------


def check_bioes_to_iob2(answer: Callable[[list[str]], list[str]]) -> str:
    """Exercise 03.1: BIOES -> IOB2."""
    cases = [["S-PER"], ["B-PER", "E-PER"], ["B-ORG", "I-ORG", "E-ORG", "O", "S-LOC"], ["O", "O"]]
    for bioes in cases:
        assert answer(bioes) == bioes_to_iob2(bioes), f"{bioes} -> {answer(bioes)}, expected {bioes_to_iob2(bioes)}"
    assert iob2_to_bioes(answer(["B-PER", "E-PER"])) == ["B-PER", "E-PER"]
    return _ok("bioes_to_iob2")


def check_text_target(answer: Callable[[Sentence], str]) -> str:
    """Exercise 03.2: the text-to-text target ``TYPE: mention; ...`` (or ``none``)."""
    cases = [
        Sentence(["Ada", "met", "IBM"], ["B-PER", "O", "B-ORG"]),
        Sentence(["hi"], ["O"]),
        Sentence(["New", "York", "and", "Paris"], ["B-LOC", "I-LOC", "O", "B-LOC"]),
    ]
    for s in cases:
        assert answer(s) == to_text_pair(s)["target"], (
            f"{s.tokens}: {answer(s)!r}, expected {to_text_pair(s)['target']!r}"
        )
    return _ok("text_target")


def check_prompt_labels(answer: Callable[[list[int], list[int]], list[int]]) -> str:
    """Exercise 03.3: labels for causal-LM SFT: -100 on the prompt, the answer's ids on the answer."""
    prompt, response = [5, 6, 7, 8], [9, 10, 2]
    assert answer(prompt, response) == [-100] * 4 + [9, 10, 2], f"got {answer(prompt, response)}"
    assert answer([], [1]) == [1]
    return _ok("prompt_labels")


# --- 04 ---------------------------------------------------------------------------------------


def check_distinct_2(answer: Callable[[list[str]], float]) -> str:
    """Exercise 04.1: distinct-2 over lower-cased word pairs of all texts."""
    for texts in (["a b a b"], ["the cat sat", "the cat ran"], ["one"], ["A B", "a b"]):
        assert abs(answer(texts) - distinct_n(texts, 2)) < 1e-12, (
            f"{texts}: {answer(texts)}, expected {distinct_n(texts, 2)}"
        )
    return _ok("distinct_2")


def check_rouge_l(answer: Callable[[str, str], float]) -> str:
    """Exercise 04.2: ROUGE-L F1 of two strings.

    Tokenized as the ``rouge-score`` package does: lower case, runs of a-z0-9."""
    for a, b in [
        ("the cat sat on the mat", "the cat on the mat"),
        ("great food", "food great"),
        ("x", "y"),
        ("The staff were lovely", "the staff were friendly and lovely"),
        ("Don't order the café's soup", "dont order the cafe soup"),
        ("...", "a b"),
    ]:
        assert abs(answer(a, b) - rouge_l(a, b)) < 1e-12, (
            f"rouge_l({a!r}, {b!r}) = {answer(a, b)}, expected {rouge_l(a, b)}"
        )
    return _ok("rouge_l")


def check_url_filter(answer) -> str:
    """Exercise 04.3: a filter object rejecting candidates that contain a URL (``name`` and ``__call__``)."""
    from sftlab.construct.filters import apply_filters

    candidates = [
        {"text": "Great app, see https://example.com"},
        {"text": "Great app."},
        {"text": "visit www.x.org now"},
    ]
    kept, rejected = apply_filters(candidates, [], [answer])
    assert [c["text"] for c in kept] == ["Great app."], f"kept {[c['text'] for c in kept]}"
    assert all(r["rejected_by"] == answer.name for r in rejected)
    return _ok("url_filter")


# --- 05 ---------------------------------------------------------------------------------------


def check_align_labels(answer: Callable[[list, list[str], dict], list[int]]) -> str:
    """Exercise 05.1: first-sub-word label alignment from ``word_ids``."""
    label2id = {"O": 0, "B-PER": 1, "I-PER": 2}
    cases = [
        ([None, 0, 1, 1, 2, None], ["B-PER", "I-PER", "O"]),
        ([None, 0, 0, 0, None], ["B-PER"]),
        ([None, None], []),
    ]
    for word_ids, tags in cases:
        expected = align_labels(word_ids, tags, label2id)
        assert answer(word_ids, tags, label2id) == expected, (
            f"{word_ids}: got {answer(word_ids, tags, label2id)}, expected {expected}"
        )
    return _ok("align_labels")


def check_word_predictions(answer: Callable[[list, list[str]], list[str]]) -> str:
    """Exercise 05.2: word tags from sub-word predictions (first piece of each word)."""
    word_ids = [None, 0, 1, 1, 2, None]
    predicted = ["O", "B-PER", "I-PER", "O", "O", "O"]
    assert answer(word_ids, predicted) == ["B-PER", "I-PER", "O"], f"got {answer(word_ids, predicted)}"
    return _ok("word_predictions")


def check_padding_share(answer: Callable[[list[int], list[list[int]]], float]) -> str:
    """Exercise 05.3: the share of padding positions when each batch is padded to its longest member."""
    lengths = [3, 5, 2, 8]
    assert abs(answer(lengths, [[0, 1], [2, 3]]) - (2 + 6) / 26) < 1e-12
    assert answer(lengths, [[0], [1], [2], [3]]) == 0.0
    return _ok("padding_share")


def check_decay_parameters(answer: Callable[[list[tuple[str, tuple[int, ...]]]], list[str]]) -> str:
    """Exercise 05.4: the names of the parameters that get weight decay, as ``fit`` groups them.

    ``answer`` takes ``(name, shape)`` pairs and returns the names to decay: every weight matrix,
    but no bias and no LayerNorm weight (section 4 of notebook 05).
    """
    from transformers import BertConfig, BertForTokenClassification

    model = BertForTokenClassification(
        BertConfig(
            vocab_size=50,
            hidden_size=8,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=16,
            max_position_embeddings=16,
            num_labels=3,
        )
    )
    pairs = [(name, tuple(p.shape)) for name, p in model.named_parameters()]
    got = answer(pairs)
    expected = [name for name, shape in pairs if len(shape) >= 2 and "norm" not in name.lower()]
    wrongly_decayed = sorted(set(got) - set(expected))
    missing = sorted(set(expected) - set(got))
    assert not wrongly_decayed, f"these should not decay (biases and LayerNorm weights): {wrongly_decayed[:4]}"
    assert not missing, f"these weight matrices should decay: {missing[:4]}"
    return _ok("decay_parameters")


# --- 06 ---------------------------------------------------------------------------------------


def check_macro_f1(answer: Callable[[list, list], float]) -> str:
    """Exercise 06.2: macro-averaged F1 over the labels present in gold or predictions."""
    from sklearn.metrics import f1_score

    rng = random.Random(1)
    for _ in range(10):
        gold = [rng.choice("abc") for _ in range(30)]
        predicted = [g if rng.random() < 0.6 else rng.choice("abc") for g in gold]
        expected = f1_score(gold, predicted, average="macro", zero_division=0)
        assert abs(answer(gold, predicted) - expected) < 1e-12, f"got {answer(gold, predicted)}, expected {expected}"
    return _ok("macro_f1")


def check_best_threshold(answer: Callable[[np.ndarray, np.ndarray], float]) -> str:
    """Exercise 06.3: the decision threshold on P(positive) that maximises accuracy on (dev) labels."""
    p = np.array([0.1, 0.35, 0.4, 0.45, 0.6, 0.9])
    y = np.array([0, 0, 1, 1, 1, 1])
    threshold = answer(p, y)
    assert 0.35 < threshold <= 0.4, f"threshold {threshold}: predicting positive for p >= t should get all 6 right"
    return _ok("best_threshold")


def check_majority_accuracy(answer: Callable[[list, list], float]) -> str:
    """Exercise 06.1: accuracy on ``test`` of always predicting the majority label of ``train``."""
    assert answer(["a", "a", "b"], ["a", "b", "b", "b"]) == 0.25
    assert answer(["x"], ["x", "x"]) == 1.0
    return _ok("majority_accuracy")


# --- 07 ---------------------------------------------------------------------------------------

_CHATS = [
    [{"role": "user", "content": "Sentiment of 'Loved it.'?"}, {"role": "assistant", "content": "positive"}],
    [
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "Cold soup?"},
        {"role": "assistant", "content": "negative"},
        {"role": "user", "content": "And 'great staff'?"},
        {"role": "assistant", "content": "positive"},
    ],
    [
        {"role": "user", "content": "List the entities: Ada met IBM."},
        {"role": "assistant", "content": "PER: Ada; ORG: IBM"},
    ],
]


def check_answer_labels(answer: Callable) -> str:
    """Exercise 07.1: labels of a rendered conversation, the token id on answer tokens and -100 elsewhere."""
    from sftlab.data.chat import tokenize_chat
    from sftlab.train.causal_lm import load_causal_lm_tokenizer

    tokenizer = load_causal_lm_tokenizer()
    for messages in _CHATS:
        expected = tokenize_chat(messages, tokenizer)["labels"]
        got = list(answer(messages, tokenizer))
        assert len(got) == len(expected), (
            f"{len(got)} labels for {len(expected)} tokens: label every token of the rendering"
        )
        targets = [tokenizer.decode([t]) for t in expected if t != -100]
        assert got == expected, (
            f"for a conversation with {sum(m['role'] == 'assistant' for m in messages)} answer(s), "
            f"the targets should be {targets}"
        )
    return _ok("answer_labels")


def check_entity_parser(answer: Callable) -> str:
    """Exercise 07.2: a strict parser of 'TYPE: mention; ...' replies back to spans (None when invalid)."""
    from sftlab.evaluate.generation import parse_entities

    tokens = "Ada Lovelace met Babbage at IBM in London .".split()
    cases = [
        "PER: Ada Lovelace; PER: Babbage; ORG: IBM; LOC: London",
        "none",
        "LOC: London",
        "PERSON: Ada",
        "PER: Grace Hopper",
        "The entities are Ada and IBM.",
        "PER: Ada Lovelace; ORG: IBM;",
        "per: Babbage",
    ]
    for text in cases:
        expected = parse_entities(text, tokens)
        expected = None if expected is None else [tuple(s) for s in expected]
        got = answer(text, tokens)
        got = None if got is None else sorted(tuple(s) for s in got)
        assert got == expected, f"parse({text!r}) should give {expected}, got {got}"
    return _ok("parse")


# --- 08 ---------------------------------------------------------------------------------------


def check_spans(answer: Callable[[list[str]], list[tuple[int, int, str]]]) -> str:
    """Exercise 08.1: entity spans (start, end exclusive, type) of an IOB2 sequence."""
    for tags in (
        ["B-PER", "I-PER", "O", "B-LOC"],
        ["B-PER", "B-PER"],
        ["O"],
        ["B-ORG", "I-ORG", "I-ORG"],
        ["O", "B-MISC", "I-MISC", "B-LOC", "I-LOC", "O", "B-PER"],
        [],
    ):
        expected = [tuple(s) for s in spans_from_iob2(tags)]
        assert [tuple(s) for s in answer(tags)] == expected, f"{tags}: got {answer(tags)}, expected {expected}"
    return _ok("spans")


def check_ece(answer: Callable[[np.ndarray, np.ndarray], float]) -> str:
    """Exercise 08.2: expected calibration error with 10 equal-width bins."""
    hand = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]]), np.array([0, 1, 0, 0])
    got = answer(*hand)
    assert abs(got - 0.4) < 1e-9, (
        f"got {got}, expected 0.4: half the predictions sit in (0.8, 0.9] with confidence 0.9 and "
        "accuracy 0.5, half in (0.5, 0.6] with confidence 0.6 and accuracy 1.0"
    )
    rng = np.random.default_rng(0)
    for k in (2, 3):
        probabilities = rng.dirichlet([1] * k, 200)
        labels = rng.integers(0, k, 200)
        expected = expected_calibration_error(probabilities, labels)
        got = answer(probabilities, labels)
        assert abs(got - expected) < 1e-9, f"{k} classes: got {got}, expected {expected}"
    return _ok("ece")


def check_mcnemar(answer: Callable[[list, list], float]) -> str:
    """Exercise 08.3: the exact two-sided McNemar p-value."""
    a = [True] * 8 + [False] * 2 + [True] * 5
    b = [False] * 8 + [True] * 2 + [True] * 5
    assert abs(answer(a, b) - 112 / 1024) < 1e-12, (
        f"got {answer(a, b)}, expected 2 · P(X ≤ 2) for X ~ Bin(10, 1/2) = 112/1024"
    )
    assert answer([True, False], [True, False]) == 1.0, (
        "no disagreements: nothing speaks against 'no difference', p = 1"
    )
    assert answer([True, False], [False, True]) == 1.0, (
        "one disagreement each way: p = 1 (the two-sided p is capped at 1)"
    )
    rng = random.Random(0)
    for _ in range(20):
        n = rng.randrange(1, 300)
        x, y = [rng.random() < 0.8 for _ in range(n)], [rng.random() < 0.7 for _ in range(n)]
        expected = mcnemar(x, y)["p_value"]
        assert abs(answer(x, y) - expected) < 1e-12, f"n = {n}: got {answer(x, y)}, expected {expected}"
    return _ok("mcnemar")


# --- 09 ---------------------------------------------------------------------------------------


def check_lora_parameters(answer: Callable[[int, int, int, int], int]) -> str:
    """Exercise 09.1: LoRA parameters for ``layers`` layers, ``matrices`` adapted d×d matrices per layer, rank r."""
    assert answer(384, 8, 6, 2) == 6 * 2 * 2 * 384 * 8, "each d×d matrix gets A (r×d) and B (d×r)"
    assert answer(768, 4, 12, 4) == 12 * 4 * 2 * 768 * 4
    return _ok("lora_parameters")


def check_linear_schedule(answer: Callable[[int, int, int], float]) -> str:
    """Exercise 09.2: the multiplier of the linear warmup-then-decay schedule at ``step``."""
    from transformers import get_linear_schedule_with_warmup

    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = get_linear_schedule_with_warmup(optimizer, 10, 100)
    for step in range(100):
        expected = scheduler.get_last_lr()[0]
        assert abs(answer(step, 10, 100) - expected) < 1e-12, (
            f"step {step}: got {answer(step, 10, 100)}, expected {expected}"
        )
        optimizer.step()
        scheduler.step()
    return _ok("linear_schedule")


def check_accumulation_scale(answer: Callable[[list[float], list[int]], float]) -> str:
    """Exercise 09.3: combine per-micro-batch mean token losses into the mean over all tokens."""
    means, counts = [1.0, 3.0], [1, 3]
    assert abs(answer(means, counts) - 2.5) < 1e-12, f"got {answer(means, counts)}; weight each mean by its token count"
    return _ok("accumulation_scale")


def _padded(rows: list[list[int]], labels: list[list[int]], length: int) -> dict[str, torch.Tensor]:
    """Token ids and labels padded to ``length`` (id 0, label -100), with the attention mask."""
    return {
        "input_ids": torch.tensor([r + [0] * (length - len(r)) for r in rows]),
        "attention_mask": torch.tensor([[1] * len(r) + [0] * (length - len(r)) for r in rows]),
        "labels": torch.tensor([y + [-100] * (length - len(y)) for y in labels]),
    }


def check_accumulation_step(answer: Callable[[torch.nn.Module, list[dict], torch.optim.Optimizer], None]) -> str:
    """Exercise 09.4: one optimizer step over accumulated micro-batches, with the loss of the whole group.

    ``answer(model, micro_batches, optimizer)`` runs forward and backward on each micro-batch (dicts
    of ``input_ids``, ``attention_mask`` and ``labels``, -100 where no token is predicted), then
    steps the optimizer once and clears the gradients. The step must equal one step on all the
    micro-batches' sentences as one batch, whose loss is the mean over all of its tokens. The
    micro-batches hold very different numbers of tokens, so a mean of per-micro-batch means fails.
    """
    import copy

    from transformers import BertConfig, BertForTokenClassification

    torch.manual_seed(0)
    model = BertForTokenClassification(
        BertConfig(
            vocab_size=40,
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=16,
            num_labels=3,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
        )
    )
    rng = random.Random(0)
    lengths = [[1, 2], [9, 8], [3, 1]]  # tokens per sentence in each micro-batch: 3, 17 and 4 targets
    sentences = [[[rng.randrange(1, 40) for _ in range(n)] for n in group] for group in lengths]
    labels = [[[rng.randrange(3) for _ in range(n)] for n in group] for group in lengths]
    micro_batches = [_padded(s, y, max(map(len, s))) for s, y in zip(sentences, labels)]
    whole = _padded(
        [r for s in sentences for r in s], [r for y in labels for r in y], max(n for g in lengths for n in g)
    )

    reference = copy.deepcopy(model)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.5)
    reference(**whole).loss.backward()
    optimizer.step()
    trained = copy.deepcopy(model)
    optimizer = torch.optim.SGD(trained.parameters(), lr=0.5)
    answer(trained, [dict(b) for b in micro_batches], optimizer)

    def step(after):
        return torch.cat([(a.detach() - b.detach()).flatten() for a, b in zip(after.parameters(), model.parameters())])

    gap = float((step(trained) - step(reference)).norm() / step(reference).norm())
    assert gap < 1e-4, (
        f"the step differs from one step on the whole batch (relative difference {gap:.2g}); divide each "
        "micro-batch's summed token loss by the target count of the whole group"
    )
    assert all(p.grad is None or not p.grad.any() for p in trained.parameters()), (
        "clear the gradients after the step (optimizer.zero_grad()), or the next step adds them up again"
    )
    return _ok("accumulation_step")


# --- 10 ---------------------------------------------------------------------------------------
def check_paragraph_checker(answer: Callable[[str, int], bool]) -> str:
    """Exercise 10.1: ``answer(reply, n)`` says whether ``reply`` has exactly ``n`` paragraphs split by blank lines."""
    cases = [
        ("One paragraph.", 1, True),
        ("First.\n\nSecond.", 2, True),
        ("First.\n\nSecond.", 1, False),
        ("First.\nstill first.\n\nSecond.", 2, True),
        ("First.\n   \nSecond.", 2, True),
        ("\n\nFirst.\n\nSecond.\n\n", 2, True),
        ("First.\n\n\n\nSecond.", 2, True),
        ("", 1, False),
        ("   \n\n  ", 1, False),
        ("A.\n\nB.\n\nC.", 3, True),
        ("A.\n\nB.\n\nC.", 2, False),
    ]
    for reply, n, expected in cases:
        got = answer(reply, n)
        assert bool(got) == expected, f"paragraphs({reply!r}, {n}) returned {got!r}, expected {expected}"
    return _ok("paragraph_checker")


def check_pass_at_k(answer: Callable[[int, int, int], float]) -> str:
    """Exercise 10.2: the unbiased pass@k estimate equals enumerating every subset of k of the n samples."""
    import itertools

    for n in range(1, 7):
        for c in range(n + 1):
            outcomes = [True] * c + [False] * (n - c)
            for k in range(1, n + 1):
                subsets = list(itertools.combinations(outcomes, k))
                direct = sum(any(s) for s in subsets) / len(subsets)
                got = answer(n, c, k)
                assert abs(got - direct) < 1e-9, (
                    f"estimate({n}, {c}, {k}) = {got!r}, expected {direct:.6f}: the "
                    "chance that k samples drawn without replacement hold a passing one"
                )
    from math import comb

    large = 1 - comb(197, 100) / comb(200, 100)
    assert abs(answer(200, 3, 100) - large) < 1e-9, (
        "estimate(200, 3, 100) is wrong: it must work for large n too "
        "(a ratio of binomial coefficients, not a list of subsets)"
    )
    return _ok("pass_at_k")
