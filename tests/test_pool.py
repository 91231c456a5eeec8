"""The thread pool's byte budget (pure logic, no S3)."""

from __future__ import annotations

import threading

import pytest

from git_vam.pool import Budget, run_parallel

MiB = 1024**2


def most_at_once(sizes: list[int], budget: Budget, together: int) -> int:
    """Run one task per size on 64 threads, each holding ``budget`` for its size;
    ``together`` of them must meet at a barrier (it breaks, and this raises, if the
    budget lets fewer than that run at once). Returns the most that ever ran at once."""
    barrier = threading.Barrier(together, timeout=20)
    lock, running, most = threading.Lock(), [0], [0]

    def task(size: int) -> None:
        with budget.hold(size):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                barrier.wait()
            finally:
                with lock:
                    running[0] -= 1

    run_parallel(task, sizes, 64)
    return most[0]


def test_tiny_files_all_go_at_once_within_the_bytes() -> None:
    assert most_at_once([256 * 1024] * 64, Budget(64 * MiB, floor=4), together=64) == 64


def test_files_go_as_many_at_once_as_fit() -> None:
    assert most_at_once([20 * MiB] * 9, Budget(64 * MiB, floor=2), together=3) == 3


def test_files_bigger_than_the_budget_still_go_floor_at_a_time() -> None:
    assert most_at_once([100 * MiB] * 8, Budget(64 * MiB, floor=4), together=4) == 4


def test_a_budget_too_small_for_the_next_file_holds_it_back() -> None:
    budget = Budget(10 * MiB, floor=1)
    with budget.hold(8 * MiB):
        started = threading.Event()

        def second() -> None:
            with budget.hold(4 * MiB):
                started.set()

        t = threading.Thread(target=second)
        t.start()
        assert not started.wait(0.5)  # 8 + 4 MiB is over 10 MiB: it waits
    t.join(10)
    assert started.is_set()  # and goes once the first is done


def test_ctrl_c_ends_a_wait_for_the_budget() -> None:
    from git_vam import pool

    budget = Budget(1, floor=0)
    pool.CANCELLED.set()
    try:
        with pytest.raises(pool.Cancelled), budget.hold(2):
            pass
    finally:
        pool.CANCELLED.clear()
