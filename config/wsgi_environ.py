"""The WSGI environ of an ASGI request (PEP 3333), and wsgi.file_wrapper."""

from __future__ import annotations

import io
import sys
from typing import Any

Scope = dict[str, Any]
# A file response is read and sent in blocks of at least this many bytes: one
# hop to a pool thread and one write per block.
FILE_BLOCK_BYTES = 64 * 1024


class FileWrapper:
    """wsgi.file_wrapper: a file's body in blocks of at least FILE_BLOCK_BYTES."""

    def __init__(self, filelike, block_size: int = FILE_BLOCK_BYTES) -> None:
        self.filelike = filelike
        self.block_size = max(block_size, FILE_BLOCK_BYTES)

    def __iter__(self):
        while block := self.filelike.read(self.block_size):
            yield block

    def close(self) -> None:
        close = getattr(self.filelike, "close", None)
        if close is not None:
            close()


def environ_for(scope: Scope, body: io.BytesIO) -> dict[str, Any]:
    """Return the WSGI environ of an ASGI HTTP scope (PEP 3333, asgiref's rules)."""
    script_name = scope.get("root_path", "").encode("utf-8").decode("latin-1")
    path_info = scope["path"].encode("utf-8").decode("latin-1")
    if script_name and path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileWrapper,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1")
        if "_" in name:
            # X_Forwarded_Proto would pass for X-Forwarded-Proto: dropped, as
            # gunicorn and Django's runserver drop it.
            continue
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            key = "HTTP_" + key
        value = raw_value.decode("latin-1")
        if key in environ:
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        environ[key] = value
    return environ
