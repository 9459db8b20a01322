"""report.html as one self-contained page: inline style and script, figures as base64 data
URIs, so it opens offline and can be mailed as one file. All text is escaped, since genome
names and paths come from files a user may have edited."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from automl.report.guidance import Guidance
from automl.report.importance import MIN_TRIALS, GeneImportance
from automl.report.table import describe_genome
from automl.run.store import TrialRecord
from genomes import Genome

_CAPTIONS = {
    "pareto": "Validation accuracy of every trained trial against the run's other objective; "
    "the front is red, its test accuracies are open diamonds.",
    "hypervolume": "Hypervolume of the front after each result, against evaluations and "
    "against wall time.",
    "curves": "Validation accuracy per epoch of each front member.",
}
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.75em; text-align: right; }
td.text, th.text { text-align: left; }
img.figure { max-width: 100%; }
figcaption { font-size: 0.9em; color: #555; }
.bar { display: inline-block; height: 0.7em; background: #00798c; margin-left: 0.5em; }
"""
_SCRIPT = """
window.addEventListener("load", function () {
  var loaded = 0;
  document.querySelectorAll("img.figure").forEach(function (img) {
    if (img.complete && img.naturalWidth > 0) { loaded += 1; }
  });
  document.body.dataset.figuresLoaded = String(loaded);
  document.body.dataset.frontRows =
    String(document.querySelectorAll("#front-table tbody tr").length);
});
"""


@dataclass(frozen=True)
class ReportContent:
    """What the page shows; ``figures`` maps each image id to its PNG file, in page order."""

    title: str
    summary: str
    figures: dict[str, Path]
    front: list[TrialRecord]
    statistics: list[tuple[str, str]]
    importance: GeneImportance | None
    trained: int
    guidance: Guidance
    retrained: dict[int, str] = field(default_factory=dict)
    """Front members' test accuracy after final training (mean and spread over seeds),
    shown beside the search-time one; empty before any ``automl retrain``."""


