"""Red flags: indicators that a procurement, or a claim, deserves a closer look.

Each flag is a saved SPARQL query in ``queries/flags/NAME.rq`` (shipped with the package), so
it runs on the embedded store and on any SPARQL 1.1 endpoint alike. Its header says what it
looks for and how::

    # title: Single offer in a competed procedure
    # question: Which awards ...?
    # method: how a hit is found
    # score: what the score measures (larger: more worth a look)
    # param min_amount (integer) = 0: a threshold, with its default
    # pitfalls: why a hit may be innocent
    # reference: where the indicator comes from

A flag's query returns one row per hit with a ``score`` and, where it applies, the ``subject``
(the award or the fact), the ``office`` and ``contractor``, ``parties`` (space-separated IRIs)
and ``facts`` (the space-separated IRIs of the facts that raise it; the subject by default);
its other columns are the measures shown with the hit. What is not SPARQL is here: the
thresholds' defaults, the ``--actor``/``--agency`` filters, the sort, and the evidence of
each hit (its facts' sources, quotes and locators), read from the same store.

Example
-------
>>> lib = library()
>>> "single-offer" in lib, [p.name for p in lib["splitting"].params]
(True, ['threshold', 'window', 'min_awards', 'since'])
>>> lib["splitting"].defaults()["threshold"]
'250000'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib.resources import files

from graph.errors import DataError

__all__ = ["Flag", "Hit", "library", "explain", "run", "flag_rows", "hit_rows", "each_at_once", "SPECIAL_COLUMNS",
           "DEFAULT_JOBS"]

#: the columns of a flag's rows that are not measures
SPECIAL_COLUMNS = ("subject", "office", "contractor", "parties", "score", "facts")
#: header fields besides title, question and params
_FIELDS = ("method", "score", "pitfalls", "reference")
#: the facts whose evidence is read per query (a VALUES block of this many IRIs)
_BATCH = 400
#: how many flags run at once by default (``kg flags --jobs``): the queries use a core each
DEFAULT_JOBS = 2


@dataclass(frozen=True)
class Flag:
    """One indicator: its saved query (:class:`queries.SavedQuery`) and its header fields."""

    name: str
    query: object
    method: str = ""
    score: str = ""
    pitfalls: str = ""
    reference: str = ""

    @property
    def title(self) -> str:
        return self.query.title

    @property
    def question(self) -> str:
        return self.query.question

    @property
    def params(self) -> tuple:
        return self.query.params

    def defaults(self) -> dict[str, str]:
        """Each threshold's default, as text (``{"window": "30", ...}``)."""
        return {p.name: p.default for p in self.params if p.default is not None}


@dataclass
class Hit:
    """One hit of one flag: its score, who and what it is about, its measures, the facts
    that raise it and (for the first of them, or all) their evidence."""

    flag: str
    score: Decimal
    subject: str = ""
    office: str = ""
    contractor: str = ""
    parties: tuple[str, ...] = ()
    measures: dict = field(default_factory=dict)
    facts: tuple[str, ...] = ()
    evidence: list[dict] = field(default_factory=list)
    labels: dict = field(default_factory=dict)

    def key(self) -> tuple:
        return (-self.score, self.flag, self.subject, self.office, self.contractor,
                tuple(sorted(self.measures.items())))


def _parse(name: str, text: str) -> Flag:
    from queries import parse_header

    query = parse_header(name, text)
    found = dict.fromkeys(_FIELDS, "")
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        if key in found:
            found[key] = value.strip()
    missing = [k for k in ("method", "score", "pitfalls", "reference") if not found[k]] + (
        ["title"] if not query.title else []) + (["question"] if not query.question else [])
    if missing:
        raise ValueError(f"queries/flags/{name}.rq: the header has no {', '.join(missing)}")
    for p in query.params:
        if p.default is None:
            raise ValueError(f"queries/flags/{name}.rq: parameter {p.name} has no default")
    return Flag(name, query, **found)


