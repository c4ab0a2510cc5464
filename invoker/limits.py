"""The container a function runs in: every limit is a Docker flag, built here."""

from __future__ import annotations

from django.conf import settings

from .spec import FunctionSpec

SANDBOX_USER = "993:990"  # sbx_user1051, as on Lambda
# Lambda gives a function one vCPU's worth of CPU at 1,769 MB.
MB_PER_VCPU = 1769
RUNTIME_API_PORT = 9001


def cpu_shares(memory_size: int) -> int:
    """CPU weight proportional to memory (Docker's default weight is 1024)."""
    return max(2, round(1024 * memory_size / MB_PER_VCPU))


def container_environment(spec: FunctionSpec, log_stream: str) -> dict[str, str]:
    """The user's variables first; the platform's reserved ones win."""
    env = dict(spec.environment)
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
            "TZ": ":UTC",
        }
    )
    return env


def container_create_args(
    spec: FunctionSpec, *, env_id: str, log_stream: str, image: str, code_dir: str, socket_dir: str, worker: str
) -> tuple[dict, dict]:
    """(arguments of create_container, arguments of create_host_config)."""
    memory = f"{spec.memory_size}m"
    host_config = {
        "network_mode": "none",
        "read_only": True,
        # /tmp is a tmpfs of the function's ephemeral storage size. Its pages
        # count against the memory limit, as Docker charges tmpfs to the cgroup.
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={spec.ephemeral_storage}m,mode=1777"},
        "mem_limit": memory,
        "memswap_limit": memory,  # equal to the memory limit: no swap
        "cpu_shares": cpu_shares(spec.memory_size),
        "pids_limit": settings.LABDA_PIDS_LIMIT,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 1024}],
        "init": True,
        "binds": {
            code_dir: {"bind": "/var/task", "mode": "ro"},
            socket_dir: {"bind": "/var/run/labda", "mode": "rw"},
        },
        "log_config": {"Type": "json-file", "Config": {"max-size": "1m", "max-file": "1"}},
    }
    create = {
        "image": image,
        "name": f"labda-{env_id}",
        "user": SANDBOX_USER,
        "environment": container_environment(spec, log_stream),
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
