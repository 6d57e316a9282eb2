"""Hand-derived losses and gradients agree with PyTorch and with finite differences."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch.autograd.gradcheck import GradcheckError

from sftlab.theory import losses
from sftlab.theory.gradcheck import autograd_grad, finite_difference_grad, relative_error, with_hand_gradient

TOL = 1e-7


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(7, 4, generator=g, dtype=torch.float64) * 3, torch.tensor([0, 3, 1, 2, 2, 0, 1])


def test_sigmoid_is_stable_and_exact():
    z = torch.tensor([-800.0, -1.0, 0.0, 2.0, 800.0], dtype=torch.float64)
    assert torch.isfinite(losses.sigmoid(z)).all()
    assert relative_error(losses.sigmoid(z), torch.sigmoid(z)) < 1e-15


def test_bce_value_and_gradient():
    z = torch.tensor([-3.0, 0.5, 2.0, -0.1], dtype=torch.float64)
    y = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=torch.float64)

    def f(t):
        return losses.bce_with_logits(t, y)

    assert relative_error(f(z), F.binary_cross_entropy_with_logits(z, y)) < TOL
    assert relative_error(losses.bce_grad_logits(z, y), autograd_grad(f, z)) < TOL
    assert relative_error(losses.bce_grad_logits(z, y), finite_difference_grad(f, z)) < TOL
    assert torch.autograd.gradcheck(f, (z.clone().requires_grad_(),))


def test_bce_hand_computed():
    # one example, z = 0, y = 1: loss log 2, gradient sigma(0) - 1 = -0.5
    z, y = torch.tensor([0.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64)
    assert losses.bce_with_logits(z, y).item() == pytest.approx(math.log(2), abs=1e-15)
    assert losses.bce_grad_logits(z, y).item() == pytest.approx(-0.5, abs=1e-15)


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.3])
def test_cross_entropy_value_and_gradient(batch, alpha):
    z, y = batch

    def f(t):
        return losses.cross_entropy(t, y, alpha)

    assert relative_error(f(z), F.cross_entropy(z, y, label_smoothing=alpha)) < TOL
    assert relative_error(losses.cross_entropy_grad_logits(z, y, alpha), autograd_grad(f, z)) < TOL
    assert relative_error(losses.cross_entropy_grad_logits(z, y, alpha), finite_difference_grad(f, z)) < 1e-6


def test_cross_entropy_hand_computed():
    # logits (0, 0): p = (1/2, 1/2), loss log 2, gradient (1/2, -1/2) for y = 1
    z, y = torch.zeros(1, 2, dtype=torch.float64), torch.tensor([1])
    assert losses.cross_entropy(z, y).item() == pytest.approx(math.log(2))
    assert losses.cross_entropy_grad_logits(z, y).tolist() == [[0.5, -0.5]]


def test_log_sum_exp_survives_large_logits():
    z = torch.tensor([[1000.0, 999.0, 998.0]], dtype=torch.float64)
    assert torch.isnan(losses.naive_softmax(z)).any()
    assert torch.isfinite(losses.softmax(z)).all()
    assert relative_error(losses.cross_entropy(z, torch.tensor([2])), F.cross_entropy(z, torch.tensor([2]))) < 1e-12


def test_masked_token_loss_matches_ignore_index_and_ignores_padding():
    g = torch.Generator().manual_seed(1)
    z = torch.randn(2, 6, 5, generator=g, dtype=torch.float64)
    y = torch.tensor([[-100, 1, 2, -100, 0, -100], [-100, 4, -100, -100, -100, -100]])

    def f(t):
        return losses.masked_token_cross_entropy(t, y)

    assert relative_error(f(z), F.cross_entropy(z.view(-1, 5), y.view(-1), ignore_index=-100)) < TOL
    assert relative_error(losses.masked_token_cross_entropy_grad(z, y), autograd_grad(f, z)) < TOL
    padded_z = torch.cat([z, torch.randn(2, 10, 5, generator=g, dtype=torch.float64)], 1)
    padded_y = torch.cat([y, torch.full((2, 10), -100)], 1)
    assert losses.masked_token_cross_entropy(padded_z, padded_y).item() == pytest.approx(f(z).item(), abs=1e-15)
    assert losses.unmasked_token_cross_entropy(padded_z, padded_y).item() != pytest.approx(
        losses.unmasked_token_cross_entropy(z, y).item(), abs=1e-3
    )


def test_cross_entropy_kl_identity(batch):
    z, _ = batch
    g = torch.Generator().manual_seed(2)
    q = losses.softmax(torch.randn(7, 4, generator=g, dtype=torch.float64))
    p = losses.softmax(z)
    assert relative_error(-(q * torch.log(p)).sum(-1), losses.entropy(q) + losses.kl_divergence(q, p)) < TOL
    assert losses.kl_divergence(p, p).abs().max().item() < 1e-12
    assert losses.entropy(torch.tensor([1.0, 0.0], dtype=torch.float64)).item() == 0.0


def test_relative_error_and_finite_differences_basics():
    assert relative_error(torch.ones(3), torch.ones(3)) == 0.0
    x = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    assert relative_error(finite_difference_grad(lambda t: (t**3).sum(), x), 3 * x**2) < 1e-9


def test_softmax_is_accurate_in_float32_at_large_logits():
    z = torch.tensor([[1000.0, 999.0, 998.0]])
    reference = torch.softmax(z.double(), -1)

    def error(p):
        return ((p.double() - reference).abs() / reference).max().item()

    assert error(losses.softmax(z)) < 1e-6
    # the exp(z - logsumexp(z)) form loses digits: logsumexp(z) ~ 1000 carries its rounding error
    assert error(torch.exp(z - losses.logsumexp(z).unsqueeze(-1))) > 1e-6
    assert relative_error(losses.log_softmax(z).double(), torch.log(reference)) < 1e-6
    assert (
        relative_error(
            losses.cross_entropy(z, torch.tensor([2])).double(), F.cross_entropy(z.double(), torch.tensor([2]))
        )
        < 1e-6
    )


def test_log_softmax_matches_torch():
    z = torch.tensor([[1000.0, 999.0, -1000.0], [0.5, -2.0, 3.0]], dtype=torch.float64)
    assert relative_error(losses.log_softmax(z), F.log_softmax(z, -1)) < 1e-15


def test_masked_token_sum_is_mean_times_count():
    g = torch.Generator().manual_seed(3)
    z = torch.randn(2, 4, 3, generator=g, dtype=torch.float64)
    y = torch.tensor([[-100, 1, 2, 0], [0, -100, -100, -100]])
    summed = losses.masked_token_cross_entropy(z, y, reduction="sum")
    assert (
        relative_error(summed, F.cross_entropy(z.view(-1, 3), y.view(-1), ignore_index=-100, reduction="sum")) < 1e-15
    )
    assert relative_error(summed / 4, losses.masked_token_cross_entropy(z, y)) < 1e-15
    with pytest.raises(ValueError, match="reduction"):
        losses.masked_token_cross_entropy(z, y, reduction="none")


def test_gradcheck_of_a_hand_gradient_accepts_the_right_one_and_rejects_a_wrong_one():
    z = torch.tensor([-3.0, 0.5, 2.0, -0.1], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=torch.float64)

    def f(t):
        return losses.bce_with_logits(t, y)

    assert torch.autograd.gradcheck(with_hand_gradient(f, lambda t: losses.bce_grad_logits(t, y)), (z,))
    wrong = with_hand_gradient(f, lambda t: losses.sigmoid(t) - y)  # the mean's 1/N forgotten
    with pytest.raises(GradcheckError):
        torch.autograd.gradcheck(wrong, (z,))
