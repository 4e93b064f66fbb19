"""RDFS entailments computed in the store, kept beside a store generation in their own graph.

``kg query --reason rdfs`` queries the store's graph with the triples the RDFS rules entail
from it (the same rules and the same result as :func:`graph.query.rdfs_entailments`) in
``<…/graph/inferred>`` (:data:`graph.query.INFERRED_GRAPH`). They are computed once for a
store generation's content, the first time a query asks for them, and kept in the
generation's folder: ``kg-reasoned-rdfs/`` is an Oxigraph checkpoint of the generation
(hard links to its files: no second copy of the data) with the inferred graph added. A
query without ``--reason`` reads the generation itself, where that graph is not: no other
answer changes. A sync makes a new generation; its entailments are computed when asked for.

**How, at any size.** The RDFS rules that join two triples always join a schema triple
(``rdfs:subClassOf``, ``rdfs:subPropertyOf``, ``rdfs:domain``, ``rdfs:range``) with another.
So the schema (the ontology graph and every triple with one of those predicates or typing a
``rdf:Property``, ``rdfs:Class``, ``rdfs:Datatype``: a few hundred triples) is closed in
Python, together with one placeholder triple per predicate used (``_s p _o``, and
``_s p "_"`` when it has literal objects) and per class used (``_x rdf:type C``). What the
closure says of a placeholder is a template (``_s p _o`` entails ``_s rdf:type D``, ``_s q
_o``, ...): one SPARQL ``SELECT DISTINCT`` per template, evaluated in the store, applies it
to every triple it stands for, leaving out what is stated; the rows stream into the bulk
loader. Memory stays that of Oxigraph's ``DISTINCT`` and of the schema.

Example
-------
>>> import tempfile
>>> from graph.store.oxigraph import OxigraphStore
>>> store = OxigraphStore(tempfile.mkdtemp())
>>> store.load_text(b'<https://e.org/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://e.org/Co> <https://e.org/g> .\\n'
...                 b'<https://e.org/Co> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <https://e.org/Org> <https://e.org/g> .')
>>> ("<https://e.org/x>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<https://e.org/Org>") in set(rdfs_rows(store.oxigraph))
True
>>> store.close()
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

__all__ = ["rdfs_rows", "materialise_rdfs", "reasoned_path", "REASONED_DIR"]

#: the folder, inside a store generation, of its checkpoint with the RDFS entailments
REASONED_DIR = "kg-reasoned-rdfs"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_TYPE = _RDF + "type"
_SCHEMA_PREDICATES = tuple(_RDFS + p for p in ("subClassOf", "subPropertyOf", "domain", "range"))
_SCHEMA_TYPES = (_RDF + "Property", _RDFS + "Class", _RDFS + "Datatype")
_PH = "urn:kg:placeholder:"


def _nt(term) -> str:
    """An rdflib term in N-Triples."""
    return term.n3()


def _schema(ox) -> set:
    """The schema triples of the store (rdflib terms), every graph."""
    from graph.iris import ONTOLOGY_GRAPH_IRI
    from graph.store.oxigraph import to_rdflib

    rows = ox.query(f"""SELECT ?s ?p ?o WHERE {{
        {{ GRAPH <{ONTOLOGY_GRAPH_IRI}> {{ ?s ?p ?o }} }}
        UNION {{ VALUES ?p {{ {' '.join(f'<{p}>' for p in _SCHEMA_PREDICATES)} }} ?s ?p ?o }}
        UNION {{ VALUES ?o {{ {' '.join(f'<{t}>' for t in _SCHEMA_TYPES)} }} ?s ?p ?o VALUES ?p {{ <{_TYPE}> }} }} }}""",
                    use_default_graph_as_union=True)
    return {(to_rdflib(r["s"]), to_rdflib(r["p"]), to_rdflib(r["o"])) for r in rows}


def rdfs_rows(ox) -> Iterator[tuple[str, str, str]]:
    """The triples (N-Triples terms) the RDFS rules entail from the pyoxigraph store ``ox``
    (every graph but :data:`~graph.query.INFERRED_GRAPH`) and that it does not state, as
    :func:`graph.query.rdfs_entailments` gives them; some more than once."""
    from rdflib import BNode, Literal, URIRef

    from graph.query import rdfs_entailments
    from graph.store.oxigraph import to_rdflib

    schema = _schema(ox)
    sources: dict = {}  # placeholder -> (kind, term, literal?)
    probe = set(schema)
    for r in ox.query(f"SELECT DISTINCT ?p (isLiteral(?o) AS ?lit) WHERE {{ ?s ?p ?o FILTER (?p != <{_TYPE}>) }}",
                      use_default_graph_as_union=True):
        p, lit = to_rdflib(r["p"]), r["lit"].value == "true"
        if str(p) in _SCHEMA_PREDICATES:
            continue
        n = len(sources)
        s_ph, o_ph = URIRef(f"{_PH}s{n}"), (Literal(f"{_PH}l{n}") if lit else URIRef(f"{_PH}o{n}"))
        sources[s_ph] = sources[o_ph] = ("p", p, lit)
        probe.add((s_ph, p, o_ph))
    for r in ox.query(f"SELECT DISTINCT ?c WHERE {{ ?x <{_TYPE}> ?c }}", use_default_graph_as_union=True):
        c = to_rdflib(r["c"])
        if str(c) in _SCHEMA_TYPES:
            continue
        x_ph = URIRef(f"{_PH}x{len(sources)}")
        sources[x_ph] = ("c", c, False)
        probe.add((x_ph, URIRef(_TYPE), c))
    templates: dict = {}  # (kind, literal?, subject role, predicate, object role) -> sources
    for s, p, o in rdfs_entailments(probe):
        ends = [sources.get(t) for t in (s, o)]
        found = {e for e in ends if e is not None}
        if isinstance(s, BNode) or isinstance(o, BNode):
            continue  # the ontology's OWL lists and restrictions: a blank node cannot be named again
        if not found:  # about the schema: one triple, unless the store states it
            if not _stated(ox, s, p, o):
                yield _nt(s), _nt(p), _nt(o)
            continue
        if len(found) > 1 or sources.get(p) is not None:
            continue  # not entailed by RDFS from one triple (never met: no rule joins two placeholders)
        (kind, term, lit), = found

        def role(t):
            if sources.get(t) is None:
                return _nt(t)
            return "?o" if (str(t).startswith(_PH + "o") or isinstance(t, Literal)) else "?s"

        s_role, o_role = role(s), role(o)
        if "?o" not in (s_role, o_role):
            lit = None  # the same for a predicate's literal and other objects: one query for both
        templates.setdefault((kind, lit, s_role, _nt(p), o_role), set()).add(term)
    for (kind, lit, s, p, o), terms in sorted(templates.items(), key=lambda kv: (str(kv[0]), sorted(map(str, kv[1])))):
        values = " ".join(_nt(t) for t in sorted(terms))
        match = (f"VALUES ?src {{ {values} }} ?s ?src ?o" if kind == "p" else f"VALUES ?src {{ {values} }} ?s <{_TYPE}> ?src")
        if lit is not None:
            match += f" FILTER ({'' if lit else '!'}isLiteral(?o))"
        ends = [v for v in (s, o) if v.startswith("?")]
        shown = " ".join(dict.fromkeys(ends))
        text = (f"SELECT {shown} WHERE {{ {{ SELECT DISTINCT {shown} WHERE {{ {match} "  # each once, then looked up
                f"FILTER (!isBlank(?s){' && !isBlank(?o)' if '?o' in ends else ''}) }} }} "
                f"FILTER NOT EXISTS {{ {s} {p} {o} }} }}")
        for row in ox.query(text, use_default_graph_as_union=True):
            got = {v: str(row[v[1:]]) for v in ends}
            yield got.get(s, s), p, got.get(o, o)


def _stated(ox, s, p, o) -> bool:
    from graph.store.oxigraph import to_oxigraph

    return next(iter(ox.quads_for_pattern(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), None)), None) is not None


def reasoned_path(generation: Path) -> Path:
    """Where the checkpoint of ``generation`` with its RDFS entailments is kept."""
    return Path(generation) / REASONED_DIR


def materialise_rdfs(store, progress=None) -> Path:
    """The folder of ``store``'s checkpoint with its RDFS entailments (``store``: a
    generation opened by :func:`graph.store.embedded.open_reader`, or any on-disk
    :class:`~graph.store.oxigraph.OxigraphStore`), made if it is not there yet.

    Made once: under a lock in the generation's folder, in a temporary folder renamed when
    complete (a command killed half-way leaves a temporary folder the next one removes).
    Raises OSError if the folder cannot be written."""
    from graph.query import INFERRED_GRAPH
    from graph.store.oxigraph import GraphLoader, OxigraphStore

    final = reasoned_path(store.path)
    if (final / "kg-complete").is_file():
        return final
    with open(Path(store.path) / "kg-reasoned.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / "kg-complete").is_file():
            return final
        for stale in Path(store.path).glob(REASONED_DIR + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(store.path) / f"{REASONED_DIR}.tmp-{os.getpid()}"
        if progress:
            progress(f"computing the RDFS entailments of {store.spec} (once for this content)")
        store.oxigraph.backup(str(tmp))  # a checkpoint: hard links to the same files
        with contextlib.closing(OxigraphStore(tmp)) as out:
            loader = GraphLoader(out.oxigraph)
            suffix = f" <{INFERRED_GRAPH}> .\n"
            try:
                batch = []
                for s, p, o in rdfs_rows(store.oxigraph):
                    batch.append(f"{s} {p} {o}{suffix}")
                    if len(batch) >= 10_000:
                        loader.write("".join(batch).encode("utf-8"))
                        batch = []
                loader.write("".join(batch).encode("utf-8"))
            except BaseException:
                loader.abort()
                raise
            loader.close()
        (tmp / "kg-complete").touch()
        os.replace(tmp, final)
        if progress:
            progress(None)
    return final
