"""Hardening: nothing lost, nothing half-written, no traceback (issue 13).

Hostile or broken input (a YAML alias bomb, a date that does not exist, a trailing newline
in an id, a lone surrogate, a crafted parameter name, an endpoint that answers garbage or
never stops answering) gets one line on stderr naming where it is, a non-zero exit code,
and leaves the previous exports as they were. Each test holds one finding of the issue.
"""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

import pytest

#: a tiny data folder: one source, two companies, an agency and a contract between them
TINY = """\
sources:
  - {id: s, title: S, language: en}
entities:
  - {id: x, type: Company, label: {en: X}, sources: [s]}
  - {id: y, type: Company, label: {en: Y}, sources: [s]}
  - {id: a, type: GovernmentAgency, label: {en: Agency A}, sources: [s]}
facts:
  - id: f
    type: Partnership
    claims:
      - {source: s, quote: "X and Y", party: [x, y], date: 2024-12}
"""


def tiny(tmp_path: Path, extra: str = "", name: str = "zz.yaml") -> Path:
    """A data folder with :data:`TINY` and ``extra`` (YAML text) in ``name``."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "tiny.yaml").write_text(TINY, encoding="utf-8")
    if extra:
        (data / name).write_text(textwrap.dedent(extra), encoding="utf-8")
    return data


def contract(**values: str) -> str:
    """A contract fact from ``a`` to ``x`` with extra claim ``values`` (YAML flow text)."""
    more = "".join(f", {k}: {v}" for k, v in values.items())
    return ("facts:\n  - id: g\n    type: Contract\n    claims:\n"
            f"      - {{source: s, quote: \"q\", awarding_agency: a, contractor: x{more}}}\n")


def assert_one_line_error(result, code: int = 2, *patterns: str) -> str:
    """``result`` failed with ``code`` and one line on stderr matching every pattern."""
    message = result.stderr.strip()
    assert result.exit_code == code, (result.exit_code, result.output)
    assert len(message.splitlines()) == 1, message
    assert message.startswith("kg: error: "), message
    assert "Traceback" not in result.output
    for pattern in patterns:
        assert re.search(pattern, message), (pattern, message)
    return message


# ----------------------------------------------------------------------------- YAML data

# The cases of bad YAML (a final newline after an id, a reference, a Q-number, a language, a URL
# or a duration; lone surrogates; impossible dates; year 0000; ends past 9999; amounts over 28
# digits; 5,000-digit numbers; deep nesting; NUL) are files of the bad-input corpus now:
# tests/data/bad/yaml/, run through validate and build by tests/test_bad_corpus.py.


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path, run_kg):
    # F5: 485 bytes of nested aliases expand to billions of strings; the error message then
    # printed repr() of the expanded value (6 GB). Aliases are refused where they appear.
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb = "facts:\n  - id: g\n    type: Partnership\n    label: *a9\n" + "\n".join(lines) + "\n"
    data = tiny(tmp_path, bomb)
    assert (data / "zz.yaml").stat().st_size < 600
    result = run_kg("validate", "--data", data)
    message = assert_one_line_error(result, 2, r"zz\.yaml:4: YAML aliases \(\*a9\) are not allowed")
    assert len(message) < 200


def test_error_messages_never_print_a_whole_value(tmp_path, run_kg):
    huge = "[" + ", ".join(["filler"] * 20000) + "]"
    data = tiny(tmp_path, contract(offers=huge))
    message = assert_one_line_error(run_kg("validate", "--data", data), 2, r"zz\.yaml:5: .*expected a whole number")
    assert len(message) < 300, len(message)


#: values at the edge of what validation accepts, each with its own reason to break an export
EDGES = """\
sources:
  - id: t
    title: "T\\r\\nwith a CRLF, a tab\\t and a final newline\\n"
    language: en-GB
    url: "https://example.org/a?b=c&d=e#f"
    published: "2025-06\\n"
entities:
  - id: z-1
    type: Company
    label: {en: "Zed\\n", fr: "\\u2028Zède\\u2029"}
    aliases: {en: ["Z\\u0085", "\\\\x"]}
    wikidata: Q1
    url: "https://example.org/z?q=%3E"
    sources: [t]
