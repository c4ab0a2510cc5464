"""Labda's Python runtime: a client of the Lambda Runtime API (2018-06-01).

It gives functions the Lambda programming model, as awslambdaric does:
``handler(event, context)``, the context object, ``print`` and ``logging`` in
the function's log, and errors shaped as Lambda shapes them. It talks to the
worker over the Unix socket in LABDA_RUNTIME_SOCKET (the container has no
network), or over AWS_LAMBDA_RUNTIME_API (host:port) when that is not set.
"""

import decimal
import http.client
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

API = "/2018-06-01/runtime"
BOOTSTRAP = os.path.abspath(__file__)


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self._path)


class RuntimeClient:
    def __init__(self):
        path = os.environ.get("LABDA_RUNTIME_SOCKET")
        if path:
            self.conn = UnixHTTPConnection(path)
        else:
            self.conn = http.client.HTTPConnection(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))

    def _call(self, method, path, body=None, headers=None):
        self.conn.request(method, API + path, body=body, headers=headers or {})
        resp = self.conn.getresponse()
        return resp, resp.read()

    def next(self):
        resp, body = self._call("GET", "/invocation/next")
        if resp.status == 410:
            # The environment is being retired: end quietly, nothing failed.
            sys.exit(0)
        if resp.status != 200:
            raise RuntimeError(f"GET /runtime/invocation/next -> HTTP {resp.status}: {body[:200]!r}")
        return body, {k.lower(): v for k, v in resp.getheaders()}

    def post_response(self, request_id, body, content_type="application/json"):
        self._call("POST", f"/invocation/{request_id}/response", body, {"Content-Type": content_type})

    def post_error(self, request_id, error):
        self._post_error(f"/invocation/{request_id}/error", error)

    def post_init_error(self, error):
        self._post_error("/init/error", error)

    def _post_error(self, path, error):
        headers = {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]}
        self._call("POST", path, json.dumps(error).encode(), headers)


class _DecimalNumber(float):
    """A Decimal on its way into JSON: written with its own digits."""

    def __new__(cls, value):
        number = super().__new__(cls, value)
        number.text = "NaN" if value.is_nan() else str(value)
        return number


class _DecimalEncoder(json.JSONEncoder):
    """As awslambdaric's marshaller: a Decimal (DynamoDB's numbers) is written
    as a JSON number, with its exact digits."""

    def default(self, o):
        if isinstance(o, decimal.Decimal):
            return _DecimalNumber(o)
        return super().default(o)

    def iterencode(self, o, _one_shot=False):
        # The pure-Python encoder, whose float formatting can be told about
        # Decimals (the C one formats every float itself).
        markers = {} if self.check_circular else None

        def floatstr(number):
            if isinstance(number, _DecimalNumber):
                return number.text
            if number != number:
                return "NaN"
            if number in (float("inf"), float("-inf")):
                return "Infinity" if number > 0 else "-Infinity"
            return float.__repr__(number)

        return json.encoder._make_iterencode(
            markers, self.default, json.encoder.py_encode_basestring_ascii, self.indent, floatstr,
            self.key_separator, self.item_separator, self.sort_keys, self.skipkeys, _one_shot,
        )(o, 0)


def to_json(result):
    try:
        return json.dumps(result)
    except TypeError:
        # Rare (a Decimal somewhere): the slower encoder that writes them.
        return json.dumps(result, cls=_DecimalEncoder)


