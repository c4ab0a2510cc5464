"""Units of the invoker that need no container: the REPORT line, billing,
and the Docker flags every limit becomes."""

from __future__ import annotations

import pytest

from invoker import report
from invoker.limits import container_create_args, cpu_shares
from invoker.package import build_zip, sha256_hex
from invoker.spec import FunctionSpec


def spec(**overrides) -> FunctionSpec:
    data = build_zip({"lambda_function.py": ""})
    values = {
        "function_uid": "u1",
        "revision_id": "r1",
        "name": "Fn",
        "version": "$LATEST",
        "runtime": "python3.11",
        "handler": "lambda_function.lambda_handler",
        "memory_size": 512,
        "timeout": 3,
        "ephemeral_storage": 512,
        "environment": {"MY_VAR": "1", "AWS_LAMBDA_FUNCTION_NAME": "spoofed"},
        "code_sha256_hex": sha256_hex(data),
        "load_code": lambda: data,
    }
    values.update(overrides)
    return FunctionSpec(**values)


def test_the_report_line_has_lambdas_fields_in_order():
    line = report.report_line(
        request_id="r", duration_ms=3.014, billed_ms=4, memory_size=128, max_memory_used_mb=36, init_duration_ms=110.1
    )
    assert (
        line
        == "REPORT RequestId: r\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t"
    )


def test_a_warm_report_has_no_init_duration_and_a_timeout_says_so():
    line = report.report_line(
        request_id="r",
        duration_ms=1000,
        billed_ms=1000,
        memory_size=128,
        max_memory_used_mb=30,
        init_duration_ms=None,
        status="timeout",
    )
    assert "Init Duration" not in line and line.endswith("Status: timeout\t")


@pytest.mark.parametrize(("duration", "init", "billed"), [(0.2, None, 1), (1.0, None, 1), (1.01, None, 2), (3.5, 100.2, 104)])
def test_billed_duration_rounds_up_to_the_millisecond(duration, init, billed):
    assert report.billed_duration_ms(duration, init) == billed


def test_every_limit_is_a_docker_flag(settings):
    create, host = container_create_args(
        spec(), env_id="e1", log_stream="s", image="img", code_dir="/code", socket_dir="/sock", worker="w"
    )
    assert host["network_mode"] == "none"
    assert host["read_only"] is True
    assert host["mem_limit"] == host["memswap_limit"] == "512m"
    assert host["cpu_shares"] == cpu_shares(512) == 296
    assert host["pids_limit"] == settings.LABDA_PIDS_LIMIT
    assert host["cap_drop"] == ["ALL"]
    assert host["security_opt"] == ["no-new-privileges"]
    assert host["tmpfs"]["/tmp"].startswith("rw,nosuid,nodev,size=512m")
    assert host["binds"]["/code"] == {"bind": "/var/task", "mode": "ro"}
    assert "privileged" not in host and all("docker.sock" not in path for path in host["binds"])
    assert create["user"] == "993:990"
    assert create["labels"]["labda.function"] == "u1" and create["labels"]["labda.worker"] == "w"
    # The platform's variables win over the user's.
    assert create["environment"]["AWS_LAMBDA_FUNCTION_NAME"] == "Fn"
    assert create["environment"]["MY_VAR"] == "1"


def test_cpu_share_grows_with_memory():
    assert cpu_shares(128) < cpu_shares(1769) == 1024 < cpu_shares(10240)


def test_the_6_mb_messages_quote_the_limit_they_enforce():
    from invoker import limits, runtime_api

    assert limits.MAX_PAYLOAD_BYTES == 6 * 1024 * 1024
    assert runtime_api.MAX_RESPONSE_BYTES == limits.MAX_PAYLOAD_BYTES
    assert f"({limits.MAX_PAYLOAD_BYTES} bytes)" in limits.ERR_RESPONSE_TOO_LARGE


def test_reserved_keys_are_the_keys_the_platform_sets():
    from invoker.limits import CREDENTIAL_ENV_KEYS, DEFAULT_ENV, RESERVED_ENV_KEYS, container_environment

    env = container_environment(spec(environment={"TZ": "Europe/Paris", "MY_KEY": "1"}), "stream")
    platform = set(env) - {"MY_KEY", *DEFAULT_ENV}
    # Lambda's documented reserved variables, which the container really gets.
    documented = {
        "_HANDLER",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
    assert documented <= platform <= RESERVED_ENV_KEYS
    assert "MY_KEY" not in RESERVED_ENV_KEYS
    assert CREDENTIAL_ENV_KEYS <= RESERVED_ENV_KEYS
    # Unreserved, as on AWS: a function may set its own time zone.
    assert "TZ" not in RESERVED_ENV_KEYS and env["TZ"] == "Europe/Paris"


def test_the_aws_sdk_gets_a_placeholder_endpoint_and_credentials():
    from invoker.aws_api import PLACEHOLDER_CREDENTIALS
    from invoker.limits import DEFAULT_ENV, RESERVED_ENV_KEYS

    # A function may point its SDK elsewhere; it may not set the credentials.
    assert DEFAULT_ENV["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9002"
    assert "AWS_ENDPOINT_URL" not in RESERVED_ENV_KEYS
    assert set(PLACEHOLDER_CREDENTIALS) <= RESERVED_ENV_KEYS


def test_the_aws_api_error_has_each_protocols_shape():
    from email.message import Message

    from invoker.aws_api import error_body

    class Request:
        command, path = "POST", "/?Action=GetCallerIdentity"

        def __init__(self, service: str, content_type: str = "") -> None:
            self.headers = Message()
            self.headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/{service}/aws4_request"
            if content_type:
                self.headers["Content-Type"] = content_type

    body, kind = error_body(Request("dynamodb", "application/x-amz-json-1.0"))  # type: ignore[arg-type]
    assert kind == "application/x-amz-json-1.1" and b'"__type": "LabdaApiNotAvailable"' in body
    body, kind = error_body(Request("s3"))  # type: ignore[arg-type]
    assert kind == "application/xml" and body.startswith(b"<Error><Code>LabdaApiNotAvailable</Code><Message>")
    body, _ = error_body(Request("sts"))  # type: ignore[arg-type]
    assert body.startswith(b"<ErrorResponse><Error><Type>Sender</Type><Code>LabdaApiNotAvailable</Code>")
    assert b"this call to sts (POST /) from the function" in body
