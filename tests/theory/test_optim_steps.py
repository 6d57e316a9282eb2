"""Hand-written Adam (L2) and AdamW steps match torch.optim step for step, and differ from each other."""

from __future__ import annotations

import pytest
import torch

from sftlab.theory.gradcheck import relative_error
from sftlab.theory.optim_steps import adam_state, adam_step


def loss_fn(theta):
    return (
        (theta - torch.arange(theta.numel(), dtype=theta.dtype)) ** 2
        * torch.linspace(0.1, 10, theta.numel(), dtype=theta.dtype)
    ).sum()


@pytest.mark.parametrize("decoupled,optimizer_class", [(False, torch.optim.Adam), (True, torch.optim.AdamW)])
def test_matches_torch(decoupled, optimizer_class):
    theta = torch.linspace(-1, 1, 6, dtype=torch.float64)
    reference = theta.clone().requires_grad_(True)
    optimizer = optimizer_class([reference], lr=0.05, weight_decay=0.3)
    state = adam_state(theta)
    for _ in range(30):
        t = theta.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(t), t)
        theta = adam_step(theta, grad, state, lr=0.05, weight_decay=0.3, decoupled=decoupled)
        optimizer.zero_grad()
        loss_fn(reference).backward()
        optimizer.step()
        assert relative_error(theta, reference.detach()) < 1e-10


def test_l2_and_decoupled_decay_differ_under_adam():
    results = []
    for decoupled in (False, True):
        theta = torch.ones(6, dtype=torch.float64)
        state = adam_state(theta)
        for _ in range(50):
            t = theta.clone().requires_grad_(True)
            (grad,) = torch.autograd.grad(loss_fn(t), t)
            theta = adam_step(theta, grad, state, lr=0.05, weight_decay=0.5, decoupled=decoupled)
        results.append(theta)
    assert relative_error(results[0], results[1]) > 1e-2


def test_no_decay_makes_them_identical():
    results = []
    for decoupled in (False, True):
        theta = torch.ones(4, dtype=torch.float64)
        state = adam_state(theta)
        for _ in range(10):
            theta = adam_step(theta, 2 * theta, state, lr=0.1, weight_decay=0.0, decoupled=decoupled)
        results.append(theta)
    assert torch.equal(results[0], results[1])


@pytest.mark.parametrize("decoupled,optimizer_class", [(False, torch.optim.Adam), (True, torch.optim.AdamW)])
def test_decay_mask_matches_a_no_decay_parameter_group(decoupled, optimizer_class):
    theta = torch.linspace(-1, 1, 6, dtype=torch.float64)
    weights, bias = theta[:-1].clone().requires_grad_(True), theta[-1:].clone().requires_grad_(True)
    optimizer = optimizer_class(
        [{"params": [weights], "weight_decay": 0.3}, {"params": [bias], "weight_decay": 0.0}], lr=0.05
    )
    mask = torch.tensor([1.0, 1, 1, 1, 1, 0], dtype=torch.float64)
    state = adam_state(theta)
    for _ in range(30):
        t = theta.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(loss_fn(t), t)
        theta = adam_step(theta, grad, state, lr=0.05, weight_decay=0.3, decoupled=decoupled, decay_mask=mask)
        optimizer.zero_grad()
        loss_fn(torch.cat([weights, bias])).backward()
        optimizer.step()
        assert relative_error(theta, torch.cat([weights, bias]).detach()) < 1e-10


def test_an_undecayed_entry_moves_as_without_decay():
    runs = []
    for mask, decay in ((torch.tensor([1.0, 0.0], dtype=torch.float64), 0.5), (None, 0.0)):
        theta, state = torch.ones(2, dtype=torch.float64), adam_state(torch.ones(2, dtype=torch.float64))
        for _ in range(10):
            theta = adam_step(theta, 2 * theta, state, lr=0.1, weight_decay=decay, decoupled=True, decay_mask=mask)
        runs.append(theta)
    assert runs[0][1] == runs[1][1] and runs[0][0] != runs[1][0]
