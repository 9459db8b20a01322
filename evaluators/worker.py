"""One trial end to end (train, measure, serialise) and the loop a worker process runs."""

from __future__ import annotations

import io
import os
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Protocol

import torch

from evaluators.data import TrainingData
from evaluators.latency import DriftTracker, measure_latency, prime_drift
from evaluators.settings import EvaluationSettings
from evaluators.trainer import build_model, train
from evaluators.trial import EpochReport, TrialRequest, TrialResult, TrialStatus
from genomes import Genome, count_flops, count_params, count_weight_bytes, genome_to_graph

STARTED = "started"
"""What a worker sends when it begins a trial."""
REPORT = "report"
"""The tag of a worker's per-epoch report: (REPORT, EpochReport)."""


TrialFunction = Callable[
    [TrialRequest, TrainingData, "EvaluationSettings", "WorkerState", "int | None"], TrialResult
]
"""What a worker runs per trial; a module-level function so that it can be sent to a worker."""


class Reporter(Protocol):
    """Where epochs are reported (a pruner): ``report`` answers whether the trial goes on;
    ``record`` is told every finished trial (its whole curve), so the answers can learn."""

    def report(self, report: EpochReport) -> bool: ...

    def record(self, result: TrialResult) -> None: ...


@dataclass
class WorkerState:
    """What a worker keeps between trials: latencies by architecture hash (latency depends on
    the architecture only), the reference network's recent timings, and where to report
    each epoch (a pruner), if anywhere."""

    latency_cache: dict[str, tuple[float, float]] = field(default_factory=dict)
    drift: DriftTracker = field(default_factory=DriftTracker)
    report: Callable[[EpochReport], bool] | None = None


def evaluate_trial(
    request: TrialRequest,
    data: TrainingData,
    settings: EvaluationSettings,
    state: WorkerState | None = None,
    worker: int | None = None,
) -> TrialResult:
    """Measure and train one genome; any exception becomes a FAILED result with its reason.

    Latency comes first (an untrained network is as fast as a trained one), so that every
    epoch's report to a pruner carries both objectives. A trial its pruner stops is PRUNED,
    with its best weights and partial curve."""
    started = time.perf_counter()
    genome = request.genome
    state = state if state is not None else WorkerState()
    try:
        graph = genome_to_graph(genome, data.problem)
        params, flops, weight_bytes = (
            count_params(graph),
            count_flops(graph),
            count_weight_bytes(graph),
        )
        latency_ms, spread = _latency(genome, data, settings, state)
        on_epoch = None
        if state.report is not None:
            report = state.report

            def on_epoch(epoch: int, accuracy: float) -> bool:
                return report(
                    EpochReport(
                        request.trial_id, epoch, accuracy, latency_ms, params, flops, weight_bytes
                    )
                )

        outcome = train(genome, data, settings.train, request.seed, on_epoch)
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
        status=TrialStatus.PRUNED if outcome.stopped_by_callback else TrialStatus.COMPLETE,
        val_accuracy=outcome.val_accuracy,
        latency_ms=latency_ms,
        latency_spread=spread,
        params=params,
        flops=flops,
        weight_bytes=weight_bytes,
        epochs=outcome.epochs,
        seconds=time.perf_counter() - started,
        curve=outcome.curve,
        worker=worker,
        weights=buffer.getvalue(),
    )


def _latency(
    genome: Genome, data: TrainingData, settings: EvaluationSettings, state: WorkerState
) -> tuple[float, float]:
    key = genome.architecture_hash()
    if key not in state.latency_cache:
        with torch.random.fork_rng(devices=[]):
            model = build_model(genome, data)
        stats = measure_latency(model, data.problem.input_shape, settings.latency, state.drift)
        state.latency_cache[key] = (stats.latency_ms, stats.spread)
    return state.latency_cache[key]


def worker_main(
    worker: int,
    device: str,
    core: int | None,
    data: TrainingData,
    settings: EvaluationSettings,
    evaluate: TrialFunction,
    connection: Connection,
    pruning: bool = False,
) -> None:
    """Entry point of a worker process: one thread, pinned to ``core`` when given (so a latency
    measurement here never shares a core with another worker's training, and a GPU worker's
    dispatch never waits for another's), settings for its slot (``on_device``) and data moved
    to its device once, then trials until ``None`` arrives. Each trial is announced with
    ``STARTED`` before it runs, so the pool's timeout does not count start-up; with
    ``pruning`` each epoch is reported to the pool, which answers whether to go on. Ctrl-C is
    left to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    torch.set_num_threads(1)
    limit_memory(settings.memory_limit_mb)
    settings = settings.on_device(device)
    data = data.to(device)
    state = WorkerState()
    if pruning:

        def ask(report: EpochReport) -> bool:
            connection.send((REPORT, report))
            return bool(connection.recv())

        state.report = ask
    if settings.latency.reference_ms is not None:
        prime_drift(state.drift, data.problem.input_shape, settings.latency)
    while (request := connection.recv()) is not None:
        connection.send(STARTED)
        connection.send(evaluate(request, data, settings, state, worker))
    connection.close()
    # returning lets multiprocessing end the process: its finalizers run (they unlink the
    # semaphore tqdm makes inside an ONNX export), and a forked worker skips module teardown


def limit_memory(megabytes: int | None) -> None:
    """Cap this process's data segment (heap and private mappings; data shared from the
    parent does not count), so that allocations past it fail inside the trial."""
    if megabytes is not None:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


_OUT_OF_MEMORY = ("can't allocate memory", "out of memory")


def _describe(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {os.path.basename(frame.filename)}:{frame.lineno})" if frame else ""
    text = f"{type(exc).__name__}: {exc}{where}"
    if isinstance(exc, MemoryError) or any(s in str(exc).lower() for s in _OUT_OF_MEMORY):
        return f"out of memory: {text}"
    return text
