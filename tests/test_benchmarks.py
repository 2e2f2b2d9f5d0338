"""The speed benchmarks: ``benchmarks/_bench.py``'s helpers, and each script's ``--quick`` run
(as ``python benchmarks/X.py`` in a subprocess) prints its machine header and tables whose
numbers parse (median inside [min–max])."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import _bench  # noqa: E402  (benchmarks/ is no package)

HEADER_KEYS = ("machine:", "kernel:", "Python:", "NumPy:", "PyTorch:", "env:", "date:")
# "  tinygrad_mlp   0.031 s [0.031–0.031]   1.67  5.2e-08": side, median, unit, min, max, rest
ROW = re.compile(r"^  (\S+(?: \(inpl\))?)\s+(\d+\.\d+) (s|µs) \[(\d+\.\d+)–(\d+\.\d+)\](.*)$",
                 re.M)


def run_script(name: str, *args: str, timeout: float = 120) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run([sys.executable, f"benchmarks/{name}", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def rows(out: str) -> dict[str, list[tuple]]:
    """Side → list of (median, min, max, the rest of the line), over all tables."""
    found: dict[str, list[tuple]] = {}
    for side, med, _unit, lo, hi, rest in ROW.findall(out):
        med, lo, hi = float(med), float(lo), float(hi)
        assert lo <= med <= hi, (side, med, lo, hi)
        found.setdefault(side, []).append((med, lo, hi, rest))
    return found


def check_header(out: str) -> None:
    for key in HEADER_KEYS:
        assert re.search(rf"^{re.escape(key)}", out, re.M), key
    for var in _bench.ENV_VARS:
        assert f"{var}=" in out


# ------------------------------------------------------------------ the helpers
def test_interleaved_rotates_the_starting_side():
    calls = []
    sides = {name: (lambda n=name: calls.append(n)) for name in "ABC"}
    times = _bench.interleaved(sides, repeats=4)
    assert "".join(calls) == "ABC" "BCA" "CAB" "ABC"
    assert set(times) == {"A", "B", "C"}
    assert all(len(t) == 4 and all(x >= 0 for x in t) for t in times.values())


def test_interleaved_times_each_call():
    import time

    times = _bench.interleaved({"slow": lambda: time.sleep(0.02), "fast": lambda: None}, 2)
    assert min(times["slow"]) >= 0.015 > max(times["fast"])


def test_summarize_and_fmt():
    assert _bench.summarize([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    assert _bench.summarize([4.0, 1.0, 2.0, 3.0]) == (2.5, 1.0, 4.0)
    assert _bench.fmt([0.61, 0.63, 0.66]) == "0.63 s [0.61–0.66]"
    assert _bench.fmt([2e-6, 3e-6], 1e6, "µs", 1) == "2.5 µs [2.0–3.0]"
    assert _bench.ratio([2.0, 4.0, 3.0], [1.0]) == 3.0


def test_machine_header_names_the_machine_and_the_thread_variables(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    header = _bench.machine_header()
    check_header(header)
    assert "OMP_NUM_THREADS=3" in header and "OPENBLAS_L2_SIZE=unset" in header
    assert f"os.cpu_count() = {os.cpu_count()}" in header


# -------------------------------------------------------------- the scripts, --quick
def test_overhead_quick():
    out = run_script("overhead.py", "--quick")
    check_header(out)
    found = rows(out)
    assert "chain of 200 elementwise ops" in out and "10,000-op chain" in out
    assert "(1,)" in out and "(32, 100)" in out
    # the chain rows hold all sides on one line, each "median unit [min–max]"
    chain_rows = re.findall(r"^  \((?:1,|32, 100)\)\s+(.*)$", out, re.M)
    assert len(chain_rows) == 2
    for line in chain_rows:
        cells = re.findall(r"(\d+\.\d+) µs \[(\d+\.\d+)–(\d+\.\d+)\]", line)
        assert len(cells) >= 2
        assert all(float(lo) <= float(med) <= float(hi) for med, lo, hi in cells)
    assert re.search(r"^  shape .*tm\.compile", out, re.M)  # the replayed chain's column
    assert "tinygrad_mlp" in found
    assert re.search(r"^  tm, collector paused +\d+\.\d+ s \[", out, re.M)
    if re.search(r"^PyTorch: +\d", out, re.M):  # then the long chain runs in own processes too
        assert len(re.findall(r"^  tm/torch +\d", out, re.M)) == 2 and "process of its own" in out


@pytest.mark.slow
def test_train_speed_quick(tmp_path):
    import json

    path = tmp_path / "out.json"
    out = run_script("train_speed.py", "--quick", "--json", str(path))
    check_header(out)
    assert "small batch: 784-100-10 sigmoid, SGD" in out
    assert "large batch: 784-512-256-10 relu, Adam" in out
    found = rows(out)
    for side in ("numpy", "numpy (inpl)", "tinygrad_mlp", "tm.compile"):
        assert len(found[side]) == 2, side  # one row per setting
        for *_, rest in found[side]:
            ratio, *dws = rest.split()  # max |Δw| vs numpy, and vs torch when installed
            float(ratio), [float(dw) for dw in dws]
    assert all(rest.split()[0] == "1.00" for *_, rest in found["numpy"])
    peak = re.findall(
        r"^  (numpy|numpy \(inpl\)|tinygrad_mlp|tm\.compile)\s+(\d+\.\d+)\s+(\d+\.\d+)$",
        out, re.M)
    assert [side for side, *_ in peak] == ["numpy", "numpy (inpl)", "tinygrad_mlp", "tm.compile"]
    assert all(float(mb) > 0 for _, mb, _ in peak)
    results = json.loads(path.read_text())
    assert set(results["settings"]) == {"small batch", "large batch"}
    assert set(results["peak_memory"]) == {"numpy", "numpy (inpl)", "tinygrad_mlp", "tm.compile"}


def test_peers_quick():
    out = run_script("peers.py", "--quick")
    check_header(out)
    for name in ("mygrad", "autograd", "dezero", "torch"):
        assert re.search(rf"^{name}:\s+\S", out, re.M), name  # a version or why not
    assert "chain of 200 ops on shape (1,)" in out and "the first 50 batches" in out
    found = rows(out)
    assert len(found["tinygrad_mlp"]) == 2  # the chain and the MLP
    assert all(rest.split()[0] == "1.00" for *_, rest in found["tinygrad_mlp"])
    for side, entries in found.items():
        for *_, rest in entries:
            ratio, diff = rest.split()
            assert float(ratio) > 0 and float(diff) < 1e-4, (side, rest)
