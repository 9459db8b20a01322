"""Training, latency measurement and the worker pool that evaluates genomes.

Every name is imported from its module on first use (``genomes.lazy``)."""

from genomes import lazy_exports

_EXPORTS = {
    "backends": ("BACKENDS", "make_pool"),
    "data": ("TrainingData", "as_model_input"),
    "devices": (
        "DeviceError",
        "available_cores",
        "available_cpus",
        "check_device",
        "latency_device",
        "resolve_slots",
        "worker_cores",
    ),
    "errors": ("EvaluationError",),
    "latency": (
        "DriftTracker",
        "LatencyStats",
        "calibrate",
        "measure_deployed",
        "measure_latency",
        "prime_drift",
        "reference_model",
    ),
    "optim": ("OPTIMIZERS", "SCHEDULES", "lr_factor"),
    "optional": ("MissingDependencyError", "import_optional", "onnx_missing"),
    "pool": ("LocalPool",),
    "processes": ("start_worker_server", "worker_processes"),
    "runtimes": (
        "RUNTIMES",
        "check_runtime",
        "deployed",
        "export_onnx",
        "export_program",
        "onnx_session",
    ),
    "pool_base": ("WorkerPool",),
    "probes": ("crash_trial", "noop_trial"),
    "scheduler": ("Slot", "SlotScheduler"),
    "trainer": ("TrainOutcome", "accuracy_of", "build_model", "train"),
    "trial": (
        "FINISHED",
        "TRAINED",
        "EpochReport",
        "TrialRequest",
        "TrialResult",
        "TrialStatus",
        "trial_seed",
    ),
    "settings": ("EvaluationSettings", "LatencySettings", "TrainSettings"),
    "worker": ("Reporter", "TrialFunction", "WorkerState", "evaluate_trial"),
}
__getattr__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(name for names in _EXPORTS.values() for name in names)
