"""A real Ray cluster: a head and a second node started apart from the search, each with its
own raylet and object store (``ray.cluster_utils.Cluster``, Ray's helper for multi-node tests
on one machine), `automl search` joining it by address, and the second node killed while it
trains, then a third joining. The budget completes; the trial the lost node held is recorded
FAILED with the reason.

Beside two busy cores a search of 8 trials took four minutes here (two before its second
result): the limits below are for a hang, not timings."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli import finished_trials, start_automl
from tests.conftest import FINISHED_RUN_CONFIG

ray = pytest.importorskip("ray", reason="the ray extra is not installed")
from ray.cluster_utils import Cluster  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.slow]
BUDGET = 10
HANG = 900
"""Seconds after which a wait counts as a hang."""


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, dict[str, Any]]]:
    """A head with room for one worker, and the arguments that start another node of it (its
    files beside the head's); stopped, with their files, at the end: the processes this test
    started and no others."""
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    files = Path(tempfile.mkdtemp(prefix="rc-"))  # Ray's socket paths must fit 107 bytes
    node = {"num_cpus": 1, "include_dashboard": False, "temp_dir": str(files)}
    cluster = Cluster(initialize_head=True, head_node_args=node)
    try:
        yield cluster, node
    finally:
        head = cluster.head_node
        cluster.shutdown()
        shutil.rmtree(files, ignore_errors=True)
        assert head is None or not head.any_processes_alive(), "the head outlived the test"


def _trials(run_dir: Path) -> list[tuple[int, str, str | None]]:
    with sqlite3.connect(run_dir / "trials.db") as db:
        return list(db.execute("SELECT trial_id, status, error FROM trials ORDER BY trial_id"))


def test_a_search_on_a_cluster_survives_the_loss_of_a_node(
    cluster: tuple[Any, dict[str, Any]], tmp_path: Path
) -> None:
    """One CPU on the head and one on the second node: each holds one of the two workers.
    Once the second node is killed a third joins, where the lost worker's slot is placed
    again (with no room anywhere it would wait for one)."""
    cluster, node = cluster
    second = cluster.add_node(**node)
    config = {
        **FINISHED_RUN_CONFIG,
        "search": {**FINISHED_RUN_CONFIG["search"], "evaluations": BUDGET},
        "evaluator": {
            **FINISHED_RUN_CONFIG["evaluator"],
            "backend": "ray",
            "address": cluster.address,
        },
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    run_dir = tmp_path / "run"
    search = start_automl("search", str(tmp_path / "config.yaml"), "--out", str(run_dir))
    try:
        deadline = time.monotonic() + HANG
        while (
            finished_trials(run_dir) < 1 and time.monotonic() < deadline and search.poll() is None
        ):
            time.sleep(0.1)
        assert search.poll() is None, f"the search ended early: {search.stderr.read()[-2000:]}"
        cluster.remove_node(second, allow_graceful=False)
        cluster.add_node(**node)
        _, stderr = search.communicate(timeout=HANG)
    finally:
        if search.poll() is None:
            search.kill()
    assert search.returncode == 0, f"the search failed after the node died:\n{stderr[-3000:]}"
    trials = _trials(run_dir)
    assert [t[0] for t in trials] == list(range(BUDGET)), f"trials recorded: {trials}"
    failed = [t for t in trials if t[1] == "FAILED"]
    assert failed, f"no trial was lost with the second node: {trials}"
    assert all(
        "worker actor died" in (t[2] or "") or "worker result lost" in (t[2] or "") for t in failed
    ), failed
    assert all(t[1] in ("COMPLETE", "PRUNED", "FAILED") for t in trials), trials
    assert len(failed) <= 2, f"more trials lost than the node held: {failed}"
