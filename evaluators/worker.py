"""One trial end to end (train, measure, serialise) and the loop a worker process runs."""

from __future__ import annotations

import dataclasses
import io
import os
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import torch

from evaluators.data import TrainingData
from evaluators.latency import DriftTracker, LatencySettings, measure_latency, prime_drift
from evaluators.trainer import TrainSettings, train
from evaluators.trial import TrialRequest, TrialResult, TrialStatus
from genomes import count_flops, count_params, genome_to_graph

STARTED = "started"
"""What a worker sends when it begins a trial."""


@dataclass(frozen=True, slots=True)
class EvaluationSettings:
    train: TrainSettings = TrainSettings()
    latency: LatencySettings = LatencySettings()


TrialFunction = Callable[
    [TrialRequest, TrainingData, "EvaluationSettings", "WorkerState", "int | None"], TrialResult
]
"""What a worker runs per trial; a module-level function so that it can be sent to a worker."""


@dataclass
class WorkerState:
    """What a worker keeps between trials: latencies by architecture hash (latency depends on
    the architecture only) and the reference network's recent timings."""

    latency_cache: dict[str, tuple[float, float]] = field(default_factory=dict)
    drift: DriftTracker = field(default_factory=DriftTracker)


def evaluate_trial(
    request: TrialRequest,
    data: TrainingData,
    settings: EvaluationSettings,
    state: WorkerState | None = None,
    worker: int | None = None,
) -> TrialResult:
    """Train and measure one genome; any exception becomes a FAILED result with its reason."""
    started = time.perf_counter()
    genome = request.genome
    try:
        graph = genome_to_graph(genome, data.problem)
        outcome = train(genome, data, settings.train, request.seed)
        state = state if state is not None else WorkerState()
        key = genome.architecture_hash()
        if key not in state.latency_cache:
            stats = measure_latency(
                outcome.model, data.problem.input_shape, settings.latency, state.drift
            )
            state.latency_cache[key] = (stats.latency_ms, stats.spread)
        latency_ms, spread = state.latency_cache[key]
        buffer = io.BytesIO()
        torch.save({k: v.cpu() for k, v in outcome.model.state_dict().items()}, buffer)
    except Exception as exc:  # noqa: BLE001 - every failure of a trial is recorded, not raised
        return TrialResult(
            request.trial_id,
            TrialStatus.FAILED,
            error=_describe(exc),
            seconds=time.perf_counter() - started,
            worker=worker,
        )
    finally:
        if settings.train.device.startswith("cuda"):
            torch.cuda.empty_cache()
    return TrialResult(
        trial_id=request.trial_id,
        status=TrialStatus.COMPLETE,
        val_accuracy=outcome.val_accuracy,
        latency_ms=latency_ms,
        latency_spread=spread,
        params=count_params(graph),
        flops=count_flops(graph),
        epochs=outcome.epochs,
        seconds=time.perf_counter() - started,
        curve=outcome.curve,
        worker=worker,
        weights=buffer.getvalue(),
    )


def worker_main(
    worker: int,
    device: str,
    core: int | None,
    data: TrainingData,
    settings: EvaluationSettings,
    evaluate: TrialFunction,
    connection: Connection,
) -> None:
    """Entry point of a worker process: one thread, pinned to ``core`` when given (so a latency
    measurement here never shares a core with another worker's training), data moved to its
    device once, then trials until ``None`` arrives. Each trial is announced with ``STARTED``
    before it runs, so the pool's timeout does not count start-up. Ctrl-C is left to the
    parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    torch.set_num_threads(1)
    settings = dataclasses.replace(
        settings, train=dataclasses.replace(settings.train, device=device)
    )
    data = data.to(device)
    state = WorkerState()
    if settings.latency.reference_ms is not None:
        prime_drift(state.drift, data.problem.input_shape, settings.latency)
    while (request := connection.recv()) is not None:
        connection.send(STARTED)
        connection.send(evaluate(request, data, settings, state, worker))


def _describe(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {os.path.basename(frame.filename)}:{frame.lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"
