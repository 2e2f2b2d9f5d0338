"""A PyTorch-tutorial-style training script — custom Dataset, DataLoader with shuffling, an
nn.Module subclass, SGD with two parameter groups and Nesterov momentum, OneCycleLR per
batch, clip_grad_norm_, a checkpoint and a resume — run side by side with PyTorch from the
same weights and the same batch order: the weights agree step for step."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import nn, optim
from tinygrad_mlp.data import DataLoader, Dataset
from tinygrad_mlp.nn.utils import clip_grad_norm_

torch = pytest.importorskip("torch")

N, D, C, BATCH, EPOCHS = 96, 6, 3, 16, 4


class Blobs(Dataset):
    """Three Gaussian blobs; items are (features float64 (D,), label int)."""

    def __init__(self):
        rng = np.random.default_rng(0)
        self.y = rng.integers(0, C, N)
        self.X = rng.standard_normal((N, D)) + 2.0 * np.eye(C, D)[self.y]

    def __len__(self):
        return N

    def __getitem__(self, i):
        return self.X[i], int(self.y[i])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(D, 16)
        self.out = nn.Linear(16, C)

    def forward(self, x):
        return self.out(self.hidden(x).tanh())


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(D, 16)
        self.out = torch.nn.Linear(16, C)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


def make(ours: bool, model, steps_per_epoch):
    lib = optim if ours else torch.optim
    sched_lib = optim.lr_scheduler if ours else torch.optim.lr_scheduler
    opt = lib.SGD([{"params": model.hidden.parameters()},
                   {"params": model.out.parameters(), "weight_decay": 0.0}],
                  lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
    sched = sched_lib.OneCycleLR(opt, max_lr=[0.5, 0.2], epochs=EPOCHS,
                                 steps_per_epoch=steps_per_epoch)
    return opt, sched


@pytest.mark.slow
def test_tutorial_script_matches_pytorch_step_for_step(tmp_path):
    ds = Blobs()
    loader = DataLoader(ds, batch_size=BATCH, shuffle=True, generator=np.random.default_rng(1))
    tmodel = TorchNet().double()
    model = Net().double()
    model.load_state_dict({k: v.detach().numpy() for k, v in tmodel.state_dict().items()})
    opt, sched = make(True, model, len(loader))
    topt, tsched = make(False, tmodel, len(loader))
    loss_fn, tloss_fn = nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    norms = []

    def train_epoch(model, opt, sched, tmodel, topt, tsched, batches):
        for xb, yb in batches:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            norms.append(clip_grad_norm_(model.parameters(), max_norm=0.5).item())
            opt.step()
            sched.step()
            topt.zero_grad()
            tloss = tloss_fn(tmodel(torch.from_numpy(xb.numpy())),
                             torch.from_numpy(yb.numpy()))
            tloss.backward()
            tnorm = torch.nn.utils.clip_grad_norm_(tmodel.parameters(), max_norm=0.5)
            topt.step()
            tsched.step()
            assert loss.item() == pytest.approx(tloss.item(), rel=1e-10)
            assert norms[-1] == pytest.approx(tnorm.item(), rel=1e-10)
            assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)

    for _ in range(2):
        train_epoch(model, opt, sched, tmodel, topt, tsched, list(loader))
    # checkpoint (no pickle), then resume into fresh objects
    tm.save({"model": model.state_dict(), "opt": opt.state_dict(),
             "sched": sched.state_dict()}, tmp_path / "ckpt.npz")
    ck = tm.load(tmp_path / "ckpt.npz")
    model2 = Net().double()
    model2.load_state_dict(ck["model"])
    opt2, sched2 = make(True, model2, len(loader))
    opt2.load_state_dict(ck["opt"])
    sched2.load_state_dict(ck["sched"])
    for _ in range(EPOCHS - 2):
        train_epoch(model2, opt2, sched2, tmodel, topt, tsched, list(loader))
    for name, p in model2.named_parameters():
        want = dict(tmodel.named_parameters())[name].detach().numpy()
        np.testing.assert_allclose(p.data, want, rtol=1e-9, atol=1e-12)
    assert max(norms) > 0.5  # clipping did happen
    acc = (model2(tm.Tensor(ds.X)).numpy().argmax(1) == ds.y).mean()
    assert acc > 0.8
