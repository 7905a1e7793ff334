"""A deliberately small HTTP/1.1 client for the load benchmark (``benchmarks/load_answers.py``): asyncio streams, one
connection per simulated browser, cookies, form posts, latency recording, and a stdlib HTML form reader.

Why not requests/httpx/Locust: none is installed, and a thread or greenlet per student would spend more CPU in the
client than the server under test can afford on a 2-core machine. Plain asyncio streams cost about 0.4 ms of CPU per
request (HTML form parsing included). gunicorn's sync workers close every connection after one response (no
keep-alive), so the client reconnects whenever the server says ``Connection: close``; the connect time is part of each
measured latency, as it is for a real browser.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote_plus, urlsplit

SESSION_COOKIE = "pix_lti_session"
TCP_CONNECT = "(TCP connect)"
REQUEST_TIMEOUT = 30.0  # gunicorn kills a worker after 30 s (config/gunicorn.conf.py): never wait longer than that

# What each request is, for the report. The order matters: the first matching pattern names the request.
CATEGORIES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (method, name, re.compile(pattern)) for method, name, pattern in (
        ("POST", "answer POST", r"^/evaluations/\d+/question$"),
        ("GET", "question GET", r"^/evaluations/\d+/question$"),
        ("GET", "router GET", r"^/evaluations/\d+$"),
        ("POST", "timer start POST", r"^/evaluations/\d+/question/demarrer$"),
        ("GET", "checkpoint GET", r"^/evaluations/\d+/point-etape$"),
        ("POST", "checkpoint POST", r"^/evaluations/\d+/point-etape$"),
        ("GET", "result GET", r"^/evaluations/\d+/resultat$"),
        ("POST", "start POST", r"^/competences/[^/]+/evaluer$"),
        ("GET", "profile GET", r"^/profil$"),
        ("GET", "home GET", r"^/$"),
        ("GET", "login GET", r"^/connexion$"),
        ("POST", "login POST", r"^/connexion$"),
        ("POST", "bare INSERT POST", r"^/bare$"),
    )
)


def categorise(method: str, path: str) -> str:
    bare_path = path.split("?", 1)[0]
    for cat_method, name, pattern in CATEGORIES:
        if cat_method == method and pattern.match(bare_path):
            return name
    return f"other {method}"


# ---------------------------------------------------------------------------------------------------------------------
# Measurements


@dataclass
class Recorder:
    """Latencies per request category, plus errors. Only requests *started* while ``recording`` is on are kept, so
    that a phase's figures exclude its warm-up and nothing from the previous phase."""

    recording: bool = False
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    started_at: float = 0.0
    last_end: float = 0.0
    requests: int = 0
    span: float | None = None  # set on merged recorders: the sum of their measured periods

    def start(self) -> None:
        self.recording = True
        self.started_at = time.perf_counter()
        self.last_end = self.started_at

    def add(self, category: str, status: int, seconds: float, end: float, path: str) -> None:
        self.requests += 1
        self.latencies[category].append(seconds)
        self.statuses[category][status] += 1
        self.last_end = max(self.last_end, end)
        if status >= 400:  # only 2xx/3xx are successes in this journey
            self.error(f"{category} -> HTTP {status}", f"{status} {path}")

    def composite(self, category: str, seconds: float) -> None:
        """A latency spanning several requests (e.g. an answer and its redirects); not a request of its own."""
        self.latencies[category].append(seconds)

    def error(self, kind: str, sample: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(sample)

    @property
    def elapsed(self) -> float:
        return self.span if self.span is not None else max(self.last_end - self.started_at, 1e-9)


def merge(recorders: list[Recorder]) -> Recorder:
    """One recorder for several measured periods (the bare route runs before and after the students)."""
    merged = Recorder(span=sum(r.elapsed for r in recorders))
    for r in recorders:
        merged.requests += r.requests
        merged.errors.update(r.errors)
        merged.error_samples += r.error_samples[: max(0, 20 - len(merged.error_samples))]
        for category, values in r.latencies.items():
            merged.latencies[category].extend(values)
        for category, counts in r.statuses.items():
            merged.statuses[category].update(counts)
    return merged


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (the value below which ``q`` % of the samples lie) of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Summary:
    category: str
    count: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def summarise(recorder: Recorder) -> dict[str, Summary]:
    out = {}
    for category, values in sorted(recorder.latencies.items()):
        ordered = sorted(values)
        out[category] = Summary(category, len(ordered), len(ordered) / recorder.elapsed,
                                percentile(ordered, 50) * 1000, percentile(ordered, 95) * 1000,
                                percentile(ordered, 99) * 1000, ordered[-1] * 1000)
    return out


# ---------------------------------------------------------------------------------------------------------------------
# HTTP


class HttpError(Exception):
    """The exchange failed below HTTP (refused, reset, timed out, malformed)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    path: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str | None:
        value = self.headers.get("location")
        if value is None:
            return None
        parts = urlsplit(value)  # Flask sends absolute or relative locations; keep the path and query
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


FormData = list[tuple[str, str]]


class Browser:
    """One simulated browser: a cookie jar and at most one open connection, from its own loopback source address
    (127.0.x.y) so that per-address login limits see one address per student, as in a real classroom behind no NAT."""

    # --trace: (wall-clock start, seconds, status, method, path, source address, X-Request-ID) of every request, to
    # match the client's view with the server's logs (which carry the same request id).
    trace: list[tuple[float, float, int, str, str, str, str]] | None = None

    def __init__(self, port: int, recorder: Recorder, source_ip: str | None = None, accept_language: str = "fr"):
        self.port = port
        self.recorder = recorder
        self.source_ip = source_ip
        self.accept_language = accept_language
        self.cookies: dict[str, str] = {}
        self.session_ids: set[str] = set()  # every server-side session this browser was given (for clean-up)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self._reader = self._writer = None

    async def _connect(self) -> None:
        local = (self.source_ip, 0) if self.source_ip else None
        start = time.perf_counter()
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port, local_addr=local)
        if self.recorder.recording:  # the TCP handshake alone (part of every request's latency: no keep-alive)
            self.recorder.composite(TCP_CONNECT, time.perf_counter() - start)

    def _head(self, method: str, path: str, body: bytes | None) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "User-Agent: pix-lti-load/1",
                 f"Accept-Language: {self.accept_language}", "Accept: text/html"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _exchange(self, payload: bytes) -> tuple[int, dict[str, str], list[str], bytes]:
        if self._writer is None:
            await self._connect()
        assert self._reader is not None and self._writer is not None
        self._writer.write(payload)
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for line in header_lines:
            if not line:
                continue
            name, _, value = line.partition(":")
            key = name.strip().lower()
            if key == "set-cookie":
                cookies.append(value.strip())
            headers[key] = value.strip()
        if "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunks.append(await self._reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(c[:-2] for c in chunks)
        else:
            body = await self._reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, headers, cookies, body

    def _take_cookies(self, set_cookies: list[str]) -> None:
        for raw in set_cookies:
            pair, _, attributes = raw.partition(";")
            name, _, value = pair.partition("=")
            name = name.strip()
            lowered = attributes.lower()
            expired = "max-age=0" in lowered.replace(" ", "") or "expires=thu, 01 jan 1970" in lowered
            if expired or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
                if name == SESSION_COOKIE:
                    self.session_ids.add(value)

    async def request(self, method: str, path: str, form: FormData | None = None) -> Response:
        body = None if form is None else "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in form).encode()
        payload = self._head(method, path, body) + (body or b"")
        category = categorise(method, path)
        recorder = self.recorder  # the phase may change while this request is in flight: it counts where it began
        record = recorder.recording
        wall_start = time.time()
        start = time.perf_counter()
        try:
            reused = self._writer is not None
            try:
                status, headers, cookies, raw = await asyncio.wait_for(self._exchange(payload), REQUEST_TIMEOUT)
            except (ConnectionError, asyncio.IncompleteReadError):
                if not reused:
                    raise
                # A kept-alive connection the server had already closed: reconnect once, as browsers do.
                await self.close()
                status, headers, cookies, raw = await asyncio.wait_for(self._exchange(payload), REQUEST_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                ValueError, IndexError) as exc:
            await self.close()
            if record:
                recorder.error(f"{category} -> {type(exc).__name__}", f"{method} {path}: {exc!r}")
            raise HttpError(f"{method} {path}: {exc!r}") from exc
        end = time.perf_counter()
        self._take_cookies(cookies)
        if record:
            recorder.add(category, status, end - start, end, f"{method} {path}")
        if Browser.trace is not None:
            Browser.trace.append((wall_start, end - start, status, method, path, self.source_ip or "",
                                  headers.get("x-request-id", "")))
        return Response(status, headers, raw, path)

    async def follow(self, response: Response, limit: int = 8) -> Response:
        """Follow redirects with GETs (303 after every POST here: PRG) until a page."""
        for _ in range(limit):
            if response.status not in (301, 302, 303, 307, 308) or response.location is None:
                return response
            response = await self.request("GET", response.location)
        raise HttpError(f"too many redirects from {response.path}")


# ---------------------------------------------------------------------------------------------------------------------
# HTML forms


@dataclass
class Form:
    action: str
    method: str
    attrs: dict[str, str]
    inputs: list[dict[str, str]] = field(default_factory=list)  # <input> attributes (type, name, value, ...)
    selects: dict[str, list[str]] = field(default_factory=dict)  # name -> option values
    buttons: list[dict[str, str]] = field(default_factory=list)

    def hidden(self) -> FormData:
        return [(i["name"], i.get("value", "")) for i in self.inputs if i.get("type") == "hidden" and i.get("name")]


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").upper(), a)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            a.setdefault("type", "text")
            self._form.inputs.append(a)
        elif tag == "select":
            self._select = a.get("name", "")
            self._form.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self._form.selects[self._select].append(a.get("value", ""))
        elif tag == "button":
            self._form.buttons.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def read_forms(html: str) -> list[Form]:
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def form_posting_to(forms: list[Form], suffix: str) -> Form | None:
    for form in forms:
        if form.method == "POST" and urlsplit(form.action).path.endswith(suffix):
            return form
    return None
