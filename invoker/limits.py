"""The container a function runs in: every limit is a Docker flag, built here."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings

from .aws_api import AWS_API_PORT, PLACEHOLDER_CREDENTIALS
from .code_cache import opt_dir
from .spec import FunctionSpec

SANDBOX_USER = "993:990"  # sbx_user1051, as on Lambda
# Lambda gives a function one vCPU's worth of CPU at 1,769 MB.
MB_PER_VCPU = 1769
RUNTIME_API_PORT = 9001
# Lambda's limit on a synchronous invocation's event and response: 6 MB.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
ERR_RESPONSE_TOO_LARGE = f"Response payload size exceeded maximum allowed payload size ({MAX_PAYLOAD_BYTES} bytes)."
# Credentials the platform sets (for the execution role), never the user.
CREDENTIAL_ENV_KEYS = frozenset({"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})


# The CFS period; a container's quota is its share of CPU time within it.
CPU_PERIOD_US = 100_000
# The least CPU an environment gets, in vCPUs (128 MB would get 0.07 by the
# ratio, too little to start a runtime in time).
MIN_VCPU = 0.1
# On the container's init (tini) only: the entrypoint unsets it before the
# runtime starts. Its INFO lines say how the runtime ended (see exits).
INIT_ENV = {"TINI_VERBOSITY": "2"}


def cpu_shares(memory_size: int) -> int:
    """CPU weight proportional to memory (Docker's default weight is 1024)."""
    return max(2, round(1024 * memory_size / MB_PER_VCPU))


def cpu_quota(memory_size: int, host_cpus: int | None = None) -> int:
    """CPU time per period, in proportion to memory as on Lambda (one vCPU
    at 1,769 MB): a hard cap, where shares only weigh containers against each
    other when the host is busy. At least MIN_VCPU, at most the host's cores."""
    cores = host_cpus or os.cpu_count() or 1
    vcpus = min(max(memory_size / MB_PER_VCPU, MIN_VCPU), cores)
    return round(CPU_PERIOD_US * vcpus)


# Unreserved variables the platform sets and a function may override (AWS's TZ).
# The AWS SDKs' endpoint: a loopback relay (entrypoint.sh) to the Runtime API
# socket, which answers AWS calls with a clear error until Labda's AWS API
# exists (invoker/aws_api.py).
DEFAULT_ENV = {"TZ": ":UTC", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{AWS_API_PORT}"}


def container_environment(spec: FunctionSpec, log_stream: str) -> dict[str, str]:
    """Defaults, then the user's variables; the platform's reserved ones win."""
    env = {**DEFAULT_ENV, **spec.environment, **PLACEHOLDER_CREDENTIALS}
    env.update(
        {
            "_HANDLER": spec.handler,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{RUNTIME_API_PORT}",
            "LABDA_RUNTIME_SOCKET": "/var/run/labda/runtime.sock",
            "LAMBDA_TASK_ROOT": "/var/task",
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
        }
    )
    return env


def _platform_keys() -> frozenset[str]:
    probe = FunctionSpec(
        function_uid="",
        revision_id="",
        name="",
        version="",
        runtime="",
        handler="",
        memory_size=0,
        timeout=0,
        ephemeral_storage=0,
        environment={},
        code_sha256_hex="",
        load_code=bytes,
    )
    return frozenset(container_environment(probe, ""))


# Lambda's reserved variables: a function's configuration cannot set them.
# Exactly the keys the container really gets from the platform, and the
# credentials.
RESERVED_ENV_KEYS = (_platform_keys() - set(DEFAULT_ENV)) | CREDENTIAL_ENV_KEYS | {"_X_AMZN_TRACE_ID"}


def container_create_args(
    spec: FunctionSpec, *, env_id: str, log_stream: str, image: str, code_dir: str, socket_dir: str, worker: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(arguments of create_container, arguments of create_host_config)."""
    memory = f"{spec.memory_size}m"
    binds = {
        code_dir: {"bind": "/var/task", "mode": "ro"},
        socket_dir: {"bind": "/var/run/labda", "mode": "rw"},
    }
    layers = opt_dir(spec)
    if layers is not None:
        # The merged layers, read-only at /opt as on Lambda.
        binds[str(layers)] = {"bind": "/opt", "mode": "ro"}
    host_config = {
        "network_mode": "none",
        "read_only": True,
        # /tmp is a tmpfs of the function's ephemeral storage size. Its pages
        # count against the memory limit, as Docker charges tmpfs to the cgroup.
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={spec.ephemeral_storage}m,mode=1777"},
        "mem_limit": memory,
        "memswap_limit": memory,  # equal to the memory limit: no swap
        "cpu_shares": cpu_shares(spec.memory_size),
        "cpu_period": CPU_PERIOD_US,
        "cpu_quota": cpu_quota(spec.memory_size),
        "pids_limit": settings.LABDA_PIDS_LIMIT,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 1024}],
        "init": True,
        "binds": binds,
        "log_config": {"Type": "json-file", "Config": {"max-size": "1m", "max-file": "1"}},
    }
    create = {
        "image": image,
        "name": f"labda-{env_id}",
        "user": SANDBOX_USER,
        "environment": {**container_environment(spec, log_stream), **INIT_ENV},
        "labels": {
            "labda": "1",
            "labda.worker": worker,
            "labda.function": spec.function_uid,
            "labda.function-name": spec.name,
            "labda.version": spec.version,
            "labda.revision": spec.revision_id,
            "labda.owner": str(spec.owner_id),
        },
    }
    return create, host_config
