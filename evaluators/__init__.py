"""Training, latency measurement and the worker pool that evaluates genomes."""

from evaluators.data import TrainingData
from evaluators.devices import DeviceError, available_cores, available_cpus, resolve_slots
from evaluators.errors import EvaluationError
from evaluators.latency import (
    LatencySettings,
    LatencyStats,
    calibrate,
    measure_latency,
    reference_model,
)
from evaluators.optim import OPTIMIZERS, SCHEDULES, lr_factor
from evaluators.pool import LocalPool
from evaluators.probes import noop_trial
from evaluators.scheduler import Slot, SlotScheduler
from evaluators.trainer import TrainOutcome, TrainSettings, accuracy_of, build_model, train
from evaluators.trial import TrialRequest, TrialResult, TrialStatus, trial_seed
from evaluators.worker import EvaluationSettings, TrialFunction, evaluate_trial

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "Slot",
    "SlotScheduler",
    "EvaluationError",
    "DeviceError",
    "EvaluationSettings",
    "LatencySettings",
    "LatencyStats",
    "LocalPool",
    "TrainOutcome",
    "TrainSettings",
    "TrainingData",
    "TrialRequest",
    "TrialResult",
    "TrialStatus",
    "TrialFunction",
    "accuracy_of",
    "available_cores",
    "available_cpus",
    "build_model",
    "calibrate",
    "evaluate_trial",
    "lr_factor",
    "measure_latency",
    "noop_trial",
    "reference_model",
    "resolve_slots",
    "train",
    "trial_seed",
]
