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

from graph import __version__
from graph.errors import GraphError



class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GraphError as exc:
            click.echo(f"kg: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="kg")
def main() -> None:
    """defense-ai-graph: a sourced knowledge graph of government and defense AI.

    Curated facts (data/*.yaml), each with its source and exact quote, are compiled to RDF,
    validated with SHACL, projected to networkx and exported (Turtle, TriG, offline HTML).

    \b
    Example:
        kg build                      # data/ -> exports/
        kg validate --data data       # check the data, write nothing
        kg export -f turtle -o -      # Turtle to stdout
    """


def _data_option(f):
    return click.option(
        "--data", "data_dir", default="data", show_default=True,
        type=click.Path(file_okay=False, path_type=Path), help="Folder of curated YAML files.",
    )(f)


@main.command()
@_data_option
@click.option("--out", "out_dir", default="exports", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write the exports to.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def build(data_dir: Path, out_dir: Path, quiet: bool) -> None:
    """Build the graph from DATA and write Turtle, TriG and the HTML explorer to OUT.

    Nothing is written unless the whole graph loads and passes SHACL validation; each
    file is replaced atomically.

    \b
    Example:
        kg build
        kg build --data data --out exports
    """
    from graph.builder import build as build_graph
    from graph.exporters import registry

    started = time.perf_counter()
    kg = build_graph(data_dir)
    outputs = []
    formats = registry.DEFAULT_BUILD_FORMATS
    with click.progressbar(formats, label="exporting", file=sys.stderr,
                           item_show_func=lambda f: f or "", hidden=quiet) as bar:
        for name in bar:
            exporter = registry.get(name)
            outputs.append((out_dir / exporter.filename, "".join(exporter.generate(kg))))
    from graph.atomic import write_text_atomic

    for path, text in outputs:
        try:
            write_text_atomic(path, [text])
        except OSError as exc:
            raise GraphError(f"cannot write: {exc.strerror}", file=str(path)) from None
    if not quiet:
        s = kg.summary()
        click.echo(
            f"built {s['entities']} entities, {s['facts']} facts ({s['claims']} sourced claims) "
            f"from {s['sources']} sources: {s['triples']} triples in {s['graphs']} graphs; "
            f"actor view {kg.actors.number_of_nodes()} nodes / {kg.actors.number_of_edges()} edges "
            f"({time.perf_counter() - started:.1f}s)",
            err=True,
        )
        for path, text in outputs:
            click.echo(f"  wrote {path} ({len(text.encode('utf-8')):,} bytes)", err=True)


@main.command()
@_data_option
def validate(data_dir: Path) -> None:
    """Check DATA (YAML, references, values, SHACL shapes) and write nothing.

    \b
    Example:
        kg validate --data data
    """
    from graph.builder import build as build_graph

    kg = build_graph(data_dir)
    s = kg.summary()
    click.echo(f"ok: {s['entities']} entities, {s['facts']} facts, {s['claims']} claims, {s['sources']} sources conform")


@main.command()
@_data_option
@click.option("--format", "-f", "fmt", required=True, help="Format name, alias or extension (see `kg formats`).")
@click.option("--output", "-o", default="-", show_default=True, help="File to write, or - for stdout.")
def export(data_dir: Path, fmt: str, output: str) -> None:
    """Export the graph in one format to a file or stdout.

    \b
    Example:
        kg export -f turtle -o graph.ttl
        kg export -f trig -o - | head
    """
    from graph.builder import build as build_graph
    from graph.exporters import registry

    exporter = registry.get(fmt)
    registry.write(exporter, build_graph(data_dir), output)


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
        click.echo(f"{e.name:<8} {e.description}  [{aliases}]")


if __name__ == "__main__":  # pragma: no cover
    main()