def library() -> dict[str, Flag]:
    """Every flag, by name (the file name without ``.rq``), sorted."""
    folder = files("queries").joinpath("flags")
    return {e.name[:-3]: _parse(e.name[:-3], e.read_text(encoding="utf-8"))
            for e in sorted(folder.iterdir(), key=lambda e: e.name) if e.name.endswith(".rq")}


def choose(names) -> list[Flag]:
    """The flags named (all of them when none is), in library order; DataError for an
    unknown name, naming the ones there are."""
    lib = library()
    unknown = [n for n in names if n not in lib]
    if unknown:
        raise DataError(f"no flag named '{unknown[0]}' (the flags: {', '.join(lib)})")
    return [f for n, f in lib.items() if not names or n in names]


def explain(flag: Flag) -> list[str]:
    """The header of ``flag`` as lines for people: question, method, score, thresholds,
    pitfalls, reference.

    >>> explain(library()["single-offer"])[0]
    'single-offer: Single offer in a competed procedure'
    """
    lines = [f"{flag.name}: {flag.title}", "", f"Question: {flag.question}", "", f"Method: {flag.method}", "",
             f"Score: {flag.score}", ""]
    if flag.params:
        lines.append("Thresholds (kg flags NAME -p NAME=VALUE):")
        lines += [f"  {p.name} = {p.default} ({p.type}): {p.description}" for p in flag.params]
        lines.append("")
    lines += [f"Pitfalls: {flag.pitfalls}", "", f"Reference: {flag.reference}"]
    return lines


def _value(term):
    """A result term as a Python value: numbers as Decimal (exact, the same on every
    backend), dates as ISO text, IRIs and texts as str."""
    from rdflib import Literal

    if term is None:
        return None
    if isinstance(term, Literal) and term.datatype is not None:
        py = term.toPython()
        if isinstance(py, bool):
            return py
        if isinstance(py, (int, float, Decimal)):
            return _round(Decimal(str(term)))
    return str(term)


def _round(d: Decimal) -> Decimal:
    """Two decimals at most, trailing zeros dropped.

    >>> _round(Decimal("3.50")), _round(Decimal("2500.004")), _round(Decimal("1.2345"))
    (Decimal('3.5'), Decimal('2500'), Decimal('1.23'))
    """
    try:
        d = d.quantize(Decimal("0.01"))
    except InvalidOperation:  # too many digits for the context: as it is
        return d
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return Decimal(str(d).rstrip("0"))


def _thresholds(flag: Flag, given: dict, since: str | None) -> dict:
    raw = flag.defaults()
    for name, value in given.items():
        if name in raw:
            raw[name] = value
    if since and "since" in raw:
        raw["since"] = since
    return raw


def run(store, names=(), *, params: dict | None = None, actor: str | None = None, agency: str | None = None,
        since: str | None = None, evidence: int | None = 3, timeout: float = 300.0,
        jobs: int = DEFAULT_JOBS) -> list[Hit]:
    """Run the flags ``names`` (every flag when empty) on ``store`` and return their hits,
    sorted by score (largest first), then flag, subject, office and contractor.

    ``params``: thresholds (``{"window": "60"}``) for the flags that declare them (a name
    no chosen flag declares is a DataError); ``since``: the ``since`` threshold (YYYY-MM-DD);
    ``actor``: only hits about this actor (its office, contractor or a party of its facts);
    ``agency``: only hits at this agency or one of its sub-units; ``evidence``: how many of
    each hit's facts get their sources and quotes (None: all); ``jobs``: how many flags run
    at once (threads: the store evaluates a query without Python's lock), each with its
    own ``timeout``; the memory limit (``KG_QUERY_MEMORY``) counts the process's growth
    since each query started, the other running flags' included (two at once can stop a
    query that passes alone: fewer ``jobs`` then). The hits are the same, in the same
    order, for any ``jobs``.

    >>> from graph.store import open_store
    >>> with open_store(data_dir="data") as store:
    ...     hits = run(store, ["concentration"])
    >>> hits[0].flag, hits[0].score >= 2500
    ('concentration', True)
    """
    from graph.queryparams import bind

    flags = choose(list(names))
    params = dict(params or {})
    declared = {p.name for f in flags for p in f.params}
    unknown = sorted(set(params) - declared)
    if unknown:
        raise DataError(f"--param {unknown[0]}: no chosen flag has this threshold "
                        f"(theirs: {', '.join(sorted(declared)) or 'none'})")
    if since:
        from graph.timeline import parse_day

        try:
            parse_day(since)
        except ValueError as exc:
            raise DataError(f"--since: {exc}") from None
    keep_actor = _actor_iri(store, actor) if actor else None
    units = _units(store, agency) if agency else None

    def one(flag: Flag) -> list[Hit]:
        """The hits of ``flag`` that the filters keep, with their evidence."""
        values = bind(flag.query, _thresholds(flag, params, since), store)
        hits = []
        for row in flag_rows(store, flag, values, timeout):
            hit = _hit(flag.name, row)
            if keep_actor and keep_actor not in (hit.office, hit.contractor, *hit.parties):
                continue
            if units is not None and not ({hit.office, *hit.parties} & units):
                continue
            hits.append(hit)
        _read_evidence(store, hits, evidence, timeout, kept=f"flag-{flag.name}-evidence")
        return hits

    hits = [h for found in each_at_once(one, flags, jobs) for h in found]
    hits.sort(key=Hit.key)
    return hits


