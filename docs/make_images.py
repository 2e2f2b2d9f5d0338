"""Regenerate the pictures in docs/images/.

    python docs/make_images.py                     # everything (the examples take minutes)
    python docs/make_images.py graphs curves       # some: graphs curves activations examples
    python docs/make_images.py examples --quick    # the examples' pictures from their --quick runs

``graphs``, ``curves`` and ``activations`` draw with the library directly (seconds);
``examples`` runs each script in examples/ and copies the pictures the gallery
shows. Needs the ``viz`` and ``data`` extras and Graphviz's ``dot`` program. Every
run is seeded, so the pictures change only when the code does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import metrics, nn, optim, viz
from tinygrad_mlp.data import DataLoader, load_digits, train_test_split
from tinygrad_mlp.train import fit, predict

IMAGES = Path(__file__).resolve().parent / "images"
EXAMPLES = IMAGES.parent.parent / "examples"
#: example script -> {picture it writes: name in docs/images}
EXAMPLE_PICTURES = {
    "xor": {"loss.png": "example_xor_loss.png"},
    "nielsen_sgd": {"test_accuracy.png": "example_nielsen_sgd_accuracy.png"},
    "mnist_mlp": {"misclassified.png": "example_mnist_mlp_misclassified.png",
                  "cost.png": "example_mnist_mlp_cost.png"},
    "digits_grid": {"grid_ours.png": "example_digits_grid_ours.png",
                    "grid_literal.png": "example_digits_grid_literal.png"},
    "scipy_tnc": {"hidden_units.png": "example_scipy_tnc_hidden_units.png"},
    "fashion_mnist": {"history.png": "example_fashion_mnist_history.png",
                      "confusion.png": "example_fashion_mnist_confusion.png"},
}


def _save_graph(dot, stem: str) -> None:
    """SVG (sharp, for the browser) and PNG (for viewers without SVG), at a modest size."""
    dot.attr(dpi="72")
    for fmt in ("svg", "png"):
        path = viz.render_graph(dot, IMAGES / f"{stem}.{fmt}")
        print(f"wrote {path.relative_to(IMAGES.parent.parent)}")


def graphs() -> None:
    """The mock-up's 4 → 3 → 2 MLP, and a deeper saturated sigmoid net for the BP page."""
    tm.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
    with tm.no_grad():  # large first-layer weights push some hidden units into saturation
        model[0].weight.data *= 8
    rng = np.random.default_rng(1)
    x = tm.Tensor(rng.standard_normal((5, 4)), dtype=np.float32, name="x")
    labels = rng.integers(0, 2, size=5)
    loss = F.cross_entropy(model(x), labels)
    loss.backward(retain_graph=True)  # keep the graph so it can still be drawn
    dot = viz.draw_graph(loss, params=model, group_modules=model, color_by_grad=True,
                         saturation=True, title="4 → 3 → 2 sigmoid MLP, cross-entropy loss")
    _save_graph(dot, "mlp_graph")

    tm.manual_seed(3)
    deep = nn.Sequential(nn.Linear(6, 5), nn.Sigmoid(), nn.Linear(5, 5), nn.Sigmoid(),
                         nn.Linear(5, 3))
    for layer in (deep[0], deep[2]):
        nn.init.normal_(layer.weight, 0.0, 3.0)  # N(0, 9): many units saturate
    X = tm.Tensor(np.random.default_rng(3).standard_normal((8, 6)), dtype=np.float32, name="x")
    y = np.random.default_rng(4).integers(0, 3, size=8)
    loss = F.cross_entropy(deep(X), y)
    loss.backward(retain_graph=True)
    dot = viz.draw_graph(loss, params=deep, group_modules=deep, color_by_grad=True,
                         title="saturated sigmoids: δ shrinks by σ′ on the way back (BP2)")
    _save_graph(dot, "saturation_graph")


def _digits():
    X, y = load_digits()
    return train_test_split(X, y, test_size=0.2, seed=0)


