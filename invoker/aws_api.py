"""Until Labda's AWS-compatible API exists, the AWS SDK inside a function
gets a clear answer instead of a credentials-provider error or a hang.

The container's environment points the SDKs at a loopback port
(AWS_ENDPOINT_URL) that a relay in the container forwards to the Runtime API
socket, with placeholder credentials so that no credential chain (and no
metadata endpoint) is tried. The Runtime API server answers every path that is
not the Runtime API's at once with an AWS-shaped error: the
``x-amzn-ErrorType`` header and a JSON body for the JSON protocols (Lambda,
DynamoDB, ...), an XML body for the XML ones (S3's shape, or the query
protocol's for STS, SNS, IAM),
so boto3 raises a ClientError and the JavaScript SDK an error carrying the
message. 501 is an error no SDK retries.
"""

from __future__ import annotations

import json
import re
import uuid
from http.server import BaseHTTPRequestHandler
from xml.sax.saxutils import escape

AWS_API_PORT = 9002
ERROR_CODE = "LabdaApiNotAvailable"
STATUS = 501
MESSAGE = (
    "Labda's AWS API is not available yet: this call to {service} ({method} {path}) from the function "
    "cannot be answered. Functions can call AWS services once Labda serves the AWS API."
)
# Placeholder credentials (see the module's docstring); the platform sets them.
PLACEHOLDER_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIALABDANOTAVAILABLE",
    "AWS_SECRET_ACCESS_KEY": "labda-aws-api-not-available-yet",
    "AWS_SESSION_TOKEN": "labda-aws-api-not-available-yet",
}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


def _service(handler: BaseHTTPRequestHandler) -> str:
    match = _SCOPE.search(handler.headers.get("Authorization", ""))
    return match.group(1) if match else "an AWS service"


def _wants_json(handler: BaseHTTPRequestHandler) -> bool:
    content_type = handler.headers.get("Content-Type", "")
    return (
        "json" in content_type or "X-Amz-Target" in handler.headers or _service(handler) not in ("s3", "sts", "sqs", "sns", "iam")
    )


def error_body(handler: BaseHTTPRequestHandler) -> tuple[bytes, str]:
    """(body, content type) of the error for this request."""
    path = handler.path.split("?", 1)[0]
    message = MESSAGE.format(service=_service(handler), method=handler.command, path=path)
    if _wants_json(handler):
        return json.dumps({"__type": ERROR_CODE, "message": message}).encode(), "application/x-amz-json-1.1"
    error = f"<Code>{ERROR_CODE}</Code><Message>{escape(message)}</Message>"
    if _service(handler) == "s3":  # S3's own shape: <Error> at the root
        xml = f"<Error>{error}<RequestId>{uuid.uuid4()}</RequestId></Error>"
    else:  # the query protocol's (STS, SQS, SNS, IAM)
        xml = f"<ErrorResponse><Error><Type>Sender</Type>{error}</Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    return xml.encode(), "application/xml"


class AwsApiStub(BaseHTTPRequestHandler):
    """A mixin of the Runtime API's request handler: any request outside the
    Runtime API gets the error at once (its body is read and dropped)."""

    def aws_api_unavailable(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                break
            length -= len(chunk)
        body, content_type = error_body(self)
        self.send_response(STATUS)
        self.send_header("Content-Type", content_type)
        self.send_header("x-amzn-ErrorType", ERROR_CODE)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", "0" if self.command == "HEAD" else str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_PUT(self) -> None:
        self.aws_api_unavailable()

    def do_DELETE(self) -> None:
        self.aws_api_unavailable()

    def do_HEAD(self) -> None:
        self.aws_api_unavailable()

    def do_PATCH(self) -> None:
        self.aws_api_unavailable()


def is_runtime_api(path: str) -> bool:
    return path.startswith("/2018-06-01/")