def _figure(name: str, path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = escape(_CAPTIONS[name])
    return (
        f'<figure><img class="figure" id="{escape(name)}" alt="{caption}" '
        f'src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>'
    )


def _cell(value: float | int | None, spec: str) -> str:
    return "<td>-</td>" if value is None else f"<td>{escape(format(value, spec))}</td>"


def _front_table(front: list[TrialRecord], retrained: dict[int, str]) -> str:
    names = ("trial", "val acc", "test acc", "retrained test acc", "latency ms", "params")
    head = "".join(
        f"<th>{name}</th>"
        for name in (*names, "FLOPs", "epochs")
        if retrained or name != "retrained test acc"
    )
    rows = []
    for r in front:
        genome = escape(describe_genome(Genome.from_json(r.genome)))
        after = f"<td>{escape(retrained.get(r.trial_id, '-'))}</td>" if retrained else ""
        rows.append(
            f"<tr><td>{r.trial_id}</td>{_cell(r.val_accuracy, '.4f')}"
            f"{_cell(r.test_accuracy, '.4f')}{after}{_cell(r.latency_ms, '.4f')}"
            f"{_cell(r.params, ',')}{_cell(r.flops, ',')}<td>{r.epochs}</td>"
            f'<td class="text">{genome}</td></tr>'
        )
    return (
        f'<table id="front-table"><thead><tr>{head}<th class="text">network</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _statistics_table(statistics: list[tuple[str, str]]) -> str:
    rows = "".join(
        f'<tr><th class="text">{escape(label)}</th><td>{escape(value)}</td></tr>'
        for label, value in statistics
    )
    return f'<table id="run-statistics"><tbody>{rows}</tbody></table>'


def _importance_section(importance: GeneImportance | None, trained: int) -> str:
    if importance is None:
        return (
            f'<p id="importance-note">Too few trained trials for an importance estimate: '
            f"{trained} trained, at least {MIN_TRIALS} needed.</p>"
        )
    genes = sorted(
        importance.accuracy,
        key=lambda g: importance.accuracy[g] + importance.latency[g],
        reverse=True,
    )
    rows = "".join(
        f'<tr><td class="text">{escape(gene)}</td>'
        + "".join(
            f'<td class="text">{share:.1%}<span class="bar" style="width:{share * 8:.2f}em">'
            "</span></td>"
            for share in (importance.accuracy[gene], importance.latency[gene])
        )
        + "</tr>"
        for gene in genes
    )
    return (
        f"<p>Permutation importance of a random forest fit on {importance.trials} trained "
        "trials, normalised to sum to 1 per objective; fit and scored on the same trials, "
        "so read it as a ranking.</p>"
        '<table id="importance"><thead><tr><th class="text">gene</th>'
        '<th class="text">validation accuracy</th><th class="text">log latency</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )


def _guidance_section(guidance: Guidance) -> str:
    rows = []
    for label, value in (
        ("latency predicted before training vs measured", guidance.latency_correlation),
        ("accuracy predicted before training vs measured", guidance.accuracy_correlation),
    ):
        text = "-" if value is None else f"Spearman {value[0]:.3f} over {value[1]} trials"
        rows.append((label, text))
    if guidance.ask_ms is not None:
        rows.append(("time to choose a trial", f"median {guidance.ask_ms[0]:.1f} ms, "
                     f"largest {guidance.ask_ms[1]:.1f} ms"))  # fmt: skip
    table = "".join(
        f'<tr><th class="text">{escape(label)}</th><td class="text">{escape(text)}</td></tr>'
        for label, text in rows
    )
    return f'<table id="guidance"><tbody>{table}</tbody></table>{_rungs_table(guidance)}'


def _rungs_table(guidance: Guidance) -> str:
    if guidance.rule is None:
        return "<p>Pruning was off: every trial trained until early stopping.</p>"
    if not guidance.rungs:
        return "<p>No trial reached a pruning rung.</p>"
    rows = []
    notes = []
    for rung in guidance.rungs:
        rows.append(
            f"<tr><td>{rung.epoch}</td><td>{rung.pairs}</td>"
            f"{_cell(rung.correlation, '.3f')}{_cell(rung.gain, '.3f')}"
            f'<td class="text">{"yes" if rung.active else "no"}</td></tr>'
        )
        low = rung.correlation is not None and rung.correlation < 0.7
        if low and guidance.rule == "asha":
            notes.append(
                f"The rung at epoch {rung.epoch} ranks trials unlike their final accuracy "
                f"(Spearman {rung.correlation:.2f}), so it lets every trial through."
            )
        elif low:
            notes.append(
                f"The rung at epoch {rung.epoch} ranks trials poorly (Spearman "
                f"{rung.correlation:.2f}); the front rule stops there only trials that even "
                f"a gain of {rung.gain:.3f} cannot lift onto the front."
            )
    head = "".join(
        f"<th>{name}</th>"
        for name in ("rung epoch", "finished trials past it", "Spearman rung vs final",
                     "gain after it (quantile)", "prunes")
    )  # fmt: skip
    return (
        f"<p>Pruning rule: {escape(guidance.rule)}.</p>"
        f'<table id="rungs"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
        f"</table>" + "".join(f"<p>{escape(note)}</p>" for note in notes)
    )


def render_report(content: ReportContent) -> str:
    figures = {name: _figure(name, path) for name, path in content.figures.items()}
    title = escape(content.title)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{title}</h1>"
        f"<p>{escape(content.summary)}</p>"
        f"<h2>Pareto front ({len(content.front)} networks)</h2>{figures['pareto']}"
        f"{_front_table(content.front, content.retrained)}"
        f"<h2>Search progress</h2>{figures['hypervolume']}"
        f"<h2>Learning curves of the front</h2>{figures['curves']}"
        f"<h2>Run statistics</h2>{_statistics_table(content.statistics)}"
        f'<h2 id="gene-importance">Which genes matter</h2>'
        f"{_importance_section(content.importance, content.trained)}"
        f'<h2 id="search-guidance">How the search decided</h2>'
        f"{_guidance_section(content.guidance)}"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
