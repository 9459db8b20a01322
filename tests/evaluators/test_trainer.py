from __future__ import annotations

import pytest
import torch

from evaluators import (
    OPTIMIZERS,
    SCHEDULES,
    EvaluationError,
    EvaluationSettings,
    LatencySettings,
    TrainSettings,
    TrialRequest,
    TrialStatus,
    accuracy_of,
    evaluate_trial,
    lr_factor,
    measure_latency,
    train,
)
from genomes import OPTIMIZERS as OPTIMIZER_NAMES
from genomes import SCHEDULES as SCHEDULE_NAMES
from genomes import Genome, layer_gene, train_gene
from tests.devices import DEVICES


def _genome(
    lr: float = 3e-3,
    epochs: int = 30,
    optimizer: str = "adam",
    schedule: str = "constant",
    augment: bool = False,
) -> Genome:
    return Genome(
        "mlp",
        (layer_gene("mlp", width=16, activation="relu", norm="batch"),),
        train_gene(
            optimizer=optimizer,
            lr=lr,
            batch_size=16,
            weight_decay=1e-5,
            schedule=schedule,
            max_epochs=epochs,
            augment=augment,
        ),
    )


def test_registries_cover_the_genome_vocabulary() -> None:
    assert set(OPTIMIZERS.names()) == set(OPTIMIZER_NAMES)
    assert set(SCHEDULES.names()) == set(SCHEDULE_NAMES)


@pytest.mark.parametrize("schedule", SCHEDULE_NAMES)
def test_schedules_warm_up_then_stay_within_the_base_rate(schedule: str) -> None:
    factors = [lr_factor(schedule, step, 100, 10) for step in range(100)]
    assert factors[0] == pytest.approx(0.1), "warm-up should start at 1/warmup_steps"
    assert factors[9] == pytest.approx(1.0)
    assert all(0.0 <= f <= 1.0 + 1e-9 for f in factors)
    if schedule != "constant":
        assert factors[-1] < 0.5, f"{schedule} should decay by the end"


@pytest.mark.parametrize("device", DEVICES)
def test_early_stopping_stops_and_restores_the_best_weights(tiny_data, device: str) -> None:
    data = tiny_data.to(device)
    settings = TrainSettings(max_epochs=60, patience=2, device=device)
    outcome = train(_genome(), data, settings, seed=0)
    assert outcome.epochs < 60, "patience 2 should stop long before 60 epochs on easy data"
    assert outcome.epochs == len(outcome.curve)
    assert outcome.val_accuracy == max(outcome.curve)
    restored = accuracy_of(outcome.model, data.x_val, data.y_val)
    assert restored == pytest.approx(outcome.val_accuracy), "best weights were not restored"


@pytest.mark.parametrize("device", DEVICES)
def test_training_is_deterministic_for_a_seed_whatever_ran_before(tiny_data, device: str) -> None:
    layer = layer_gene("mlp", width=16, activation="relu", dropout=0.5)
    dropout = Genome("mlp", (layer,), _genome(epochs=3).train)
    data, settings = tiny_data.to(device), TrainSettings(device=device)
    a = train(dropout, data, settings, seed=11)
    torch.rand(100, device=device)  # a worker's global random state moves between trials
    b = train(dropout, data, settings, seed=11)
    assert a.curve == b.curve, "same genome and seed gave different curves"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_every_optimizer_and_augmentation_trains(tiny_data, optimizer: str, device: str) -> None:
    outcome = train(
        _genome(epochs=2, optimizer=optimizer, schedule="onecycle", augment=True),
        tiny_data.to(device),
        TrainSettings(device=device),
        seed=0,
    )
    assert outcome.epochs == 2 and 0.0 <= outcome.val_accuracy <= 1.0


@pytest.mark.parametrize("device", DEVICES)
def test_a_cnn_trains_with_mixed_precision(tiny_data, device: str) -> None:
    """bf16 autocast and channels-last on CUDA; on the CPU the flag is ignored."""
    layer = layer_gene("cnn", width=4, activation="relu", kernel_size=3, downsample="stride")
    cnn = Genome("cnn", (layer,), _genome(epochs=2).train)
    settings = TrainSettings(device=device, mixed_precision=True)
    outcome = train(cnn, tiny_data.to(device), settings, seed=0)
    assert outcome.epochs == 2 and 0.0 <= outcome.val_accuracy <= 1.0
    assert all(p.dtype == torch.float32 for p in outcome.model.parameters()), "weights stay fp32"