def each_at_once(work, items: list, jobs: int) -> list:
    """``[work(x) for x in items]``, with up to ``jobs`` of them running at once in threads
    (taken in the order of ``items``). The first error is raised as soon as it happens, and
    the items not started yet are not started; one still running goes on in the
    background until its own timeout or memory limit stops it (daemon threads: they do not
    keep the process alive).

    >>> each_at_once(lambda x: x * x, [1, 2, 3, 4], jobs=2)
    [1, 4, 9, 16]
    """
    import queue
    import threading

    if jobs < 1:
        raise DataError(f"--jobs must be at least 1, got {jobs}")
    if jobs == 1 or len(items) <= 1:
        return [work(x) for x in items]
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for i, x in enumerate(items):
        todo.put((i, x))
    done: queue.SimpleQueue = queue.SimpleQueue()
    failed = threading.Event()

    def worker() -> None:
        while not failed.is_set():
            try:
                i, x = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put((i, work(x), None))
            except BaseException as exc:  # raised by the caller's thread; no other item starts
                failed.set()
                done.put((i, None, exc))

    for n in range(min(jobs, len(items))):
        threading.Thread(target=worker, name=f"kg-flags-{n}", daemon=True).start()
    out: list = [None] * len(items)
    for _ in items:
        i, value, exc = done.get()
        if exc is not None:
            raise exc
        out[i] = value
    return out


def flag_rows(store, flag: Flag, values: dict, timeout: float = 300.0) -> list[dict]:
    """The rows of ``flag``'s query with its thresholds ``values`` (RDF terms) bound, as
    ``store.query`` gives them; kept beside an embedded store once computed, for its
    content (the next run of the flag with the same thresholds reads them back: a new
    import or ``kg build`` makes a new store, and the flag runs again). A SPARQL endpoint
    keeps nothing: the query runs each time. The same query either way.

    >>> from graph.queryparams import bind
    >>> from graph.store import open_store
    >>> flag = library()["year-end"]
    >>> with open_store(data_dir="data") as store:
    ...     rows = flag_rows(store, flag, bind(flag.query, flag.defaults(), store))
    >>> sorted(rows[0])[:3]
    ['facts', 'obligated', 'office']
    """
    import hashlib

    from graph.query import query_memory_limit
    from graph.store.base import kept_value

    bound = "\0".join(f"{k}={v.n3()}" for k, v in sorted(values.items()))
    digest = hashlib.sha256(f"{flag.query.text}\0{bound}".encode()).hexdigest()[:20]

    def compute() -> list[dict]:
        result = store.query(flag.query.text, params=values, timeout=timeout, memory_mb=query_memory_limit())
        if result.kind != "SELECT":
            raise DataError(f"queries/flags/{flag.name}.rq is not a SELECT query")
        return [{k: _term_json(v) for k, v in row.items()} for row in result.rows]

    kept = kept_value(store, f"flag-{flag.name}", f"flags-1:{digest}", compute)
    return [{k: _json_term(v) for k, v in row.items()} for row in kept]


