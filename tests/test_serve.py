"""`kg serve`: the real server (uvicorn in a subprocess, on 127.0.0.1 and a free port) over a
copy of data/, and what talks to it: `kg query --endpoint`, rdflib's SPARQLStore, plain HTTP
for the protocol and the JSON API, and (see test_serve_browser.py) headless Chromium.

Every request goes to 127.0.0.1; every server is stopped by the fixture that started it.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, wait_port

ROOT = Path(__file__).resolve().parent.parent
KG = [sys.executable, "-m", "graph.cli"]


class Served:
    """A ``kg serve`` process; ``url`` is its base address."""

    def __init__(self, data: Path, *extra: str, index: bool = True):
        """``index``: wait until the search index is made (the API answers 503 until then)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data.parent / f"serve-{self.port}.log"
        self._log = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([*KG, "serve", "--data", str(data), "--port", str(self.port), *extra],
                                     stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_port(self.port, self.proc, timeout=120)
            for _ in range(600):  # the line saying the address comes once uvicorn listens
                if "kg: serving" in self.output():
                    break
                time.sleep(0.05)
            while index and self.index_making():
                time.sleep(0.05)
        except RuntimeError:
            self.stop()
            raise RuntimeError(self.log.read_text()) from None

    def index_making(self) -> bool:
        """Whether the server is still making its search index (503 to an API request)."""
        if self.proc.poll() is not None:
            raise RuntimeError("kg serve stopped")
        try:
            with urllib.request.urlopen(self.url + "/api/sources", timeout=60):
                return False
        except urllib.error.HTTPError as exc:
            return exc.code == 503

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def copy_data(target: Path) -> Path:
    """A scratch copy of data/, as the data_copy fixture makes (without its store)."""
    shutil.copytree(ROOT / "data", target, ignore=shutil.ignore_patterns(".kg"))
    return target


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Served(copy_data(tmp_path_factory.mktemp("serve") / "data"), "--max-rows", "50")
    yield served
    served.stop()


def get(url: str, *, accept: str | None = None, data: bytes | None = None, ctype: str | None = None,
        method: str | None = None):
    """``(status, headers, body)`` of one request (errors too)."""
    headers = {}
    if accept:
        headers["Accept"] = accept
    if ctype:
        headers["Content-Type"] = ctype
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def sparql_url(server, query: str, **extra) -> str:
    return f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query, **extra})


def api(server, path: str, **params):
    status, _h, body = get(f"{server.url}/api/{path}?" + urllib.parse.urlencode(params))
    return status, json.loads(body)


COMPANIES = "SELECT ?c ?l WHERE { ?c a dai:Company ; rdfs:label ?l } ORDER BY ?l LIMIT 5"


# ----------------------------------------------------------------------- the server


def test_says_where_it_listens_on_loopback(server):
    line = server.output().splitlines()[0]
    assert line.startswith("kg: serving ") and f"at http://127.0.0.1:{server.port}/ " in line
    assert "Ctrl-C" in line and "exposes" not in server.output()


def test_another_host_is_said_to_be_exposed(run_kg, monkeypatch, data_copy):
    import graph.serve.command as command

    monkeypatch.setattr(command, "_serve", lambda server, sock: None)  # nothing served
    monkeypatch.setattr(command, "_listen", lambda host, port: _FakeSocket(port))
    result = run_kg("serve", "--data", data_copy, "--host", "0.0.0.0", "--port", "8999")
    assert "at http://0.0.0.0:8999/" in result.output
    assert "warning: --host 0.0.0.0 exposes the graph to the network" in result.output
    result = run_kg("serve", "--data", data_copy, "--host", "localhost", "--port", "8999")
    assert "exposes" not in result.output


class _FakeSocket:
    def __init__(self, port):
        self.port = port

    def getsockname(self):
        return ("0.0.0.0", self.port)


def test_ctrl_c_stops_it_cleanly(tmp_path):
    served = Served(copy_data(tmp_path / "data"))
    assert get(served.url + "/api/start")[0] == 200
    assert served.stop() == 0
    assert "Traceback" not in served.output() and served.output().endswith("kg: stopped\n")