facts:
  - id: g-1
    type: Contract
    claims:
      - {source: t, quote: "line 1\\nline 2\\n", awarding_agency: a, contractor: z-1, date: 0001-01-01,
         duration: P1D, value: {amount: "1234567890123456789012345678", currency: USD}}
"""


@pytest.mark.parametrize("fmt, parser", [("turtle", "turtle"), ("trig", "trig"), ("ntriples", "ntriples"),
                                         ("nquads", "nquads"), ("rdfxml", "rdfxml")])
def test_what_validation_accepts_every_rdf_parser_reads(fmt, parser, tmp_path, run_kg):
    # F6: these exports used to be checked with independent parsers for good input only
    from tests.servers import tool

    pyoxigraph = pytest.importorskip("pyoxigraph")
    data = tiny(tmp_path, EDGES)
    out = tmp_path / f"kg.{fmt}"
    result = run_kg("export", "--data", data, "-f", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    oxi = getattr(pyoxigraph.RdfFormat, parser.upper().replace("NTRIPLES", "N_TRIPLES").replace("NQUADS", "N_QUADS")
                  .replace("RDFXML", "RDF_XML"))
    quads = list(pyoxigraph.parse(path=str(out), format=oxi, base_iri="https://w3id.org/defense-ai-graph/"))
    assert any(getattr(q.object, "value", None) == "line 1\nline 2" for q in quads)
    checked = subprocess.run([tool("rapper"), "-q", "-i", parser, "-c", str(out), "https://w3id.org/defense-ai-graph/"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr[-2000:]


def test_importers_and_push_refuse_a_final_newline():
    # F6 in the importers (a language tag, a Q-number) and in kg push --graph
    from rdflib import Literal

    from graph.errors import PushError
    from graph.importers import wikidata
    from graph.importers.nquads import term
    from graph.push import push_sparql

    with pytest.raises(ValueError, match="invalid language tag"):
        term(Literal("x", lang="en\n"))
    assert not wikidata._QID.match("Q1\n") and not wikidata.valid_lang("en\n")
    with pytest.raises(PushError, match="not an absolute IRI"):
        push_sparql(None, "http://127.0.0.1:9/store", graph="https://example.org/g\n")


# ----------------------------------------------------------------------------- parameters, names


def test_a_parameter_name_is_a_sparql_variable_name(run_kg):
    # F14: names were pasted into VALUES (?NAME ...): this one returned every subject
    crafted = "s) {} } UNION { ?s ?p ?o } #"
    result = run_kg("query", "SELECT ?s WHERE { ?s a dai:Company }", "--param", f"{crafted}=x")
    assert_one_line_error(result, 2, r"a parameter name is letters, digits and _")
    assert result.stdout == ""


def test_bind_everywhere_refuses_a_crafted_name_from_python():
    from graph.errors import DataError
    from graph.store.base import bind_everywhere

    with pytest.raises(DataError, match="parameter name"):
        bind_everywhere("SELECT ?s WHERE { ?s ?p ?o }", {"s) } #": "x"})


def test_a_name_no_iri_can_hold_is_no_actor(run_kg):
    # F15: `a>b` was made an IRI for the id lookup; rdflib's n3() raised a bare Exception
    result = run_kg("path", "a>b", "openai")
    assert_one_line_error(result, 2, r"no actor named 'a>b'")


def test_an_exact_id_wins_over_names_that_match_ignoring_case():
    # F15: `--focus hasownproperty` was ambiguous with an actor labelled hasOwnProperty
    from graph.lookup import AmbiguousActor, Names, find

    names = Names()
    names.add_node("hasownproperty", label="Payload", label_fr="", aliases=[])
    names.add_node("other", label="hasOwnProperty", label_fr="", aliases=[])
    assert find(names, "hasownproperty") == "hasownproperty"
    with pytest.raises(AmbiguousActor, match="ambiguous"):  # not an id: both names match
        find(names, "HASOWNPROPERTY")


def test_errors_with_line_breaks_from_the_command_line_are_one_line(run_kg):
    # F18: a multi-line query that is no query was echoed on several lines
    assert_one_line_error(run_kg("query", "foo\nbar\nbaz"), 2, r"'foo\\nbar\\nbaz' is neither a saved query")
    assert_one_line_error(run_kg("path", "a\nb", "openai"), 2, r"no actor named 'a\\nb'")


# ----------------------------------------------------------------------------- remote answers

RESULTS = "application/sparql-results+json"
#: what the hostile endpoint answers, by the first segment of the path
ANSWERS = {
    "badjson": (200, RESULTS, b'{"head": {"vars": ["s"]}, "results": '),
    "html": (200, "text/html", b"<!doctype html><html><body><form>Please log in</form></body></html>"),
    "nokeys": (200, RESULTS, b'{"head": {"vars": ["s"]}}'),
    "badbinding": (200, RESULTS, b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri"}}]}}'),
    "list": (200, RESULTS, b"[1, 2, 3]"),
    "turtle": (200, "text/turtle", b"<http://e/a> <http://e/b"),
}


class Hostile:
    """A loopback HTTP server that answers badly (see :data:`ANSWERS`; also ``huge``: a
    body without end, ``drip``: a byte at a time, ``redirect``), and counts requests.
    Every answer is bounded (at most 16 MB, or 60 s of drip), so a broken client cannot
    keep it running."""

    def __init__(self):
        import http.server
        import threading

        self.hits: list[str] = []
        self.done = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.answer()

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.answer()

            do_PUT = do_POST

            def answer(self):
                outer.hits.append(self.path)
                mode = self.path.split("/")[1]
                try:
                    if mode in ANSWERS:
                        code, ctype, body = ANSWERS[mode]
                        self.send_response(code)
                        self.send_header("Content-Type", ctype)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    elif mode == "redirect":
                        self.send_response(302)
                        self.send_header("Location", f"http://127.0.0.1:{outer.port}/html/query")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    elif mode == "huge":  # says 3 GB, sends at most 16 MB
                        self.send_response(200)
                        self.send_header("Content-Type", RESULTS)
                        self.send_header("Content-Length", str(3 << 30))
                        self.end_headers()
                        block = b" " * (1 << 16)
                        for _ in range(256):
                            self.wfile.write(block)
                    elif mode == "drip":  # a byte every 0.1 s, for at most 60 s
                        self.send_response(200)
                        self.send_header("Content-Type", RESULTS)
                        self.send_header("Content-Length", "600")
                        self.end_headers()
                        for _ in range(600):
                            if outer.done.wait(0.1):
                                break
                            self.wfile.write(b" ")
                            self.wfile.flush()
                    else:
                        self.send_error(404)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, mode: str, path: str = "query") -> str:
        return f"http://127.0.0.1:{self.port}/{mode}/{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile(monkeypatch):
    monkeypatch.setenv("KG_MAX_ANSWER_BYTES", str(1 << 20))  # 1 MiB: the "huge" answer is 16 times that
    with Hostile() as server:
        yield server


BAD_ANSWERS = {  # mode -> (exit code, what the one line says)
    "badjson": (1, r"did not answer SPARQL results JSON"),
    "html": (1, r"did not answer SPARQL results JSON \(got HTML or XML: a login page"),
    "nokeys": (1, r"did not answer SPARQL results JSON \(JSON without the expected keys"),
    "badbinding": (1, r"did not answer SPARQL results JSON"),
    "list": (1, r"did not answer SPARQL results JSON"),
    "huge": (1, r"the answer is larger than 1,048,576 bytes \(KG_MAX_ANSWER_BYTES"),
    "drip": (3, r"did not answer within 1 s"),
    "redirect": (1, r"answered 302, a redirect to http://127\.0\.0\.1:\d+/html/query \(not followed"),
}


@pytest.mark.parametrize("how", ["--endpoint", "--store"])
@pytest.mark.parametrize("mode", sorted(BAD_ANSWERS))
def test_a_bad_answer_from_an_endpoint_is_one_line_naming_it(mode, how, hostile, run_kg):
    # F17: bad JSON, missing keys, HTML pages gave tracebacks; a 3 GB answer was read whole;
    # a dripping endpoint ran 54 s past --timeout 3
    code, pattern = BAD_ANSWERS[mode]
    url = hostile.url(mode)
    where = ["--endpoint", url] if how == "--endpoint" else ["--store", f"sparql:{url}"]
    result = run_kg("query", "SELECT ?s WHERE { ?s ?p ?o }", *where, "--timeout", "1")
    assert_one_line_error(result, code, re.escape(f"http://127.0.0.1:{hostile.port}/{mode}/query"), pattern)


@pytest.mark.parametrize("mode", ["turtle", "html", "huge"])
def test_a_bad_construct_answer_is_one_line(mode, hostile, run_kg):
    result = run_kg("query", "CONSTRUCT WHERE { ?s ?p ?o }", "--endpoint", hostile.url(mode), "--timeout", "5")
    assert_one_line_error(result, 1, re.escape(hostile.url(mode)), r"did not answer Turtle|larger than")


def test_a_bad_answer_to_a_graph_command_on_an_endpoint_is_one_line(hostile, run_kg):
    result = run_kg("stats", "--store", f"sparql:{hostile.url('nokeys')}")
    assert_one_line_error(result, 1, re.escape(hostile.url("nokeys")), r"did not answer SPARQL results JSON")


@pytest.mark.parametrize("mode", ["badjson", "html", "huge", "drip", "redirect"])
def test_a_bad_answer_to_kg_push_is_one_line_naming_it(mode, hostile, tmp_path, run_kg):
    data = tiny(tmp_path)
    result = run_kg("push", "--data", data, "--endpoint", hostile.url(mode, "store"), "--timeout", "1", "-q")
    message = assert_one_line_error(result, 1, rf"127\.0\.0\.1:{hostile.port}/{mode}/")
    assert not re.search(r"pushed \d+", result.output), message


@pytest.mark.parametrize("how", ["--endpoint", "--store"])
@pytest.mark.parametrize("keyword, query", [
    ("SERVICE", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"),
    ("FROM", "SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }"),
])
def test_service_is_refused_before_an_endpoint_is_asked(keyword, query, how, hostile, run_kg):
    # F16: SERVICE was forwarded by --endpoint and --store sparql:URL; the endpoint then
    # made the outbound request
    url = hostile.url("badjson")
    where = ["--endpoint", url] if how == "--endpoint" else ["--store", f"sparql:{url}"]
    result = run_kg("query", query, *where)
    assert_one_line_error(result, 2, rf"{keyword}.* reaches the network: refused")
    assert hostile.hits == []


# ----------------------------------------------------------------------------- kg build, as one set

BUILT = ["explorer.html", "kg.cypher", "kg.ftm.json", "kg.gexf", "kg.graphml", "kg.jsonld", "kg.trig", "kg.ttl"]


def _previous(out: Path) -> dict:
    """An exports folder holding a previous build (one line per file) and a user's file."""
    out.mkdir()
    files = {name: f"previous {name}\n" for name in BUILT} | {"notes.txt": "mine\n"}
    for name, text in files.items():
        (out / name).write_text(text)
    return files


