"""The real ``automl`` command in subprocesses, run as a user runs it, and Python code run in
a fresh interpreter."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

COMMAND = [sys.executable, "-m", "automl.cli"]


def ctrl_c_as_in_a_terminal() -> None:
    """``preexec_fn`` for a child that a test interrupts with SIGINT: a test run in the
    background (CI, ``nohup ... &``) inherits SIGINT ignored, and Python then never raises
    KeyboardInterrupt; a terminal gives the default handling back."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def automl(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run one command to its end; ``env`` replaces the environment (wide terminal default)."""
    return subprocess.run(
        [*COMMAND, *args],
        cwd=cwd,
        env=env if env is not None else {**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def automl_refusal(*args: str) -> subprocess.CompletedProcess:
    """Run a command that is to be refused in this process, through click's test runner: the
    same code, exit code and one-line message as in a subprocess, without paying a new
    interpreter and a second import of torch (3 s) per refusal."""
    from click.testing import CliRunner

    from automl.cli import main

    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, list(args), prog_name="automl")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def start_automl(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """Start a command and return at once (stderr kept for the failure message); ``env`` adds
    to the environment."""
    return subprocess.Popen(
        [*COMMAND, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished_trials(run_dir: Path) -> int:
    """How many trials the run's store holds as finished; 0 before it exists. Read-only, so
    it can watch a running search."""
    try:
        uri = f"{(run_dir / 'trials.db').as_uri()}?mode=ro"
        with sqlite3.connect(uri, uri=True) as db:
            query = "SELECT COUNT(*) FROM trials WHERE finished_at IS NOT NULL"
            return db.execute(query).fetchone()[0]
    except sqlite3.Error:
        return 0


def fresh_python(code: str, stdin: str = "") -> str:
    """Run ``code`` in a new interpreter (the project importable) and return what it printed:
    for what must not depend on the process (hash seeds, import order)."""
    return subprocess.run(
        [sys.executable, "-c", code], input=stdin, text=True, capture_output=True, check=True
    ).stdout
