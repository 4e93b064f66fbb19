"""The Starlette application of ``kg serve``: pages, the SPARQL endpoint, the JSON API.

Read-only by construction: every route answers GET (and POST for ``/sparql``, whose
queries the endpoint checks are read-only), none changes anything. Every answer carries
a strict Content-Security-Policy (scripts, styles and connections to this server only),
``nosniff`` and no referrer. A request body is at most ``max_body`` bytes (413), a request
to the JSON API runs at most ``timeout`` seconds (503), a malformed request is a 400 with
a one-line message and an unexpected failure a 500 with one line (the traceback goes to
the server's log only). Bound to loopback, the server answers only requests addressed to
a loopback name (``Host``), so a web page elsewhere cannot read it by DNS rebinding.

Example
-------
>>> from graph.store import open_store
>>> with open_store(data_dir="data") as store:
...     app = create_app(store)
>>> [r.path for r in app.app.routes][:3], "connect-src 'self'" in CSP
(['/', '/sparql', '/api/search'], True)

``tests/test_serve.py`` runs the real server (uvicorn) and talks to it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import urllib.parse
from importlib.resources import files

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from graph.errors import DataError, GraphError
from graph.serve.api import Explorer, IndexNotReady
from graph.serve.sparql_endpoint import (
    GRAPH_TYPES,
    RESULT_TYPES,
    Endpoint,
    EndpointError,
    negotiate,
    service_description,
    write_graph,
    write_results,
)

__all__ = ["create_app", "CSP", "EDITOR_CSP", "STATIC"]

log = logging.getLogger("kg.serve")

#: where the pages, styles and the built bundles are (package data)
STATIC = files("graph.serve") / "static"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: the SPARQL editor's page: CodeMirror writes its styles in <style> elements (allowed with the
#: page's nonce) and sets style attributes (which run nothing); scripts stay 'self' only
EDITOR_CSP = CSP.replace("style-src 'self'", "style-src 'self'; style-src-elem 'self' 'nonce-{nonce}'; "
                                              "style-src-attr 'unsafe-inline'")
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "[::1]", "::1"}


class _Guard:
    """ASGI middleware: security headers on every answer, the body size limit, and (bound
    to loopback) only loopback ``Host`` names."""

    def __init__(self, app, *, max_body: int, loopback_only: bool):
        self.app, self.max_body, self.loopback_only = app, max_body, loopback_only

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _v in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in _HEADERS if h[0] not in names]
            await send(message)

        headers = dict(scope.get("headers") or [])
        if self.loopback_only:
            host = headers.get(b"host", b"").decode("latin-1").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in _LOOPBACK_NAMES:
                return await PlainTextResponse("this server answers requests to a loopback address only\n",
                                               status_code=421)(scope, receive, send_with_headers)
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await PlainTextResponse(f"request body over {self.max_body:,} bytes\n",
                                           status_code=413)(scope, receive, send_with_headers)
        seen = 0

        async def bounded_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    # the rest read and dropped (up to 4 times the limit) before answering: a
                    # connection closed with unread bytes is reset, and the client may lose the 413
                    while message.get("more_body") and seen <= 5 * self.max_body:
                        message = await receive()
                        seen += len(message.get("body", b""))
                    raise HTTPException(413, f"request body over {self.max_body:,} bytes")
            return message

        await self.app(scope, bounded_receive, send_with_headers)


def _one_line(text: str) -> str:
    """``text`` on one line (line breaks from data shown escaped), at most 500 characters.

    >>> _one_line("no actor named 'a\\nb'")
    "no actor named 'a\\\\nb'"
    """
    return re.sub(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", lambda m: repr(m.group(0))[1:-1],
                  text)[:500]


def create_app(store, *, timeout: float = 30.0, max_rows: int = 10_000, max_body: int = 1 << 20,
               loopback_only: bool = True, slots: int = 4) -> _Guard:
    """The application over ``store`` (opened by the caller, who closes it): ``timeout``
    seconds per query and API request, ``max_rows`` rows or triples per SPARQL answer,
    ``max_body`` bytes per request, ``slots`` SPARQL queries at once."""
    explorer = Explorer(store)
    endpoint = Endpoint(store, timeout=timeout, max_rows=max_rows, slots=slots)

    async def in_thread(fn, *args, **kwargs):
        try:
            return await asyncio.wait_for(run_in_threadpool(fn, *args, **kwargs), timeout + 5)
        except asyncio.TimeoutError:
            raise EndpointError(503, f"request stopped after {timeout:g} s (the server's limit)") from None

    def api(fn):
        async def handler(request: Request) -> Response:
            params = dict(request.query_params)
            return JSONResponse(await in_thread(fn, params))
        return handler

    # -- pages -------------------------------------------------------------------------

    def page(name: str):
        async def handler(_request: Request) -> Response:
            if name != "sparql.html":
                return FileResponse(str(STATIC / name), media_type="text/html; charset=utf-8",
                                    headers={"Cache-Control": "no-cache"})
            import secrets

            nonce = secrets.token_urlsafe(18)
            html = (STATIC / name).read_text(encoding="utf-8").replace("__CSP_NONCE__", nonce)
            return Response(html, media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-store",
                                     "Content-Security-Policy": EDITOR_CSP.format(nonce=nonce)})
        return handler

    # -- SPARQL ------------------------------------------------------------------------

    async def sparql(request: Request) -> Response:
        text, fmt_asked, download = await _read_query(request)
        if text is None:
            accept = request.headers.get("accept", "")
            if request.method == "GET" and "text/html" in accept and _prefers_html(accept):
                return await page("sparql.html")(request)
            fmt = negotiate(accept, "CONSTRUCT") or "turtle"
            url = str(request.url_for("sparql"))
            return Response(service_description(url, fmt), media_type=GRAPH_TYPES[fmt] + "; charset=utf-8")
        return await _answer(request, text, fmt_asked, download)

    async def _answer(request: Request, text: str, fmt_asked: str | None, download: bool) -> Response:
        answer = await run_in_threadpool(endpoint.run, text)
        graph = answer.kind in ("CONSTRUCT", "DESCRIBE")
        types = GRAPH_TYPES if graph else RESULT_TYPES
        if fmt_asked:
            if fmt_asked not in types:
                raise EndpointError(400, f"format={fmt_asked[:20]!r}: a {answer.kind} answers in "
                                    + ", ".join(types))
            fmt = fmt_asked
        else:
            fmt = negotiate(request.headers.get("accept", ""), answer.kind)
            if fmt is None:
                raise EndpointError(406, f"cannot answer a {answer.kind} in {request.headers.get('accept')[:80]!r}: "
                                    "ask for " + ", ".join(types.values()))
        body = await run_in_threadpool(write_graph if graph else write_results, answer, fmt)
        headers = {"Vary": "Accept", "Cache-Control": "no-store"}
        if answer.truncated:
            headers.update({"X-SPARQL-MaxRows": str(endpoint.max_rows), "X-KG-Truncated": "true"})
        if download:
            ext = {"json": "srj", "xml": "srx", "jsonld": "jsonld", "ntriples": "nt", "turtle": "ttl",
                   "rdfxml": "rdf"}.get(fmt, fmt)
            headers["Content-Disposition"] = f'attachment; filename="results.{ext}"'
        media = types[fmt]
        if media.startswith("text/") or media.endswith(("json", "xml", "triples")):
            media += "; charset=utf-8"
        return Response(body, media_type=media, headers=headers)

    async def saved(request: Request) -> Response:
        from graph.store.base import bind_everywhere

        params = dict(request.query_params)
        name = params.pop("name", "")
        fmt = params.pop("format", None)
        download = params.pop("download", "") in ("1", "true")
        text, terms = await in_thread(explorer.saved_params, name, params)
        return await _answer(request, bind_everywhere(text, terms) if terms else text, fmt, download)

    async def static_page(request: Request) -> Response:
        p = dict(request.query_params)
        html = await in_thread(lambda q: explorer.static_page(
            [i for i in q.get("ids", "").split(",") if i], title=q.get("title", ""), since=q.get("since"),
            until=q.get("until"), source=q.get("source")), p)
        return Response(html, media_type="text/html; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="defense-ai-graph-view.html"',
                                 "Cache-Control": "no-store"})

    async def query_view(request: Request) -> Response:
        text = request.query_params.get("query", "")
        if not text.strip():
            raise EndpointError(400, "query-view needs query=SPARQL")
        answer = await run_in_threadpool(endpoint.run, text)
        if answer.kind == "ASK":
            raise EndpointError(400, "an ASK query names no actor to draw")
        return JSONResponse(await in_thread(lambda _p: explorer.query_view(answer), {}))

    # -- the API -----------------------------------------------------------------------

    routes = [
        Route("/", page("index.html")),
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/api/search", api(lambda p: explorer.search(p.get("q", ""), p.get("limit")))),
        Route("/api/actor", api(lambda p: explorer.actor(p.get("id", "")))),
        Route("/api/expand", api(lambda p: explorer.expand(
            p.get("id", ""), limit=p.get("limit"), offset=p.get("offset"), relation=p.get("relation"),
            since=p.get("since"), until=p.get("until"), kind=p.get("kind"), agency=p.get("agency"),
            source=p.get("source")))),
        Route("/api/facts", api(lambda p: explorer.facts(
            p.get("a", ""), p.get("b", ""), relation=p.get("relation"), offset=p.get("offset"), limit=p.get("limit"),
            since=p.get("since"), until=p.get("until"), source=p.get("source")))),
        Route("/api/path", api(lambda p: explorer.path(
            p.get("a", ""), p.get("b", ""), limit=p.get("limit"), since=p.get("since"), until=p.get("until"),
            source=p.get("source"), relation=p.get("relation")))),
        Route("/api/sources", api(lambda p: explorer.sources())),
        Route("/api/view", api(lambda p: explorer.edges_among(
            [i for i in p.get("ids", "").split(",") if i], since=p.get("since"), until=p.get("until"),
            source=p.get("source")))),
        Route("/api/start", api(lambda p: explorer.start(p.get("n"), since=p.get("since"), until=p.get("until"),
                                                         source=p.get("source")))),
        Route("/api/flags-list", api(lambda p: explorer.flags_list())),
        Route("/api/flags", api(lambda p: explorer.flag_hits(p.get("name", ""), since=p.get("since"),
                                                             limit=p.get("limit")))),
        Route("/api/static-page", static_page),
        Route("/api/query-view", query_view),
        Route("/api/queries", api(lambda p: explorer.queries())),
        Route("/api/vocabulary", api(lambda p: vocabulary())),
        Route("/api/saved", saved),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]

    async def graph_error(request: Request, exc: Exception) -> Response:
        from graph.query import QueryTimeout

        status = getattr(exc, "status", None) or (503 if isinstance(exc, QueryTimeout)
                                                  else 400 if isinstance(exc, DataError) else 500)
        if status >= 500 and not isinstance(exc, (QueryTimeout, EndpointError, IndexNotReady)):
            log.error("%s %s: %s", request.method, request.url.path, _one_line(str(exc)))
        return _error(request, status, _one_line(str(exc)), getattr(exc, "headers", None),
                      getattr(exc, "body", None))

    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, _one_line(str(exc.detail)), getattr(exc, "headers", None))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path)
        return _error(request, 500, f"internal error: {type(exc).__name__} (see the server's log)")

    app = Starlette(routes=routes, exception_handlers={GraphError: graph_error, HTTPException: http_error,
                                                       Exception: unexpected})
    app.state.explorer, app.state.endpoint = explorer, endpoint
    return _Guard(app, max_body=max_body, loopback_only=loopback_only)


def _error(request: Request, status: int, message: str, headers: dict | None = None,
           extra: dict | None = None) -> Response:
    """A one-line error: JSON ``{"error": ...}`` for the API (with ``extra``'s keys: the
    index being made says its step, ``building``), plain text elsewhere."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({**(extra or {}), "error": message}, status_code=status, headers=headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def _prefers_html(accept: str) -> bool:
    from graph.serve.sparql_endpoint import _accepted

    wanted = _accepted(accept)
    return bool(wanted) and wanted[0][0] in ("text/html", "application/xhtml+xml")