def _listing(out: Path) -> dict:
    return {p.name: p.read_bytes() if p.is_file() else b"<folder>" for p in sorted(out.iterdir())}


def test_a_build_that_fails_half_way_leaves_every_export_as_it_was(tmp_path, run_kg, monkeypatch):
    # F8: on a full disk the folder held files of two builds
    import errno

    from graph import atomic

    data, out = tiny(tmp_path), tmp_path / "exports"
    before = _previous(out)
    real = atomic.write_atomic

    def full_disk(path, fill, **kw):
        if Path(path).name == "kg.gexf":  # the fifth file of the set
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, fill, **kw)

    monkeypatch.setattr(atomic, "write_atomic", full_disk)
    result = run_kg("build", "--data", data, "--out", out, "-q")
    assert_one_line_error(result, 1, r"cannot write: No space left on device; the previous exports are left")
    assert {k: v.decode() for k, v in _listing(out).items()} == before  # no hidden file either


def test_an_exporter_that_fails_leaves_every_export_as_it_was(tmp_path, run_kg, monkeypatch):
    # F7: Turtle and TriG were written, then JSON-LD raised
    from graph.errors import ExportError
    from graph.exporters import registry

    def broken(*args, **kwargs):
        raise ExportError("jsonld: cannot serialise")

    real = registry.get

    def get(name):
        exporter = real(name)
        return exporter if exporter.name != "jsonld" else type("Broken", (), {"filename": "kg.jsonld",
                                                                              "generate": staticmethod(broken)})()

    data, out = tiny(tmp_path), tmp_path / "exports"
    before = _previous(out)
    monkeypatch.setattr(registry, "get", get)
    assert_one_line_error(run_kg("build", "--data", data, "--out", out, "-q"), 1, r"jsonld: cannot serialise")
    assert {k: v.decode() for k, v in _listing(out).items()} == before


