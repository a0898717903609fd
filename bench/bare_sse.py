"""The leanest SSE endpoint uvicorn can serve: a baseline for memory per stream.

Raw ASGI, no Django: headers, retry:, one connected event, then a ping every
15 s until the client leaves. `uvicorn bench.bare_sse:app`.
"""

import asyncio

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
]


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send(
        {
            "type": "http.response.body",
            "body": b'retry: 5000\n\nevent: connected\ndata: {"bare":true}\n\n',
            "more_body": True,
        }
    )
    while True:
        try:
            async with asyncio.timeout(15):
                message = await receive()
            if message["type"] == "http.disconnect":
                return
        except TimeoutError:
            await send(
                {"type": "http.response.body", "body": b": ping\n\n", "more_body": True}
            )
