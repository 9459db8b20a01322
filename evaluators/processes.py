"""How local worker processes start: forked from a server process that has imported torch and
the worker code once (multiprocessing's ``forkserver``), instead of each new worker importing
them again (2 s per worker here, and again for every replaced worker). The server never
touches CUDA, so its children may use it. Where the platform has no fork server, spawn."""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext
from pathlib import Path

from evaluators.environment import child_environment

SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"""Set before torch is imported in a worker: two workers with two threads each on two cores
train 56x slower than with one each."""

_PRELOAD = ["torch", "evaluators.worker"]


def worker_context() -> BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def start_worker_server() -> None:
    """Start the fork server now, so that its imports run beside the caller's own start-up
    (the command line calls this first); a pool starts it otherwise."""
    if worker_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        with child_environment(SINGLE_THREAD_ENV):
            forkserver.ensure_running()


def worker_processes(pid: int) -> list[int]:
    """The local workers of the process ``pid`` (Linux ``/proc``): the children of its fork
    server, or its spawned children; for tests and benchmarks that kill or measure them."""
    found = []
    for child in _children(pid):
        command = _command(child)
        if b"spawn_main" in command:
            found.append(child)
        elif b"forkserver" in command:
            found += _children(child)
    return found


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # the process has exited
        return []


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
