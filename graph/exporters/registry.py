"""The exporter registry: one row per format name, with aliases and file extensions.

Exporter modules are imported only when used, so ``kg --help`` does not import pyvis.
Each exporter is a function ``generate(kg, **options) -> Iterator[str]`` (pure: it yields
text); :func:`write` writes it atomically to a file, or to stdout for ``-``. A multi-file
exporter (``multi_file=True``, such as ``neo4j-csv``) returns ``{filename: chunks}`` instead,
and :func:`write` writes the folder atomically (a temporary folder, then a rename).

Example
-------
>>> get("ttl").name, get("text/turtle").name, get("TriG").name
('turtle', 'turtle', 'trig')
>>> {"turtle", "trig", "html", "cypher", "neo4j-csv"} <= set(names())
True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.atomic import write_folder_atomic, write_text_atomic
from graph.errors import ExportError

__all__ = ["Exporter", "REGISTRY", "get", "names", "write", "write_chunks", "DEFAULT_BUILD_FORMATS"]


@dataclass(frozen=True)
class Exporter:
    name: str
    target: str  #: "module:function"
    description: str
    extension: str  #: default file extension, without the dot
    media_type: str
    aliases: tuple[str, ...] = ()
    default_file: str = ""
    multi_file: bool = False  #: generate returns {filename: chunks}; written as a folder

    def generate(self, kg, **options) -> Iterator[str]:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)(kg, **options)

    @property
    def filename(self) -> str:
        return self.default_file or f"kg.{self.extension}"


REGISTRY: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter(
            "turtle", "graph.exporters.rdf:generate_turtle",
            "RDF Turtle: every data triple with its provenance (all sources merged)",
            "ttl", "text/turtle", ("n3", "text/n3"),
        ),
        Exporter(
            "trig", "graph.exporters.rdf:generate_trig",
            "RDF TriG: one named graph per source, plus the entity registry and the ontology",
            "trig", "application/trig",
        ),
        Exporter(
            "html", "graph.exporters.html:generate_page",
            "Interactive explorer: one self-contained offline HTML page (vis-network)",
            "html", "text/html", ("htm", "explorer"), "explorer.html",
        ),
        Exporter(
            "ntriples", "graph.exporters.rdf:generate_ntriples",
            "RDF N-Triples: the Turtle triples, one sorted line each",
            "nt", "application/n-triples", ("n-triples", "nt11"),
        ),
        Exporter(
            "nquads", "graph.exporters.rdf:generate_nquads",
            "RDF N-Quads: the TriG quads (one named graph per source), one sorted line each",
            "nq", "application/n-quads", ("n-quads",),
        ),
        Exporter(
            "jsonld", "graph.exporters.rdf:generate_jsonld",
            "JSON-LD 1.1: the TriG named graphs, with an embedded context (never a remote one)",
            "jsonld", "application/ld+json", ("json-ld",),
        ),
        Exporter(
            "rdfxml", "graph.exporters.rdf:generate_rdfxml",
            "RDF/XML: the Turtle triples, one rdf:Description per subject",
            "rdf", "application/rdf+xml", ("rdf/xml", "owl", "xml", "pretty-xml", "application/xml"),
        ),
        Exporter(
            "graphml", "graph.exporters.graphml:generate_graphml",
            "GraphML property graph (Gephi, yEd, Neo4j APOC): entities, facts, sources, direct actor edges",
            "graphml", "application/graphml+xml",
        ),
        Exporter(
            "gexf", "graph.exporters.gexf:generate_gexf",
            "GEXF 1.3 property graph with time intervals (Gephi's timeline)",
            "gexf", "application/gexf+xml", ("gephi",),
        ),
        Exporter(
            "nodelink", "graph.exporters.nodelink:generate_nodelink",
            "Node-link JSON property graph (D3, networkx node_link_graph)",
            "json", "application/json", ("node-link", "d3"), "kg.nodelink.json",
        ),
        Exporter(
            "cypher", "graph.exporters.cypher:generate_cypher",
            "Cypher script for Neo4j 5 and FalkorDB: parameterised UNWIND batches",
            "cypher", "application/x-cypher-query", ("cql", "neo4j-cypher", "falkordb"),
        ),
        Exporter(
            "neo4j-csv", "graph.exporters.neo4j_csv:generate_neo4j_csv",
            "neo4j-admin import folder: typed node and relationship CSVs, and the import command",
            "csv", "text/csv", ("neo4j", "neo4j-admin"), "neo4j-import", True,
        ),
        Exporter(
            "ladybug", "graph.exporters.ladybug:generate_ladybug",
            "LadybugDB (Kùzu's successor) folder: typed DDL, one COPY-ready CSV file per table, the COPY script",
            "csv", "application/x-ladybug-copy", ("ladybugdb", "lbug", "kuzu"), "ladybug-import", True,
        ),
        Exporter(
            "ftm", "graph.exporters.ftm:generate_ftm",
            "FollowTheMoney entities, JSON lines (Aleph, OpenSanctions tools, `ftm` CLI)",
            "ftm.json", "application/x-ndjson", ("followthemoney", "aleph"),
        ),
    )
}

#: What ``kg build`` writes to the output folder.
DEFAULT_BUILD_FORMATS = ("turtle", "trig", "jsonld", "graphml", "gexf", "cypher", "ftm", "html")


def names() -> list[str]:
    return list(REGISTRY)


def get(name: str) -> Exporter:
    """Find an exporter by name, alias, file extension or media type (case-insensitive)."""
    key = name.lower().lstrip(".")
    for exporter in REGISTRY.values():
        if key in (exporter.name, exporter.extension, exporter.media_type, *exporter.aliases):
            return exporter
    raise UsageExportError(f"unknown format '{name}' (known: {', '.join(REGISTRY)})")


#: file name endings that name a format (the longest first); ``.json`` and ``.csv`` do not
#: (JSON-LD, node-link and FtM are JSON; neo4j-csv and ladybug are folders of CSV files)
_ENDINGS = (
    (".ftm.json", "ftm"), (".nodelink.json", "nodelink"), (".ttl", "turtle"), (".n3", "turtle"),
    (".trig", "trig"), (".nt", "ntriples"), (".nq", "nquads"), (".jsonld", "jsonld"), (".rdf", "rdfxml"),
    (".owl", "rdfxml"), (".xml", "rdfxml"), (".graphml", "graphml"), (".gexf", "gexf"), (".html", "html"),
    (".htm", "html"), (".cypher", "cypher"), (".cql", "cypher"), (".ndjson", "ftm"),
)
#: endings that fit several formats: no mismatch when -f names one of them
_GENERIC = {".json": ("jsonld", "nodelink", "ftm"), ".xml": ("rdfxml", "graphml", "gexf"), ".txt": ()}


def from_filename(path: str | Path) -> Exporter | None:
    """The format a file name says (``kg.ttl`` → turtle), None if it says none.

    >>> from_filename("out/kg.nt").name, from_filename("kg.ftm.json").name, from_filename("kg.json")
    ('ntriples', 'ftm', None)
    """
    name = Path(str(path)).name.lower()
    for ending, fmt in _ENDINGS:
        if name.endswith(ending) and len(name) > len(ending):
            return REGISTRY[fmt]
    return None


def choose(fmt: str | None, path: str | Path) -> Exporter:
    """The format of ``kg export -f FMT -o PATH``: ``fmt`` (a name, alias, extension or media
    type), else the one ``path``'s extension says; raises :class:`ExportError` (exit 2) for an
    unknown format, a format that contradicts the extension, or neither.

    >>> choose(None, "graph.ttl").name, choose("xml", "-").name, choose("json-ld", "x.json").name
    ('turtle', 'rdfxml', 'jsonld')
    >>> try:
    ...     choose("turtle", "x.nt")
    ... except ExportError as exc:
    ...     print(exc)
    -f turtle writes Turtle (.ttl), but -o x.nt says ntriples: give one of them, or make them agree
    """
    named = from_filename(path) if str(path) != "-" else None
    if fmt is None:
        if named is None:
            ending = Path(str(path)).suffix or "(none)"
            raise UsageExportError(f"cannot tell the format from -o {path} (extension {ending}): give -f FORMAT "
                                   f"(one of {', '.join(REGISTRY)})")
        return named
    exporter = get(fmt)
    if named is not None and named.name != exporter.name and not (
            exporter.name in _GENERIC.get(Path(str(path)).suffix.lower(), ())):
        raise UsageExportError(f"-f {fmt} writes {exporter.description.split(':')[0].replace('RDF ', '')} "
                               f"(.{exporter.extension}), but -o {path} says {named.name}: give one of them, "
                               "or make them agree")
    return exporter


class UsageExportError(ExportError):
    """A format that is unknown or contradicts the output's name: a usage error (exit 2)."""

    exit_code = 2


