"""The GPU check script as a dry run on the CPU: a real tiny search, the bf16 on/off training
and the latency at two batch sizes, end to end through ``python -m experiments.gpu_check``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXPECTED_LINES = (
    "gpu_check on cpu",
    "search: 4 trials, 0 failed",
    "gpu utilisation: n/a",
    "epoch time, bf16 off:",
    "epoch time, bf16 on:",
    "latency, batch 1:",
    "latency, batch 64:",
    "result: ok",
)


@pytest.mark.slow
def test_gpu_check_runs_end_to_end_on_the_cpu(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "experiments.gpu_check", "--device", "cpu"]
    command += ["--budget", "4", "--max-epochs", "1", "--out", str(tmp_path)]
    proc = subprocess.run(
        command,
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}: {proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    )
    lines = proc.stdout.splitlines()
    for expected in EXPECTED_LINES:
        assert any(line.startswith(expected) for line in lines), f"{expected!r} not in {lines}"
    assert (tmp_path / "report.txt").read_text().splitlines() == lines[-len(EXPECTED_LINES) :]
    assert "trials/hour" in next(line for line in lines if line.startswith("search:"))


def test_gpu_check_refuses_a_device_that_is_not_here(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "experiments.gpu_check", "--device", "cuda:99"]
    proc = subprocess.run(
        [*command, "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "`--device` entry 'cuda:99' is not available here" in proc.stderr, proc.stderr
