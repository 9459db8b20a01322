"""The run's SQLite trial store (WAL mode): every change is committed in its own transaction,
so a crash loses nothing finished and readers never block the search."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import RunDirectoryError
from evaluators import FINISHED, TrialResult, TrialStatus
from genomes import Genome, Problem, count_weight_bytes, genome_to_graph
from search import PastTrial

if TYPE_CHECKING:
    from automl.data import DatasetSplits

STORE_SCHEMA_VERSION = 1
REFERENCE_KEY = "latency_reference_ms"
"""The meta key of the 3 x 512 reference MLP's latency, measured once at the run's start."""
PROBLEM_KEY = "problem"
"""The meta key of the data's input shape and class names (JSON), for reading the run later."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
    trial_id INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    genome TEXT NOT NULL,
    genome_hash TEXT NOT NULL,
    val_accuracy REAL,
    test_accuracy REAL,
    latency_ms REAL,
    latency_spread REAL,
    params INTEGER,
    flops INTEGER,
    epochs INTEGER NOT NULL DEFAULT 0,
    seconds REAL NOT NULL DEFAULT 0,
    curve TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    worker INTEGER,
    started_at REAL NOT NULL,
    finished_at REAL,
    notes TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS hypervolume (
    evaluations INTEGER PRIMARY KEY,
    seconds REAL NOT NULL,
    value REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS retrained (
    trial_id INTEGER NOT NULL,
    seed_index INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    epochs INTEGER NOT NULL,
    status TEXT NOT NULL,
    test_accuracy REAL,
    seconds REAL NOT NULL,
    error TEXT,
    finished_at REAL NOT NULL,
    PRIMARY KEY (trial_id, seed_index)
);
"""


_ADDED_COLUMNS = {"notes": "TEXT NOT NULL DEFAULT '{}'", "weight_bytes": "INTEGER"}
"""Columns added to ``trials`` since the first store format; older stores gain them on open."""


@dataclass(frozen=True, slots=True)
class TrialRecord:
    trial_id: int
    status: TrialStatus
    genome: str
    genome_hash: str
    val_accuracy: float | None
    test_accuracy: float | None
    latency_ms: float | None
    latency_spread: float | None
    params: int | None
    flops: int | None
    epochs: int
    seconds: float
    curve: str
    error: str | None
    worker: int | None
    started_at: float
    finished_at: float | None
    notes: str = "{}"
    """JSON: what the strategy said when it asked for the trial (``ask_seconds``, its
    predictions)."""
    weight_bytes: int | None = None
    """Bytes of the exported weights (float32); read from the genome where a store from
    before the ``size`` objective lacks them."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> TrialRecord:
        values = {name: row[name] for name in row.keys() if name in _RECORD_FIELDS}
        values["status"] = TrialStatus(values["status"])
        return cls(**values)


_RECORD_FIELDS = frozenset(f.name for f in fields(TrialRecord))


@dataclass(frozen=True, slots=True)
class RetrainRecord:
    """One seed of a trial's final training (``automl retrain``): trained from scratch on the
    training and validation splits for ``epochs``, then measured once on the test split."""

    trial_id: int
    seed_index: int
    seed: int
    epochs: int
    status: TrialStatus
    test_accuracy: float | None
    seconds: float
    error: str | None
    finished_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RetrainRecord:
        values = {f.name: row[f.name] for f in fields(cls)}
        return cls(**{**values, "status": TrialStatus(values["status"])})


_RETRAIN_COLUMNS = ", ".join(f.name for f in fields(RetrainRecord))


class RunStore:
    """Trials of one run; ``RunStore(path)`` creates the file or opens an existing one.
    ``read_only`` opens an existing store without writing to it, beside a running search."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        if read_only:
            self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        else:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        try:
            if not read_only:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
                self._add_missing_columns()
            version = self._db.execute(
                "SELECT value FROM meta WHERE key='schema_version'"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise RunDirectoryError(f"{path}: not a readable trial store ({exc})") from None
        if version is None and not read_only:
            self._db.execute(
                "INSERT INTO meta VALUES ('schema_version', ?)", (str(STORE_SCHEMA_VERSION),)
            )
        elif version is not None and int(version[0]) > STORE_SCHEMA_VERSION:
            self._db.close()
            raise RunDirectoryError(
                f"{path}: store schema version {version[0]} is newer than "
                f"this program supports ({STORE_SCHEMA_VERSION})"
            )

    def _add_missing_columns(self) -> None:
        present = {row["name"] for row in self._db.execute("PRAGMA table_info(trials)")}
        for name, declaration in _ADDED_COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE trials ADD COLUMN {name} {declaration}")

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def trial_started(
        self, trial_id: int, genome: Genome, notes: Mapping[str, float] | None = None
    ) -> None:
        """A new trial, or an unfinished one submitted again after a resume (which keeps
        its notes)."""
        self._db.execute(
            "INSERT INTO trials (trial_id, status, genome, genome_hash, started_at, notes) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(trial_id) DO UPDATE SET "
            "status=excluded.status, started_at=excluded.started_at, finished_at=NULL",
            (
                trial_id,
                TrialStatus.RUNNING.value,
                genome.to_json(),
                genome.hash(),
                time.time(),
                json.dumps(dict(notes or {}), sort_keys=True),
            ),
        )

    def trial_finished(self, result: TrialResult) -> None:
        self._db.execute(
            "UPDATE trials SET status=?, val_accuracy=?, latency_ms=?, latency_spread=?, "
            "params=?, flops=?, weight_bytes=?, epochs=?, seconds=?, curve=?, error=?, worker=?, "
            "finished_at=? WHERE trial_id=?",
            (
                result.status.value,
                result.val_accuracy,
                result.latency_ms,
                result.latency_spread,
                result.params,
                result.flops,
                result.weight_bytes,
                result.epochs,
                result.seconds,
                json.dumps(list(result.curve)),
                result.error,
                result.worker,
                time.time(),
                result.trial_id,
            ),
        )

    def mark_interrupted(self) -> None:
        """Trials left RUNNING by a stop were not finished; say so rather than leave them."""
        self._db.execute(
            "UPDATE trials SET status=?, finished_at=? WHERE status=?",
            (TrialStatus.INTERRUPTED.value, time.time(), TrialStatus.RUNNING.value),
        )

    def set_test_accuracy(self, trial_id: int, accuracy: float) -> None:
        self._db.execute("UPDATE trials SET test_accuracy=? WHERE trial_id=?", (accuracy, trial_id))

    def trials(self, *statuses: TrialStatus) -> list[TrialRecord]:
        """All trials, or those with one of ``statuses``, by id."""
        query = "SELECT * FROM trials"
        args = tuple(status.value for status in statuses)
        if statuses:
            query += f" WHERE status IN ({', '.join('?' * len(statuses))})"
        rows = self._db.execute(query + " ORDER BY trial_id", args)
        return self._with_weight_bytes([TrialRecord.from_row(row) for row in rows])

    def trial(self, trial_id: int) -> TrialRecord | None:
        row = self._db.execute("SELECT * FROM trials WHERE trial_id=?", (trial_id,)).fetchone()
        return None if row is None else self._with_weight_bytes([TrialRecord.from_row(row)])[0]

    def _with_weight_bytes(self, records: list[TrialRecord]) -> list[TrialRecord]:
        """Trials measured before the ``size`` objective have no weight bytes recorded; their
        genome and the data's shape give them (they depend on nothing else)."""
        if all(r.weight_bytes is not None or r.params is None for r in records):
            return records
        stored = self.get_meta(PROBLEM_KEY)
        if stored is None:
            return records
        data = json.loads(stored)
        problem = Problem(tuple(data["input_shape"]), len(data["classes"]))

        def measured(record: TrialRecord) -> int:
            return count_weight_bytes(genome_to_graph(Genome.from_json(record.genome), problem))

        return [
            r
            if r.weight_bytes is not None or r.params is None
            else replace(r, weight_bytes=measured(r))
            for r in records
        ]

    def past_trials(self) -> list[PastTrial]:
        """Every trial as the search engine resumes it: finished ones with their result, in
        the order they finished (the order the strategy was told them), then unfinished ones
        (RUNNING, INTERRUPTED) without."""
        records = sorted(
            self.trials(),
            key=lambda r: (not r.status.finished, r.finished_at or 0.0, r.trial_id),
        )
        return [
            PastTrial(r.trial_id, Genome.from_json(r.genome), record_result(r)) for r in records
        ]

    def add_hypervolume(self, evaluations: int, seconds: float, value: float) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO hypervolume VALUES (?, ?, ?)", (evaluations, seconds, value)
        )

    def hypervolume_history(self) -> list[tuple[int, float, float]]:
        rows = self._db.execute(
            "SELECT evaluations, seconds, value FROM hypervolume ORDER BY evaluations"
        )
        return [(row["evaluations"], row["seconds"], row["value"]) for row in rows]

    def retrain_finished(self, record: RetrainRecord) -> None:
        values = {f.name: getattr(record, f.name) for f in fields(record)}
        values["status"] = record.status.value
        self._db.execute(
            f"INSERT OR REPLACE INTO retrained ({_RETRAIN_COLUMNS}) "
            f"VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )

    def retrained(self) -> list[RetrainRecord]:
        """Every recorded seed of final training, by trial and seed; none in a store that
        predates the table (read-only, so it was not added)."""
        try:
            rows = self._db.execute(
                f"SELECT {_RETRAIN_COLUMNS} FROM retrained ORDER BY trial_id, seed_index"
            )
        except sqlite3.OperationalError:  # no such table: a store of an earlier version
            return []
        return [RetrainRecord.from_row(row) for row in rows]

    def close(self) -> None:
        self._db.close()


def problem_json(splits: DatasetSplits) -> str:
    return json.dumps(
        {"input_shape": list(splits.problem.input_shape), "classes": list(splits.classes)}
    )


def record_result(record: TrialRecord) -> TrialResult | None:
    if record.status not in FINISHED:
        return None
    return TrialResult(
        trial_id=record.trial_id,
        status=record.status,
        val_accuracy=record.val_accuracy,
        latency_ms=record.latency_ms,
        latency_spread=record.latency_spread,
        params=record.params,
        flops=record.flops,
        weight_bytes=record.weight_bytes,
        epochs=record.epochs,
        seconds=record.seconds,
        curve=tuple(json.loads(record.curve)),
        error=record.error,
        worker=record.worker,
    )
