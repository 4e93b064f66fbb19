"""Build the knowledge graph: curated facts -> RDF (validated) -> networkx views.

Example
-------
>>> from graph import build
>>> kg = build("data")
>>> kg.actors.nodes["openai"]["kind"]
'Company'
>>> kg.summary()["facts"] > 20
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import networkx as nx
from rdflib import Dataset

from graph.errors import DataError
from graph.load import load_folder
from graph.model import Curated
from graph.rdf import to_dataset
from graph.validate import validate
from graph.views import actor_view, full_view, read_facts

__all__ = ["KnowledgeGraph", "build"]


@dataclass
class KnowledgeGraph:
    """The built graph: the curated input, the RDF dataset and its networkx views."""

    curated: Curated | None  #: None when read back from a store (graph.store.readback)
    dataset: Dataset

    @cached_property
    def records(self):
        """Entities, sources, facts (with the sources behind each value) and citations read
        back from the dataset: see :func:`graph.views.read_facts`."""
        return read_facts(self.dataset)

    @cached_property
    def full(self) -> nx.MultiDiGraph:
        """Entities, facts and sources as nodes; typed edges; literals as attributes."""
        return full_view(self.dataset, self.records)

    @cached_property
    def actors(self) -> nx.MultiDiGraph:
        """Actors (and programs, products) linked by edges derived from the facts."""
        return actor_view(self.dataset, self.records)

    def as_of(self, day) -> KnowledgeGraph:
        """The graph as of ``day`` (a date or ``YYYY-MM-DD``): only facts that hold then.

        See :mod:`graph.timeline` for how a fact's interval is read from its dates.
        """
        from graph.timeline import filter_dataset, parse_day

        if isinstance(day, str):
            day = parse_day(day)
        dataset, _dropped = filter_dataset(self.dataset, day)
        return KnowledgeGraph(self.curated, dataset)

    def summary(self) -> dict:
        """Counts for the end-of-build summary (of the curated input when there is one, else
        of what the dataset holds)."""
        if self.curated is None:
            r = self.records
            return {"sources": len(r.sources), "entities": len(r.entities), "facts": len(r.facts),
                    "claims": len(r.citations), "triples": sum(len(g) for g in self.dataset.graphs()),
                    "graphs": sum(1 for g in self.dataset.graphs() if len(g))}
        return {
            "sources": len(self.curated.sources),
            "entities": len(self.curated.entities),
            "facts": len(self.curated.facts),
            "claims": sum(len(f.claims) for f in self.curated.facts.values()),
            "triples": sum(len(g) for g in self.dataset.graphs()),
            "graphs": sum(1 for g in self.dataset.graphs() if len(g)),
        }


#: RDF files in the data folder (written by importers) are merged into the dataset as they are.
RDF_FORMATS = {".trig": "trig", ".nq": "nquads"}


def load_rdf_files(data_dir: str | Path, ds: Dataset) -> list[Path]:
    """Merge every ``*.trig`` / ``*.nq`` file under ``data_dir`` (sorted) into ``ds``.

    These hold imported data (one named graph per imported source) in the same ontology, so
    every command sees curated and imported facts together.
    """
    files = sorted(p for p in Path(data_dir).rglob("*") if p.suffix in RDF_FORMATS and p.is_file())
    _check_memory(data_dir, files)
    for path in files:
        try:
            ds.parse(path, format=RDF_FORMATS[path.suffix])
        except Exception as exc:  # rdflib raises several unrelated types for bad syntax
            line = getattr(exc, "lines", None) or getattr(exc, "line", None)
            raise DataError(f"malformed RDF: {str(exc).splitlines()[0][:200]}", file=str(path), line=line) from None
    return files


#: imported RDF the in-memory graph takes at most, in MB of files (rdflib holds a quad in about
#: four times its N-Quads line: 512 MB of files is about 2 GB of memory); KG_MEMORY_LIMIT_MB
MEMORY_LIMIT_MB = 512


def _check_memory(data_dir: str | Path, files: list[Path]) -> None:
    """Refuse, before reading anything, imported records too large to hold in memory: they
    belong in a store (a million awards is 13 GB of N-Quads, about 50 GB in rdflib)."""
    import os

    try:
        limit = float(os.environ.get("KG_MEMORY_LIMIT_MB") or MEMORY_LIMIT_MB)
    except ValueError:
        raise DataError("KG_MEMORY_LIMIT_MB must be a number of megabytes") from None
    size = sum(p.stat().st_size for p in files)
    if size > limit * 1e6:
        raise DataError(
            f"{size / 1e6:,.0f} MB of imported records in {data_dir} are too many for the in-memory graph "
            f"(limit {limit:,.0f} MB, KG_MEMORY_LIMIT_MB): give this command --store oxigraph:PATH "
            f"(filled by kg import ... --store oxigraph:PATH) or set KG_STORE")


def build(data_dir: str | Path = "data", *, shacl: bool = True) -> KnowledgeGraph:
    """Load ``data_dir``, compile it to RDF, validate it with SHACL and return the graph.

    Raises :class:`graph.errors.DataError` (bad input) or
    :class:`graph.errors.ValidationError` (SHACL violation).
    """
    curated = load_folder(data_dir)
    ds = to_dataset(curated)
    load_rdf_files(data_dir, ds)
    if shacl:
        validate(ds, curated)
    return KnowledgeGraph(curated, ds)
