"""The importer registry: one row per dataset name, with aliases; modules load lazily.

Each importer is a function ``import_files(run)`` that reads the files of an
:class:`~graph.importers.base.ImportRun` and writes statements to it; :func:`run_import`
does the rest (grouping split downloads, resolution, the output file, the summary).

Example
-------
>>> get("USAspending").name, get("open-contracting").name
('usaspending', 'ocds')
>>> names()
['usaspending', 'ocds', 'wikidata', 'table']
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from graph.errors import DataError, GraphError
from graph.importers.base import ImportResult, ImportRun, codec_name, group_inputs
from graph.importers.resolve import Resolver

__all__ = ["Importer", "REGISTRY", "get", "names", "run_import"]


@dataclass(frozen=True)
class Importer:
    name: str
    target: str  #: "module:function"
    description: str
    dataset: str  #: default dataset name (an importer may refine it from the file)
    publisher: str  #: default publisher (OCDS takes it from the package)
    aliases: tuple[str, ...] = ()

    def function(self) -> Callable[[ImportRun], None]:
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)


REGISTRY: dict[str, Importer] = {
    i.name: i
    for i in (
        Importer(
            "usaspending", "graph.importers.usaspending:import_files",
            "USAspending.gov contract downloads (Prime Award Summaries, Prime Transactions, "
            "TransactionHistory, Sub-awards CSV) and API v2 award JSON",
            "USAspending", "USAspending.gov", ("usa-spending", "fpds"),
        ),
        Importer(
            "ocds", "graph.importers.ocds:import_files",
            "Open Contracting Data Standard release and record packages (JSON or JSON Lines)",
            "OCDS", "", ("open-contracting",),
        ),
        Importer(
            "wikidata", "graph.importers.wikidata:import_files",
            "Wikidata entity JSON (Special:EntityData, wbgetentities, dumps): labels, aliases, "
            "descriptions, identifiers, sameAs",
            "Wikidata", "Wikidata", ("wd",),
        ),
        Importer(
            "table", "graph.importers.table:import_files",
            "Any table (CSV, TSV, JSON, JSON Lines, XLSX) through a declarative mapping (--mapping FILE or the "
            "name of a shipped mapping; see docs/mappings.md)",
            "Table", "", ("mapping",),
        ),
    )
}


def names() -> list[str]:
    return list(REGISTRY)


def get(name: str) -> Importer:
    """Find an importer by name or alias (case-insensitive)."""
    key = name.lower()
    for imp in REGISTRY.values():
        if key in (imp.name, *imp.aliases):
            return imp
    raise GraphError(f"unknown dataset '{name}' (known: {', '.join(REGISTRY)})")


def run_import(
    kind: str, paths: Iterable[str | Path], data_dir: str | Path = "data", *,
    progress: Callable[[ImportRun], Callable[[int, int], None] | None] | None = None,
    resolver: Resolver | None = None, strict: bool = False, store=None, encoding: str | None = None,
    replace: bool = False, options: dict | None = None,
) -> list[ImportResult]:
    """Import ``paths`` with importer ``kind`` into ``data_dir/imported/KIND/``.

    The parts ``NAME_1``, ``NAME_2`` ... of a split download given together are one source.
    Each source is written atomically; a file that is not in the expected format (or is
    truncated) raises :class:`DataError` and leaves the previous output as it was. With
    ``strict``, a source with a rejected row is not written either (DataError). With an
    Oxigraph ``store`` (:class:`graph.store.oxigraph.OxigraphStore`), each source's quads also
    stream into it through its bulk loader, replacing the source's previous version there.
    Files are UTF-8 unless ``encoding`` names theirs (an undecodable byte is a DataError with
    its line); a new version of a source with fewer records or rows than the one it replaces
    is refused (DataError, with both counts) unless ``replace``. ``options`` go to the
    importer: the ``table`` importer needs ``{"mapping": PATH_OR_NAME}``, the others take none.
    """
    importer = get(kind)
    options = dict(options or {})
    if importer.name == "table" and not options.get("mapping"):
        raise DataError("kg import table needs --mapping (a mapping file, or the name of a shipped mapping)")
    if importer.name != "table" and options.get("mapping"):
        raise DataError(f"--mapping is for kg import table, not {importer.name}")
    data_dir = Path(data_dir)
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.is_file():
            raise DataError("no such file", file=str(p))
    codec_name(encoding)  # an unknown encoding is refused before anything is read
    resolver = resolver or Resolver.for_data(data_dir)
    func = importer.function()
    results = []
    for group in group_inputs(paths):
        run = ImportRun(importer.name, group, data_dir, resolver, dataset=importer.dataset, publisher=importer.publisher,
                        encoding=encoding, replace=replace)
        bar = progress(run) if progress is not None else None
        run.progress = bar
        run.options = options
        loading = None
        try:
            if store is not None:
                loading = store.import_into(run)
            func(run)
            results.append(run.finish(strict=strict))
            if loading is not None:
                loading.commit()
        except BaseException:
            run.abort()
            if loading is not None:
                loading.abort()
            raise
        finally:
            if bar is not None and hasattr(bar, "close"):
                bar.close()
    return results