def write(exporter: Exporter, kg, path: str | Path, *, command: str = "kg build", **options) -> None:
    """Write an export to ``path`` atomically, or to stdout when ``path`` is ``-``; its
    header names ``command`` (what made it).

    A multi-file export is a folder: it cannot go to stdout.
    """
    if exporter.multi_file:
        if str(path) == "-":
            raise ExportError(f"format '{exporter.name}' writes a folder: give -o DIR")
        try:
            write_folder_atomic(path, exporter.generate(kg, **options))
        except OSError as exc:
            raise ExportError(f"cannot write: {exc.strerror}", file=str(path)) from None
        return
    write_chunks(retitled(exporter.generate(kg, **options), command), path)


def retitled(chunks, command: str):
    """``chunks`` of an export whose first chunk says it was generated by ``command``."""
    from graph.iris import retitle

    first = True
    for chunk in chunks:
        yield retitle(chunk, command) if first else chunk
        first = False


def write_chunks(chunks, path: str | Path) -> None:
    """Write text ``chunks`` to ``path`` atomically, or to stdout when ``path`` is ``-``."""
    if str(path) == "-":
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
        return
    try:
        write_text_atomic(path, chunks)
    except OSError as exc:
        raise ExportError(f"cannot write: {exc.strerror}", file=str(path)) from None
