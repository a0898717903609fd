"""A spec-compliant SSE parser (WHATWG HTML §9.2.6) and a threaded reader."""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass, field

import httpx


@dataclass
class Event:
    event: str = "message"
    data: str = ""
    id: str | None = None

    def json(self):
        return json.loads(self.data)


@dataclass
class Parser:
    """Feed decoded text; get dispatched events. Tracks retry and comments."""

    retry: int | None = None
    last_event_id: str = ""
    comments: list[str] = field(default_factory=list)
    _buffer: str = ""
    _event: str = ""
    _data: list[str] = field(default_factory=list)
    _saw_data: bool = False

    def feed(self, text: str) -> list[Event]:
        self._buffer += text
        events: list[Event] = []
        while True:
            line, ending = self._next_line()
            if ending is None:
                return events
            event = self._process(line)
            if event:
                events.append(event)

    def _next_line(self) -> tuple[str, str | None]:
        for index, char in enumerate(self._buffer):
            if char == "\n" or char == "\r":
                if char == "\r" and index + 1 == len(self._buffer):
                    return "", None  # CR may be the first half of CRLF
                end = (
                    index + 2
                    if self._buffer[index : index + 2] == "\r\n"
                    else index + 1
                )
                line, self._buffer = self._buffer[:index], self._buffer[end:]
                return line, char
        return "", None

    def _process(self, line: str) -> Event | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            self.comments.append(line[1:].strip())
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
            self._saw_data = True
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        elif name == "retry" and value.isdigit():
            self.retry = int(value)
        return None

    def _dispatch(self) -> Event | None:
        event = None
        if self._saw_data:
            event = Event(
                self._event or "message", "\n".join(self._data), self.last_event_id
            )
        self._event, self._data, self._saw_data = "", [], False
        return event


class StreamReader:
    """Read one stream in a thread; take its events one by one with timeouts."""

    def __init__(self, url: str, headers: dict[str, str] | None = None):
        self.url = url
        self.headers = {"Accept": "text/event-stream", **(headers or {})}
        self.parser = Parser()
        self.events: queue.Queue = queue.Queue()
        self.response: httpx.Response | None = None
        self.opened = threading.Event()
        self.ended = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(30, read=60))
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self, timeout: float = 10) -> StreamReader:
        self._thread.start()
        if not self.opened.wait(timeout):
            raise TimeoutError("stream did not open")
        return self

    def _run(self) -> None:
        try:
            with self._client.stream("GET", self.url, headers=self.headers) as response:
                self.response = response
                self.opened.set()
                decoder = response.iter_text()
                for text in decoder:
                    for event in self.parser.feed(text):
                        self.events.put(event)
        except (httpx.HTTPError, RuntimeError):
            pass
        finally:
            self.opened.set()
            self.ended.set()
            self.events.put(None)

    def next(self, timeout: float = 10) -> Event | None:
        """Return the next event, or None when the stream ended."""
        return self.events.get(timeout=timeout)

    def next_of(self, name: str, timeout: float = 10) -> Event:
        """Skip to the next event called name."""
        while True:
            event = self.next(timeout)
            if event is None:
                raise AssertionError(f"stream ended before a {name!r} event")
            if event.event == name:
                return event

    def close(self) -> None:
        if self.response is not None:
            self.response.close()
        self._client.close()
        self._thread.join(timeout=5)