def test_a_port_in_use_is_one_line(tmp_path, server):
    result = subprocess.run([*KG, "serve", "--data", str(copy_data(tmp_path / "data")), "--port", str(server.port)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    said = f"kg: error: cannot listen on 127.0.0.1:{server.port}: Address already in use"
    assert said in result.stderr and "Traceback" not in result.stderr


def test_only_loopback_host_names_are_answered(server):
    # a page elsewhere reaching 127.0.0.1 through DNS rebinding sends its own name as Host
    request = urllib.request.Request(server.url + "/api/start", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 421
    assert get(f"http://localhost:{server.port}/api/start")[0] == 200


def test_every_answer_has_a_strict_csp(server):
    for path in ("/", "/sparql", "/api/start", "/static/style.css", "/static/dist/explorer.js", "/nothing"):
        _s, headers, _b = get(server.url + path, accept="text/html")
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self';" in csp and "connect-src 'self'" in csp
        assert "http" not in csp
        if path == "/sparql":  # the editor: CodeMirror's <style> elements by nonce, its style attributes
            nonce = re.search(r"'nonce-([\w-]+)'", csp).group(1)
            assert f'content="{nonce}"' in _b.decode() and "style-src-attr 'unsafe-inline'" in csp
            csp = csp.replace("style-src-attr 'unsafe-inline'", "")
        assert "unsafe" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_no_path_traversal_in_static_files(server):
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e%2f%2e%2e/cli.py",
                 "/static//etc/passwd", "/static/dist/../../api.py"):
        status, _h, body = get(server.url + path)
        assert status in (400, 404), path
        assert b"import" not in body and b"root:" not in body


def test_only_reads(server):
    for method in ("PUT", "DELETE", "PATCH"):
        assert get(server.url + "/sparql", method=method, data=b"x")[0] == 405
    assert get(server.url + "/api/search?q=x", method="POST", data=b"")[0] == 405


def _raw(server, head: bytes, body: bytes = b"") -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(head + body)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def test_request_size_limit(server):
    said = _raw(server, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        b"Content-Type: application/sparql-query\r\nContent-Length: 2097152\r\n\r\n")
    assert said.startswith(b"HTTP/1.1 413") and b"request body over 1,048,576 bytes" in said
    # a chunked body (no length said first) is cut as it comes
    chunk = b"x" * 600_000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(2)) + b"0\r\n\r\n"
    said = _raw(server, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        b"Content-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n", body)
    assert said.startswith(b"HTTP/1.1 413")


def test_a_client_sending_a_body_over_the_limit_reads_the_413_whole(server):
    """The server reads (and drops) the rest of a body up to 5 times the limit before it
    answers and closes: a connection closed with unread bytes is reset, and the client,
    still sending, would lose the answer (seen in CI under load)."""
    chunk = b"x" * 500_000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8)) + b"0\r\n\r\n"  # 4 MB
    for _ in range(3):
        said = _raw(server, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            b"Content-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n", body)
        assert said.startswith(b"HTTP/1.1 413") and b"request body over 1,048,576 bytes" in said


