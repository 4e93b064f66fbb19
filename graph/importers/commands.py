"""The ``kg import``, ``kg resolve`` and ``kg check`` commands (registered in graph/cli.py).

Kept light: the importers, rdflib and the builder are imported only when a command runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from graph.errors import DataError

__all__ = ["import_command", "resolve_command", "check_command"]


def _data_option(f):
    return click.option("--data", "data_dir", default="data", show_default=True, envvar="KG_DATA",
        type=click.Path(file_okay=False, path_type=Path), help="Data folder (curated YAML; imports go to DATA/imported/).",
    )(f)


class _Progress:
    """A progress bar on stderr: bytes read, with rows and rows per second."""

    def __init__(self, run, quiet: bool):
        self.started = time.perf_counter()
        total = sum(p.stat().st_size for p in run.files) or 1
        self.bar = click.progressbar(
            length=total, label=f"importing {run.stem}", file=sys.stderr, hidden=quiet,
            item_show_func=lambda rows: "" if rows is None else f"{rows:,} rows, {self._rate(rows):,.0f} rows/s",
        )
        self.bar.__enter__()

    def _rate(self, rows: int) -> float:
        elapsed = time.perf_counter() - self.started
        return rows / elapsed if elapsed > 0 else 0.0

    def __call__(self, position: int, rows: int) -> None:
        self.bar.update(max(0, position - self.bar.pos), current_item=rows)

    def close(self) -> None:
        self.bar.__exit__(None, None, None)


def _with_store_part(store, data_dir: Path, part):
    """The curated facts of ``data_dir`` and what ``part(store, curated_dataset)`` reads of the
    store, as the ``kg`` the in-memory commands take (``.curated``, ``.dataset``)."""
    from types import SimpleNamespace

    from graph.load import load_folder
    from graph.rdf import to_dataset

    curated = load_folder(data_dir)
    with store:
        return SimpleNamespace(curated=curated, dataset=part(store, to_dataset(curated)))


def _format(f):
    from graph.cli_questions import format_options

    return format_options(f)


def _deprecated(fmt: str, *, as_json: bool = False, as_csv: bool = False) -> str:
    """--format, from the old spellings --json / --csv (kept for a release, with a note)."""
    old = [name for name, given in (("--json", as_json), ("--csv", as_csv)) if given]
    if len(old) > 1:
        raise DataError("choose one of --json and --csv (or, better, --format)")
    if old:
        new = old[0][2:]
        click.echo(f"kg: note: {old[0]} is deprecated: use --format {new}", err=True)
        return new
    return fmt


@click.command("import")
@click.argument("kind", metavar="DATASET")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_data_option
@click.option("--strict", is_flag=True, help="Fail (exit 2, write nothing) if any row is rejected.")
@click.option("--encoding", metavar="NAME", default=None,
              help="The files' character encoding (default utf-8: a byte that is not UTF-8 is an error naming "
                   "its line), for example cp1252 or latin-1; recorded in the source.")
@click.option("--replace", is_flag=True,
              help="Replace the previous version of a source even if it had more records or rows.")
@click.option("--mapping", metavar="MAPPING", default=None,
              help="For DATASET table: the mapping (a YAML file, or the name of a shipped mapping such as "
                   "innovators-league) saying which fields become which entities and facts; see docs/mappings.md.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
              help="Load the records into this Oxigraph store (oxigraph:PATH) instead of the data folder's own "
                   "(DATA/.kg).")
@_format
def import_command(kind: str, files: tuple[Path, ...], data_dir: Path, strict: bool, encoding: str | None,
                   replace: bool, mapping: str | None, quiet: bool, store_spec: str | None, fmt: str, wide: bool) -> None:
    """Import official records (DATASET: usaspending, ocds, wikidata, or any table
    with --mapping) into DATA/imported/.

    Each file (or each split download NAME_1, NAME_2, ... given together) becomes one
    source: DATA/imported/DATASET/NAME.nq.gz (gzip'd N-Quads), one named graph, which `kg build` and every
    other command merge with the curated facts. Files are streamed (memory stays flat).
    Importing the same file again changes nothing; a newer version of a file replaces
    the facts of the older one, unless it has fewer records or rows (a file cut short, a
    download of another kind): that is refused, with both counts, unless --replace. Rows that cannot be imported are listed (file, row,
    reason) and written to DATA/imported/DATASET/NAME.rejects.csv. Organisations are
    linked to curated actors by identifier, confirmed decision (DATA/resolutions.csv) or
    normalised name: see `kg resolve`. The records stream into the data folder's store
    (DATA/.kg, or --store oxigraph:PATH) as they are written: Oxigraph's bulk loader runs
    beside the importer, into a new generation of the store that replaces the current one
    when the import succeeds (a failed or killed import leaves the previous version).

    \b
    Example:
        kg import usaspending Contracts_PrimeTransactions_2025_1.csv Contracts_PrimeTransactions_2025_2.csv
        kg import ocds release-package.json --data data
        kg import wikidata Q21708200.json
        kg import usaspending Contracts_PrimeAwardSummaries_2025_1.csv --store oxigraph:kg-store
        kg import table data/sources/innovators-league/gov_contracts_raw.json --mapping innovators-league
    """
    from graph.importers.registry import get, run_import
    from graph.store import writer

    from graph.cli_questions import _steps

    options = {}
    if mapping is not None:
        if get(kind).name == "table":  # read and checked before the store is touched
            from graph.importers.mapping import find

            mapping = find(mapping)
        options["mapping"] = mapping  # run_import refuses it for another DATASET
    elif get(kind).name == "table":
        raise DataError("kg import table needs --mapping (a mapping file, or the name of a shipped mapping)")
    say = None if quiet else _steps()
    with writer(store_spec, data_dir=data_dir, progress=say) as gen:  # the next generation of the store
        results = run_import(kind, files, data_dir, progress=lambda run: _Progress(run, quiet), strict=strict,
                             store=gen, encoding=encoding, replace=replace, options=options)
    spec = store_spec or f"the store of {data_dir}"
    for result in results:
        for p in result.problems_shown:
            click.echo(f"kg: {p}", err=True)
        more = result.rejected + result.dropped + result.skipped - len(result.problems_shown)
        if more > 0:
            click.echo(f"kg: ... and {more} more", err=True)
        if result.rejects_file:
            click.echo(f"kg: problems listed in {result.rejects_file}", err=True)
        if fmt == "table":
            click.echo(result.summary() + f"; loaded into {spec}", err=True)
    if fmt != "table":  # the summaries on stdout, for programs
        from graph.output import render

        rows = [{"source": r.source, "output": str(r.output), "changed": r.changed, "rows": r.rows,
                 "records": r.records, "facts": r.facts, "new_actors": r.new_actors, "merged_actors": r.merged_actors,
                 "conflicts": r.conflicts, "rejected": r.rejected, "dropped": r.dropped, "skipped": r.skipped,
                 "quads": r.quads, "seconds": round(r.seconds, 3),
                 "rejects_file": str(r.rejects_file) if r.rejects_file else None, "store": spec} for r in results]
        click.echo(render(rows, fmt), nl=False)


@click.command("resolve")
@_data_option
@click.option("--report", is_flag=True, help="List candidate merges and the links made, with their scores.")
@click.option("--min-score", default=0.75, show_default=True, type=click.FloatRange(0, 1),
              help="Lowest name similarity listed.")
@_format
@click.option("--csv", "as_csv", is_flag=True, hidden=True, help="Deprecated: --format csv.")
@click.option("--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
              help="The store to read (default: the data folder's own, DATA/.kg; oxigraph:PATH, sparql:URL).")
def resolve_command(data_dir: Path, report: bool, min_score: float, fmt: str, wide: bool, as_csv: bool,
                    store_spec: str | None) -> None:
    """Entity resolution: which imported organisations are (or may be) curated actors.

    Imported recipients, agencies and suppliers are linked to curated actors by a
    confirmed decision in DATA/resolutions.csv, a shared identifier (Wikidata id) or an
    equal normalised name (case, accents, punctuation, INC / LLC / CORP ..., & / AND);
    the rule is recorded on the link (dai:matchRule). --report lists the links made and
    the candidates (close names, with a score) for a human to confirm: add a line
    KEY,same,ENTITY,YOUR-NAME,why (or KEY,distinct,...) to DATA/resolutions.csv and
    import again. --format csv prints the candidates and conflicts in that file's columns;
    json, jsonl and tsv every row with its score and status.

    \b
    Example:
        kg resolve --report
        kg resolve --report --format csv --min-score 0.6 >> candidates.csv
        kg resolve --report --store oxigraph:kg-store
    """
    import csv as csv_module

    from graph.importers.resolve import DECISION_COLUMNS, Resolver
    from graph.importers.resolve import report as make_report

    from graph.cli_questions import _open_store

    from graph.store.subset import entities_dataset

    # every organisation's names and identifiers, no fact
    kg = _with_store_part(_open_store(store_spec, data_dir), data_dir, entities_dataset)
    rows = make_report(kg, Resolver.for_data(data_dir), min_score)
    linked = [r for r in rows if r.status.startswith("linked")]
    candidates = [r for r in rows if not r.status.startswith("linked")]
    conflicts = [r for r in rows if r.status.startswith("conflict")]
    if not report:
        click.echo(f"{len(linked)} link(s) to curated actors, {len(candidates)} candidate merge(s) "
                   f"(score >= {min_score}), {len(conflicts)} conflict(s); list them with `kg resolve --report`")
        return
    fmt = _deprecated(fmt, as_csv=as_csv)
    if fmt == "csv":
        w = csv_module.writer(sys.stdout, lineterminator="\n")
        w.writerow(DECISION_COLUMNS)
        for c in candidates:
            w.writerow([c.key, "", c.entity, "", f"score {c.score}: {c.status}"])
        return
    if fmt != "table":
        from dataclasses import asdict

        from graph.output import render

        click.echo(render([asdict(c) for c in rows], fmt), nl=False)
        return
    if not rows:
        click.echo(_nothing_to_resolve(kg, min_score))
        return
    from graph.output import fold

    lines = [f"{'score':>5}  {'status':<9}  imported (key)  ->  curated entity"]
    for c in rows:
        status = c.status.split(":", 1)[0]
        lines.append(f"{c.score:5.2f}  {status:<9}  {c.label} ({c.key})  ->  {c.entity} ({c.entity_label})")
        lines.append(f"{'':18}{c.status[len(status) + 2:]}  [{c.sources}]")
    lines.append(f"{len(linked)} link(s), {len(candidates) - len(conflicts)} candidate(s), {len(conflicts)} conflict(s)")
    click.echo("\n".join(lines if wide else fold(lines)))


def _nothing_to_resolve(kg, min_score: float) -> str:
    """Why ``kg resolve --report`` lists nothing: nothing imported, or nothing close."""
    from graph.importers.resolve import imported_organisations

    n = imported_organisations(kg)
    if not n:
        return "no imported organisations to resolve: nothing is imported yet (import some with `kg import`)"
    return (f"{n:,} imported organisation(s), none linked to a curated actor and none with a name close to one "
            f"(score >= {min_score}); try a lower --min-score")


@click.command("check")
@click.argument("facts", nargs=-1)
@_data_option
@_format
@click.option("--json", "as_json", is_flag=True, hidden=True, help="Deprecated: --format json.")
@click.option("--csv", "as_csv", is_flag=True, hidden=True, help="Deprecated: --format csv.")
@click.option("--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
              help="The store to read (default: the data folder's own, DATA/.kg; oxigraph:PATH, sparql:URL).")
def check_command(facts: tuple[str, ...], data_dir: Path, fmt: str, wide: bool, as_json: bool, as_csv: bool,
                  store_spec: str | None) -> None:
    """Compare what articles claim about contracts with what official records say.

    For each curated contract fact (or only FACTS), finds the imported official record of
    the same contract (same contract number / PIID, or same parties and overlapping
    dates) and lists each value with both sources and a verdict: agree, related (a
    subsidiary or unit of the other party) or disagree: value and ceiling against the
    current, potential and obligated amounts, offers, dates, contractor, agency.

    Only the records that may match are read from the store: those with the
    same contract number, and the contracts of the same contractor, its parents, units and
    subsidiaries (with the facts that relate the parties).

    \b
    Example:
        kg check
        kg check openai-dod-2025-prototype-agreement --format csv > check.csv
        kg check --store oxigraph:kg-store
    """
    from graph.check import FORMATS, check

    fmt = _deprecated(fmt, as_json=as_json, as_csv=as_csv)
    from graph.cli_questions import _open_store

    from graph.store.subset import check_dataset

    kg = _with_store_part(_open_store(store_spec, data_dir), data_dir, check_dataset)
    unknown = [f for f in facts if f not in kg.curated.facts]
    if unknown:
        raise DataError(f"unknown fact(s): {', '.join(unknown)}")
    report = check(kg, list(facts) or None)
    for chunk in FORMATS[fmt](report):
        sys.stdout.write(chunk)
