"""The ``kg`` command line: build, validate and export the defense-ai-graph.

Exit codes: 0 success; 1 runtime failure (cannot write, unknown format); 2 bad input
(malformed YAML, unknown entity or property, missing source, negative amount, end before
start, duplicate id, SHACL violation) or bad usage.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from graph.errors import DataError, GraphError



class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GraphError as exc:
            click.echo(f"kg: error: {one_line(str(exc))}", err=True)
            ctx.exit(exc.exit_code)


_BREAKS = {"\n": "\\n", "\r": "\\r"} | {c: f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
                                    for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(message: str) -> str:
    """``message`` on one line: a line break from data (a name, a query) is shown escaped.

    >>> one_line("no actor named 'a\\nb'")
    "no actor named 'a\\\\nb'"
    """
    return message.translate(str.maketrans(_BREAKS))


def _version(ctx: click.Context, _param, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from graph import __version__

        click.echo(f"kg, version {__version__}")
        ctx.exit()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and exit.")
def main() -> None:
    """defense-ai-graph: a sourced knowledge graph of government and defense AI.

    Curated facts (data/*.yaml), each with its source and exact quote, and imported official
    records are kept in one store, DATA/.kg (a cache of the data folder that every command
    brings up to date first), queried with SPARQL, walked as a graph and exported.

    \b
    Example:
        kg build                      # data/ -> exports/
        kg validate --data data       # check the data, write nothing
        kg export -f turtle -o -      # Turtle to stdout
    """


def _data_option(f):
    return click.option("--data", "data_dir", default="data", show_default=True, envvar="KG_DATA",
        type=click.Path(file_okay=False, path_type=Path), help="Folder of curated YAML files.",
    )(f)


def _format_options(f):
    from graph.cli_questions import format_options

    return format_options(f)


@main.command()
@_data_option
@click.option("--out", "out_dir", default="exports", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write the exports to.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
              help="The store to build in and export from (default: the data folder's own, DATA/.kg; "
                   "oxigraph:PATH, sparql:URL).")
def build(data_dir: Path, out_dir: Path, quiet: bool, store_spec: str | None) -> None:
    """Bring the store up to date with DATA and write the default exports to OUT: Turtle,
    TriG, JSON-LD, GraphML, GEXF, Cypher, FollowTheMoney and the HTML explorer (`kg export`
    writes the rest).

    Nothing is written unless the whole graph loads and passes SHACL validation. The files
    are replaced as one set: all of them are written to OUT/.kg-staged/ first, then moved
    into place (a failure before leaves OUT as it was; a build killed while moving them is
    finished by the next one); other files in OUT are never touched.

    JSON-LD, GraphML, GEXF, Cypher and FollowTheMoney are written from the store a batch of
    facts at a time, in bounded memory at any size. Past 600,000 quads
    (KG_MEMORY_LIMIT_QUADS) Turtle and TriG stream from the store in Oxigraph's order and
    OUT/explorer.html shows the aggregated view's top 1,000 actors.

    \b
    Example:
        kg build
        kg build --data data --out exports
        kg build --store oxigraph:kg-store --out exports-store
    """
    from graph.cli_questions import _open_store
    from graph.exporters import registry
    from graph.store.readback import fits, knowledge_graph

    started = time.perf_counter()
    from graph.cli_questions import _steps

    say = (lambda msg: None) if quiet else _steps()
    with _open_store(store_spec, data_dir) as store:
        if not fits(store):
            _build_large(store, store_spec, data_dir, out_dir, quiet, started, say)
            return
        kg = knowledge_graph(store, what="kg build")  # for Turtle, TriG and the explorer page
        spec = store.spec
        formats = registry.DEFAULT_BUILD_FORMATS
        with click.progressbar(length=len(formats), label="exporting", file=sys.stderr, hidden=quiet) as bar:
            sizes = _write_exports(out_dir, formats, store, kg, bar.update)
    if not quiet:
        s = kg.summary()
        click.echo(
            f"built {s['entities']} entities, {s['facts']} facts ({s['claims']} citations) "
            f"from {s['sources']} sources: {s['triples']} triples in {s['graphs']} graphs ({spec}); "
            f"actor view {kg.actors.number_of_nodes()} nodes / {kg.actors.number_of_edges()} edges "
            f"({time.perf_counter() - started:.1f}s)",
            err=True,
        )
        for name in formats:
            path = out_dir / registry.get(name).filename
            click.echo(f"  wrote {path} ({sizes[path.name]:,} bytes)", err=True)


def _write_exports(out_dir: Path, formats, store, kg, done=None) -> dict[str, int]:
    """The exports ``formats`` of ``store`` into ``out_dir`` as one set (:func:`_write_set`):
    the formats of whole facts streamed from the store
    (:data:`graph.exporters.pg_stream.STREAMED_FORMATS`), the others from ``kg`` (the
    graph read back). Returns the bytes written to each file; ``done(1)`` after each."""
    from graph.exporters import registry
    from graph.exporters.pg_stream import STREAMED_FORMATS

    sizes: dict[str, int] = {}
    _write_set(out_dir, {registry.get(name).filename: _fill(name, store if name in STREAMED_FORMATS else kg, sizes,
                                                            done=done) for name in formats})
    return sizes


def _fill(name: str, source, sizes: dict, *, say=None, done=None):
    """What writes the export ``name`` of ``source`` (a store or a KnowledgeGraph) to a
    binary handle, its header saying ``kg build``; its size goes to ``sizes[filename]``."""
    from graph.exporters import registry

    exporter = registry.get(name)

    def run(handle) -> None:
        written = 0
        for chunk in registry.retitled(exporter.generate(source, **({"progress": say} if say else {})), "kg build"):
            data = chunk.encode("utf-8")
            handle.write(data)
            written += len(data)
        sizes[exporter.filename] = written
        if done:
            done(1)
    return run


def _write_set(out_dir: Path, fills: dict) -> None:
    """The files of one build, ``{name: fill(binary handle)}``, into ``out_dir`` as one set
    (:func:`graph.atomic.write_set_atomic`: all written, then moved into place)."""
    from graph.atomic import write_set_atomic

    try:
        write_set_atomic(out_dir, fills)
    except OSError as exc:
        raise GraphError(f"cannot write: {exc.strerror or exc}; the previous exports are left as they were",
                         file=str(getattr(exc, "filename", None) or out_dir)) from None


@main.command()
@_data_option
@click.option("--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
              help="The store to check (default: the data folder's own, DATA/.kg; oxigraph:PATH, sparql:URL).")
@click.option("--sample", default=0, show_default=True, type=click.IntRange(min=0),
              help="Also check this many of the store's facts (imported ones included) with the SHACL shapes.")
@_format_options
def validate(data_dir: Path, store_spec: str | None, sample: int, fmt: str, wide: bool) -> None:
    """Check DATA (YAML, references, values, SHACL shapes) and write nothing.

    The curated facts are checked in full whenever they change (as every command's sync
    does); with --sample N, N of the store's facts, each with its citations, amounts and the
    entities it names, are checked with the same shapes too: the cost grows with the
    sample, not the store.

    \b
    Example:
        kg validate --data data
        kg validate --store oxigraph:kg-store --sample 2000
    """
    from graph.cli_questions import _open_store
    from graph.store.shacl import validate_sample

    with _open_store(store_spec, data_dir) as store:  # the sync validates the curated facts when they change
        checked = validate_sample(store, sample) if sample else 0
        spec = store.spec
    from graph.load import load_folder

    cur = load_folder(data_dir)
    claims = sum(len(f.claims) for f in cur.facts.values())
    if fmt != "table":
        from graph.output import render

        row = {"conforms": True, "entities": len(cur.entities), "facts": len(cur.facts), "claims": claims,
               "sources": len(cur.sources), "sampled_facts": checked, "store": spec}
        click.echo(render([row], fmt) if fmt != "json" else render(row, "json"), nl=False)
        return
    click.echo(f"ok: {len(cur.entities)} entities, {len(cur.facts)} facts, {claims} claims, {len(cur.sources)} sources "
               f"conform" + (f"; and a sample of {checked:,} facts of {spec}" if checked else ""))


@main.command()
@_data_option
@click.option("--format", "-f", "fmt", default=None, shell_complete=lambda ctx, param, incomplete: _format_names(incomplete),
              help="Format: a name, an rdflib name (xml, pretty-xml, n3, nt, json-ld, trig, nquads), an extension or "
                   "a media type (see `kg formats`); by default the one -o's extension says.")
@click.option("--output", "-o", default="-", show_default=True,
              help="File to write (a folder for neo4j-csv and ladybug), or - for stdout.")
@click.option("--as-of", "as_of", metavar="DATE", default=None, help="Keep only facts valid at this date (YYYY-MM-DD).")
@click.option("--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
              help="The store to export from (default: the data folder's own, DATA/.kg; oxigraph:PATH, "
                   "sparql:URL).")
@click.option("--actors", is_flag=True, help="gexf: the actor graph (one edge per pair and relation, drawn).")
def export(data_dir: Path, fmt: str, output: str, as_of: str | None, store_spec: str | None,
           actors: bool = False) -> None:
    """Export the graph in one format to a file or stdout.

    The formats of whole facts (jsonld, rdfxml, cypher, neo4j-csv, ftm, graphml, gexf,
    nodelink) are written from the store a batch of facts at a time, sorted on disk: the
    same bytes at every size, in bounded memory (the drawn formats hold the graph's shape
    for the layout); ladybug too. Turtle, ntriples, nquads and trig are sorted in memory up
    to 600,000 quads (KG_MEMORY_LIMIT_QUADS) and past that streamed by Oxigraph in its own
    order; html is refused past it (`kg view` draws the aggregated actor view).

    \b
    Example:
        kg export -o graph.ttl              # the format from the extension
        kg export -f trig -o - | head
        kg export -f ttl --as-of 2025-01-31 -o january.ttl
        kg export -f nquads --store oxigraph:kg-store -o kg.nq
        kg export -f cypher --store oxigraph:kg-store -o kg.cypher
        kg export -f gexf --actors -o actors.gexf
        kg export -f ladybug -o ladybug-import
    """
    from graph.cli_questions import _open_store, _say
    from graph.exporters import registry
    from graph.exporters.pg_stream import STREAMED_FORMATS
    from graph.store import EXPORT_FORMATS, write_export
    from graph.store.readback import fits, knowledge_graph

    exporter = registry.choose(fmt, output)
    command = f"kg export -f {exporter.name}"
    if actors and exporter.name != "gexf":
        raise click.UsageError("--actors is for -f gexf")
    with _open_store(store_spec, data_dir, as_of) as store:
        if exporter.name in STREAMED_FORMATS:  # written from the store a batch of facts at a time, at any size
            from graph.store.readback import query_target

            started = time.perf_counter()
            with query_target(store, as_of=as_of) as target:
                registry.write(exporter, target, output, command=command, progress=_say,
                               **({"actors": True} if actors else {}))
            if output != "-":
                _say(None)
                click.echo(f"wrote {output} ({_size(Path(output)):,} bytes, {time.perf_counter() - started:.1f}s)",
                           err=True)
            return
        if fits(store):  # every fact read back: the same files kg build writes
            kg = knowledge_graph(store, as_of, what=f"kg export -f {exporter.name}")
        elif exporter.name in EXPORT_FORMATS:  # streamed from the store (or its graph as of a date)
            from graph.store.readback import query_target

            with query_target(store, as_of=as_of) as target:
                write_export(target, exporter.name, output, command=command)
            return
        elif exporter.name == "ladybug" and not as_of and getattr(store, "kind", "") == "oxigraph":
            from graph.exporters.ladybug_stream import write_folder  # streamed, a batch of facts at a time

            if output == "-":
                raise click.UsageError("-f ladybug writes a folder: give -o DIR")
            write_folder(store, output, progress=_say)
            return
        else:
            kg = knowledge_graph(store, as_of, what=f"kg export -f {exporter.name}")  # raises: too large
    registry.write(exporter, kg, output, command=command, **({"actors": True} if actors else {}))


def _size(path: Path) -> int:
    """The bytes of a file, or of the files of a folder (neo4j-csv)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def _format_names(incomplete: str):
    """Shell completion of export formats."""
    from click.shell_completion import CompletionItem

    from graph.exporters import registry

    return [CompletionItem(name, help=e.description.split(":")[0]) for name, e in registry.REGISTRY.items()
            if name.startswith(incomplete)]


@main.command()
def formats() -> None:
    """List the export formats (from the exporter registry).

    \b
    Example:
        kg formats
    """
    from graph.exporters import registry

    for e in registry.REGISTRY.values():
        aliases = ", ".join((e.extension, *e.aliases, e.media_type))
        click.echo(f"{e.name:<10} {e.description}  [{aliases}]")


@main.command()
@_data_option
@click.option("--output", "-o", "--out", "out", default="exports/view.html", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write (-o FILE, as in every command that writes a file; --out still works).")
@click.option("--as-of", "as_of", metavar="DATE", default=None,
              help="Only the facts valid on this date (YYYY-MM-DD).")
@click.option("--focus", metavar="ACTOR", default=None,
              help="Only this actor and its neighbours: an id, English or French name or alias "
                   "(case and accents ignored).")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(min=0),
              help="With --focus: how many relations away to go.")
@click.option("--top", "top_n", default=None, type=click.IntRange(min=1), metavar="N",
              help="Only N actors and the relations among them: the most connected ones (past 600,000 quads, "
                   "read from the store's actor view: the largest amounts on their relations) [default: all; "
                   "1,000 past 600,000 quads].")
@click.option("--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
              help="The store to draw (default: the data folder's own, DATA/.kg; oxigraph:PATH, sparql:URL).")
@click.option("--open/--no-open", "open_page", default=None,
              help="Open the page in a web browser [default: when a display is available].")
def view(data_dir: Path, out: Path, as_of: str | None, focus: str | None, depth: int, top_n: int | None,
         store_spec: str | None, open_page: bool | None) -> None:
    """Write the interactive explorer (one offline HTML file) and open it in a browser.

    The page is the one `kg build` writes (exports/explorer.html), optionally narrowed to the
    facts valid on a date and to one actor's neighbourhood; that actor is selected when it
    opens. An ambiguous --focus lists the candidates and exits with code 2.

    Past 600,000 quads the page draws the store's aggregated actor view (one relation per
    pair of actors and kind, with how many facts, the amount and the first and last dates),
    never all of it at once: the top 1,000 actors (--top), or one actor's neighbourhood
    (--focus). An actor with relations left out says how many, and the command that opens
    its neighbourhood; `kg path A B` lists the facts behind a relation.

    \b
    Example:
        kg view                                   # exports/view.html, opened in a browser
        kg view --as-of 2025-01-31 --no-open
        kg view --focus pentagone --depth 2 -o dod.html
        kg view --store oxigraph:kg-store --top 500 -o top500.html
        kg view --store oxigraph:kg-store --focus "Lockheed Martin" -o lockheed.html
    """
    from graph.atomic import write_text_atomic
    from graph.cli_questions import _open_store, _say
    from graph.exporters.html import flag_hits, generate, neighbourhood
    from graph.lookup import find
    from graph.store.readback import fits, knowledge_graph

    title = "defense-ai-graph"
    node = hits = None
    with _open_store(store_spec, data_dir, as_of) as store:
        small = fits(store)
        if small:  # every fact, with its sources and quotes
            seen = knowledge_graph(store, as_of, what="kg view")
            actors, hits = seen.actors, flag_hits(seen.dataset)  # the red flags, as kg build's page
        else:  # the aggregated actor view: one relation per pair of actors and kind
            from graph.store import actors as at_scale

            node = at_scale.find_actor(store, focus) if focus is not None else None
            full = at_scale.actor_view(store, as_of=as_of, progress=_say)
        spec = store.spec
    if small:
        if focus is not None:
            node = find(actors, focus)
            actors = neighbourhood(actors, node, depth)
        if top_n is not None and len(actors) > top_n:
            from graph.store.actors import top

            actors = top(actors, top_n, by="degree", keep=[node] if node is not None else [])
            title += f" — top {len(actors):,} actors by relations"
    else:
        if node is not None and node not in full:
            raise DataError(f"'{focus}' has no relationship in {spec}")
        if node is not None:
            shown = neighbourhood(full, node, depth)
            if top_n is not None:
                shown = at_scale.top(shown, top_n, keep=[node])
        else:
            shown = at_scale.top(full, top_n or 1000)
            title += _top_title(shown, full)
        actors = _store_explorer(full, shown, store_spec, as_of, data_dir)
    if node is not None:
        label = actors.nodes[node].get("label") or node
        title += f" — {label} ({depth} step{'' if depth == 1 else 's'} around)"
    if as_of:
        title += f" — as of {as_of}"
    try:
        write_text_atomic(out, generate(actors, title=title, as_of=as_of, focus=node, flags=hits))
    except OSError as exc:
        raise GraphError(f"cannot write: {exc.strerror}", file=str(out)) from None
    click.echo(f"wrote {out} ({actors.number_of_nodes():,} actors, {actors.number_of_edges():,} relations)", err=True)
    if open_page is None:
        open_page = _can_open_browser()
    if open_page:
        import webbrowser

        if not webbrowser.open(out.resolve().as_uri()):
            click.echo(f"no web browser found: open {out} yourself", err=True)


def _build_large(store, store_spec: str | None, data_dir: Path, out_dir: Path, quiet: bool, started: float,
                 say) -> None:
    """``kg build`` on a store too large to read back: Turtle and TriG streamed from it (by
    Oxigraph), the formats of whole facts streamed from it a batch of facts at a time, and
    the explorer page of its aggregated actor view (top 1,000 actors)."""
    from graph.exporters import registry
    from graph.exporters.html import generate
    from graph.store import EXPORT_FORMATS
    from graph.store import actors as at_scale

    from graph.exporters.pg_stream import STREAMED_FORMATS

    fills, sizes = {}, {}
    for name in registry.DEFAULT_BUILD_FORMATS:
        path = out_dir / registry.get(name).filename
        if name in EXPORT_FORMATS:
            fills[path.name] = lambda handle, name=name, path=path: (
                say(f"streaming {path} from {store.spec}"), store.export(name, handle))
        elif name in STREAMED_FORMATS:  # the formats of whole facts, a batch of facts at a time
            fills[path.name] = _fill(name, store, sizes, say=lambda m, path=path: say(m and f"{path.name}: {m}"))
    written = [out_dir / name for name in fills]
    view = at_scale.actor_view(store, progress=say)
    triples, graphs = store.count(), len(store.named_graphs())
    shown = at_scale.top(view, 1000)
    title = "defense-ai-graph" + _top_title(shown, view)
    actors = _store_explorer(view, shown, store_spec, None, data_dir)
    page = out_dir / "explorer.html"
    fills[page.name] = lambda handle: [handle.write(chunk.encode("utf-8"))
                                       for chunk in generate(actors, title=title)]
    _write_set(out_dir, fills)  # the streamed exports and the page as one set
    if not quiet:
        click.echo(f"built {store.spec}: {triples:,} triples in {graphs:,} graphs; actor view {len(view):,} actors / "
                   f"{view.number_of_edges():,} relations ({time.perf_counter() - started:.1f}s)", err=True)
        for path in written:
            click.echo(f"  wrote {path} ({path.stat().st_size:,} bytes)", err=True)
        click.echo(f"  wrote {page} (top {len(shown):,} actors)", err=True)


def _top_title(shown, view) -> str:
    """`` — top 1,000 of 81,912 actors by amount`` (or all of them) for a store page's title."""
    return (f" — top {len(shown):,} of {len(view):,} actors by amount" if len(shown) < len(view)
            else f" — {len(view):,} actors")


def _store_explorer(view, shown, store_spec: str | None, as_of: str | None = None, data_dir: Path | None = None):
    """``shown`` (part of a store's aggregated ``view``) told what is left out, with the
    commands that open an actor's neighbourhood and list a relation's facts."""
    from graph.store.actors import explorer_view

    spec = ((f" --data {_quoted(str(data_dir))}" if data_dir is not None and data_dir != Path("data") else "")
            + (f" --store {_quoted(store_spec)}" if store_spec else "") + (f" --as-of {as_of}" if as_of else ""))
    return explorer_view(view, shown, expand=f"kg view{spec} --focus {{id}} -o {{id}}.html",
                         cite=f"kg path {{a}} {{b}}{spec}")


def _quoted(text: str) -> str:
    """``text`` as one shell word (for the commands the page suggests)."""
    import shlex

    return shlex.quote(text)


def _can_open_browser() -> bool:
    """A browser can be shown: an interactive terminal, and on Linux/BSD a display."""
    import os

    if not sys.stdout.isatty() or os.environ.get("CI"):
        return False
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


from graph.cli_questions import register as _register_questions  # noqa: E402

_register_questions(main)

from graph.cli_push import register as _register_push  # noqa: E402

_register_push(main)

from graph.cli_flags import register as _register_flags  # noqa: E402

_register_flags(main)

from graph.cli_interlocks import register as _register_interlocks  # noqa: E402

_register_interlocks(main)


from graph.importers.commands import check_command, import_command, resolve_command  # noqa: E402

main.add_command(import_command)
main.add_command(resolve_command)
main.add_command(check_command)

from graph.serve.command import serve_command  # noqa: E402 - imports Starlette/uvicorn only when it runs

main.add_command(serve_command)


if __name__ == "__main__":  # pragma: no cover
    main()