def test_epoch_callback_can_stop_a_trial(tiny_data) -> None:
    seen = []
    outcome = train(
        _genome(epochs=10),
        tiny_data,
        TrainSettings(patience=10),
        seed=0,
        on_epoch=lambda epoch, acc: seen.append(epoch) or epoch < 3,
    )
    assert seen == [1, 2, 3] and outcome.stopped_by_callback and outcome.epochs == 3


@pytest.mark.parametrize("device", DEVICES)
def test_non_finite_loss_raises_and_becomes_a_failed_trial(tiny_data, device: str) -> None:
    exploding = _genome(lr=1e12, optimizer="sgd")
    data, settings = tiny_data.to(device), EvaluationSettings().on_device(device)
    with pytest.raises(EvaluationError, match="non-finite training loss"):
        train(exploding, data, settings.train, seed=0)
    result = evaluate_trial(TrialRequest(7, exploding, 0), data, settings)
    assert result.status is TrialStatus.FAILED
    assert "non-finite training loss" in result.error
    assert result.trial_id == 7 and result.weights is None


@pytest.mark.parametrize("device", DEVICES)
def test_completed_trial_carries_metrics_and_loadable_weights(tiny_data, device: str) -> None:
    import io

    settings = EvaluationSettings(latency=LatencySettings(device=device)).on_device(device)
    result = evaluate_trial(TrialRequest(1, _genome(epochs=2), 0), tiny_data.to(device), settings)
    assert result.status is TrialStatus.COMPLETE, result.error
    assert result.latency_ms > 0 and result.params > 0 and result.flops > 0
    state = torch.load(io.BytesIO(result.weights), weights_only=True)
    assert "normalize.mean" in state and "head.weight" in state


@pytest.mark.parametrize("device", DEVICES)
def test_latency_is_positive_and_larger_for_a_larger_network(device: str) -> None:
    small = torch.nn.Linear(8, 8)
    # 250,000 times the small one's work: no load on the machine reverses the order
    large = torch.nn.Sequential(*[torch.nn.Linear(2048, 2048) for _ in range(4)])
    settings = LatencySettings(device=device, blocks=5, block_seconds=0.005)
    t_small = measure_latency(small, (8,), settings)
    t_large = measure_latency(torch.nn.Sequential(torch.nn.Linear(8, 2048), large), (8,), settings)
    assert 0 < t_small.latency_ms < t_large.latency_ms
    assert t_small.spread >= 0


def test_drift_tracker_flags_slow_phases_and_scales_by_drift() -> None:
    from evaluators import DriftTracker

    tracker = DriftTracker(window=5)
    assert not tracker.disturbed(10.0, 0.03), "too few timings to judge"
    for seconds in (1.00e-4, 1.01e-4, 0.99e-4):
        tracker.add(seconds)
    assert tracker.disturbed(1.05e-4, 0.03)
    assert not tracker.disturbed(1.02e-4, 0.03)
    # the machine now runs 10% slower than when the run calibrated 0.09 ms
    assert tracker.factor(0.09) == pytest.approx(0.9)


@pytest.mark.parametrize("device", DEVICES)
def test_measurement_with_reference_reports_drift_corrected_latency(device: str) -> None:
    from evaluators import DriftTracker, calibrate, prime_drift

    model = torch.nn.Linear(8, 8)
    # a tolerance no timing can pass: every measurement counts as undisturbed
    settings = calibrate(LatencySettings(device=device, blocks=5, tolerance=1e9), (8,))
    drift = DriftTracker()
    prime_drift(drift, (8,), settings)
    stats = measure_latency(model, (8,), settings, drift)
    assert stats.latency_ms > 0 and stats.raw_ms > 0
    factor = drift.factor(settings.reference_ms)  # the reference's median, this one included
    assert stats.latency_ms == pytest.approx(stats.raw_ms * factor), (
        "the latency is not the raw time corrected by the reference's drift"
    )
