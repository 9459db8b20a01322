"""Deployment studies on the shared finished digits run: re-measured latencies per setting,
budget picks, the written files and the device check."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from automl.errors import ConfigError
from automl.run.finished import FinishedRun, open_run
from automl.study.measure import (
    PICKS_COLUMNS,
    STUDY_COLUMNS,
    StudyRow,
    StudySetting,
    pick_within,
    run_study,
    study_settings,
    write_study,
)
from evaluators import DeviceError, LatencySettings, available_cpus, check_device

SINGLE = StudySetting("cpu", 1, 1)
BATCH = StudySetting("cpu", 256, 1)
OVERSUBSCRIBED = StudySetting("cpu", 1, available_cpus() + 1)
SETTINGS = [SINGLE, BATCH, OVERSUBSCRIBED]
BUDGETS = [1e-9, 0.03, 1e3]
QUICK = LatencySettings(warmup_calls=10, blocks=5, block_seconds=0.002, retry_pause_s=0.01)
"""A cheap measurement: the tests check the study's bookkeeping, not the meter's precision."""


@pytest.fixture(scope="module")
def run(finished_run: Path) -> FinishedRun:
    return open_run(finished_run)


@pytest.fixture(scope="module")
def study(run: FinishedRun, tmp_path_factory: pytest.TempPathFactory) -> dict:
    lines: list[str] = []
    rows, picks = run_study(run, SETTINGS, BUDGETS, lines.append, QUICK)
    out = tmp_path_factory.mktemp("study")
    paths = write_study(out, rows, picks)
    return {"rows": rows, "picks": picks, "lines": lines, "paths": paths, "out": out}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_study_csv_has_one_row_per_member_and_setting(run: FinishedRun, study: dict) -> None:
    rows = _read(study["out"] / "study.csv")
    assert rows, "study.csv has no rows"
    assert tuple(rows[0]) == STUDY_COLUMNS, f"study.csv columns are {tuple(rows[0])}"
    assert len(rows) == len(run.front) * len(SETTINGS), (
        f"study.csv has {len(rows)} rows for {len(run.front)} members x {len(SETTINGS)} settings"
    )
    pairs = {(int(r["trial_id"]), int(r["batch_size"]), int(r["threads"])) for r in rows}
    assert len(pairs) == len(rows), "study.csv measures some member twice on one setting"
    for row in rows:
        latency, per_sample = float(row["latency_ms"]), float(row["latency_per_sample_ms"])
        assert latency > 0, f"trial {row['trial_id']} has latency {latency} ms"
        assert per_sample == pytest.approx(latency / int(row["batch_size"])), (
            f"trial {row['trial_id']}: per-sample latency is not per-call latency / batch size"
        )


def test_rows_carry_the_members_accuracies(run: FinishedRun, study: dict) -> None:
    by_id = {record.trial_id: record for record in run.front}
    for row in study["rows"]:
        record = by_id[row.trial_id]
        assert (row.val_accuracy, row.test_accuracy) == (
            record.val_accuracy,
            record.test_accuracy,
        ), f"trial {row.trial_id}'s study row lost its accuracies"


def test_a_batch_takes_longer_per_call_than_one_input(study: dict) -> None:
    latency = {(r.trial_id, r.batch_size, r.threads): r.latency_ms for r in study["rows"]}
    for (trial, batch, threads), ms in latency.items():
        if batch == BATCH.batch_size:
            single = latency[(trial, SINGLE.batch_size, threads)]
            assert ms > single, (
                f"trial {trial}: a call on {batch} inputs took {ms:.4g} ms, "
                f"no longer than one on a single input ({single:.4g} ms)"
            )


def _expected_pick(rows: list[StudyRow], setting: StudySetting, budget: float) -> int | None:
    fitting = [r for r in rows if r.setting == setting and r.latency_ms <= budget]
    ranked = sorted(fitting, key=lambda r: (-r.val_accuracy, r.latency_ms))
    return ranked[0].trial_id if ranked else None


def test_budget_picks_are_the_most_accurate_member_within_budget(study: dict) -> None:
    rows, picks = study["rows"], study["picks"]
    assert len(picks) == len(SETTINGS) * len(BUDGETS), f"{len(picks)} picks, not one per pair"
    for pick in picks:
        expected = _expected_pick(rows, pick.setting, pick.budget_ms)
        assert pick.trial_id == expected, (
            f"{pick.setting.label}, {pick.budget_ms} ms: picked {pick.trial_id}, "
            f"expected {expected}"
        )
    # budgets at each measured latency make every member the edge of some budget
    for row in rows:
        pick = pick_within(rows, row.setting, row.latency_ms)
        expected = _expected_pick(rows, row.setting, row.latency_ms)
        assert pick.trial_id == expected, (
            f"{row.setting.label}, budget {row.latency_ms:.4g} ms: picked {pick.trial_id}, "
            f"expected {expected}"
        )


def test_an_impossible_budget_picks_nothing_and_names_the_fastest(study: dict) -> None:
    for pick in (p for p in study["picks"] if p.budget_ms == 1e-9):
        fastest = min(r.latency_ms for r in study["rows"] if r.setting == pick.setting)
        assert pick.trial_id is None, f"{pick.setting.label}: 1e-9 ms picked {pick.trial_id}"
        assert pick.latency_ms == fastest, (
            f"{pick.setting.label}: a missed budget reports {pick.latency_ms} ms, "
            f"not the fastest member's {fastest} ms"
        )


def test_picks_go_by_validation_and_ties_to_the_faster() -> None:
    rows = [
        StudyRow(1, "cpu", 1, 1, 2.0, 2.0, 0.0, 0.80, 0.90),
        StudyRow(2, "cpu", 1, 1, 1.0, 1.0, 0.0, 0.80, 0.70),
        StudyRow(3, "cpu", 1, 1, 3.0, 3.0, 0.0, 0.95, None),
    ]
    assert pick_within(rows, SINGLE, 2.5).trial_id == 2, (
        "a tie on validation accuracy did not go to the faster (test accuracy must not decide)"
    )
    assert pick_within(rows, SINGLE, 3.0).trial_id == 3, "the most accurate on validation lost"
    assert pick_within(rows, SINGLE, 0.5).latency_ms == 1.0, "a miss did not report the fastest"


def test_more_threads_than_cores_is_measured_with_a_note(study: dict) -> None:
    notes = [line for line in study["lines"] if line.startswith("note:")]
    assert any(OVERSUBSCRIBED.label in note for note in notes), (
        f"no note about {OVERSUBSCRIBED.threads} threads on {available_cpus()} core(s): {notes}"
    )
    measured = [r for r in study["rows"] if r.setting == OVERSUBSCRIBED]
    assert measured, "the oversubscribed setting was not measured"


def test_written_files(study: dict) -> None:
    out = study["out"]
    names = sorted(path.name for path in study["paths"])
    assert names == ["study.csv", "study.png", "study_picks.csv"], f"write_study wrote {names}"
    assert (out / "study.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "study.png is no PNG"
    picks = _read(out / "study_picks.csv")
    assert tuple(picks[0]) == PICKS_COLUMNS, f"study_picks.csv columns are {tuple(picks[0])}"
    assert len(picks) == len(SETTINGS) * len(BUDGETS), f"study_picks.csv has {len(picks)} rows"
    assert not list(out.glob("*partial*")), "a partial file was left behind"


def test_check_device_rejects_missing_cuda(run: FinishedRun) -> None:
    check_device("cpu", "--device")
    for device in ("cuda:99", "gpu"):
        with pytest.raises(DeviceError) as caught:
            check_device(device, "--device")
        message = str(caught.value)
        assert "--device" in message and repr(device) in message and "cpu" in message, (
            f"the error for {device!r} does not name the flag, the value and what is allowed: "
            f"{message}"
        )
    lines: list[str] = []
    with pytest.raises(DeviceError):
        run_study(run, [SINGLE, StudySetting("cuda:99", 1, 1)], [1.0], lines.append, QUICK)
    assert not lines, f"run_study measured before rejecting the device: {lines}"


def test_int8_rows_are_the_members_quantised_and_run_in_onnx_runtime(run: FinishedRun) -> None:
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    int8 = StudySetting("cpu", 1, 1, "onnxruntime", "int8")
    settings = study_settings(["cpu"], [1], [1], ["eager"], ["none", "int8"])
    assert settings == [SINGLE, int8], f"settings for none,int8: {settings}"
    lines: list[str] = []
    rows, _ = run_study(run, [int8], [], lines.append, QUICK)
    quantised = {line.split()[2] for line in lines if line.startswith("int8: trial")}
    assert {str(r.trial_id) for r in rows} == quantised, f"rows {rows} against notes {lines}"
    assert len(rows) == len(run.front), f"a front member failed to quantise: {lines}"
    fp32 = {record.trial_id: record for record in run.front}
    for row in rows:
        assert row.setting == int8 and row.latency_ms > 0 and row.file_bytes > 0, row
        drop = fp32[row.trial_id].test_accuracy - row.test_accuracy
        assert drop <= 0.02, f"trial {row.trial_id} lost {drop:.3f} of test accuracy at int8"
        assert "int8" in row.setting.label


def test_an_unknown_quantisation_is_refused_before_anything_is_measured() -> None:
    with pytest.raises(ConfigError, match=r"--quantize: 'int4' is not a choice; allowed: none"):
        study_settings(["cpu"], [1], [1], ["eager"], ["none", "int4"])
    with pytest.raises(ConfigError, match=r"--quantize int8 runs in ONNX Runtime on the CPU"):
        study_settings(["cuda:0"], [1], [1], ["eager"], ["int8"])
    both = study_settings(["cpu", "cuda:0"], [1], [1], ["eager"], ["none", "int8"])
    assert [(s.device, s.quantize) for s in both] == [
        ("cpu", "none"),
        ("cpu", "int8"),
        ("cuda:0", "none"),
    ], f"int8 settings go to the CPU only: {both}"
