"""The exporter registry: one row per format name, with aliases and file extensions.

Exporter modules are imported only when used, so ``kg --help`` does not import pyvis.
Each exporter is a function ``generate(kg, **options) -> Iterator[str]`` (pure: it yields
text); :func:`write` writes it atomically to a file, or to stdout for ``-``.

Example
-------
>>> get("ttl").name, get("text/turtle").name, get("TriG").name
('turtle', 'turtle', 'trig')
>>> sorted(names())
['html', 'trig', 'turtle']
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.atomic import write_text_atomic
from graph.errors import ExportError

__all__ = ["Exporter", "REGISTRY", "get", "names", "write", "DEFAULT_BUILD_FORMATS"]


@dataclass(frozen=True)
class Exporter:
    name: str
    target: str  #: "module:function"
    description: str
    extension: str  #: default file extension, without the dot
    media_type: str
    aliases: tuple[str, ...] = ()
    default_file: str = ""

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
            "ttl", "text/turtle",
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
    )
}

#: What ``kg build`` writes to the output folder.
DEFAULT_BUILD_FORMATS = ("turtle", "trig", "html")


def names() -> list[str]:
    return list(REGISTRY)


def get(name: str) -> Exporter:
    """Find an exporter by name, alias, file extension or media type (case-insensitive)."""
    key = name.lower().lstrip(".")
    for exporter in REGISTRY.values():
        if key in (exporter.name, exporter.extension, exporter.media_type, *exporter.aliases):
            return exporter
    raise ExportError(f"unknown format '{name}' (known: {', '.join(REGISTRY)})")


def write(exporter: Exporter, kg, path: str | Path, **options) -> None:
    """Write an export to ``path`` atomically, or to stdout when ``path`` is ``-``."""
    chunks = exporter.generate(kg, **options)
    if str(path) == "-":
        for chunk in chunks:
            sys.stdout.write(chunk)
        sys.stdout.flush()
        return
    try:
        write_text_atomic(path, chunks)
    except OSError as exc:
        raise ExportError(f"cannot write: {exc.strerror}", file=str(path)) from None
