"""CSV files for ``neo4j-admin database import full`` (Neo4j 5), one folder.

``nodes_Entity.csv``, ``nodes_Fact.csv``, ``nodes_Source.csv``: header ``id:ID``, ``:LABEL``
and one typed column per property (``name:string``, ``flag:boolean``, ``n:long``,
``x:double``, ``sources:string[]``, ``valid_from:date`` for the ISO dates of
:data:`~graph.exporters.property_graph.DATE_PROPERTIES`); ``relationships.csv``: ``:START_ID``, ``:END_ID``,
``:TYPE`` and the typed properties. ``import.sh`` holds the command, with the options these
files need: ``--multiline-fields=true`` (quotes may hold newlines) and
``--array-delimiter=U+001F`` (the unit separator, which no value can hold: the property graph
refuses control characters), since ``;`` and ``,`` do occur in quotes.

Every string is double-quoted (quotes doubled, as neo4j-admin reads them); an absent value
is an empty unquoted field, which neo4j-admin reads as no property (the null policy of
:mod:`graph.exporters.property_graph`: the model holds no empty string or list).
Labels and types come from the allow-lists of :mod:`graph.exporters.property_graph`.

Example
-------
>>> from graph import build
>>> files = generate_neo4j_csv(build("data"))
>>> sorted(files)
['import.sh', 'nodes_Entity.csv', 'nodes_Fact.csv', 'nodes_Source.csv', 'relationships.csv']
>>> "".join(files["relationships.csv"]).splitlines()[0][:40]
':START_ID,:END_ID,:TYPE,amount:double,as'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from graph.errors import ExportError
from graph.exporters.pg_stream import Shared, iter_edges, iter_nodes
from graph.exporters.property_graph import DATE_PROPERTIES, EDGE_TYPES, NODE_LABELS, xml_type

__all__ = ["generate_neo4j_csv", "ARRAY_DELIMITER", "neo4j_type", "csv_field"]

#: Between array elements (and labels): U+001F, which no exported value holds.
ARRAY_DELIMITER = "\x1f"
_BASES = ("Entity", "Fact", "Source")

IMPORT_SH = """\
#!/bin/sh
# defense-ai-graph: load these CSV files into a new Neo4j 5 database with neo4j-admin.
# Run from this folder with Neo4j stopped; DATABASE defaults to neo4j (it must not exist yet,
# or add --overwrite-destination=true).
set -eu
neo4j-admin database import full \\
    --array-delimiter="U+001F" --multiline-fields=true --id-type=string \\
    --nodes=nodes_Entity.csv --nodes=nodes_Fact.csv --nodes=nodes_Source.csv \\
    --relationships=relationships.csv \\
    "${1:-neo4j}"
"""


def neo4j_type(value) -> str:
    """The neo4j-admin header type of a property value (lists are string arrays)."""
    return "string[]" if isinstance(value, list) else xml_type(value)


def _quote(text: str, *, joined: bool = False) -> str:
    if ARRAY_DELIMITER in text and not joined:
        raise ExportError("a value holds U+001F, the array delimiter of the neo4j-admin export")
    return '"' + text.replace('"', '""') + '"'


def csv_field(value) -> str:
    """One CSV field as neo4j-admin reads it (strings always quoted)."""
    if value is None or value == []:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        for v in value:
            _quote(v)  # checks for the delimiter
        return _quote(ARRAY_DELIMITER.join(value), joined=True)
    return _quote(value)


def _columns(rows: Iterable[dict], where: str) -> list[tuple[str, str]]:
    types: dict[str, str] = {}
    for props in rows:
        for k, v in props.items():
            t = "date" if k in DATE_PROPERTIES and isinstance(v, str) else neo4j_type(v)
            if types.setdefault(k, t) != t:
                raise ExportError(f"{where}: property '{k}' has values of two types ({types[k]}, {t})")
            if ":" in k or "," in k or '"' in k:
                raise ExportError(f"{where}: property name '{k}' cannot be a CSV header")
    return sorted(types.items())


def _csv(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    yield ",".join(header) + "\n"
    for row in rows:
        yield ",".join(row) + "\n"


def _node_file(pg, base: str) -> Iterator[str]:
    """``nodes_BASE.csv``: the nodes whose first label is ``base`` (two passes over the
    spooled nodes: the typed columns, then the rows)."""
    def props_of(n):
        return {k: v for k, v in n.properties.items() if k != "id"}

    def nodes():
        for n in iter_nodes(pg):
            if n.labels[0] == base:
                for label in n.labels:
                    if label not in NODE_LABELS:
                        raise ExportError(f"node {n.id}: label '{label}' is not allowed")
                yield n

    cols = _columns((props_of(n) for n in nodes()), f"nodes_{base}.csv")
    header = ["id:ID", ":LABEL", *(f"{k}:{t}" for k, t in cols)]
    yield from _csv(header, (
        [_quote(n.id), _quote(ARRAY_DELIMITER.join(n.labels), joined=True),
         *(csv_field(p.get(k)) for k, _ in cols)]
        for n in nodes() for p in (props_of(n),)))


def _relationships_file(pg) -> Iterator[str]:
    """``relationships.csv``: every edge, with its key (two passes, as the node files)."""
    cols = _columns((e.properties for e in iter_edges(pg)), "relationships.csv")
    header = [":START_ID", ":END_ID", ":TYPE", *(f"{k}:{t}" for k, t in cols)]

    def rows():
        for e in iter_edges(pg):
            if e.type not in EDGE_TYPES:
                raise ExportError(f"edge {e.key}: type '{e.type}' is not allowed")
            p = e.properties
            yield [_quote(e.source), _quote(e.target), _quote(e.type), *(csv_field(p.get(k)) for k, _ in cols)]

    yield from _csv(header, rows())


def generate_neo4j_csv(kg, *, progress=None, pg=None) -> dict[str, Iterator[str]]:
    """The property graph of ``kg`` (a KnowledgeGraph or a store, streamed from it: see
    :mod:`graph.exporters.pg_stream`) as neo4j-admin import files: ``{filename: chunks}``,
    each file written a row at a time."""
    shared = Shared(kg, len(_BASES) + 1, progress, pg)
    files: dict[str, Iterator[str]] = {
        f"nodes_{base}.csv": shared.file(lambda pg, base=base: _node_file(pg, base)) for base in _BASES}
    files["relationships.csv"] = shared.file(_relationships_file)
    files["import.sh"] = iter([IMPORT_SH])
    return files