def _term_json(term) -> list:
    """An RDF term as JSON: ``["iri", value]``, ``["blank", id]`` or ``["literal", value,
    datatype, language]``.

    >>> from rdflib import Literal, URIRef, XSD
    >>> _term_json(Literal("2.5", datatype=XSD.decimal)), _term_json(URIRef("http://e/a"))
    (['literal', '2.5', 'http://www.w3.org/2001/XMLSchema#decimal', ''], ['iri', 'http://e/a'])
    >>> _json_term(_term_json(Literal("x", lang="en"))) == Literal("x", lang="en")
    True
    """
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        return ["literal", str(term), str(term.datatype or ""), term.language or ""]
    return ["blank" if isinstance(term, BNode) else "iri", str(term)]


def _json_term(value: list):
    from rdflib import BNode, Literal, URIRef

    if value[0] == "literal":
        return Literal(value[1], datatype=URIRef(value[2]) if value[2] else None, lang=value[3] or None)
    return BNode(value[1]) if value[0] == "blank" else URIRef(value[1])


def _hit(flag: str, row: dict) -> Hit:
    def text(name: str) -> str:
        return "" if row.get(name) is None else str(row[name])

    subject = text("subject")
    facts = tuple(sorted(set(text("facts").split()))) if "facts" in row else ((subject,) if subject else ())
    measures = {}
    for name, term in row.items():
        if name in SPECIAL_COLUMNS:
            continue
        value = _value(term)
        if isinstance(value, str) and " | " in value:  # GROUP_CONCAT of values: in a stable order
            value = " | ".join(sorted(value.split(" | ")))
        elif name in ("sources", "reasons") and isinstance(value, str):
            sep = "; " if name == "reasons" else " "
            value = sep.join(sorted(value.split(sep)))
        measures[name] = value
    score = _value(row.get("score"))
    return Hit(flag, score if isinstance(score, Decimal) else Decimal(0), subject, text("office"),
               text("contractor"), tuple(sorted(set(text("parties").split()))), dict(sorted(measures.items())), facts)


def _actor_iri(store, name: str) -> str:
    from graph.lookup import find
    from graph.rdf import entity_iri
    from graph.store.actors import lookup_graph

    return str(entity_iri(find(lookup_graph(store, [name]), name)))


def _units(store, name: str) -> set[str]:
    """The IRIs of the agency ``name`` and of its sub-units, at any depth."""
    from rdflib import URIRef

    agency = _actor_iri(store, name)
    rows = store.select("SELECT DISTINCT ?u WHERE { ?u dai:subOrganizationOf* ?agency }",
                        params={"agency": URIRef(agency)})
    return {agency} | {str(r["u"]) for r in rows}


def _read_evidence(store, hits: list[Hit], evidence: int | None, timeout: float, kept: str) -> None:
    """Fill each hit's evidence (its first ``evidence`` facts, all when None: label,
    sources, quotes, locators) and the labels of the IRIs it names. What is read is kept
    beside an embedded store as ``kept``, for the store's content and the facts and IRIs
    asked (as the rows of :func:`flag_rows`): the next run of the flag reads it back instead
    of looking up each fact again (at 100,000 awards, the 4,231 hits of single-offer: 5.4 s)."""
    import hashlib

    from graph.store.base import kept_value

    wanted: set[str] = set()
    for h in hits:
        wanted.update(h.facts if evidence is None else h.facts[:evidence])
    names = {x for h in hits for x in (h.subject, h.office, h.contractor, *h.parties) if x} | wanted
    asked = "\n".join(sorted(wanted)) + "\0" + "\n".join(sorted(names))
    version = f"evidence-1:{hashlib.sha256(asked.encode()).hexdigest()[:20]}"
    found = kept_value(store, kept, version, lambda: _evidence(store, sorted(wanted), sorted(names), timeout))
    cited, labels = found["cited"], found["labels"]
    for h in hits:
        shown = h.facts if evidence is None else h.facts[:evidence]
        h.evidence = [{"fact": f, "label": labels.get(f, ""),
                       "citations": sorted(cited.get(f, []), key=lambda c: (c["source"], c["locator"], c["quote"]))}
                      for f in shown]
        h.labels = {x: labels[x] for x in (h.subject, h.office, h.contractor, *h.parties) if x in labels}


