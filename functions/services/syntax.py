"""Deploy checks the syntax of the code in the editor, so a typo is marked on
its line at once instead of failing every invocation with
Runtime.UserCodeSyntaxError. (AWS deploys it anyway; Labda can do better.)

Python files are compiled, never run. JavaScript files are checked with
`node --check` when the web process has a `node` (it parses the file, never
runs it); without one they are not checked and the runtime reports the error
on the first invocation, as on AWS."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from ..errors import ServiceError

ERR_SYNTAX = "SyntaxError in {file}, line {line}: {message}. Fix the line marked in the editor and deploy again."
JS_SUFFIXES = (".js", ".mjs", ".cjs")
NODE_CHECK_SECONDS = 10


class CodeSyntaxError(ServiceError):
    """A file of the package does not parse; `file` and `line` let the editor mark it."""

    def __init__(self, *, file: str, line: int, message: str) -> None:
        super().__init__(ERR_SYNTAX.format(file=file, line=line, message=message.rstrip(".")))
        self.file = file
        self.line = line


def check_python(name: str, source: str) -> None:
    try:
        compile(source, name, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise CodeSyntaxError(file=name, line=exc.lineno or 1, message=exc.msg) from None
    except ValueError as exc:  # a NUL byte in the source
        raise CodeSyntaxError(file=name, line=1, message=str(exc)) from None


_NODE_LOCATION = re.compile(r"^(?P<path>.+):(?P<line>\d+)$", re.MULTILINE)
_NODE_MESSAGE = re.compile(r"^SyntaxError: (?P<message>.+)$", re.MULTILINE)


def check_javascript(files: dict[str, str]) -> None:
    """`node --check` each JavaScript file, beside the package's other files
    (package.json decides between CommonJS and ES modules)."""
    node = shutil.which("node")
    names = [name for name in sorted(files) if name.endswith(JS_SUFFIXES)]
    if node is None or not names:
        return
    with tempfile.TemporaryDirectory(prefix="labda-check-") as tmp:
        root = Path(tmp).resolve()
        for name, text in files.items():
            path = root / PurePosixPath(name)
            if root not in path.resolve().parents:
                continue  # the package code refuses such names anyway
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        for name in names:
            try:
                result = subprocess.run(
                    [node, "--check", str(root / name)], capture_output=True, text=True, timeout=NODE_CHECK_SECONDS, cwd=tmp
                )
            except (OSError, subprocess.TimeoutExpired):
                return  # cannot tell: leave it to the runtime
            if result.returncode == 0:
                continue
            location = _NODE_LOCATION.search(result.stderr)
            message = _NODE_MESSAGE.search(result.stderr)
            raise CodeSyntaxError(
                file=name,
                line=int(location.group("line")) if location else 1,
                message=message.group("message") if message else "the file does not parse",
            )


def code_check_syntax(*, files: dict[str, str | None]) -> None:
    """Raise CodeSyntaxError for the first file that does not parse."""
    texts = {name: text for name, text in files.items() if text is not None}
    for name in sorted(texts):
        if name.endswith(".py"):
            check_python(name, texts[name])
    check_javascript(texts)
