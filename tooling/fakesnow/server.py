"""fakesnow's own server app, wrapped so that the Node snowflake-sdk can talk to it.

fakesnow (https://pypi.org/project/fakesnow/) answers as the Python connector expects. The
Node SDK differs in three ways, and this middleware changes only the wire encoding for them:

1. Result sets: fakesnow sends Arrow (`rowsetBase64`); the Node SDK has no Arrow decoder. The
   Arrow batch is decoded here and re-sent as a JSON `rowset`, in Snowflake's JSON result
   conventions (FIXED as a decimal string at the column's scale, BOOLEAN "1"/"0", DATE as days
   since the epoch, TIME/TIMESTAMP_* as "seconds.nanos" (TIMESTAMP_TZ with " 1440" for UTC),
   VARIANT/OBJECT/ARRAY as JSON text, BINARY as hex).
2. PUT: fakesnow advertises a GCS presigned upload (for clients on another filesystem). The
   Node SDK's GCS path needs a region; its LOCAL_FS path works, so the stage info is turned back
   into `LOCAL_FS` at fakesnow's bucket folder. Client and server must share a filesystem.
3. DML answers (a JSON rowset of affected-row counts) lack `returned`, which the Node SDK needs
   to see the result is complete: it is added.
4. Errors: a 5xx makes the Node SDK retry for over a minute and re-run statements; an error
   without `sqlState` is retried too. Both become a 200 with `success: false` and a sqlState.

Run: python server.py --host 127.0.0.1 --port 28090
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlparse

import pyarrow as pa
import uvicorn
from fakesnow.server import app as fakesnow_app
from fakesnow.transforms import stage as fakesnow_stage

QUERY_PATH = "/queries/v1/query-request"
EPOCH = dt.date(1970, 1, 1)


def _seconds_nanos(total_ns: int) -> str:
    sign = "-" if total_ns < 0 else ""
    seconds, nanos = divmod(abs(total_ns), 1_000_000_000)
    return f"{sign}{seconds}.{nanos:09d}"


def json_value(value: Any, column: dict[str, Any]) -> str | None:
    """One Arrow value (as pyarrow's to_pylist gives it) in Snowflake's JSON result form."""
    if value is None:
        return None
    kind = str(column.get("type", "text")).lower()
    scale = int(column.get("scale") or 0)
    if kind == "fixed":
        if isinstance(value, Decimal):
            return f"{value:.{scale}f}"
        if isinstance(value, int) and scale > 0:
            # fakesnow may hand an integer holding the unscaled value's integer part
            return f"{Decimal(value):.{scale}f}"
        return str(value)
    if kind == "boolean":
        return "1" if value else "0"
    if kind == "date":
        if isinstance(value, dt.date):
            return str((value - EPOCH).days)
        return str(value)
    if kind == "time":
        if isinstance(value, int):  # nanoseconds since midnight
            return _seconds_nanos(value)
        if isinstance(value, dt.time):
            ns = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000_000 + value.microsecond * 1000
            return _seconds_nanos(ns)
        return str(value)
    if kind.startswith("timestamp"):
        if isinstance(value, dict):
            text = _seconds_nanos(int(value["epoch"]) * 1_000_000_000 + int(value["fraction"]))
            return f"{text} {value['timezone']}" if "timezone" in value else text
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.timezone.utc)
                suffix = ""
            else:
                suffix = " 1440"
            delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
            ns = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
            text = _seconds_nanos(ns)
            return f"{text}{suffix}" if kind == "timestamp_tz" else text
        return str(value)
    if kind in ("binary",):
        return bytes(value).hex().upper() if isinstance(value, (bytes, bytearray)) else str(value)
    if kind in ("variant", "object", "array"):
        return value if isinstance(value, str) else json.dumps(value)
    if kind == "real":
        return repr(float(value))
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def arrow_to_rowset(rowset_b64: str, rowtype: list[dict[str, Any]]) -> list[list[str | None]]:
    if not rowset_b64:
        return []
    table = pa.ipc.open_stream(base64.b64decode(rowset_b64)).read_all()
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [
        [json_value(col[r], rowtype[i] if i < len(rowtype) else {}) for i, col in enumerate(columns)]
        for r in range(table.num_rows)
    ]


def local_fs_stage_info(stage_info: dict[str, Any]) -> dict[str, Any]:
    """GCS presigned stage info (fakesnow's) → LOCAL_FS at the bucket folder it points into."""
    url = stage_info.get("presignedUrl") or ""
    path = unquote(urlparse(url).path)
    relative = path.split("/fs_bucket/", 1)[1] if "/fs_bucket/" in path else ""
    folder = os.path.join(fakesnow_stage.LOCAL_BUCKET_PATH, os.path.dirname(relative))
    return {"locationType": "LOCAL_FS", "location": folder + os.sep, "path": "", "creds": {}}


def translate(body: dict[str, Any], status: int) -> dict[str, Any]:
    if status >= 500 or (body.get("success") is False and not (body.get("data") or {}).get("sqlState")):
        code = str(body.get("code") or "000603")
        return {
            "data": {"errorCode": code, "sqlState": "XX000"},
            "code": code,
            "message": body.get("message") or f"fakesnow answered HTTP {status}",
            "success": False,
        }
    data = body.get("data")
    if not isinstance(data, dict):
        return body
    stage_info = data.get("stageInfo")
    if isinstance(stage_info, dict) and stage_info.get("locationType") == "GCS":
        data["stageInfo"] = local_fs_stage_info(stage_info)
    if data.get("queryResultFormat") == "arrow":
        data["rowset"] = arrow_to_rowset(data.pop("rowsetBase64", "") or "", data.get("rowtype") or [])
        data["queryResultFormat"] = "json"
        data["returned"] = len(data["rowset"])
    elif isinstance(data.get("rowset"), list) and "returned" not in data:
        # DML (INSERT/UPDATE/DELETE/MERGE) answers come as a JSON rowset without `returned`:
        # the Node SDK then waits for rows that never come, and the statement never completes.
        data["returned"] = len(data["rowset"])
    return body


class NodeSdkMiddleware:
    """ASGI middleware: buffers the query endpoint's JSON answer and rewrites it (see above)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") != QUERY_PATH:
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                status = int(start.get("status", 200))
                raw = b"".join(chunks)
                try:
                    out = json.dumps(translate(json.loads(raw), status)).encode()
                    status = 200
                except ValueError:
                    out = raw
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length",)]
                headers.append((b"content-length", str(len(out)).encode()))
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": out})
                return
            await send(message)

        await self.app(scope, receive, capture)


app = NodeSdkMiddleware(fakesnow_app)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=28090)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