async def _read_query(request: Request) -> tuple[str | None, str | None, bool]:
    """``(query text or None, format=, download)`` of a SPARQL Protocol request; EndpointError
    for an update, a dataset in the request, or a body of another type."""
    params = dict(request.query_params)
    text = params.get("query")
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        try:
            decoded = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EndpointError(400, f"the request body is not UTF-8 (byte {exc.start})") from None
        if ctype == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(decoded, keep_blank_values=True)
            if "update" in form:
                raise EndpointError(400, "this endpoint is read-only: no SPARQL update")
            for key in ("default-graph-uri", "named-graph-uri"):
                if key in form:
                    params[key] = form[key][0]
            if "query" in form:
                if len(form["query"]) > 1:
                    raise EndpointError(400, "one query= per request")
                text = form["query"][0]
            for key in ("format", "download"):
                if key in form:
                    params[key] = form[key][0]
        elif ctype == "application/sparql-query":
            text = decoded
        elif ctype == "application/sparql-update":
            raise EndpointError(400, "this endpoint is read-only: no SPARQL update")
        else:
            raise EndpointError(415, "POST a form (application/x-www-form-urlencoded, query=...) or the query "
                                "(application/sparql-query)")
    if "update" in params:
        raise EndpointError(400, "this endpoint is read-only: no SPARQL update")
    for key in ("default-graph-uri", "named-graph-uri"):
        if key in params:
            raise EndpointError(400, f"{key} is not supported: the default graph is the union of all sources "
                                "(GRAPH ?g tells which source states a triple)")
    if text is not None and not text.strip():
        raise EndpointError(400, "query= is empty")
    return text, params.get("format"), params.get("download", "") in ("1", "true")


_VOCABULARY: list | None = None


def vocabulary() -> list[dict]:
    """The ontology's classes and properties (``dai:Contract``, ``dai:contractor``, ...)
    with their English labels, for the editor's completion: read from ``ontology/``."""
    global _VOCABULARY
    if _VOCABULARY is None:
        from rdflib import OWL, RDF, RDFS, Graph

        from graph.iris import NAMESPACE

        g = Graph()
        g.parse(data=(files("ontology") / "dai.ttl").read_text(encoding="utf-8"), format="turtle")
        kinds = {OWL.Class: "class", OWL.ObjectProperty: "property", OWL.DatatypeProperty: "property"}
        out = {}
        for kind, what in kinds.items():
            for s in g.subjects(RDF.type, kind):
                if str(s).startswith(NAMESPACE):
                    labels = [str(lit) for lit in g.objects(s, RDFS.label) if getattr(lit, "language", None) == "en"]
                    out["dai:" + str(s)[len(NAMESPACE):]] = {"name": "dai:" + str(s)[len(NAMESPACE):], "kind": what,
                                                           "label": labels[0] if labels else ""}
        _VOCABULARY = [out[k] for k in sorted(out)]
    return _VOCABULARY

