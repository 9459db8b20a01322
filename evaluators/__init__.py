"""Training, latency measurement and the worker pool that evaluates genomes."""

from evaluators.backends import BACKENDS, make_pool
from evaluators.data import TrainingData, as_model_input
from evaluators.devices import (
    DeviceError,
    available_cores,
    available_cpus,
    check_device,
    latency_device,
    resolve_slots,
    worker_cores,
)
from evaluators.errors import EvaluationError
from evaluators.latency import (
    DriftTracker,
    LatencySettings,
    LatencyStats,
    calibrate,
    measure_latency,
    prime_drift,
    reference_model,
)
from evaluators.optim import OPTIMIZERS, SCHEDULES, lr_factor
from evaluators.optional import MissingDependencyError, import_optional
from evaluators.pool import LocalPool
from evaluators.pool_base import WorkerPool
from evaluators.probes import crash_trial, noop_trial
from evaluators.scheduler import Slot, SlotScheduler
from evaluators.trainer import TrainOutcome, TrainSettings, accuracy_of, build_model, train
from evaluators.trial import (
    FINISHED,
    TRAINED,
    EpochReport,
    TrialRequest,
    TrialResult,
    TrialStatus,
    trial_seed,
)
from evaluators.worker import (
    EvaluationSettings,
    Reporter,
    TrialFunction,
    WorkerState,
    evaluate_trial,
)

__all__ = [
    "EpochReport",
    "FINISHED",
    "TRAINED",
    "BACKENDS",
    "MissingDependencyError",
    "import_optional",
    "make_pool",
    "OPTIMIZERS",
    "SCHEDULES",
    "Slot",
    "SlotScheduler",
    "EvaluationError",
    "DeviceError",
    "DriftTracker",
    "EvaluationSettings",
    "LatencySettings",
    "LatencyStats",
    "LocalPool",
    "TrainOutcome",
    "TrainSettings",
    "TrainingData",
    "as_model_input",
    "TrialRequest",
    "TrialResult",
    "TrialStatus",
    "TrialFunction",
    "Reporter",
    "WorkerPool",
    "WorkerState",
    "accuracy_of",
    "available_cores",
    "available_cpus",
    "build_model",
    "calibrate",
    "check_device",
    "evaluate_trial",
    "latency_device",
    "lr_factor",
    "measure_latency",
    "noop_trial",
    "prime_drift",
    "crash_trial",
    "reference_model",
    "resolve_slots",
    "train",
    "trial_seed",
    "worker_cores",
]