def _evidence(store, facts: list[str], names: list[str], timeout: float) -> dict:
    """The citations of ``facts`` (``{fact: [{source, quote, locator, url}, ...]}``) and the
    English (or untagged) labels of ``names`` (``{iri: label}``), read from ``store``."""
    from rdflib import URIRef

    cited: dict[str, list[dict]] = {}
    labels: dict[str, str] = {}
    for chunk in _chunks(facts):
        block = " ".join(URIRef(f).n3() for f in chunk)
        for r in store.select(f"""SELECT DISTINCT ?f ?source ?quote ?locator ?url WHERE {{
            VALUES ?f {{ {block} }}
            ?f dai:citation ?c . ?c dai:cites ?src ; dai:quote ?quote .
            OPTIONAL {{ ?c dai:locator ?locator }} OPTIONAL {{ ?src dai:url ?url }}
            BIND (STRAFTER(STR(?src), "/source/") AS ?source)
        }}""", timeout=timeout):
            c = {"source": str(r["source"]), "quote": str(r["quote"]),
                 "locator": str(r.get("locator") or ""), "url": str(r.get("url") or "")}
            cited.setdefault(str(r["f"]), []).append(c)
    for chunk in _chunks(names):
        block = " ".join(URIRef(x).n3() for x in chunk)
        for r in store.select(f"""SELECT ?x (MIN(STR(?l)) AS ?label) WHERE {{
            VALUES ?x {{ {block} }} ?x rdfs:label ?l FILTER (LANG(?l) IN ("en", ""))
        }} GROUP BY ?x""", timeout=timeout):
            labels[str(r["x"])] = str(r["label"])
    return {"cited": cited, "labels": labels}


def _chunks(items: list) -> list[list]:
    return [items[i:i + _BATCH] for i in range(0, len(items), _BATCH)]


def short_id(iri: str) -> str:
    """An IRI of the graph without its base (``id/anduril``, ``fact/...``).

    >>> short_id("https://w3id.org/defense-ai-graph/id/anduril")
    'id/anduril'
    """
    from graph.iris import BASE

    return iri[len(BASE):] if iri.startswith(BASE) else iri


def hit_rows(hits: list[Hit]) -> list[dict]:
    """One flat row per hit, for csv, tsv and jsonl: flag, score, subject, office,
    contractor (IRIs shortened), their labels, the measures as ``name=value; ...``, the
    facts, and the sources and quotes of the evidence read."""
    rows = []
    for h in hits:
        cites = [c for e in h.evidence for c in e["citations"]]
        rows.append({
            "flag": h.flag, "score": h.score, "subject": short_id(h.subject),
            "subject_label": h.labels.get(h.subject, ""), "office": short_id(h.office),
            "office_label": h.labels.get(h.office, ""), "contractor": short_id(h.contractor),
            "contractor_label": h.labels.get(h.contractor, ""),
            "measures": "; ".join(f"{k}={_shown(v)}" for k, v in h.measures.items() if v not in (None, "")),
            "facts": " ".join(short_id(f) for f in h.facts),
            "sources": " ".join(sorted({c["source"] for c in cites})),
            "quotes": " || ".join(c["quote"] for c in cites),
        })
    return rows


def hit_json(h: Hit) -> dict:
    """A hit as JSON: every field, amounts and scores as numbers."""
    def num(v):
        return float(v) if isinstance(v, Decimal) else v

    return {"flag": h.flag, "score": num(h.score), "subject": h.subject or None, "office": h.office or None,
            "contractor": h.contractor or None, "parties": list(h.parties), "labels": h.labels,
            "measures": {k: num(v) for k, v in h.measures.items()}, "facts": list(h.facts), "evidence": h.evidence}


def _shown(v) -> str:
    if isinstance(v, Decimal):
        return f"{v:,f}" if abs(v) >= 1000 else f"{v:f}"
    return str(v)
