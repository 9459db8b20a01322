"""The Python API: a search on arrays in memory, the run it returns, resume on the same
arrays, and the refusals of arrays that do not belong to the run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from rich.console import Console

import automl
from automl import DataError, RunDirectoryError
from tests.conftest import FINISHED_RUN_CONFIG

pytestmark = pytest.mark.slow

QUIET = Console(quiet=True)
CONFIG = {**FINISHED_RUN_CONFIG, "search": {**FINISHED_RUN_CONFIG["search"], "evaluations": 4}}


def _arrays(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A separable three-class table: 90 samples, 6 features."""
    rng = np.random.default_rng(seed)
    y = np.arange(90) % 3
    x = rng.normal(size=(90, 6)) + 2.0 * y[:, None]
    return x.astype(np.float32), y


@pytest.fixture(scope="module")
def array_run(tmp_path_factory: pytest.TempPathFactory) -> automl.Run:
    out = tmp_path_factory.mktemp("api") / "run"
    x, y = _arrays()
    return automl.search(CONFIG, data=(torch.from_numpy(x), y), out=out, console=QUIET)


def test_a_search_on_arrays_returns_its_run(array_run: automl.Run) -> None:
    assert len(array_run.trials) == 4, f"{len(array_run.trials)} trials, not the budget of 4"
    assert (array_run.path / "data.npz").is_file(), "the arrays were not kept in the run"
    assert array_run.config.dataset.name == "npz"
    assert array_run.front, "no front"
    best = array_run.best()
    assert best.val_accuracy == max(r.val_accuracy for r in array_run.front)
    model = array_run.load_model(best.trial_id)
    with torch.no_grad():
        logits = model(torch.from_numpy(_arrays()[0][:5]))
    assert logits.shape == (5, 3), f"the loaded network gives {tuple(logits.shape)}"
    history = array_run.hypervolume_history()
    population = CONFIG["search"]["population"]  # the history starts once these are trained
    assert [h[0] for h in history] == list(range(population, 5)), history
    assert history[-1][2] > 0, history


def test_the_run_as_a_dataframe_and_a_figure(array_run: automl.Run) -> None:
    frame = array_run.trials_dataframe()
    assert len(frame) == 4 and {"trial_id", "val_accuracy", "latency_ms"} <= set(frame.columns)
    figure = array_run.plot_pareto()
    axis = figure.axes[0]
    assert axis.get_xlabel().startswith("latency"), axis.get_xlabel()
    assert len(axis.collections) >= 2, "the trials and the front are not drawn"


def test_a_run_on_arrays_exports_and_resumes_on_the_same_arrays(
    array_run: automl.Run, tmp_path: Path
) -> None:
    written = array_run.export(tmp_path / "export", pick="knee")
    assert {"model.py", "weights.pt", "metrics.json"} <= {p.name for p in written}
    x, y = _arrays()
    more = automl.search(
        CONFIG, data=(x, y), out=array_run.path, budget=5, resume=True, console=QUIET
    )
    assert len(more.trials) == 5, f"the resumed run holds {len(more.trials)} trials, not 5"
    array_run.refresh()
    assert len(array_run.trials) == 5


def test_arrays_that_do_not_belong_to_the_run_are_refused(
    array_run: automl.Run, tmp_path: Path
) -> None:
    kept = (array_run.path / "data.npz").read_bytes()
    other_x, other_y = _arrays(seed=1)
    with pytest.raises(DataError, match="a resumed run needs those"):
        automl.search(CONFIG, data=(other_x, other_y), out=array_run.path, resume=True)
    with pytest.raises(RunDirectoryError, match="already holds a run"):
        automl.search(CONFIG, data=(other_x, other_y), out=array_run.path)
    assert (array_run.path / "data.npz").read_bytes() == kept, "the run's arrays changed"
    with pytest.raises(DataError, match=r"allowed: \(x, y\) or \(x, y, x_test, y_test\)"):
        automl.search(CONFIG, data=(other_x,), out=tmp_path / "new")
    assert not (tmp_path / "new").exists(), "a refused search left a directory"


def test_open_run_reads_a_finished_run(finished_run: Path) -> None:
    run = automl.open_run(finished_run)
    assert len(run.trials) == FINISHED_RUN_CONFIG["search"]["evaluations"]
    assert repr(run).startswith(f"Run({str(finished_run)!r}: 10 trials, front of")
    fastest = run.best(pick="latency")
    assert fastest.latency_ms == min(r.latency_ms for r in run.front)


def test_the_classifier_fits_in_a_pipeline_and_predicts_its_labels(tmp_path: Path) -> None:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from automl.sklearn import ParetoClassifier

    x, y = _arrays()
    labels = np.array(["low", "mid", "high"])[y]
    classifier = ParetoClassifier(config=CONFIG, budget=3, pick="accuracy", out=tmp_path / "run")
    pipeline = make_pipeline(StandardScaler(), classifier).fit(x, labels)
    assert set(pipeline.predict(x[:10])) <= set(labels), "predictions are not the fitted labels"
    probabilities = pipeline.predict_proba(x[:10])
    assert probabilities.shape == (10, 3) and np.allclose(probabilities.sum(axis=1), 1.0)
    assert pipeline.score(x, labels) > 0.5, "no better than chance on separable data"
    fitted = pipeline[-1]
    assert list(fitted.classes_) == ["high", "low", "mid"], fitted.classes_
    assert fitted.chosen_.val_accuracy == max(r.val_accuracy for r in fitted.front_)
    assert len(fitted.run_.trials) == 3


def test_the_classifier_follows_the_estimator_conventions_that_need_no_fit() -> None:
    """scikit-learn's checks that do not train: every other check fits many times on data of
    a few samples, and each fit here is a search with worker processes."""
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.estimator_checks import (
        check_get_params_invariance,
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_set_params,
    )

    from automl.sklearn import ParetoClassifier

    name = "ParetoClassifier"
    for check in (
        check_get_params_invariance,
        check_no_attributes_set_in_init,
        check_parameters_default_constructible,
        check_set_params,
    ):
        check(name, ParetoClassifier())
    with pytest.raises(NotFittedError):
        ParetoClassifier().predict(np.zeros((2, 6)))
