"""The public intake: a feedback form for customers and a signed JSON endpoint for other tools,
as a Starlette app apart from the staff Datasette. It writes to its spool and nothing else: it
never opens the warehouse or the archive.

Routes: ``GET /`` the form, ``POST /`` a form submission (thank-you page), ``POST /api/submissions``
a signed JSON submission (201), ``GET /intake.css``, ``GET /healthz``.

Decisions (README: "The feedback intake"): a filled honeypot gets the ordinary thank-you page
and is not spooled, so a bot learns nothing; a spool locked beyond ``spool_timeout`` answers 503
with Retry-After and the form keeps what the customer typed, nothing half-written.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feedback.dates import utc_text
from feedback.intake import spool
from feedback.intake.fields import Invalid, clean_fields, clean_id
from feedback.intake.guards import (
    CsrfTokens,
    Refused,
    TokenBucket,
    decode_utf8,
    read_limited,
    require_type,
    verify,
)
from feedback.intake.settings import FormSource

log = logging.getLogger(__name__)

CSRF_COOKIE = "fb_csrf"
HONEYPOT = "website"
FORM_FIELDS = 12  # a real form sends 6; more is not a browser
API_FIELDS = {"id", "text", "rating", "email", "consent", "received_at"}
RETRY_AFTER = 30
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                                 b"frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
STATIC = Path(__file__).parent / "static"


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response, errors from Starlette itself included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in SECURITY_HEADERS if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


class Intake:
    """The app's state: its settings, spool connection, rate limiter, CSRF key and templates."""

    def __init__(self, source: FormSource, spool_path: Path, company: str, secret: bytes | None,
                 csrf_key: bytes | None, clock: Callable[[], float]) -> None:
        self.source = source
        self.company = company
        self.secret = secret
        self.clock = clock
        self.bucket = TokenBucket(source.rate, source.burst)
        self.csrf = CsrfTokens(csrf_key or secrets.token_bytes(32), source.form_lifetime)
        self.pages = jinja2.Environment(loader=jinja2.PackageLoader("feedback.intake", "templates"),
                                        autoescape=True, undefined=jinja2.StrictUndefined)
        self.conn = spool.open_spool(spool_path, timeout=source.spool_timeout)
        self.lock = threading.Lock()

    # --- helpers ---------------------------------------------------------------------------

    def store(self, submission: spool.Submission) -> int:
        with self.lock:
            return spool.add(self.conn, submission)

    def client(self, request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def page(self, name: str, status: int = 200, headers: dict[str, str] | None = None, **values: Any) -> HTMLResponse:
        html = self.pages.get_template(name).render(company=self.company, max_text=self.source.max_text, **values)
        return HTMLResponse(html, status_code=status, headers=headers)

    def form(self, request: Request, status: int = 200, error: str | None = None, field: str | None = None,
             values: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> HTMLResponse:
        """The form with a fresh CSRF token in the page and in the cookie, keeping what was typed."""
        token = self.csrf.issue(self.clock())
        kept = {"text": "", "rating": "", "email": "", "consent": ""} | (values or {})
        response = self.page("form.html", status, headers, csrf=token, error=error, field=field, values=kept)
        response.set_cookie(CSRF_COOKIE, token, max_age=self.source.form_lifetime, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https", path="/")
        return response

    async def body(self, request: Request, expected_type: str) -> bytes:
        self.bucket.check(self.client(request), time.monotonic())
        require_type(request.headers.get("content-type"), expected_type)
        return await read_limited(request.stream(), request.headers.get("content-length"), self.source.max_body)

    def received_now(self) -> str:
        return utc_text(datetime.fromtimestamp(self.clock(), UTC))

    # --- routes ----------------------------------------------------------------------------

    async def show_form(self, request: Request) -> Response:
        return self.form(request)

    async def submit_form(self, request: Request) -> Response:
        try:
            text = decode_utf8(await self.body(request, "application/x-www-form-urlencoded"))
            try:
                pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
                                  max_num_fields=FORM_FIELDS)
            except UnicodeDecodeError:
                raise Refused(400, "the form is not valid UTF-8") from None
            except ValueError:
                raise Refused(400, "the form has too many fields") from None
        except Refused as refused:
            return self.page("message.html", refused.status, refused.headers, title="Not sent",
                             message=refused.message)
        values = dict(pairs)
        kept = {k: values.get(k, "") for k in ("text", "rating", "email", "consent")}
        try:
            self.csrf.check(request.cookies.get(CSRF_COOKIE), values.get("csrf"), self.clock())
        except Refused as refused:
            return self.form(request, refused.status, refused.message, values=kept)
        if values.get(HONEYPOT):
            log.info("intake: honeypot filled by %s; answered as if accepted, not spooled", self.client(request))
            return self.page("thanks.html", text=values.get("text", ""), rating=None, contact=False)
        try:
            fields = clean_fields(values.get("text"), values.get("rating"), values.get("email"),
                                  values.get("consent"), self.source.max_text)
        except Invalid as invalid:
            return self.form(request, 400, invalid.message, invalid.field, kept)
        submission = spool.Submission(f"form:{uuid.uuid4().hex}", "form", self.received_now(), fields.text,
                                      fields.rating, fields.email, fields.consent)
        try:
            await run_in_threadpool(self.store, submission)
        except spool.SpoolBusy:
            log.warning("intake: spool busy; asked the sender to try again")
            return self.form(request, 503, "We could not save your feedback just now. Nothing was lost: "
                             "your words are still below, please send them again in a minute.",
                             values=kept, headers={"Retry-After": str(RETRY_AFTER)})
        return self.page("thanks.html", text=fields.text, rating=fields.rating, contact=fields.consent)

    async def submit_api(self, request: Request) -> Response:
        if self.secret is None:
            return JSONResponse({"error": "the JSON endpoint is off: set 'secret' in the form source"}, 404)
        try:
            body = await self.body(request, "application/json")
            verify(self.secret, request.headers, body, self.clock(), self.source.replay_window)
            try:
                data = json.loads(decode_utf8(body))
            except json.JSONDecodeError as exc:
                raise Refused(400, f"not valid JSON: {exc.msg} at character {exc.pos}") from None
            if not isinstance(data, dict):
                raise Refused(400, "expected a JSON object")
            unknown = sorted(set(data) - API_FIELDS)
            if unknown:
                raise Refused(400, f"unknown fields {unknown}; known: {sorted(API_FIELDS)}")
            submission = self.api_submission(data)
        except Refused as refused:
            return JSONResponse({"error": refused.message}, refused.status, refused.headers)
        except Invalid as invalid:
            return JSONResponse({"error": str(invalid), "field": invalid.field}, 400)
        try:
            row = await run_in_threadpool(self.store, submission)
        except spool.DuplicateSubmission:
            return JSONResponse({"error": f"id {data['id']!r} was received before; not stored again"}, 409)
        except spool.SpoolBusy:
            return JSONResponse({"error": "the spool is busy; nothing was stored, send it again"}, 503,
                                {"Retry-After": str(RETRY_AFTER)})
        log.info("intake: stored API submission %s as spool row %d", submission.submission_id, row)
        return JSONResponse({"id": data["id"], "status": "received", "received_at": submission.received_at}, 201)

    def api_submission(self, data: dict[str, Any]) -> spool.Submission:
        caller_id = clean_id(data.get("id"))
        fields = clean_fields(data.get("text"), data.get("rating"), data.get("email"), data.get("consent"),
                              self.source.max_text)
        received = self.received_now()
        if data.get("received_at") is not None:
            value = data["received_at"]
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
            except ValueError:
                moment = None
            if moment is None or moment.tzinfo is None:
                raise Invalid("received_at", "must be an ISO 8601 time with its zone (2026-11-22T09:30:00Z)")
            received = utc_text(moment)
        return spool.Submission(f"api:{caller_id}", "api", received, fields.text, fields.rating, fields.email,
                                fields.consent)

    async def stylesheet(self, request: Request) -> Response:
        return Response((STATIC / "intake.css").read_bytes(), media_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})

    async def health(self, request: Request) -> Response:
        return PlainTextResponse("ok")


def create_app(source: FormSource, spool_path: Path, *, company: str = "Our company", secret: bytes | None = None,
               csrf_key: bytes | None = None, clock: Callable[[], float] = time.time) -> Starlette:
    """The intake app for one form source, writing to ``spool_path`` (created when missing).

    ``secret`` is the endpoint's HMAC key (None: the endpoint answers 404) and ``csrf_key`` signs
    the form's tokens (None: a random key for this process); both are resolved by the caller.
    """
    intake = Intake(source, spool_path, company, secret, csrf_key, clock)
    app = Starlette(routes=[
        Route("/", intake.show_form, methods=["GET"]),
        Route("/", intake.submit_form, methods=["POST"]),
        Route("/api/submissions", intake.submit_api, methods=["POST"]),
        Route("/intake.css", intake.stylesheet, methods=["GET"]),
        Route("/healthz", intake.health, methods=["GET"]),
    ])
    app.state.intake = intake
    app.add_middleware(SecurityHeaders)
    return app
