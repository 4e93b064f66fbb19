"""Push the graph to a triple store (SPARQL 1.1 Graph Store Protocol / Update) or to FalkorDB.

Triple stores: the triples (those of the Turtle export, optionally with the ontology) go in
batches to a **temporary** named graph, by Graph Store Protocol ``POST`` (falling back to
SPARQL Update ``INSERT DATA`` where the store has no Graph Store endpoint). Once every batch
is in, the temporary graph's size is checked with a SPARQL ``COUNT``, and one SPARQL Update
request ``MOVE <tmp> TO <target>`` replaces the target graph: a push that fails half-way
(network, server stopped, wrong password) never touches the target, which keeps its previous
content. ``method="put"`` instead sends the whole graph in one Graph Store ``PUT`` (for a
store without SPARQL Update; then the store decides whether a PUT is atomic).

FalkorDB: the Cypher statements of :mod:`graph.exporters.cypher` load a temporary graph
(``NAME.kg-push-HEX``), whose node and relationship counts are checked before it replaces the
target graph with one ``RENAME`` (atomic in Redis). A push killed half-way leaves its
temporary graph behind: the next push to the same name deletes it first.

Credentials are taken as arguments (the CLI reads the password from an environment
variable), sent only in HTTP authentication (Basic or Digest, as the server asks), and
never appear in messages: every error text goes through :func:`redact`.

Example
-------
>>> guess_endpoints("http://127.0.0.1:7878/store")
('http://127.0.0.1:7878/store', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/query')
>>> guess_endpoints("http://127.0.0.1:8890/sparql-graph-crud-auth")[1]
'http://127.0.0.1:8890/sparql-auth'
>>> redact("connect to http://u:s3cret@host failed: s3cret", ["s3cret"])
'connect to http://***@host failed: ***'
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from graph.errors import PushError
from graph.remote import AnswerTooLarge, NoRedirects, fetch

__all__ = [
    "guess_endpoints", "redact", "push_sparql", "push_falkordb", "PushResult", "count_triples",
    "DEFAULT_GRAPH", "BATCH_SIZE", "stale_falkordb_graph",
]

#: The named graph that ``kg push`` replaces unless told otherwise.
DEFAULT_GRAPH = "https://w3id.org/defense-ai-graph/graph/all"
#: Triples per request.
BATCH_SIZE = 20_000
_TMP_PREFIX = "urn:x-defense-ai-graph:push:"

# Graph Store path -> (update path, query path), for the stores whose layout is known.
_LAYOUTS = (
    ("/sparql-graph-crud-auth", "/sparql-auth", "/sparql-auth"),  # Virtuoso, authenticated
    ("/sparql-graph-crud", "/sparql", "/sparql"),  # Virtuoso
    ("/rdf-graphs/service", "/statements", ""),  # RDF4J, GraphDB
    ("/store", "/update", "/query"),  # Oxigraph
    ("/data", "/update", "/query"),  # Fuseki
)


@dataclass(frozen=True)
class PushResult:
    target: str
    triples: int
    batches: int
    method: str  #: "gsp", "update" or "put" (or "falkordb")
    #: whether a query of the default graph finds a pushed triple (None: not asked); False means
    #: the store's default graph is not the union of its named graphs, so queries find nothing
    default_graph_shows: bool | None = None


def guess_endpoints(url: str, update: str | None = None, query: str | None = None) -> tuple[str, str, str]:
    """(graph store, update, query) endpoints from the Graph Store endpoint ``url``.

    Known layouts: Oxigraph (``/store``), Fuseki (``/ds/data``), Virtuoso
    (``/sparql-graph-crud[-auth]``), RDF4J and GraphDB (``/rdf-graphs/service``); anything
    else is taken to serve all three (give ``update`` / ``query`` when it does not).
    """
    parts = urllib.parse.urlsplit(url)
    guessed_update = guessed_query = url
    for suffix, up, q in _LAYOUTS:
        if parts.path.endswith(suffix):
            base = parts.path[: -len(suffix)]
            guessed_update = urllib.parse.urlunsplit(parts._replace(path=base + up, query=""))
            guessed_query = urllib.parse.urlunsplit(parts._replace(path=base + q, query=""))
            break
    return url, update or guessed_update, query or guessed_query


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    """``text`` without the secrets and without the user-info part of any URL."""
    text = re.sub(r"(?<=://)[^/@\s]+@", "***@", str(text))
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class _Client:
    """urllib with HTTP Basic and Digest authentication, and redacted errors."""

    def __init__(self, user: str | None, password: str | None, timeout: float):
        self.secrets = [s for s in (password,) if s]
        self.timeout = timeout
        handlers = []
        if user is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            self._manager = manager
            handlers += [urllib.request.HTTPBasicAuthHandler(manager), urllib.request.HTTPDigestAuthHandler(manager)]
        self.user, self.password = user, password
        self.opener = urllib.request.build_opener(NoRedirects(), *handlers)
        self._known: set[str] = set()

    def request(self, method: str, url: str, body: bytes | None = None, content_type: str | None = None,
                accept: str | None = None) -> bytes:
        parts = urllib.parse.urlsplit(url)
        if parts.username or parts.password:
            raise PushError(f"put credentials in --user/--password-env, not in the URL ({redact(url)})")
        if self.user is not None:
            root = f"{parts.scheme}://{parts.netloc}/"
            if root not in self._known:
                self._manager.add_password(None, root, self.user, self.password or "")
                self._known.add(root)
        req = urllib.request.Request(url, data=body, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        if accept:
            req.add_header("Accept", accept)
        try:  # within the time and size bounds of graph.remote, redirects refused
            return fetch(req, timeout=self.timeout, open_url=self.opener.open)
        except urllib.error.HTTPError as exc:
            detail = getattr(exc, "detail", b"").decode("utf-8", "replace").strip().splitlines()
            summary = " ".join(detail[0].split())[:200] if detail else ""
            raise _HTTPFailure(exc.code, redact(f"HTTP {exc.code} from {_where(url)}: {summary}", self.secrets)) \
                from None
        except AnswerTooLarge as exc:
            raise PushError(f"{_where(url)}: {exc} (KG_MAX_ANSWER_BYTES raises the limit)") from None
        except TimeoutError:
            raise PushError(f"{_where(url)} did not answer within {self.timeout:g} s (raise it with --timeout)") \
                from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = " ".join(str(getattr(exc, "reason", exc)).split())[:200]
            raise PushError(redact(f"cannot reach {_where(url)}: {reason}", self.secrets)) from None


class _HTTPFailure(PushError):
    def __init__(self, code: int, message: str):
        self.code = code
        super().__init__(message)


def _where(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return redact(urllib.parse.urlunsplit(parts._replace(query="", fragment="")))


def _with_graph(url: str, graph: str) -> str:
    return url + ("&" if "?" in url else "?") + urllib.parse.urlencode({"graph": graph})


def _update(client: _Client, endpoint: str, text: str) -> None:
    client.request("POST", endpoint, text.encode("utf-8"), "application/sparql-update; charset=utf-8")


def count_triples(client_or_url, graph: str, *, query_endpoint: str | None = None) -> int:
    """The number of triples in ``graph`` (a SPARQL ``COUNT`` over HTTP)."""
    client = client_or_url if isinstance(client_or_url, _Client) else _Client(None, None, 60)
    endpoint = query_endpoint or client_or_url
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    body = urllib.parse.urlencode({"query": query}).encode()
    data = client.request("POST", endpoint, body, "application/x-www-form-urlencoded",
                          "application/sparql-results+json")
    try:
        bindings = json.loads(data)["results"]["bindings"]
        return int(next(iter(bindings[0].values()))["value"]) if bindings else 0
    except (ValueError, KeyError, IndexError, StopIteration, TypeError, AttributeError):
        raise PushError(f"unexpected answer to a COUNT query from {_where(endpoint)}") from None


def _batches(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    """Batches of N-Triples lines, made as ``lines`` are read (a store's million triples are
    never all in memory); every line with a blank node goes in one last batch, so that a
    blank node keeps one identity (each request is its own document)."""
    with_bnodes: list[str] = []
    batch: list[str] = []
    for line in lines:
        if "_:" in line and _has_bnode(line):
            with_bnodes.append(line)
            continue
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    batch += with_bnodes
    if batch:
        yield batch


def _has_bnode(line: str) -> bool:
    return line.startswith("_:") or bool(re.search(r"> _:\S+ (?:<[^>]*> )?\.$", line))


def push_sparql(
    kg,
    endpoint: str,
    graph: str = DEFAULT_GRAPH,
    *,
    user: str | None = None,
    password: str | None = None,
    update_endpoint: str | None = None,
    query_endpoint: str | None = None,
    method: str = "auto",
    batch_size: int = BATCH_SIZE,
    with_ontology: bool = False,
    timeout: float = 120.0,
    progress: Callable[[int], None] | None = None,
    lines: Iterable[str] | None = None,
) -> PushResult:
    """Replace ``graph`` in the store at ``endpoint`` with the triples of ``kg``, atomically.

    ``method``: ``auto`` (Graph Store POST batches, else SPARQL Update ``INSERT DATA``
    batches; then ``MOVE``), ``gsp``, ``update`` or ``put``. ``progress(n)`` is called with
    the number of triples sent by each batch. ``lines`` (N-Triples lines) replaces ``kg``'s
    triples when given. Raises :class:`PushError` (the target graph is then unchanged).
    Once pushed, one ``ASK`` of the default graph for a pushed triple tells whether queries
    will see it (:attr:`PushResult.default_graph_shows`).
    """
    if method not in ("auto", "gsp", "update", "put"):
        raise PushError(f"unknown push method '{method}' (auto, gsp, update, put)")
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^<>\"{}|^`\\\s]*\Z", graph):
        raise PushError(f"not an absolute IRI: {graph!r}")
    if lines is None:
        from graph.exporters.rdf import generate_ntriples

        lines = generate_ntriples(kg, with_ontology=with_ontology)
    triples = (line.rstrip("\n") for line in lines if line.strip())
    gsp, update, query = guess_endpoints(endpoint, update_endpoint, query_endpoint)
    client = _Client(user, password, timeout)
    if method == "put":
        whole = list(triples)
        body = ("\n".join(whole) + "\n").encode("utf-8")
        client.request("PUT", _with_graph(gsp, graph), body, "text/turtle; charset=utf-8")
        if progress:
            progress(len(whole))
        shows = _default_graph_shows(client, query, next(filter(_askable, whole), None))
        return PushResult(graph, len(whole), 1, "put", shows)
    tag = hashlib.sha256(graph.encode()).hexdigest()[:16]
    tmp = f"{_TMP_PREFIX}{tag}:{uuid.uuid4().hex}"
    _drop_stale(client, update, query, tag)
    used = "update" if method == "update" else "gsp"
    sent = batches = 0
    sample: str | None = None  # a pushed triple, to ask the default graph about
    try:
        for batch in _batches(triples, max(1, batch_size)):
            body = "\n".join(batch) + "\n"
            if used == "gsp":
                try:
                    client.request("POST", _with_graph(gsp, tmp), body.encode("utf-8"), "text/turtle; charset=utf-8")
                except _HTTPFailure as exc:
                    if method == "auto" and exc.code in (404, 405, 415, 501) and batches == 0:
                        used = "update"  # no Graph Store endpoint there: SPARQL Update instead
                    else:
                        raise
            if used == "update":
                _update(client, update, f"INSERT DATA {{ GRAPH <{tmp}> {{\n{body}}} }}")
            sample = sample or next(filter(_askable, batch), None)
            sent += len(batch)
            batches += 1
            if progress:
                progress(len(batch))
        stored = count_triples(client, tmp, query_endpoint=query)
        if stored != sent:
            raise PushError(f"the store holds {stored} of the {sent} triples sent; target left unchanged")
        _update(client, update, f"MOVE SILENT <{tmp}> TO <{graph}>")
    except BaseException:
        try:
            _update(client, update, f"DROP SILENT GRAPH <{tmp}>")
        except PushError:
            pass  # the store is gone: the next push drops this temporary graph
        raise
    return PushResult(graph, sent, batches, used, _default_graph_shows(client, query, sample))


def _askable(line: str) -> bool:
    """An N-Triples line that is a SPARQL triple pattern as it is: no blank node, no escape
    (SPARQL reads ``\\u`` escapes before it parses)."""
    return "\\" not in line and not _has_bnode(line) and "_:" not in line


def _default_graph_shows(client: _Client, query: str, line: str | None) -> bool | None:
    """Whether the store's default graph holds the pushed triple ``line`` (one ``ASK``);
    ``None`` when there is none to ask about or the store does not answer.

    A store whose default graph is not the union of its named graphs (Oxigraph without
    ``--union-default-graph``, Fuseki without ``tdb2:unionDefaultGraph``) answers false:
    every query without ``GRAPH`` then finds nothing."""
    if not line:
        return None
    ask = f"ASK {{ {line.rstrip().removesuffix('.').rstrip()} }}"
    try:
        data = client.request("POST", query, urllib.parse.urlencode({"query": ask}).encode(),
                              "application/x-www-form-urlencoded", "application/sparql-results+json")
        answer = json.loads(data).get("boolean")
    except (PushError, ValueError, AttributeError):
        return None
    return answer if isinstance(answer, bool) else None


def _drop_stale(client: _Client, update: str, query: str, tag: str) -> None:
    """Drop temporary graphs left by earlier failed pushes to the same target (best effort)."""
    prefix = f"{_TMP_PREFIX}{tag}:"
    q = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{prefix}")) }} LIMIT 100'
    try:
        data = client.request("POST", query, urllib.parse.urlencode({"query": q}).encode(),
                              "application/x-www-form-urlencoded", "application/sparql-results+json")
        stale = [b["g"]["value"] for b in json.loads(data)["results"]["bindings"]]
    except (PushError, ValueError, KeyError, TypeError, AttributeError):
        return
    for g in stale:
        if isinstance(g, str) and g.startswith(prefix) and re.fullmatch(r"[0-9a-f]+", g[len(prefix):]):
            _update(client, update, f"DROP SILENT GRAPH <{g}>")


def push_falkordb(
    kg,
    address: str,
    name: str = "defense-ai-graph",
    *,
    user: str | None = None,
    password: str | None = None,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> PushResult:
    """Replace the FalkorDB graph ``name`` at ``address`` (``HOST:PORT``) with ``kg`` (a
    KnowledgeGraph or a store: its property graph streamed from it, a batch of rows at a
    time, :mod:`graph.exporters.pg_stream`; ``progress(n)`` after each statement of ``n``
    rows, and ``progress.total(n)`` first if it has it: how many nodes and relationships).

    The statements of :func:`graph.exporters.cypher.statements` (rows as query parameters)
    load a temporary graph, whose counts are checked before it replaces ``name`` with one
    ``RENAME``; on failure the temporary graph is deleted and ``name`` is unchanged. The
    temporary graphs of earlier pushes to ``name`` that were killed before their ``RENAME``
    are deleted first. Needs the ``falkordb`` package
    (``pip install falkordb``, or ``pip install '.[push]'`` from a checkout).
    """
    try:
        from falkordb import FalkorDB
    except ImportError:
        raise PushError("kg push --falkordb needs the falkordb package: pip install falkordb") from None
    from graph.exporters.pg_stream import property_graph_of

    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise PushError(f"expected HOST:PORT, got {redact(address, [password or ''])!r}")
    if not re.fullmatch(r"[A-Za-z0-9_.:-]+", name):
        raise PushError(f"graph name {name!r}: use letters, digits and _ . : -")
    secrets = [password or ""]
    tmp = f"{name}{_FALKOR_TMP}{uuid.uuid4().hex}"
    with property_graph_of(kg) as pg:
        return _push_falkordb(FalkorDB, pg, host, port, name, tmp, user, password, batch_size, progress, secrets)


def _push_falkordb(FalkorDB, pg, host, port, name, tmp, user, password, batch_size, progress, secrets) -> PushResult:
    from graph.exporters.cypher import statements

    db, count = None, 0
    if progress and hasattr(progress, "total"):
        progress.total(pg.n_nodes + pg.n_edges)
    try:
        db = FalkorDB(host=host, port=int(port), username=user, password=password)
        _delete_stale_falkordb(db, name)
        graph = db.select_graph(tmp)
        for query, rows in statements(pg, batch_size):
            graph.query(query, None if rows is None else {"rows": rows})
            count += 1
            if progress:
                progress(len(rows or ()))
        nodes = graph.query("MATCH (n) RETURN count(n)").result_set[0][0]
        edges = graph.query("MATCH ()-[r]->() RETURN count(r)").result_set[0][0]
        if (nodes, edges) != (pg.n_nodes, pg.n_edges):
            raise PushError(f"FalkorDB at {host}:{port}: the temporary graph holds {nodes} nodes and {edges} "
                            f"relationships of the {pg.n_nodes} and {pg.n_edges} sent (another push to "
                            f"'{name}' at the same time?); '{name}' left unchanged")
        db.connection.execute_command("RENAME", tmp, name)
    except PushError:
        _forget(db, tmp)
        raise
    except Exception as exc:  # redis / falkordb raise many types
        _forget(db, tmp)
        raise PushError(redact(f"FalkorDB at {host}:{port}: {type(exc).__name__}: {exc}", secrets)) from None
    return PushResult(name, pg.n_nodes + pg.n_edges, count, "falkordb")


#: what a temporary FalkorDB graph's name adds to its target's: ``NAME.kg-push-`` + 32 hex digits
_FALKOR_TMP = ".kg-push-"


def stale_falkordb_graph(name: str, candidate: str) -> bool:
    """Whether ``candidate`` is a temporary graph of a push to the FalkorDB graph ``name``.

    >>> stale_falkordb_graph("dai", "dai.kg-push-" + "0" * 32)
    True
    >>> stale_falkordb_graph("dai", "dai.kg-push-mine"), stale_falkordb_graph("d", "dai.kg-push-" + "0" * 32)
    (False, False)
    """
    return re.fullmatch(re.escape(name + _FALKOR_TMP) + "[0-9a-f]{32}", candidate) is not None


def _delete_stale_falkordb(db, name: str) -> None:
    """Delete the temporary graphs that earlier pushes to ``name``, killed before their
    ``RENAME``, left behind (only names :func:`stale_falkordb_graph` recognises)."""
    for candidate in db.list_graphs():
        text = candidate.decode() if isinstance(candidate, bytes) else str(candidate)
        if stale_falkordb_graph(name, text):
            db.connection.delete(text)


def _forget(db, tmp: str) -> None:
    """Delete the temporary graph ``tmp`` of a failed push (best effort: the server may be
    gone, and then the next push deletes it)."""
    if db is None:
        return
    try:
        db.connection.delete(tmp)
    except Exception:  # noqa: BLE001 - the server may be gone
        pass