def curves() -> None:
    """Training curves and the confusion matrix of a digits MLP (Getting started)."""
    X_train, X_test, y_train, y_test = _digits()
    tm.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 50), nn.Sigmoid(), nn.Linear(50, 10))
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                  DataLoader(X_train, y_train, batch_size=32, shuffle=True, seed=0),
                  epochs=20, val_data=(X_test, y_test), progress=False)
    curves = {k: history[k] for k in ("loss", "val_loss", "accuracy", "val_accuracy")}
    viz.plot_history(curves, path=IMAGES / "training_curves.png")
    pred = predict(model, X_test).argmax(axis=1)
    viz.plot_confusion_matrix(metrics.confusion_matrix(y_test, pred),
                              path=IMAGES / "confusion.png")
    print(f"digits MLP: test accuracy {metrics.accuracy(y_test, pred):.3f}")


def activations() -> None:
    viz.plot_activations(path=IMAGES / "activations.png")


def examples(quick: bool = False) -> None:
    """Run every example (in a temporary folder) and copy the pictures the gallery shows."""
    for script, pictures in EXAMPLE_PICTURES.items():
        with tempfile.TemporaryDirectory() as out:
            cmd = [sys.executable, str(EXAMPLES / f"{script}.py"), "--out", out]
            cmd += ["--quick"] if quick else []
            print(f"running examples/{script}.py" + (" --quick" if quick else ""))
            subprocess.run(cmd, check=True, cwd=out, stdout=subprocess.DEVNULL)
            for made, name in pictures.items():
                if (Path(out) / made).is_file():
                    shutil.copyfile(Path(out) / made, IMAGES / name)
                    print(f"wrote docs/images/{name}")
                else:
                    print(f"{script}.py did not write {made}", file=sys.stderr)




def steps() -> None:
    """backward_steps on a 3 → 4 → 2 sigmoid net: one frame and the GIF for bp-equations.md."""
    tm.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2))
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    loss = F.cross_entropy(model(x), np.array([0, 1, 1, 0, 1]))
    with tempfile.TemporaryDirectory() as folder:
        r = viz.backward_steps(loss, folder, params=model, rankdir="TB")
        shutil.copy(r["frames"][2], IMAGES / "backward_step.png")
        shutil.copy(r["gif"], IMAGES / "backward_steps.gif")
    print("wrote backward_step.png, backward_steps.gif")


def toys() -> None:
    """The decision boundary of the spirals and the sigmoid-vs-ReLU grad flow."""
    sys.path.insert(0, str(EXAMPLES))
    from _common import load_example

    with tempfile.TemporaryDirectory() as folder:
        load_example("toy_2d").main(["--out", folder, "--only", "spirals"])
        from PIL import Image

        Image.open(Path(folder) / "spirals_boundary.png").convert("RGB").quantize(64).save(
            IMAGES / "example_toy_2d_spirals.png", optimize=True)  # a palette: < 200 kB
        load_example("depth_demo").main(["--out", folder])
        for act in ("sigmoid", "relu"):
            shutil.copy(Path(folder) / f"{act}_grad_flow.png",
                        IMAGES / f"example_depth_demo_{act}_grad_flow.png")


MAKERS = {"graphs": graphs, "curves": curves, "activations": activations, "examples": examples,
          "steps": steps, "toys": toys}


def main(argv: list[str]) -> None:
    import argparse

    p = argparse.ArgumentParser(prog="make_images.py", description=__doc__.splitlines()[0],
                                epilog="picture sets: " + ", ".join(MAKERS))
    p.add_argument("sets", nargs="*", choices=[[]] + list(MAKERS), metavar="SET",
                   help=f"which pictures to redraw: {', '.join(MAKERS)} (default: all)")
    p.add_argument("--quick", action="store_true",
                   help="the examples' pictures from their --quick runs (seconds, not minutes)")
    args = p.parse_args(argv)
    IMAGES.mkdir(exist_ok=True)
    for name in args.sets or list(MAKERS):
        if name == "examples":
            examples(args.quick)
        else:
            MAKERS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