class FaultException(Exception):
    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def user_frames(tb):
    """The traceback without the runtime's own frames, as Lambda shows it (the
    SDK's frames under /var/runtime stay, as on AWS)."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename != BOOTSTRAP]
    return traceback.format_list(frames)


def make_error(exc, request_id=None, error_type=None, trace=None):
    error = {"errorMessage": str(exc), "errorType": error_type or type(exc).__name__}
    if request_id is not None:
        error["requestId"] = request_id
    error["stackTrace"] = trace if trace is not None else user_frames(exc.__traceback__)
    return error


class LogSink:
    """Where log records go: framed on the descriptor in _LAMBDA_TELEMETRY_LOG_FD
    (a record keeps its newlines and stays one log event, as awslambdaric
    does on Lambda), or to stdout with newlines turned into \\r."""

    TEXT_FRAME = 0xA55A0003.to_bytes(4, "big")

    def __init__(self):
        fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
        self.file = None
        if fd:
            try:
                self.file = os.fdopen(int(fd), "wb", 0)
            except (OSError, ValueError):
                self.file = None

    def write(self, record):
        if self.file is None:
            sys.stdout.write(record.replace("\n", "\r") + "\n")
            return
        data = record.encode("utf-8", "replace")
        stamp = (time.time_ns() // 1000).to_bytes(8, "big")
        self.file.write(self.TEXT_FRAME + len(data).to_bytes(4, "big") + stamp + data)


SINK = None


def log_error(error):
    """One log record, as the Lambda runtime writes it."""
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}"]
    if error["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        for frame in error["stackTrace"]:
            lines.extend(line for line in frame.rstrip("\n").split("\n"))
    SINK.write("\n".join(lines))


def load_handler(spec):
    try:
        module_path, func_name = spec.rsplit(".", 1)
    except ValueError:
        raise FaultException("Runtime.MalformedHandlerName", f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)", []) from None
    module_name = module_path.replace("/", ".")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultException(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
            [],
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise FaultException("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}", []) from None
    except SyntaxError as exc:
        raise FaultException(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {exc}",
            [f'  File "{exc.filename}" Line {exc.lineno}\n        {(exc.text or "").strip()}\n'],
        ) from None
    except Exception as exc:
        raise FaultException(type(exc).__name__, str(exc), user_frames(exc.__traceback__)) from None
    handler = getattr(module, func_name, None)
    if handler is None:
        raise FaultException("Runtime.HandlerNotFound", f"Handler '{func_name}' missing on module '{module_name}'", [])
    return handler


class CognitoIdentity:
    def __init__(self, data):
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class LambdaContext:
    def __init__(self, headers):
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms", "0"))
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = CognitoIdentity(json.loads(headers.get("lambda-runtime-cognito-identity") or "{}"))
        client_context = headers.get("lambda-runtime-client-context")
        self.client_context = json.loads(client_context) if client_context else None

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


class LambdaLogFormatter(logging.Formatter):
    """[LEVEL]\\t<UTC time>Z\\t<request id>\\t<message>, as in CloudWatch."""

    request_id = ""

    def __init__(self):
        super().__init__("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
        self.converter = time.gmtime

    def format(self, record):
        record.aws_request_id = LambdaLogFormatter.request_id
        return super().format(record)


class LambdaLogHandler(logging.Handler):
    """One record, one log event (a logged traceback included)."""

    def emit(self, record):
        try:
            SINK.write(self.format(record))
        except Exception:  # noqa: BLE001 - as logging's own handlers do
            self.handleError(record)


def setup_logging():
    global SINK
    SINK = LogSink()
    handler = LambdaLogHandler()
    handler.setFormatter(LambdaLogFormatter())
    logging.getLogger().addHandler(handler)


def handle_one(client, handler):
    body, headers = client.next()
    request_id = headers["lambda-runtime-aws-request-id"]
    LambdaLogFormatter.request_id = request_id
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    try:
        event = json.loads(body) if body else None
    except ValueError as exc:
        error = make_error(exc, request_id, "Runtime.UnmarshalError", [])
        error["errorMessage"] = f"Unable to unmarshal input: {exc}"
        log_error(error)
        client.post_error(request_id, error)
        return
    try:
        result = handler(event, LambdaContext(headers))
    except Exception as exc:
        error = make_error(exc, request_id)
        log_error(error)
        client.post_error(request_id, error)
        return
    if isinstance(result, (bytes, bytearray)):
        client.post_response(request_id, bytes(result), "application/unknown")
        return
    try:
        payload = to_json(result).encode()
    except (TypeError, ValueError) as exc:
        error = make_error(exc, request_id, "Runtime.MarshalError", [])
        error["errorMessage"] = f"Unable to marshal response: {exc}"
        log_error(error)
        client.post_error(request_id, error)
        return
    client.post_response(request_id, payload)


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    # As on Lambda: the function's folder first, then the layers' folders
    # (/opt/python/lib/pythonX.Y/site-packages, /opt/python), then the runtime's
    # (PYTHONPATH: the SDK), so a layer's boto3 wins over the runtime's.
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    sys.path[:0] = [task_root, f"/opt/python/lib/{version}/site-packages", "/opt/python"]
    os.chdir(task_root)
    setup_logging()
    client = RuntimeClient()
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except FaultException as exc:
        error = {"errorMessage": exc.message, "errorType": exc.error_type, "requestId": "", "stackTrace": exc.trace or []}
        log_error(error)
        client.post_init_error(error)
        sys.exit(1)
    while True:
        handle_one(client, handler)


if __name__ == "__main__":
    main()
