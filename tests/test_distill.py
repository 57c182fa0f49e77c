"""Distillation: the student's size, the loss against a hand computation, the callback on a tiny learner."""
from pathlib import Path
import pytest, torch, torch.nn as nn
from fastai.vision.all import DataLoaders, Learner
import catdog
from catdog.distill import KnowledgeDistillation, distill_loss, student_config
from catdog.models import CatDogNet, n_params

ROOT = Path(__file__).resolve().parents[1]


def test_student_has_at_most_half_the_parameters():
    "The student architecture and the shipped student have ≤ 0.5× the parameters of the teacher (the shipped robust model)."
    assert n_params(CatDogNet(student_config())) <= 0.5 * n_params(CatDogNet())
    assert n_params(catdog.load_model('student')) <= 0.5 * n_params(catdog.load_model('robust'))


def test_loss_by_hand():
    "distill_loss equals α·T²·KL(teacher‖student) + (1−α)·CE written out by hand."
    s, t, y = torch.tensor([[2., 0.], [0., 1.], [1., 1.]]), torch.tensor([[1., 0.], [0., 3.], [-1., 2.]]), torch.tensor([0, 1, 1])
    T, a = 2.5, 0.3
    ps, pt = (s / T).softmax(1), (t / T).softmax(1)
    kl = (pt * (pt / ps).log()).sum(1).mean()
    ce = -s.log_softmax(1)[torch.arange(3), y].mean()
    assert torch.isclose(distill_loss(s, t, y, T, a), a * T * T * kl + (1 - a) * ce, atol=1e-6)


class _Tiny(nn.Module):
    "A linear model on 3×4×4 inputs."
    def __init__(self):
        "One linear layer, 48 inputs to 2 logits."
        super().__init__(); self.l = nn.Linear(48, 2)
    def forward(self, x):
        "Logits of the flattened input."
        return self.l(x.flatten(1))


def test_callback_loss_and_frozen_teacher(monkeypatch):
    "On a tiny learner (float32: no bf16 autocast) the callback's loss is distill_loss of student and teacher, and the teacher never changes."
    monkeypatch.setenv('CATDOG_BF16', '0')   # bf16 teacher logits would differ from float32 ones by about 1e-2
    torch.manual_seed(0)
    x, y = torch.rand(16, 3, 4, 4), torch.randint(0, 2, (16,))
    dls = DataLoaders.from_dsets(list(zip(x, y)), list(zip(x, y)), bs=8)
    teacher = _Tiny(); before = [p.clone() for p in teacher.parameters()]
    cb = KnowledgeDistillation(teacher, T=3., alpha=0.5)
    learn = Learner(dls, _Tiny(), loss_func=nn.CrossEntropyLoss(), cbs=cb)
    learn.fit(1, 0.01)
    assert all(torch.equal(a, b) for a, b in zip(before, teacher.parameters())) and not teacher.training
    xb, yb = dls.train.one_batch()
    learn.xb, learn.yb = (xb,), (yb,)
    cb.before_batch(); learn.pred = learn.model(xb); cb.after_loss()
    with torch.no_grad(): want = distill_loss(learn.model(xb), teacher(xb), yb, 3., 0.5)
    assert torch.isclose(learn.loss_grad, want, rtol=1e-5, atol=1e-6)
    assert cb.run_valid is False
