"""A pool that starts its own local Ray under a run path too long for Ray's sockets: its
scratch folder in the system temp directory is gone once the pool closes, also when the
search is interrupted. Each test starts (and stops) a Ray of its own, so none may be running."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from evaluators import EvaluationSettings, TrialRequest, TrialResult, TrialStatus, noop_trial
from evaluators.ray_session import SCRATCH_PREFIX, local_ray_resources
from genomes import IntRange, SearchSpace, sample_genome
from tests.cli import ctrl_c_as_in_a_terminal

ray = pytest.importorskip("ray", reason="the ray extra is not installed")
from evaluators.ray_pool import RayPool  # noqa: E402

pytestmark = pytest.mark.ray
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def long_temp_dir(tmp_path: Path) -> Path:
    """``RUN/ray`` for a run directory whose path is longer than 110 characters."""
    run_dir = tmp_path / ("run-" + "x" * max(1, 111 - len(str(tmp_path))))
    assert len(str(run_dir)) > 110
    return run_dir / "ray"


@pytest.fixture
def no_ray_running() -> None:
    assert not ray.is_initialized(), "a Ray left running by another test would be joined"


def _scratch_folders() -> set[str]:
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith(SCRATCH_PREFIX)}


def _linked_scratch(temp_dir: Path) -> Path:
    """The scratch folder that the run directory's link leads to, checked to be one."""
    assert temp_dir.is_symlink(), f"{temp_dir} should link to the short scratch folder"
    scratch = temp_dir.resolve()
    assert scratch.parent == Path(tempfile.gettempdir()).resolve()
    assert scratch.name.startswith(SCRATCH_PREFIX) and scratch.is_dir()
    return scratch


def test_closing_the_pool_removes_its_scratch_folder(
    no_ray_running, long_temp_dir: Path, tiny_data
) -> None:
    before = _scratch_folders()
    rng = np.random.default_rng(0)
    space = SearchSpace(width=IntRange(8, 16), max_epochs=IntRange(2, 2))
    settings = EvaluationSettings()
    with RayPool(
        tiny_data, settings, ["cpu", "cpu"], evaluate=noop_trial, temp_dir=long_temp_dir
    ) as pool:
        scratch = _linked_scratch(long_temp_dir)
        for trial_id in range(3):
            pool.submit(TrialRequest(trial_id, sample_genome(space, tiny_data.problem, rng), 0))
        assert sorted(r.trial_id for r in pool.results()) == [0, 1, 2]
    assert not ray.is_initialized(), "the pool started Ray, so it must shut it down"
    assert not scratch.exists(), f"the scratch folder {scratch} outlived the pool"
    assert not long_temp_dir.is_symlink(), "the run directory keeps a dangling link"
    assert _scratch_folders() - before == set(), "new scratch folders were left behind"


INTERRUPTED_SEARCH = """
    import faulthandler, signal, sys, time
    from pathlib import Path
    from evaluators import EvaluationSettings, TrialRequest
    from evaluators.ray_pool import RayPool
    from tests.conftest import make_training_data

    def endless(request, data, settings, state, worker):
        time.sleep(3600)

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # where it hangs, if it does
    data = make_training_data()
    temp_dir = Path(sys.argv[1])
    with RayPool(data, EvaluationSettings(), ["cpu"], evaluate=endless, temp_dir=temp_dir) as pool:
        pool.submit(TrialRequest(0, None, 0))
        print(temp_dir.resolve(), flush=True)
        list(pool.results())
"""


def test_an_interrupted_search_removes_the_scratch_folder(
    no_ray_running, long_temp_dir: Path
) -> None:
    """A real Ctrl-C (SIGINT) while a trial runs, in a process of its own."""
    search = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(INTERRUPTED_SEARCH), str(long_temp_dir)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    try:
        scratch = Path(search.stdout.readline().strip())
        assert scratch.name.startswith(SCRATCH_PREFIX), search.stderr.read()[-2000:]
        search.send_signal(signal.SIGINT)
        try:
            _, stderr = search.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            search.send_signal(signal.SIGUSR1)
            with contextlib.suppress(subprocess.TimeoutExpired):
                search.communicate(timeout=10)  # the stacks written, it hangs on
            search.kill()
            stacks = search.communicate()[1]
            pytest.fail(f"no exit within 120 s of SIGINT; its threads:\n{stacks[-6000:]}")
    finally:
        search.kill()
    assert "KeyboardInterrupt" in stderr, stderr[-2000:]
    assert not scratch.exists(), f"the scratch folder {scratch} outlived the interrupted pool"
    assert not long_temp_dir.is_symlink(), "the run directory keeps a dangling link"


@pytest.mark.gpu
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs two CUDA devices")
def test_a_local_ray_puts_actors_only_on_the_listed_gpu(
    no_ray_running, tmp_path: Path, tiny_data
) -> None:
    def visible_gpus(request, data, settings, state, worker) -> TrialResult:  # noqa: ANN001
        return TrialResult(
            request.trial_id, TrialStatus.COMPLETE, error=os.environ.get("CUDA_VISIBLE_DEVICES")
        )

    devices = ["cuda:1", "cuda:1"]
    listed = local_ray_resources(devices, os.environ.get("CUDA_VISIBLE_DEVICES"))
    settings = EvaluationSettings()
    with RayPool(
        tiny_data, settings, devices, evaluate=visible_gpus, temp_dir=tmp_path / "ray"
    ) as pool:
        for trial_id in range(4):
            pool.submit(TrialRequest(trial_id, None, 0))
        seen = {result.error for result in pool.results()}
    assert seen == {listed.environment["CUDA_VISIBLE_DEVICES"]}, "an actor saw another GPU"
