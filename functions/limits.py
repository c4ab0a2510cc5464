"""Lambda's limits as the console enforces them: each written once, here (or,
for what the engine itself enforces, in invoker.limits and invoker.package),
and quoted by the messages that enforce them."""

from __future__ import annotations

from invoker.limits import MAX_PAYLOAD_BYTES, RESERVED_ENV_KEYS
from invoker.package import MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES

__all__ = [
    "DESCRIPTION_MAX_LENGTH",
    "ENV_MAX_BYTES",
    "EPHEMERAL_MAX",
    "EPHEMERAL_MIN",
    "MAX_ASYNC_PAYLOAD",
    "MAX_LAYERS",
    "ERR_CODE_AND_LAYERS_TOO_LARGE",
    "MAX_SYNC_PAYLOAD",
    "MAX_TAGS",
    "TAG_KEY_MAX_LENGTH",
    "TAG_VALUE_MAX_LENGTH",
    "MAX_TEST_EVENTS",
    "MAX_UNZIPPED_BYTES",
    "MAX_ZIPPED_BYTES",
    "MEMORY_MAX",
    "MEMORY_MIN",
    "RESERVED_ENV_KEYS",
    "TIMEOUT_MAX",
    "TIMEOUT_MIN",
]

DESCRIPTION_MAX_LENGTH = 256
MEMORY_MIN, MEMORY_MAX = 128, 10240
TIMEOUT_MIN, TIMEOUT_MAX = 1, 900
EPHEMERAL_MIN, EPHEMERAL_MAX = 512, 10240
ENV_MAX_BYTES = 4 * 1024
MAX_TAGS = 50
TAG_KEY_MAX_LENGTH, TAG_VALUE_MAX_LENGTH = 128, 256
MAX_TEST_EVENTS = 10
# Layers a function can use; their unzipped size counts toward MAX_UNZIPPED_BYTES.
MAX_LAYERS = 5
ERR_CODE_AND_LAYERS_TOO_LARGE = (
    "Function code combined with layers exceeds the maximum allowed size of {limit:,} bytes (250 MB unzipped). "
    "The actual size is {total:,} bytes."
)
# An event (and a response) of a synchronous invocation: 6 MB; of an
# asynchronous one: 1 MB (API_Invoke; older quota pages said 256 KB).
MAX_SYNC_PAYLOAD = MAX_PAYLOAD_BYTES
MAX_ASYNC_PAYLOAD = 1024 * 1024
