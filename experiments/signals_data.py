"""A signal data set made here, seeded and documented, for the signal example and benchmark:
four classes of waveform (sine, square, chirp, pulse train) on C channels of L steps, each
sample with a random frequency within its class's band, a random phase (a random position
for pulses), a random amplitude, a per-channel phase lag and Gaussian noise, so that a class
is a shape, not a value at a step.

    python -m experiments.signals_data data/signals.npz [--samples 1200] [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

CLASSES = ("sine", "square", "chirp", "pulse")


def make_signals(
    samples: int = 1200, channels: int = 3, length: int = 128, noise: float = 0.6, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (samples x channels x length, float32) and ``y`` (class indices of CLASSES)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, length, endpoint=False)
    y = np.arange(samples) % len(CLASSES)
    x = np.empty((samples, channels, length), np.float32)
    for i, label in enumerate(y):
        frequency = rng.uniform(3.0, 9.0)
        phase = rng.uniform(0.0, 2 * np.pi)
        amplitude = rng.uniform(0.5, 1.5)
        for c in range(channels):
            lag = phase + c * rng.uniform(0.0, np.pi / 2)
            wave = _wave(CLASSES[label], t, frequency, lag, rng)
            x[i, c] = amplitude * wave + noise * rng.normal(size=length)
    order = rng.permutation(samples)
    return x[order], y[order]


def _wave(kind: str, t: np.ndarray, frequency: float, phase: float, rng) -> np.ndarray:  # noqa: ANN001
    if kind == "sine":
        return np.sin(2 * np.pi * frequency * t + phase)
    if kind == "square":
        return np.sign(np.sin(2 * np.pi * frequency * t + phase))
    if kind == "chirp":  # frequency rising across the window
        return np.sin(2 * np.pi * (0.5 * frequency * t + 1.5 * frequency * t**2) + phase)
    pulses = np.zeros_like(t)
    width = max(1, len(t) // 64)
    for start in rng.integers(0, len(t) - width, size=int(frequency) // 2 + 1):
        pulses[start : start + width] = 2.0
    return pulses - pulses.mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--samples", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    x, y = make_signals(args.samples, seed=args.seed)
    args.path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.path, x=x, y=y)
    print(f"{args.path}: {x.shape[0]} signals of {x.shape[1]} x {x.shape[2]}, classes {CLASSES}")


if __name__ == "__main__":
    main()
