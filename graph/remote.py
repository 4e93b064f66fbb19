"""Read what a remote server answers, within bounds: the answers of SPARQL endpoints and
triple stores are untrusted.

- **Size**: an answer read into memory (query results, counts) may hold at most
  :func:`answer_limit` bytes: 256 MiB by default, ``KG_MAX_ANSWER_BYTES`` to change it.
  A streamed export (``kg export --store sparql:URL``) goes to disk and has no limit.
- **Time**: the whole exchange (connecting, the headers, every byte of the answer) ends
  within ``timeout`` seconds of wall-clock time, however slowly the server drips its answer
  (a socket timeout alone bounds each read, not their sum).
- **Redirects are not followed**: a query POSTed to a redirect would be sent elsewhere (or
  lose its body); the error names where the server points, to give that URL instead.

Errors are the caller's: :func:`fetch` raises :class:`AnswerTooLarge`, :class:`TimeoutError`,
:class:`Redirected` or urllib's own, and each caller says them in one line naming the
endpoint (:func:`where`).

Example
-------
>>> where("http://user:secret@127.0.0.1:7878/query?x=1")
'http://127.0.0.1:7878/query'
>>> answer_limit() >= 1 << 20
True
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

__all__ = ["fetch", "answer_limit", "where", "AnswerTooLarge", "Redirected", "NoRedirects", "DEFAULT_ANSWER_LIMIT"]

#: the default bound on an answer read into memory (KG_MAX_ANSWER_BYTES)
DEFAULT_ANSWER_LIMIT = 256 << 20
_CHUNK = 1 << 16


class AnswerTooLarge(ValueError):
    """The answer is larger than the limit."""


class Redirected(urllib.error.URLError):
    """The server answered with a redirect (not followed)."""

    def __init__(self, code: int, location: str):
        self.code, self.location = code, location
        super().__init__(f"answered {code}, a redirect to {where(location)} (not followed: give that URL)")


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A urllib handler that refuses redirects (:class:`Redirected`)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise Redirected(code, newurl)


def answer_limit() -> int:
    """The most bytes an answer read into memory may hold (``KG_MAX_ANSWER_BYTES``, else
    :data:`DEFAULT_ANSWER_LIMIT`)."""
    raw = os.environ.get("KG_MAX_ANSWER_BYTES", "").strip().replace("_", "")
    try:
        return max(1, int(raw)) if raw else DEFAULT_ANSWER_LIMIT
    except ValueError:
        return DEFAULT_ANSWER_LIMIT


def where(url: str) -> str:
    """``url`` without credentials, query string or fragment: how messages name a server."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query="", fragment=""))


_OPENER = urllib.request.build_opener(NoRedirects())


def fetch(request, *, timeout: float, limit: int | None = 0, sink: Callable[[bytes], None] | None = None,
          open_url=None) -> bytes:
    """Send ``request`` (a :class:`urllib.request.Request`) and read the whole answer within
    ``timeout`` seconds; returns the body, or ``b""`` when each block went to ``sink``.

    ``limit``: the most bytes the answer may hold (0: :func:`answer_limit`; None: no
    limit, for a ``sink`` writing to disk). ``open_url(request, timeout=...)``: the opener
    (default: urllib without redirects). Raises :class:`AnswerTooLarge`,
    :class:`TimeoutError`, :class:`Redirected`, ``urllib.error.HTTPError`` (its body read,
    at most 400 bytes, as ``exc.detail``) or ``OSError``.
    """
    if limit == 0:
        limit = answer_limit()
    opener = open_url or _OPENER.open
    stop = threading.Event()
    box: dict = {}

    def work() -> None:
        try:
            try:
                response = opener(request, timeout=timeout)
            except urllib.error.HTTPError as exc:
                try:
                    exc.detail = exc.read(400)
                except Exception:  # noqa: BLE001 - no body
                    exc.detail = b""
                raise
            with response:
                chunks, size = [], 0
                read = getattr(response, "read1", response.read)
                while not stop.is_set():
                    block = read(_CHUNK)
                    if not block:
                        break
                    size += len(block)
                    if limit is not None and size > limit:
                        raise AnswerTooLarge(f"the answer is larger than {limit:,} bytes")
                    if sink is not None:
                        sink(block)
                    else:
                        chunks.append(block)
                box["body"] = b"".join(chunks)
        except BaseException as exc:  # noqa: BLE001 - given to the caller's thread
            box["error"] = exc.with_traceback(None)

    worker = threading.Thread(target=work, name="kg-http", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        stop.set()  # the worker ends at its next block (or its socket's own timeout)
        raise TimeoutError(f"no complete answer within {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["body"]
