"""Which query to run and its parameters: a saved query by name, a file or the text, and
``name=value`` parameters bound as RDF terms (never pasted into the query text).

Shared by ``kg query`` and the Python API (:func:`graph.open`), so both read a parameter
the same way.

Example
-------
>>> q = saved_or_text("actor-facts")
>>> [p.name for p in q.params]
['actor']
>>> saved_or_text("SELECT * WHERE { ?s ?p ?o }").name
'inline'
"""

from __future__ import annotations

from pathlib import Path

from graph.errors import DataError, shown

__all__ = ["saved_or_text", "bind", "require"]


def saved_or_text(text_or_name: str):
    """A saved query name, a ``.rq`` file path, or the query text itself, as a
    :class:`queries.SavedQuery`."""
    from queries import saved

    library = saved()
    if text_or_name in library:
        return library[text_or_name]
    path = Path(text_or_name)
    if text_or_name.endswith((".rq", ".sparql")) or (len(text_or_name) < 256 and "\n" not in text_or_name and path.is_file()):
        if not path.is_file():
            raise DataError(f"no such query file (and no saved query named '{text_or_name}')", file=text_or_name)
        from queries import parse_header

        return parse_header(path.stem, path.read_text(encoding="utf-8"))
    if not any(w in text_or_name.upper() for w in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "LOAD", "INSERT")):
        raise DataError(f"{shown(text_or_name)} is neither a saved query (see kg query --list), a file, nor SPARQL")
    from queries import SavedQuery

    return SavedQuery("inline", "", "", text_or_name)


def bind(query, raw: dict, store) -> dict:
    """``{name: text}`` -> ``{name: RDF term}``, typed by the saved query's header when it
    has one; an ``actor`` parameter is a name found in ``store``. Raises DataError for a
    missing parameter or a value of the wrong type."""
    from graph.store.actors import lookup_graph

    require(query, raw)
    declared = {p.name: p.type for p in query.params}
    actors = lookup_graph(store, [v for k, v in raw.items() if declared.get(k) == "actor"])
    return _terms(query, raw, actors)


def _terms(query, raw: dict, actors) -> dict:
    from rdflib import XSD, Literal, URIRef

    from graph.lookup import find
    from graph.rdf import entity_iri
    from graph.timeline import parse_day

    declared = {p.name: p.type for p in query.params}
    values = {}
    for name, value in raw.items():
        kind = declared.get(name)
        if kind == "actor":
            values[name] = entity_iri(find(actors, value))
        elif kind == "date" or (kind is None and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-"):
            try:
                values[name] = Literal(parse_day(value).isoformat(), datatype=XSD.date)
            except ValueError as exc:
                raise DataError(f"--param {name}: {exc}") from None
        elif kind == "iri" or (kind is None and value.startswith("<") and value.endswith(">")):
            values[name] = URIRef(value.strip("<>"))
        elif kind == "integer" or (kind is None and value.lstrip("-").isdigit()):
            try:
                values[name] = Literal(int(value))
            except ValueError:
                raise DataError(f"--param {name}: expected a whole number, got '{value}'") from None
        else:
            values[name] = Literal(value)
    return values


def require(query, raw: dict) -> None:
    """Raise DataError if a parameter the query declares is not in ``raw``, or a name in
    ``raw`` is not a SPARQL variable name (checked before anything is opened: the error
    comes at once)."""
    from graph.store.base import check_param_name

    for name in raw:
        check_param_name(name)
    missing = [p for p in query.params if p.name not in raw]
    if missing:
        raise DataError(f"query '{query.name}' needs --param {missing[0].name}=... ({missing[0].description})")
