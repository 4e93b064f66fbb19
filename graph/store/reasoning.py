"""RDFS entailments computed in the store, kept beside a store generation in their own graph.

``kg query --reason rdfs`` queries the store's graph with the triples the RDFS rules entail
from it (the same rules and the same result as :func:`graph.query.rdfs_entailments`) in
``<…/graph/inferred>`` (:data:`graph.query.INFERRED_GRAPH`). They are computed once for a
store generation's content, the first time a query asks for them, and kept in the
generation's folder: ``kg-reasoned-rdfs/`` is an Oxigraph checkpoint of the generation
(hard links to its files: no second copy of the data) with the inferred graph added. A
query without ``--reason`` reads the generation itself, where that graph is not: no other
answer changes. A sync makes a new generation; its entailments are computed when asked for.

**How, at any size: one pass over the quads.** The RDFS rules that join two triples always
join a schema triple (``rdfs:subClassOf``, ``rdfs:subPropertyOf``, ``rdfs:domain``,
``rdfs:range``) with another. So the schema (the ontology graph and every triple with one of
those predicates or typing a ``rdf:Property``, ``rdfs:Class``, ``rdfs:Datatype``: a few
hundred triples, read through the store's indexes) is closed in Python once. What the
closure adds to it for one placeholder triple (``_s p _o``, ``_s p "_"`` for a literal
object, ``_x rdf:type C``) is a template (``_s p _o`` entails ``_s rdf:type D``, ``_s q _o``,
...): made when a predicate or class is first met, it is applied in Python to every triple of
the one pass over the store's quads. What is emitted is deduplicated for the subject being
read (the quads come grouped by subject) and, for what is said of an object, in a bounded
cache; the bulk loader deduplicates the rest. A triple the store states is left out: the
hashes of the stated triples of an entailed form (``?x rdf:type D``, ``?x q ?y``) are read
through the store's indexes when the form is first met, and a triple whose hash is among
them is looked up in the store. Memory: the schema, the templates, one subject's triples,
the cache (:data:`OBJECT_CACHE` triples) and the hashes (at most :data:`STATED_IN_MEMORY`,
then every triple of a further form is looked up): bounded, whatever the size of the store.

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


#: at most this many hashes of stated triples of the entailed forms are held in memory to
#: leave them out (about 50 bytes each; past it, a form's triples are looked up in the store)
STATED_IN_MEMORY = 2_000_000
#: at most this many triples said of an object are remembered as emitted (then forgotten)
OBJECT_CACHE = 200_000


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


class _Stated:
    """Whether the store states a triple of an entailed form (``?x rdf:type D``, ``?x q ?y``):
    the hashes of the form's stated triples are read into memory when it is first met (up to
    what is left of :data:`STATED_IN_MEMORY` in all), a triple whose hash is there is looked
    up in the store (a hash may be another triple's); past the budget, every triple is."""

    def __init__(self, ox):
        self.ox, self.budget, self.forms = ox, STATED_IN_MEMORY, {}

    def form(self, p, o):
        """The hashes of the stated triples ``?x p o`` (of their subjects; ``o`` None: ``?x p
        ?y``, of their (subject, object) pairs), or None where they are too many to hold."""
        key = (p, o)
        if key not in self.forms:
            found, pairs = set(), o is None
            for q in self.ox.quads_for_pattern(None, p, o, None):
                found.add(hash((str(q.subject), str(q.object))) if pairs else hash(str(q.subject)))
                if len(found) > self.budget:
                    found = None
                    break
            if found is not None:
                self.budget -= len(found)
            self.forms[key] = found
        return self.forms[key]

    def look_up(self, s, p, o) -> bool:
        """Whether the store states ``s p o`` (pyoxigraph terms), in any graph."""
        return next(iter(self.ox.quads_for_pattern(s, p, o, None)), None) is not None


def rdfs_rows(ox) -> Iterator[tuple[str, str, str]]:
    """The triples (N-Triples terms) the RDFS rules entail from the pyoxigraph store ``ox``
    (every graph but :data:`~graph.query.INFERRED_GRAPH`) and that it does not state, as
    :func:`graph.query.rdfs_entailments` gives them (none with a blank node: it could not be
    named again); some more than once. One pass over the store's quads."""
    import pyoxigraph
    from rdflib import BNode, Literal, URIRef

    from graph.query import INFERRED_GRAPH, rdfs_entailments
    from graph.store.oxigraph import to_oxigraph, to_rdflib

    blank, literal = pyoxigraph.BlankNode, pyoxigraph.Literal
    schema = _schema(ox)
    closed = schema | rdfs_entailments(schema)
    stated = _Stated(ox)
    said: set = set()  # the triples about the schema emitted or found stated

    def schema_rows(triples):
        for t in triples:
            if t in said or any(isinstance(x, BNode) for x in t):
                continue  # the ontology's OWL lists and restrictions: a blank node cannot be named again
            said.add(t)
            s, p, o = (to_oxigraph(x) for x in t)
            if stated.look_up(s, p, o):
                continue
            yield str(s), str(p), str(o)

    yield from schema_rows(closed - schema)
    s_ph, o_ph, l_ph = URIRef(_PH + "s"), URIRef(_PH + "o"), Literal(_PH + "l")
    inferred, type_ = pyoxigraph.NamedNode(str(INFERRED_GRAPH)), pyoxigraph.NamedNode(_TYPE)
    skipped = {pyoxigraph.NamedNode(p) for p in _SCHEMA_PREDICATES}
    schema_types = {pyoxigraph.NamedNode(t) for t in _SCHEMA_TYPES}
    pending: list = []  # about the schema, from the last template made

    def template(probe):
        """What the closure adds for ``probe`` (one placeholder triple), as rules ``(subject,
        predicate, object)``: ``0`` the triple's subject, ``1`` its object, else a fixed
        ``(term, N-Triples)``; with the stated triples of the rule's form."""
        rules = []
        for t in sorted(rdfs_entailments({probe}, closed=closed), key=lambda t: tuple(map(str, t))):
            if any(isinstance(x, BNode) for x in t) or t[1] in (s_ph, o_ph, l_ph):
                continue
            roles = [0 if x == s_ph else 1 if x in (o_ph, l_ph) else None for x in (t[0], t[2])]
            if roles == [None, None]:
                pending.append(t)
                continue
            s, p, o = (to_oxigraph(x) for x in t)
            fixed = [None if r is not None else (x, str(x)) for r, x in zip(roles, (s, o), strict=True)]
            form = stated.form(p, fixed[1][0] if fixed[1] else None) if fixed[0] is None else None
            rules.append((roles[0] if fixed[0] is None else fixed[0], p, str(p),
                          roles[1] if fixed[1] is None else fixed[1], form))
        return tuple(rules)

    by_predicate: dict = {}  # (predicate, literal object?) -> rules
    by_class: dict = {}  # class -> rules
    run, run_said = None, set()
    about_objects: set = set()
    for s, p, o, g in ox.quads_for_pattern(None, None, None, None):
        if g == inferred:
            continue
        if p == type_:
            rules = by_class.get(o)
            if rules is None:
                rules = by_class[o] = (() if o in schema_types else
                                       template((s_ph, to_rdflib(p), to_rdflib(o))))
        else:
            is_literal = type(o) is literal
            rules = by_predicate.get((p, is_literal))
            if rules is None:
                rules = by_predicate[(p, is_literal)] = (() if p in skipped else
                                                         template((s_ph, to_rdflib(p), l_ph if is_literal else o_ph)))
        if pending:
            yield from schema_rows(pending)
            pending.clear()
        if not rules:
            continue
        if s != run:
            run, s_str, run_said = s, str(s), set()
            s_blank = type(s) is blank
        o_str, o_blank = str(o), type(o) is blank
        for rs, rp, rp_str, ro, form in rules:
            if rs == 0:
                if s_blank:
                    continue
                ts, ts_str, seen = s, s_str, run_said
            elif rs == 1:
                if o_blank:
                    continue
                ts, ts_str, seen = o, o_str, about_objects
            else:
                (ts, ts_str), seen = rs, about_objects
            if ro == 0:
                if s_blank:
                    continue
                to, to_str = s, s_str
            elif ro == 1:
                if o_blank:
                    continue
                to, to_str = o, o_str
            else:
                to, to_str = ro
            row = (ts_str, rp_str, to_str)
            if row in seen:
                continue
            if seen is about_objects and len(seen) >= OBJECT_CACHE:
                seen.clear()
            seen.add(row)
            if ((form is None or hash(ts_str if type(ro) is tuple else row[::2]) in form)
                    and stated.look_up(ts, rp, to)):
                continue
            yield row


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
    from graph.store.checkpoint import checkpoint

    def fill(loader, _tmp) -> None:
        suffix = f" <{INFERRED_GRAPH}> .\n"
        batch = []
        for s, p, o in rdfs_rows(store.oxigraph):
            batch.append(f"{s} {p} {o}{suffix}")
            if len(batch) >= 10_000:
                loader.write("".join(batch).encode("utf-8"))
                batch = []
        loader.write("".join(batch).encode("utf-8"))

    return checkpoint(store, REASONED_DIR, "rdfs-1", fill, progress,
                      f"computing the RDFS entailments of {store.spec} (once for this content)")