def test_malformed_http_is_a_400(server):
    said = _raw(server, b"GET /api/search?q=%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert said.split(b" ")[1] in (b"200", b"400") and b"Traceback" not in said
    said = _raw(server, b"NONSENSE\r\n\r\n")
    assert said.startswith(b"HTTP/1.1 400") and b"Traceback" not in said


# ----------------------------------------------------------------------- SPARQL protocol


def test_kg_query_endpoint_reads_it(server, run_kg):
    here = run_kg("query", "top-contractors", "--format", "csv", "--data", ROOT / "data")
    there = run_kg("query", "--endpoint", server.url + "/sparql", "top-contractors", "--format", "csv")
    assert there.exit_code == 0, there.output
    assert there.output == here.output and there.output.count("\n") > 5
    actor = run_kg("query", "--endpoint", server.url + "/sparql", "actor-facts", "-p", "actor=OpenAI")
    assert actor.exit_code == 0 and "Contract" in actor.output


def test_rdflib_sparqlstore_reads_it(server):
    from rdflib import Graph, Literal
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    for method in ("GET", "POST"):
        g = Graph(store=SPARQLStore(server.url + "/sparql", method=method))
        rows = list(g.query("PREFIX dai: <https://w3id.org/defense-ai-graph/ontology#> "
                            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " + COMPANIES))
        assert len(rows) == 5 and all(isinstance(r[1], Literal) for r in rows)
        assert g.query("ASK { ?s ?p ?o }").askAnswer is True
        built = g.query("CONSTRUCT { ?c a ?t } WHERE { ?c a ?t } LIMIT 3").graph
        assert len(built) == 3


def test_post_forms_and_direct_queries(server):
    direct = get(server.url + "/sparql", data=COMPANIES.encode(), ctype="application/sparql-query",
                 accept="application/sparql-results+json")
    form = get(server.url + "/sparql", data=urllib.parse.urlencode({"query": COMPANIES}).encode(),
               ctype="application/x-www-form-urlencoded", accept="application/sparql-results+json")
    got = get(sparql_url(server, COMPANIES), accept="application/sparql-results+json")
    assert direct[0] == form[0] == got[0] == 200
    assert direct[2] == form[2] == got[2]
    rows = json.loads(got[2])["results"]["bindings"]
    assert len(rows) == 5 and rows[0]["l"]["xml:lang"] == "en"


@pytest.mark.parametrize("accept, ctype, check", [
    ("application/sparql-results+json", "application/sparql-results+json", lambda b: json.loads(b)["head"]),
    ("application/sparql-results+xml", "application/sparql-results+xml", lambda b: b"<sparql " in b),
    ("text/csv", "text/csv", lambda b: b.startswith(b"c,l\r\n")),
    ("text/tab-separated-values", "text/tab-separated-values", lambda b: b.startswith(b"?c\t?l\n")),
    ("text/html;q=0.1, */*", "application/sparql-results+json", lambda b: json.loads(b)),
])
def test_select_content_negotiation(server, accept, ctype, check):
    status, headers, body = get(sparql_url(server, COMPANIES), accept=accept)
    assert status == 200 and headers["Content-Type"].startswith(ctype)
    assert check(body)


def test_select_results_parse_back(server):
    from rdflib.query import Result

    xml = get(sparql_url(server, COMPANIES), accept="application/sparql-results+xml")[2]
    js = get(sparql_url(server, COMPANIES), accept="application/sparql-results+json")[2]
    import io

    a = list(Result.parse(io.BytesIO(xml), format="xml"))
    b = list(Result.parse(io.BytesIO(js), format="json"))
    assert a == b and len(a) == 5


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                         ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_graph_content_negotiation(server, accept, fmt):
    from rdflib import Graph

    query = "CONSTRUCT { ?c rdfs:label ?l } WHERE { ?c a dai:Company ; rdfs:label ?l } ORDER BY ?l LIMIT 7"
    status, headers, body = get(sparql_url(server, query), accept=accept)
    assert status == 200 and headers["Content-Type"].startswith(accept)
    g = Graph().parse(data=body.decode("utf-8"), format=fmt)
    assert len(g) == 7


def test_a_format_nothing_fits_is_406(server):
    status, _h, body = get(sparql_url(server, COMPANIES), accept="image/png")
    assert status == 406 and b"application/sparql-results+json" in body


@pytest.mark.parametrize("query, says", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/x> { ?s ?p ?o } }", "SERVICE reaches the network"),
    ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM / FROM NAMED reaches the network"),
    ("LOAD <http://example.org/x.ttl>", "LOAD reaches the network"),
    ("INSERT DATA { <a:a> <a:b> <a:c> }", "read-only"),
    ("DELETE WHERE { ?s ?p ?o }", "read-only"),
    ("SELECT * WHERE { ?s ?p }", "SPARQL syntax error at line 1"),
])
def test_refused_queries_are_a_400_with_one_line(server, query, says):
    for url, data, ctype in ((sparql_url(server, query), None, None),
                             (server.url + "/sparql", query.encode(), "application/sparql-query")):
        status, headers, body = get(url, data=data, ctype=ctype)
        assert status == 400 and headers["Content-Type"].startswith("text/plain")
        text = body.decode()
        assert says in text and text.count("\n") == 1 and "Traceback" not in text


@pytest.mark.parametrize("data, ctype, status, says", [
    (b"update=INSERT+DATA+%7B%7D", "application/x-www-form-urlencoded", 400, "read-only"),
    (b"INSERT DATA {}", "application/sparql-update", 400, "read-only"),
    (b"query=", "application/x-www-form-urlencoded", 400, "empty"),
    (b"query=ASK%7B%7D&query=ASK%7B%7D", "application/x-www-form-urlencoded", 400, "one query"),
    (b"ASK {}", "text/plain", 415, "application/sparql-query"),
    (b"\xff\xfe", "application/sparql-query", 400, "not UTF-8"),
    (b"query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fx", "application/x-www-form-urlencoded", 400, "union"),
])
def test_malformed_requests_are_a_400_with_a_message(server, data, ctype, status, says):
    got, _h, body = get(server.url + "/sparql", data=data, ctype=ctype)
    assert got == status and says in body.decode() and b"Traceback" not in body


def test_answers_are_cut_at_the_result_limit(server):
    status, headers, body = get(sparql_url(server, "SELECT * WHERE { ?s ?p ?o }"), accept="text/csv")
    assert status == 200 and headers["X-KG-Truncated"] == "true" and headers["X-SPARQL-MaxRows"] == "50"
    assert body.count(b"\r\n") == 51
    status, headers, body = get(sparql_url(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 3"), accept="text/csv")
    assert "X-KG-Truncated" not in headers and body.count(b"\r\n") == 4


def test_a_service_description(server):
    from rdflib import Graph, URIRef

    status, headers, body = get(server.url + "/sparql", accept="text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=body.decode(), format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "endpoint"), URIRef(server.url + "/sparql")) in g
    assert (None, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in g
    assert (None, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in g


def test_a_runaway_query_is_stopped_and_the_server_goes_on(tmp_path):
    served = Served(copy_data(tmp_path / "data"), "--timeout", "0.5")
    try:
        slow = ("SELECT * WHERE { ?a a dai:Contract . ?b a dai:Contract . ?c a dai:Person "
                "FILTER (STR(?a) = CONCAT(STR(?b), STR(?c))) }")
        status, _h, body = get(sparql_url(served, slow))
        assert status == 503 and b"query stopped after" in body
        status, _h, body = get(sparql_url(served, "ASK { ?s a dai:Company }"))
        assert status == 200 and json.loads(body)["boolean"] is True
        assert api(served, "search", q="openai")[0] == 200
    finally:
        assert served.stop() == 0


# ----------------------------------------------------------------------- the JSON API


def test_search_names_aliases_and_identifiers(server):
    status, found = api(server, "search", q="PENTAGONE")
    assert status == 200 and found["results"][0]["id"] == "dod" and found["results"][0]["matched"] == "alias"
    # accents and case ignored, French names
    assert api(server, "search", q="departement de la defense")[1]["results"][0]["id"] == "dod"
    # ranked: an exact name before names that only contain it
    hits = api(server, "search", q="openai")[1]["results"]
    assert hits[0]["id"] == "openai" and {"openai-public-sector", "openai-for-government"} <= {h["id"] for h in hits}
    assert all(h["kind"] and "relations" in h for h in hits)
    # a register's identifier, and a contract's PIID (the actors of that contract)
    assert api(server, "search", q="org-name:trustpoint")[1]["results"][0]["id"] == "org-trustpoint"
    piid = api(server, "search", q="fa228025f0014")[1]["results"]
    assert piid and all(h["matched"] == "PIID" and h["text"] == "FA228025F0014" for h in piid)
    assert len({h["kind"] for h in piid}) == 2  # the agency and the contractor


def test_search_quotes_and_source_titles(server):
    """A quote's words find the actors of its fact; a source's title, the actors it states
    facts about; accents and case ignored; names rank before quotes, quotes before titles."""
    hits = api(server, "search", q="PREMIER CONTRAT DE DEFENSE signe")[1]["results"]
    assert {"dod", "openai-public-sector"} <= {h["id"] for h in hits}
    assert all(h["matched"] == "quote" and "premier contrat de défense signé" in h["text"] for h in hits)
    assert all(h["kind"] and h["relations"] > 0 for h in hits)
    sizes = [h["relations"] for h in hits]
    assert sizes == sorted(sizes, reverse=True)  # ties of rank by portfolio size
    titled = api(server, "search", q="innovators league")[1]["results"]
    assert titled and all(h["matched"] == "source" and "Innovators League" in h["text"] for h in titled)
    mixed = [h["matched"] for h in api(server, "search", q="missile", limit=50)[1]["results"]]
    assert mixed[0] in ("name", "alias", "identifier") and "quote" in mixed
    assert mixed.index("quote") > max(i for i, m in enumerate(mixed) if m in ("name", "alias", "identifier", "id"))


def test_the_search_index_is_kept_beside_the_store(server):
    """Made once per store generation, beside it; the same view as the adjacency table."""
    from graph.serve.index import Filters, SearchIndex
    from graph.store import open_store
    from graph.store.adjacency import Adjacency

    api(server, "search", q="openai")
    data = Path(server.log).parent / "data"
    kept = list((data / ".kg").glob("store-*/kg-kept-serve-index.sqlite"))
    assert len(kept) == 1
    with open_store(data_dir=data) as store:
        made = []
        original = SearchIndex.build
        SearchIndex.build = classmethod(lambda cls, *a, **k: made.append(1) or original.__func__(cls, *a, **k))
        try:
            index = SearchIndex.of(store)
        finally:
            SearchIndex.build = original
        assert made == []  # read back, not made again
        adj = Adjacency.of(store)
        for (node,) in adj.conn.execute("SELECT id FROM actor"):
            def rounded(rows):
                return [(*r[:4], round(float(r[4]), 2) if r[4] else None, *r[5:]) for r in rows]
            assert rounded(index.relations_of(node, Filters())) == rounded(adj.around(node)), node
        adj.close()
        index.close()


@pytest.mark.parametrize("since, until, some", [("2025", "", True), ("", "2024-06", True),
                                                ("2024-03-15", "2025-02", True), ("2025-06", "2025-06", True),
                                                ("2023", "2025-12-31", True), ("2040", "", False),
                                                # a fact of 2024-12 (a month) is in a range from 2024-12-04
                                                ("2024-12-04", "", True), ("2025-01-20", "2025-06-30", True)])
def test_a_date_range_from_the_relations_sums_is_the_facts_answer(since, until, some):
    """The dated expand reads each relation's sums of dated facts and sums the facts only of
    the relations the range cuts: for every actor, the rows are those summed fact by fact
    (a date of any precision, the ends of the range included)."""
    from graph.serve.index import Filters, SearchIndex
    from graph.store import open_store

    with open_store(data_dir=str(ROOT / "data")) as store:
        index = SearchIndex.build(store, ":memory:", "")
    filters = Filters(since=since, until=until)
    nodes = [r[0] for r in index.conn.execute("SELECT id FROM actor ORDER BY id")]
    found = {node: index.relations_of(node, filters) for node in nodes}
    assert found == {node: index._from_facts(node, filters) for node in nodes}
    assert (sum(map(len, found.values())) > 0) is some
    index.close()


def gated_server(tmp_path: Path, monkeypatch) -> tuple[Served, Path]:
    """A server of a new store generation whose index build waits until the file ``gate``
    exists (touch it to let it go on): until then the API answers 503."""
    data = copy_data(tmp_path / "data")
    subprocess.run([*KG, "stats", "--data", str(data)], check=True, capture_output=True)  # the store
    gate = tmp_path / "gate"
    hook = tmp_path / "sitecustomize.py"  # the server's index build waits for the gate file
    hook.write_text("import os, time\nfrom graph.serve import index\nbuild = index.SearchIndex.build.__func__\n"
                    "def slow(cls, *a, **k):\n    while not os.path.exists(os.environ['KG_TEST_GATE']):\n"
                    "        time.sleep(0.05)\n    return build(cls, *a, **k)\n"
                    "index.SearchIndex.build = classmethod(slow)\n")
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}:{ROOT}")
    monkeypatch.setenv("KG_TEST_GATE", str(gate))
    return Served(data, index=False), gate


def test_while_the_index_is_made_the_api_answers_503_and_sparql_at_once(tmp_path, monkeypatch):
    """A new store generation: the index is made in a thread as the server starts; until it
    is, the API answers 503 at once with the step it is at (in the message and in
    ``building``, with the seconds so far and Retry-After's), the SPARQL endpoint and the
    pages answer; then the API answers."""
    served, gate = gated_server(tmp_path, monkeypatch)
    try:
        status, headers, body = get(served.url + "/api/search?q=openai")
        assert status == 503 and headers.get("Retry-After") == "5"
        said = json.loads(body)
        assert said["error"].startswith("the search index of this store generation is being made (")
        assert "try again in a moment" in said["error"] and "\n" not in said["error"]
        building = said["building"]
        assert set(building) == {"step", "seconds", "retry_after"} and building["retry_after"] == 5
        assert f"({building['step']}, " in said["error"] and building["seconds"] >= 0
        assert get(served.url + "/api/expand?id=openai")[0] == 503
        assert get(sparql_url(served, "SELECT * WHERE { ?s ?p ?o } LIMIT 1"))[0] == 200
        assert get(served.url + "/")[0] == 200
        gate.touch()
        while served.index_making():
            time.sleep(0.05)
        status, found = api(served, "search", q="openai")
        assert status == 200 and found["results"][0]["id"] == "openai"
        assert "serve index:" in served.output()
    finally:
        served.stop()


def test_a_server_stopping_while_its_index_is_made_gives_it_up_and_says_nothing(tmp_path):
    """Stopped as it starts (Ctrl-C while the index of a new store generation is made): the
    index is given up at its next step before the store is closed, with no warning (it used
    to go on reading the closed store and say "'NoneType' object has no attribute 'query'"),
    and no half-made index file is left beside the store."""
    from graph.serve.api import Explorer
    from graph.serve.index import SearchIndex
    from graph.store import open_store

    data = copy_data(tmp_path / "data")
    said = []
    with open_store(data_dir=str(data)) as store:
        explorer = Explorer(store)
        explorer.warm_in_background(failed=said.append)
        explorer.stop()
        folder = store.kept().path
    assert said == [] and not explorer._warming.is_alive()
    assert list(folder.glob(".kg-kept-serve-index.sqlite.*")) == []
    with open_store(data_dir=str(data)) as store:  # made whole, or not at all
        assert SearchIndex.of(store).search("pentagone")[0]["id"] == "dod"


def test_search_refuses_what_it_cannot_answer(server):
    assert api(server, "search")[0] == 400
    status, answer = api(server, "search", q="x", limit="lots")
    assert status == 400 and "limit must be a whole number" in answer["error"]


def test_actor(server):
    status, dod = api(server, "actor", id="dod")
    assert status == 200 and dod["kind"] == "GovernmentAgency" and "Pentagone" in dod["aliases"]
    assert dod["by_relation"]["Contract"]["actors"] >= 1
    status, answer = api(server, "actor", id="nobody-at-all")
    assert status == 404 and "no actor named" in answer["error"]


def test_expand_is_capped_largest_first_and_filtered(server):
    _s, everything = api(server, "expand", id="dod", limit=1000)
    total = everything["total"]
    amounts = [n["link_amount"] or 0 for n in everything["neighbours"]]
    assert total == len(everything["neighbours"]) > 3 and amounts == sorted(amounts, reverse=True)
    _s, capped = api(server, "expand", id="dod", limit=3)
    assert [n["id"] for n in capped["neighbours"]] == [n["id"] for n in everything["neighbours"][:3]]
    assert capped["more"] == total - 3
    _s, page2 = api(server, "expand", id="dod", limit=3, offset=3)
    assert [n["id"] for n in page2["neighbours"]] == [n["id"] for n in everything["neighbours"][3:6]]
    _s, only = api(server, "expand", id="dod", relation="SubUnit", limit=1000)
    assert only["total"] == everything["by_relation"]["SubUnit"] and only["total"] < total
    assert all(link["relation"] == "SubUnit" for n in only["neighbours"] for link in n["links"])
    _s, dated = api(server, "expand", id="dod", since="2025-06-01", until="2025-06-30", limit=1000)
    assert 0 < dated["total"] < total
    assert all(lk["first"][:7] <= "2025-06" <= (lk["last"] or lk["first"])[:7]
               for n in dated["neighbours"] for lk in n["links"])
    assert api(server, "expand", id="dod", relation="Friendship")[0] == 400
    assert api(server, "expand", id="dod", since="yesterday")[0] == 400


def test_expand_by_source_agency_and_dates_with_the_rest_by_the_same_filters(server):
    _s, sources = api(server, "sources")
    assert sources[0]["facts"] >= sources[-1]["facts"] and all("title" in s for s in sources)
    _s, everything = api(server, "expand", id="openai", limit=1000)
    _s, fr = api(server, "expand", id="openai", source="article-fr", limit=1000)
    assert 0 < fr["total"] < everything["total"]
    for n in fr["neighbours"]:  # each neighbour has a fact of that source with openai
        facts = api(server, "facts", a="openai", b=n["id"], source="article-fr")[1]
        assert facts["total"] >= 1
        assert all(any(c["source"] == "article-fr" for c in f["citations"]) for f in facts["facts"])
    # an agency: the neighbours that are it or one of its units
    _s, dod = api(server, "expand", id="anduril", agency="dod", limit=2)
    assert dod["filters"]["agency"] == "dod" and dod["total"] > 2
    assert any(a["id"] == "dod" for a in dod["agencies"])
    _s, rest = api(server, "expand", id="anduril", agency="dod", limit=1000, offset=2)
    _s, all_dod = api(server, "expand", id="anduril", agency="dod", limit=1000)
    assert [n["id"] for n in dod["neighbours"] + rest["neighbours"]] == [n["id"] for n in all_dod["neighbours"]]
    assert rest["more"] == 0 and dod["more"] == len(rest["neighbours"])
    units = {n["id"] for n in all_dod["neighbours"]}
    _s, plain = api(server, "expand", id="anduril", limit=1000)
    assert units < {n["id"] for n in plain["neighbours"]} and "agency-department-of-homeland-security" not in units
    # dates: every fact counted is in the range
    _s, dated = api(server, "expand", id="agency-department-of-the-air-force", since="2025-01", until="2025-12",
                    limit=1000)
    assert 0 < dated["total"]
    assert all("2025-01" <= lk["first"][:7] and lk["last"][:7] <= "2025-12"
               for n in dated["neighbours"] for lk in n["links"])
    assert api(server, "expand", id="openai", source="no-such-source")[0] == 404
    assert api(server, "expand", id="openai", since="2026", until="2025")[0] == 400


def test_facts_and_path_filtered_server_side(server):
    _s, every = api(server, "facts", a="agency-department-of-the-air-force", b="anduril", limit=200)
    _s, dated = api(server, "facts", a="agency-department-of-the-air-force", b="anduril", since="2025",
                    until="2025", limit=200)
    assert 0 < dated["total"] < every["total"] == len(every["facts"])
    assert dated["total"] == len(dated["facts"])
    in_2025 = [f["fact"] for f in dated["facts"]]
    assert set(in_2025) < {f["fact"] for f in every["facts"]}
    _s, paged = api(server, "facts", a="agency-department-of-the-air-force", b="anduril", limit=3, offset=3)
    assert [f["fact"] for f in paged["facts"]] == [f["fact"] for f in every["facts"][3:6]]
    # a path made only of facts from one source: longer than the shortest over every fact
    _s, plain = api(server, "path", a="anduril", b="cdao")
    _s, found = api(server, "path", a="anduril", b="cdao", source="article-fr")
    assert len(found["paths"][0]) > len(plain["paths"][0])
    for hop in found["paths"][0]:
        assert hop["facts"] and all(any(c["source"] == "article-fr" for c in f["citations"]) for f in hop["facts"])
    assert api(server, "path", a="anduril", b="cdao", source="table-gov-contracts-raw")[1]["paths"] == []


def test_facts_of_a_relation_with_sources_and_quotes_paged(server):
    _s, first = api(server, "facts", a="dod", b="openai-public-sector")
    fact = first["facts"][0]
    assert fact["relation"] == "Contract" and fact["citations"]
    assert all(c["quote"] and c["source"] for c in fact["citations"])
    _s, everything = api(server, "facts", a="openai", b="anduril", limit=200)
    assert everything["total"] >= 1
    _s, agency = api(server, "facts", a="dod", b="cdao", limit=1)
    assert agency["more"] == agency["total"] - len(agency["facts"])


def test_path_over_the_whole_graph(server, run_kg):
    _s, found = api(server, "path", a="Anduril", b="cdao")
    hops = found["paths"][0]
    assert hops[0]["from"] == "anduril" and hops[-1]["to"] == "cdao"
    assert all(h["facts"] and h["facts"][0]["citations"] for h in hops)
    assert set(found["actors"]) >= {"anduril", "cdao"}
    shell = run_kg("path", "Anduril", "cdao", "--data", ROOT / "data")
    for hop in hops:
        assert hop["to"] in shell.output


def test_the_same_answers_over_a_sparql_endpoint(tmp_path):
    """Over `--store sparql:URL` (nothing kept) the index is made in memory, and search,
    filtered expand, facts and path answer as on the embedded store."""
    from graph.serve.api import Explorer
    from graph.store import open_store
    from tests.servers import serve_store

    data = copy_data(tmp_path / "data")
    with open_store(data_dir=data) as store:  # the store of the copy, made once
        here = Explorer(store)
        asked = [("search", ("premier contrat de défense signé",), {}),
                 ("expand", ("anduril",), {"agency": "dod", "since": "2024"}),
                 ("facts", ("agency-department-of-the-air-force", "anduril"), {"since": "2025", "until": "2025"}),
                 ("path", ("anduril", "cdao"), {"source": "article-fr"})]
        expected = [getattr(here, name)(*args, **kw) for name, args, kw in asked]
        here.close()
    for url in serve_store(data, tmp_path):
        with open_store(f"sparql:{url}") as store:
            there = Explorer(store)
            assert store.kept() is None
            assert [getattr(there, name)(*args, **kw) for name, args, kw in asked] == expected
            there.close()


def test_paths_from_both_ends_are_those_of_kg_path():
    """The explorer's search from both ends finds the paths `kg path` finds, in its order."""
    import itertools

    from graph.serve.index import shortest_node_paths
    from graph.store import open_store
    from graph.store.adjacency import Adjacency, node_paths

    with open_store(data_dir=ROOT / "data") as store:
        adj = Adjacency.of(store)
        actors = [r[0] for r in adj.conn.execute("SELECT id FROM actor ORDER BY id")][::7]
        for a, b in itertools.permutations(actors, 2):
            assert shortest_node_paths(adj.linked, a, b, 4) == node_paths(adj, a, b, 4), (a, b)
        adj.close()


def test_view_and_start(server):
    _s, start = api(server, "start", n=10)
    assert len(start["actors"]) == 10 and start["links"]
    ids = [a["id"] for a in start["actors"]][:4] + ["not-an-actor"]
    _s, view = api(server, "view", ids=",".join(ids))
    assert [a["id"] for a in view["actors"]] == ids[:4] and view["unknown"] == ["not-an-actor"]
    assert all(lk["from"] in ids and lk["to"] in ids for lk in view["links"])


def test_view_filtered_by_dates_keeps_the_relations_of_those_facts(server):
    ids = "agency-department-of-the-air-force,anduril,openai,openai-public-sector,dod"
    _s, every = api(server, "view", ids=ids)
    _s, dated = api(server, "view", ids=ids, since="2025-06", until="2025-06")
    assert {a["id"] for a in dated["actors"]} == {a["id"] for a in every["actors"]}
    assert 0 < len(dated["links"]) < len(every["links"])
    assert all("2025-06" <= lk["first"][:7] <= lk["last"][:7] <= "2025-06" for lk in dated["links"])
    agency = next(a for a in every["actors"] if a["id"] == "agency-department-of-the-air-force")
    assert agency["agency"] == "dod" and agency["agency_label"] == "United States Department of Defense"


def test_a_static_page_of_the_actors_shown(server):
    """The offline single-file explorer of what is shown: an attachment, no outside address."""
    status, headers, body = get(f"{server.url}/api/static-page?" + urllib.parse.urlencode(
        {"ids": "dod,openai-public-sector,openai", "title": "My <view>"}))
    html = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "attachment" in headers["Content-Disposition"]
    assert "My &lt;view&gt;" in html and "<view>" not in html
    data = json.loads(re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', html, re.S).group(1))
    assert sorted(n["id"] for n in data["nodes"]) == ["dod", "openai", "openai-public-sector"]
    assert not re.search(r'(src|href)="https?://', html)
    assert api(server, "static-page", ids="nobody")[0] == 400


def test_a_sparql_answer_drawn_as_actors(server):
    construct = ("CONSTRUCT { ?f dai:contractor ?c } WHERE { ?f a dai:Contract ; dai:contractor ?c ; "
                 "dai:awardingAgency id:agency-department-of-the-army }")
    _s, drawn = api(server, "query-view", query=construct)
    ids = {a["id"] for a in drawn["actors"]}
    assert "agency-department-of-the-army" in ids and len(ids) > 2  # the facts' actors, both ends
    assert all(lk["from"] in ids and lk["to"] in ids for lk in drawn["links"]) and drawn["links"]
    _s, selected = api(server, "query-view", query="SELECT ?a WHERE { VALUES ?a { id:anduril id:openai } }")
    assert {a["id"] for a in selected["actors"]} == {"anduril", "openai"}
    assert api(server, "query-view", query="ASK { ?s ?p ?o }")[0] == 400
    assert api(server, "query-view", query="DELETE WHERE { ?s ?p ?o }")[0] == 400


def test_flags_layer(server):
    _s, listed = api(server, "flags-list")
    assert {"concentration", "single-source", "splitting"} <= {f["name"] for f in listed}
    _s, found = api(server, "flags", name="concentration")
    assert found["total"] == len(found["hits"]) >= 1
    hit = found["hits"][0]
    assert "agency-us-customs-and-border-protection" in hit["actors"] and "anduril" in hit["actors"]
    assert ["agency-us-customs-and-border-protection", "anduril"] in hit["pairs"]
    assert any("table-gov-contracts-raw" in line and "“awardId=" in line for line in hit["evidence"])
    assert api(server, "flags", name="../../etc/passwd")[0] == 404


def test_saved_queries_with_parameters(server):
    _s, listed = api(server, "queries")
    assert any(q["name"] == "actor-facts" and q["params"][0]["type"] == "actor" for q in listed)
    status, _h, body = get(f"{server.url}/api/saved?name=actor-facts&actor=pentagone",
                           accept="application/sparql-results+json")
    rows = json.loads(body)["results"]["bindings"]
    assert status == 200 and rows and all(r["quote"]["value"] for r in rows)
    status, _h, body = get(f"{server.url}/api/saved?name=actor-facts")
    assert status == 400 and b"needs --param actor" in body
    assert get(f"{server.url}/api/saved?name=../../etc/passwd")[0] == 404


def test_vocabulary_from_the_ontology(server):
    _s, terms = api(server, "vocabulary")
    names = {t["name"]: t for t in terms}
    assert names["dai:Contract"]["kind"] == "class" and names["dai:contractor"]["kind"] == "property"


def test_small_load(server):
    """5 clients × 20 mixed requests on loopback: every one answered, none failed."""
    paths = ["/api/search?q=open", "/api/expand?id=dod&limit=20", "/api/facts?a=dod&b=openai-public-sector",
             "/api/path?a=anduril&b=cdao", "/sparql?" + urllib.parse.urlencode({"query": COMPANIES})]
    failures: list = []

    def client(k: int) -> None:
        for i in range(20):
            status = get(server.url + paths[(i + k) % len(paths)])[0]
            if status != 200:
                failures.append((k, i, status))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads) and failures == []


def test_kg_serve_help_has_an_example(run_kg):
    result = run_kg("serve", "--help")
    assert "Example:" in result.output and "kg serve --port" in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())
