"""Units of the engine's environment handling that need no container: the
warm memory budget, framed log records, the CPU quota, exit texts."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

from invoker.log_pipe import LogPipe
from invoker.pool import WarmPool


class FakeEnv:
    """What the pool needs of an environment, without a container."""

    def __init__(self, key: str, memory_size: int, last_used: float) -> None:
        self.spec = SimpleNamespace(pool_key=key, memory_size=memory_size)
        self.last_used = last_used
        self.destroyed = False

    def destroy(self) -> None:
        self.destroyed = True


def test_idle_environments_over_the_memory_budget_go_least_recently_used_first(settings):
    settings.LABDA_WARM_MEMORY_BUDGET_MB = 1024
    pool = WarmPool(worker="unit")
    try:
        oldest, older, newer = FakeEnv("a:1:r", 512, 1.0), FakeEnv("b:1:r", 256, 2.0), FakeEnv("c:1:r", 256, 3.0)
        for env in (newer, oldest, older):  # checked in out of order
            pool._busy.add(env)
            pool._checkin(env, reusable=True)
        assert pool.idle_count() == 3 and not any(e.destroyed for e in (oldest, older, newer))
        latest = FakeEnv("d:1:r", 512, 4.0)
        pool._busy.add(latest)
        pool._checkin(latest, reusable=True)
        pool._remover.shutdown(wait=True)
        assert oldest.destroyed and not older.destroyed and not newer.destroyed and not latest.destroyed
        assert pool.idle_count() == 3
        assert pool.idle_memory_mb() == 1024
    finally:
        pool._stop.set()


def frame(message: bytes, frame_type: int = 0xA55A0003) -> bytes:
    """A record as awslambdaric's FramedTelemetryLogSink writes it."""
    stamp = (time.time_ns() // 1000).to_bytes(8, "big")
    return frame_type.to_bytes(4, "big") + len(message).to_bytes(4, "big") + stamp + message


def test_a_framed_record_with_newlines_is_one_line_among_plain_output(tmp_path):
    pipe = LogPipe(str(tmp_path / "log"), 1 << 20, lambda: None)
    writer = os.open(str(tmp_path / "log"), os.O_WRONLY)
    record = b'[ERROR]\t2024-01-01T00:00:00.000Z\trid\tboom\nTraceback (most recent call last):\n  File "x.py"\n'
    data = b"plain one\n" + frame(record) + b"plain \xc2\xa5Z two\n" + frame(b"[INFO]\tok\n", 0xA55A000F)
    # Split inside a frame's header and inside its record: still one line.
    for cut in (data[:15], data[15:40], data[40:]):
        os.write(writer, cut)
        time.sleep(0.05)
    os.close(writer)
    lines, dropped = pipe.take()
    pipe.close()
    assert [text for _, text in lines] == ["plain one", record[:-1].decode(), "plain \u00a5Z two", "[INFO]\tok"]
    assert dropped == 0


def test_the_cpu_quota_follows_memory_within_bounds():
    from invoker.limits import cpu_quota

    assert cpu_quota(1769, host_cpus=2) == 100_000
    assert cpu_quota(512, host_cpus=2) == round(100_000 * 512 / 1769)
    assert cpu_quota(128, host_cpus=2) == 10_000  # at least 0.1 vCPU
    assert cpu_quota(10240, host_cpus=2) == 200_000  # at most the host's cores


def test_exit_texts_follow_the_init_processs_word():
    from invoker.exits import exit_text

    assert exit_text(129, "Main child exited normally (with status '129')") == "Runtime exited with error: exit status 129"
    assert (
        exit_text(139, "Main child exited with signal (with signal 'Segmentation fault')")
        == "Runtime exited with error: signal: segmentation fault"
    )
    assert exit_text(129, "") == "Runtime exited with error: exit status 129"
    assert exit_text(137, "") == "Runtime exited with error: signal: killed"
    assert exit_text(0, "Main child exited normally (with status '0')") == "Runtime exited without providing a reason"


def test_a_warm_environment_found_dead_is_replaced_not_handed_the_event(settings, monkeypatch):
    from invoker import pool as pool_module

    settings.LABDA_WARM_MEMORY_BUDGET_MB = 1 << 20
    invoked: list[str] = []

    class Env(FakeEnv):
        def __init__(self, spec, worker, *, name="fresh", alive=True) -> None:
            super().__init__(spec.pool_key, spec.memory_size, time.monotonic())
            self.spec = spec
            self.name, self.alive, self.invocations = name, alive, 0

        def start(self) -> None:
            pass

        def resume(self) -> bool:
            return self.alive

        def invoke(self, request, *, init_timeout):
            invoked.append(self.name)
            self.invocations += 1
            return SimpleNamespace(reusable=True)

    monkeypatch.setattr(pool_module, "ExecutionEnvironment", Env)
    spec = SimpleNamespace(pool_key="f:$LATEST:r", function_uid="f", memory_size=128)
    pool = WarmPool(worker="unit")
    try:
        dead = Env(spec, "unit", name="dead", alive=False)
        dead.invocations = 1  # warm: it served an event before its runtime died
        pool._idle[spec.pool_key].append(dead)
        pool.invoke(spec, SimpleNamespace())
        pool._remover.shutdown(wait=True)
        assert invoked == ["fresh"] and dead.destroyed
    finally:
        pool._stop.set()