def test_a_build_killed_while_moving_its_files_is_finished_by_the_next(tmp_path, run_kg):
    # F8: SIGKILL half-way left two builds' files, and hidden .*.tmp files for ever
    import sys

    data, out = tiny(tmp_path), tmp_path / "exports"
    _previous(out)
    (out / ".kg.ttl.a1b2c3d4.tmp").write_text("left by a killed write")   # ours: removed
    (out / ".notes.txt.a1b2c3d4.tmp").write_text("not ours")              # kept
    killer = textwrap.dedent(f"""
        import os, signal, sys
        out = {str(out)!r}
        real, moved = os.replace, []
        def replace(src, dst, *a, **k):
            if os.path.dirname(os.fspath(dst)) == out and "/.kg-staged/" in os.fspath(src):
                moved.append(dst)
                if len(moved) == 3:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(src, dst, *a, **k)
        os.replace = replace
        from graph.cli import main
        sys.argv = ["kg", "build", "--data", {str(data)!r}, "--out", out, "-q"]
        main()
    """)
    killed = subprocess.run([sys.executable, "-c", killer], capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]
    mixed = _listing(out)
    assert ".kg-staged.swap" in mixed and sum(v.startswith(b"previous") for v in mixed.values()) == 6

    result = run_kg("build", "--data", data, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    clean = tmp_path / "clean"
    assert run_kg("build", "--data", data, "--out", clean, "-q").exit_code == 0
    after = _listing(out)
    assert after.pop("notes.txt") == b"mine\n" and after.pop(".notes.txt.a1b2c3d4.tmp") == b"not ours"
    assert after == _listing(clean)


def test_recover_set_finishes_an_interrupted_move(tmp_path):
    from graph.atomic import JOURNAL, STAGE, recover_set

    (tmp_path / STAGE).mkdir()
    (tmp_path / "a.txt").write_text("new a")                 # moved before the kill
    (tmp_path / STAGE / "b.txt").write_text("new b")         # not yet
    (tmp_path / "b.txt").write_text("old b")
    (tmp_path / JOURNAL).write_text("a.txt\nb.txt\n")
    recover_set(tmp_path)
    assert _listing(tmp_path) == {"a.txt": b"new a", "b.txt": b"new b"}


def test_an_unfinished_staging_folder_is_discarded(tmp_path):
    from graph.atomic import STAGE, recover_set

    (tmp_path / STAGE).mkdir()
    (tmp_path / STAGE / "a.txt").write_text("half")         # killed while staging: no list
    (tmp_path / "a.txt").write_text("old a")
    recover_set(tmp_path, names=["a.txt"])
    assert _listing(tmp_path) == {"a.txt": b"old a"}


# ----------------------------------------------------------------------------- local queries


def test_a_local_query_is_stopped_past_its_memory_limit(tmp_path, run_kg, monkeypatch):
    # a cross product grew to 2.3 GB before its timeout: now stopped past KG_QUERY_MEMORY
    monkeypatch.setenv("KG_QUERY_MEMORY", "64")
    data = tiny(tmp_path)
    cross = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    result = run_kg("query", cross, "--data", data, "--timeout", "600", "--format", "json", "-o", tmp_path / "out")
    assert_one_line_error(result, 3, r"query stopped: it used more than 64 MB \(raise it with KG_QUERY_MEMORY")
    assert not (tmp_path / "out").exists()


def test_a_bad_memory_limit_is_a_usage_error(tmp_path, run_kg, monkeypatch):
    monkeypatch.setenv("KG_QUERY_MEMORY", "lots")
    result = run_kg("query", "ASK {}", "--data", tiny(tmp_path))
    assert_one_line_error(result, 2, r"KG_QUERY_MEMORY must be a number of MB, got 'lots'")
