"""The warm pool of one worker host.

Environments are keyed by function, version and revision, so a container only
ever serves the exact code and configuration it was started with. A free warm
environment is reused (module globals and /tmp survive, as on Lambda); when
none is free, a new one is started (a cold start). An environment that timed
out, ran out of memory or crashed is never reused, nor is one found dead
when its turn comes. Idle environments are frozen (see ``environment``),
removed after LABDA_IDLE_TIMEOUT seconds by a reaper thread, and together
stay within LABDA_WARM_MEMORY_BUDGET_MB of configured memory: past it the
least recently used go first.

How many invocations of a function may run at once is decided before the
invocation is queued (see ``concurrency``), across all worker hosts; this pool
only holds what its own host runs.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

from .docker_client import client
from .environment import EnvironmentStartError, ExecutionEnvironment
from .runtime_api import Invoke
from .spec import FunctionSpec, Outcome

log = logging.getLogger(__name__)

__all__ = ["EnvironmentStartError", "WarmPool", "get_pool"]


def worker_name() -> str:
    return settings.LABDA_WORKER_NAME


class WarmPool:
    def __init__(self, worker: str | None = None) -> None:
        self.worker = worker or worker_name()
        self._idle: dict[str, list[ExecutionEnvironment]] = defaultdict(list)
        self._busy: set[ExecutionEnvironment] = set()
        self._lock = threading.Lock()
        # Removing a container takes tens of milliseconds: never on the
        # caller's path.
        self._remover = ThreadPoolExecutor(max_workers=4, thread_name_prefix="labda-remove")
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap_forever, name="labda-reaper", daemon=True)
        self._reaper.start()

    # --- invocations

    def invoke(self, spec: FunctionSpec, request: Invoke) -> Outcome:
        env = self._checkout(spec)
        try:
            # Never hand an event to a dead environment: its runtime may have
            # died after its last result. The next one is fresh, as on Lambda.
            while env.invocations and not env.resume():
                self._checkin(env, reusable=False)
                env = self._checkout(spec)
            if env.invocations == 0:
                env.start()  # raises EnvironmentStartError
            outcome = env.invoke(request, init_timeout=settings.LABDA_INIT_TIMEOUT)
        except BaseException:
            self._checkin(env, reusable=False)
            raise
        self._checkin(env, reusable=outcome.reusable)
        return outcome

    def _checkout(self, spec: FunctionSpec) -> ExecutionEnvironment:
        retired: list[ExecutionEnvironment] = []
        with self._lock:
            # A newer revision of this function retires the older ones.
            for key in [k for k in self._idle if k.startswith(spec.function_uid + ":")]:
                if key != spec.pool_key and key.split(":")[1] == spec.version:
                    retired.extend(self._idle.pop(key))
            idle = self._idle.get(spec.pool_key)
            env = idle.pop() if idle else ExecutionEnvironment(spec, self.worker)
            self._busy.add(env)
        for old in retired:
            self._remover.submit(old.destroy)
        return env

    def _checkin(self, env: ExecutionEnvironment, *, reusable: bool) -> None:
        evicted: list[ExecutionEnvironment] = []
        with self._lock:
            self._busy.discard(env)
            if reusable and not self._stop.is_set():
                self._idle[env.spec.pool_key].append(env)
                evicted = self._over_budget()
            else:
                evicted = [env]
        for old in evicted:
            self._remover.submit(old.destroy)

    def _over_budget(self) -> list[ExecutionEnvironment]:
        """Take idle environments out, least recently used first, until their
        configured memory fits the host's budget (called with the lock held)."""
        budget = settings.LABDA_WARM_MEMORY_BUDGET_MB
        idle = sorted((env for envs in self._idle.values() for env in envs), key=lambda env: env.last_used)
        total = sum(env.spec.memory_size for env in idle)
        evicted = []
        for env in idle:
            if total <= budget:
                break
            self._idle[env.spec.pool_key].remove(env)
            if not self._idle[env.spec.pool_key]:
                del self._idle[env.spec.pool_key]
            total -= env.spec.memory_size
            evicted.append(env)
        return evicted

    def idle_memory_mb(self) -> int:
        with self._lock:
            return sum(env.spec.memory_size for envs in self._idle.values() for env in envs)

    # --- housekeeping

    def idle_count(self, function_uid: str | None = None) -> int:
        with self._lock:
            return sum(
                len(envs) for key, envs in self._idle.items() if function_uid is None or key.startswith(function_uid + ":")
            )

    def reap_idle(self, max_idle: float | None = None) -> int:
        """Remove environments idle for longer than max_idle seconds."""
        max_idle = settings.LABDA_IDLE_TIMEOUT if max_idle is None else max_idle
        cutoff = time.monotonic() - max_idle
        expired: list[ExecutionEnvironment] = []
        with self._lock:
            for key in list(self._idle):
                keep = [env for env in self._idle[key] if env.last_used >= cutoff]
                expired.extend(env for env in self._idle[key] if env.last_used < cutoff)
                if keep:
                    self._idle[key] = keep
                else:
                    del self._idle[key]
        for env in expired:
            env.destroy()
        return len(expired)

    def retire_function(self, function_uid: str, *, version: str | None = None, keep_revision: str | None = None) -> int:
        """Remove a function's idle environments: all of them, or those of one
        version that run another revision than `keep_revision`."""
        with self._lock:
            keys = [
                key
                for key in self._idle
                if key.startswith(function_uid + ":")
                and (version is None or key.split(":")[1] == version)
                and (keep_revision is None or key.split(":")[2] != keep_revision)
            ]
            envs = [env for key in keys for env in self._idle.pop(key)]
        for env in envs:
            env.destroy()
        return len(envs)

    def _reap_forever(self) -> None:
        interval = max(1.0, min(30.0, settings.LABDA_IDLE_TIMEOUT / 4))
        while not self._stop.wait(interval):
            try:
                self.reap_idle()
            except Exception:  # noqa: BLE001 - the reaper must outlive one failure
                log.exception("Reaping idle execution environments failed")

    def shutdown(self) -> None:
        self._stop.set()
        with self._lock:
            envs = [env for envs in self._idle.values() for env in envs]
            self._idle.clear()
        for env in envs:
            env.destroy()
        self._remover.shutdown(wait=True)


def remove_orphans(worker: str | None = None) -> int:
    """Remove every container a previous run of this worker left behind."""
    worker = worker or worker_name()
    api = client().api
    orphans = api.containers(all=True, filters={"label": ["labda=1", f"labda.worker={worker}"]})
    for container in orphans:
        api.remove_container(container["Id"], force=True)
    run_dir = Path(settings.LABDA_RUN_DIR)
    if run_dir.is_dir():
        for child in run_dir.iterdir():
            shutil.rmtree(child, ignore_errors=True)
    return len(orphans)


_pool: WarmPool | None = None
_pool_lock = threading.Lock()


def current_pool() -> WarmPool | None:
    """This process's pool, if it has started one (nothing warm otherwise)."""
    return _pool


def get_pool() -> WarmPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WarmPool()
        return _pool
