"""The slot scheduler on a virtual clock with four injected fake devices: no processes."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from evaluators import SlotScheduler, TrialRequest
from genomes import Problem, SearchSpace, sample_genome

GENOME = sample_genome(SearchSpace(), Problem((4,), 2), np.random.default_rng(0))
FAKE_DEVICES = ["cuda:0", "cuda:1", "cuda:2", "cuda:3"]


def test_slots_stay_busy_and_never_hold_two_trials() -> None:
    rng = np.random.default_rng(0)
    durations = rng.lognormal(mean=0.0, sigma=1.5, size=200)  # very different lengths
    scheduler = SlotScheduler(FAKE_DEVICES)
    for trial_id in range(len(durations)):
        scheduler.submit(TrialRequest(trial_id, GENOME, trial_id))
    clock, events, placed_on = 0.0, [], {}
    busy_while_waiting = time_while_waiting = 0.0
    while scheduler.in_flight:
        for slot in scheduler.assign():
            trial_id = slot.request.trial_id
            assert trial_id not in placed_on, f"trial {trial_id} placed twice"
            placed_on[trial_id] = slot.index
            heapq.heappush(events, (clock + durations[trial_id], trial_id))
        running = [s.request.trial_id for s in scheduler.slots if s.busy]
        assert len(running) == len(set(running))
        if scheduler.pending:
            assert all(s.busy for s in scheduler.slots), "a slot idles while trials wait"
        finish, trial_id = heapq.heappop(events)
        if scheduler.pending:
            busy_while_waiting += sum(s.busy for s in scheduler.slots) * (finish - clock)
            time_while_waiting += len(scheduler.slots) * (finish - clock)
        clock = finish
        released = scheduler.release(trial_id)
        assert released is not None and released.index == placed_on[trial_id]
    assert sorted(placed_on) == list(range(200))
    assert {placed_on[t] for t in placed_on} == {0, 1, 2, 3}, "every device must get work"
    utilisation = busy_while_waiting / time_while_waiting
    assert utilisation >= 0.99, f"slot utilisation {utilisation:.3f} while trials were waiting"


def test_release_of_an_unknown_trial_is_a_no_op() -> None:
    scheduler = SlotScheduler(["cpu"])
    scheduler.submit(TrialRequest(0, GENOME, 0))
    scheduler.assign()
    assert scheduler.release(5) is None
    assert scheduler.slots[0].busy


def test_empty_device_list_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one worker slot"):
        SlotScheduler([])
