"""The run's SQLite trial store (WAL mode): every change is committed in its own transaction,
so a crash loses nothing finished and readers never block the search."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import RunDirectoryError
from evaluators import TrialResult, TrialStatus
from genomes import Genome
from search import PastTrial

if TYPE_CHECKING:
    from automl.data import DatasetSplits

STORE_SCHEMA_VERSION = 1
REFERENCE_KEY = "latency_reference_ms"
"""The meta key of the 3 x 512 reference MLP's latency, measured once at the run's start."""
PROBLEM_KEY = "problem"
"""The meta key of the data's input shape and class names (JSON), for reading the run later."""
TRAINED = ("COMPLETE", "PRUNED")
"""Statuses of trials that produced a trained network (and weights)."""
FINISHED = (*TRAINED, "FAILED")

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
    finished_at REAL
);
CREATE TABLE IF NOT EXISTS hypervolume (
    evaluations INTEGER PRIMARY KEY,
    seconds REAL NOT NULL,
    value REAL NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class TrialRecord:
    trial_id: int
    status: str
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RunStore:
    """Trials of one run; ``RunStore(path)`` creates the file or opens an existing one.
    ``read_only`` opens an existing store without writing to it, beside a running search."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        if read_only:
            self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        else:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            if not read_only:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
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

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def trial_started(self, trial_id: int, genome: Genome) -> None:
        """A new trial, or an unfinished one submitted again after a resume."""
        self._db.execute(
            "INSERT INTO trials (trial_id, status, genome, genome_hash, started_at) "
            "VALUES (?, 'RUNNING', ?, ?, ?) ON CONFLICT(trial_id) DO UPDATE SET "
            "status='RUNNING', started_at=excluded.started_at, finished_at=NULL",
            (trial_id, genome.to_json(), genome.hash(), time.time()),
        )

    def trial_finished(self, result: TrialResult) -> None:
        self._db.execute(
            "UPDATE trials SET status=?, val_accuracy=?, latency_ms=?, latency_spread=?, "
            "params=?, flops=?, epochs=?, seconds=?, curve=?, error=?, worker=?, finished_at=? "
            "WHERE trial_id=?",
            (
                result.status.value,
                result.val_accuracy,
                result.latency_ms,
                result.latency_spread,
                result.params,
                result.flops,
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
            "UPDATE trials SET status='INTERRUPTED', finished_at=? WHERE status='RUNNING'",
            (time.time(),),
        )

    def set_test_accuracy(self, trial_id: int, accuracy: float) -> None:
        self._db.execute("UPDATE trials SET test_accuracy=? WHERE trial_id=?", (accuracy, trial_id))

    def trials(self, *statuses: str) -> list[TrialRecord]:
        """All trials, or those with one of ``statuses``, by id."""
        query = "SELECT * FROM trials"
        args: tuple[Any, ...] = statuses
        if statuses:
            query += f" WHERE status IN ({', '.join('?' * len(statuses))})"
        return [TrialRecord(*row) for row in self._db.execute(query + " ORDER BY trial_id", args)]

    def past_trials(self) -> list[PastTrial]:
        """Every trial as the search engine resumes it: finished ones with their result,
        unfinished ones (RUNNING, INTERRUPTED) without."""
        return [
            PastTrial(r.trial_id, Genome.from_json(r.genome), _result(r)) for r in self.trials()
        ]

    def add_hypervolume(self, evaluations: int, seconds: float, value: float) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO hypervolume VALUES (?, ?, ?)", (evaluations, seconds, value)
        )

    def hypervolume_history(self) -> list[tuple[int, float, float]]:
        return list(self._db.execute("SELECT * FROM hypervolume ORDER BY evaluations"))

    def close(self) -> None:
        self._db.close()


def problem_json(splits: DatasetSplits) -> str:
    return json.dumps(
        {"input_shape": list(splits.problem.input_shape), "classes": list(splits.classes)}
    )


def _result(record: TrialRecord) -> TrialResult | None:
    if record.status not in FINISHED:
        return None
    return TrialResult(
        trial_id=record.trial_id,
        status=TrialStatus(record.status),
        val_accuracy=record.val_accuracy,
        latency_ms=record.latency_ms,
        latency_spread=record.latency_spread,
        params=record.params,
        flops=record.flops,
        epochs=record.epochs,
        seconds=record.seconds,
        curve=tuple(json.loads(record.curve)),
        error=record.error,
        worker=record.worker,
    )
