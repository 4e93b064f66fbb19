"""``kg push``: send the graph to a triple store or to FalkorDB (see :mod:`graph.push`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from graph.errors import PushError

__all__ = ["register", "push"]


@click.command()
@click.option("--data", "data_dir", default="data", show_default=True, envvar="KG_DATA",
              type=click.Path(file_okay=False, path_type=Path), help="Folder of curated YAML files.")
@click.option("--endpoint", metavar="URL", help="Graph Store Protocol endpoint of a triple store "
              "(Oxigraph .../store, Fuseki .../ds/data, Virtuoso .../sparql-graph-crud-auth).")
@click.option("--graph", "graph_iri", metavar="IRI", default=None,
              help="Named graph to replace [default: https://w3id.org/defense-ai-graph/graph/all].")
@click.option("--update-endpoint", metavar="URL", help="SPARQL Update endpoint, when it is not the usual one.")
@click.option("--query-endpoint", metavar="URL", help="SPARQL query endpoint, when it is not the usual one.")
@click.option("--method", type=click.Choice(["auto", "gsp", "update", "put"]), default="auto", show_default=True,
              help="auto: Graph Store batches, else SPARQL Update; put: one PUT of the whole graph.")
@click.option("--batch-size", type=click.IntRange(1), default=None, help="Triples (or rows) per request.")
@click.option("--with-ontology", is_flag=True, help="Push the ontology's triples too (for RDFS inference).")
@click.option("--falkordb", metavar="HOST:PORT", help="Load a FalkorDB graph instead of a triple store.")
@click.option("--ladybug", metavar="PATH", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a LadybugDB database file instead (replaced atomically).")
@click.option("--name", "graph_name", default="defense-ai-graph", show_default=True,
              help="FalkorDB graph to replace.")
@click.option("--user", metavar="U", help="User name for the store.")
@click.option("--password-env", metavar="VAR", help="Environment variable holding the password.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
              help="Push from this Oxigraph store (oxigraph:PATH): each of its named graphs replaces the "
                   "graph of the same IRI, streamed in batches.")
@click.option("--timeout", default=120.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds each request to the triple store may take in all, its answer included.")
def push(data_dir, endpoint, graph_iri, update_endpoint, query_endpoint, method, batch_size, with_ontology,
         falkordb, ladybug, graph_name, user, password_env, quiet, store_spec, timeout) -> None:
    """Replace a named graph in a triple store, or a FalkorDB graph, with the graph.

    Triple stores: SPARQL 1.1 Graph Store Protocol (or SPARQL Update), in batches, into a
    temporary graph that then replaces the target with one MOVE: a push that fails half-way
    leaves the previous graph intact. The password is read from the environment variable
    named by --password-env, never from the command line, and never printed. The store's
    answers are bounded: each request ends within --timeout seconds, an answer read into
    memory holds at most 256 MiB (KG_MAX_ANSWER_BYTES), redirects are not followed.
    Queries read the store's default graph: a warning says so when it does not show the
    pushed triples (start Oxigraph with --union-default-graph).

    \b
    Example:
        kg push --endpoint http://127.0.0.1:7878/store
        KG_PW=... kg push --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth \\
            --graph https://example.org/dai --user kgpush --password-env KG_PW
        kg push --falkordb 127.0.0.1:6379 --name dai
        kg push --ladybug kg.lbdb
        kg push --store oxigraph:kg-store --endpoint http://127.0.0.1:7878/store

    With --store oxigraph:PATH, every named graph of the store (one per source: the
    provenance stays) replaces the graph of the same IRI at the endpoint, each through its
    own temporary graph, streamed from the store (memory stays flat at a million awards).
    """
    from graph import push as p

    if sum(map(bool, (endpoint, falkordb, ladybug))) != 1:
        raise click.UsageError("give one of --endpoint URL, --falkordb HOST:PORT, --ladybug PATH")
    password = None
    if password_env:
        password = os.environ.get(password_env)
        if password is None:
            raise PushError(f"environment variable {password_env} is not set")
    elif user and not falkordb:
        raise click.UsageError("--user needs --password-env VAR")
    if store_spec and store_spec != "memory" and not ladybug:
        _push_store(p, store_spec, data_dir, endpoint, graph_iri, falkordb, quiet, with_ontology,
                    dict(user=user, password=password, update_endpoint=update_endpoint,
                         query_endpoint=query_endpoint, method=method, batch_size=batch_size or p.BATCH_SIZE,
                         timeout=timeout))
        return
    from graph.cli_questions import _open_store, _say
    from graph.store.readback import knowledge_graph

    if ladybug:  # streamed from the store, a batch of facts at a time
        from graph.push_ladybug import push_ladybug_store

        with _open_store(store_spec, data_dir) as store:
            result = push_ladybug_store(store, ladybug, progress=None if quiet else _say)
        if not quiet:
            click.echo(f"pushed {result.triples:,} nodes and relationships to LadybugDB {result.target} "
                       f"({result.batches} statements)", err=True)
        return
    if falkordb:  # the property graph streamed from the store, a batch of rows at a time
        from graph.exporters.cypher import BATCH_SIZE

        with _open_store(None, data_dir) as store:
            with click.progressbar(length=1, label="pushing", file=sys.stderr, hidden=quiet) as bar:
                result = p.push_falkordb(store, falkordb, graph_name, user=user, password=password,
                                         batch_size=batch_size or BATCH_SIZE, progress=_Rows(bar))
        if not quiet:
            click.echo(f"pushed {result.triples:,} nodes and relationships to FalkorDB graph '{result.target}' "
                       f"({result.batches:,} statements)", err=True)
        return
    with _open_store(None, data_dir) as store:  # every fact read back
        kg = knowledge_graph(store, what="kg push")
    from graph.exporters.rdf import generate_ntriples

    lines = list(generate_ntriples(kg, with_ontology=with_ontology))
    with click.progressbar(length=len(lines), label="pushing", file=sys.stderr, hidden=quiet) as bar:
        result = p.push_sparql(
            kg, endpoint, graph_iri or p.DEFAULT_GRAPH, user=user, password=password,
            update_endpoint=update_endpoint, query_endpoint=query_endpoint, method=method,
            batch_size=batch_size or p.BATCH_SIZE, progress=bar.update, lines=lines, timeout=timeout,
        )
    if not quiet:
        click.echo(f"pushed {result.triples} triples to <{result.target}> in {result.batches} "
                   f"batch(es) ({result.method})", err=True)
    if result.default_graph_shows is False:
        _warn_default_graph(endpoint)


class _Rows:
    """``push_falkordb``'s progress on a click progress bar: its length once known."""

    def __init__(self, bar):
        self.bar = bar

    def total(self, n: int) -> None:
        self.bar.length = n

    def __call__(self, n: int) -> None:
        self.bar.update(n)


def _warn_default_graph(endpoint: str) -> None:
    """One line: the store's default graph does not show what was pushed (queries read it)."""
    from graph.remote import where
    from graph.store.sparql import UNION_ADVICE

    click.echo(f"kg: warning: {where(endpoint)}: the default graph does not show the pushed triples, so "
               f"queries find nothing: make it the union of the named graphs ({UNION_ADVICE})", err=True)


def _push_store(p, store_spec, data_dir, endpoint, graph_iri, falkordb, quiet, with_ontology, options) -> None:
    """``kg push --store``: each named graph of an Oxigraph store to the graph of the same IRI."""
    from graph.iris import ONTOLOGY_GRAPH_IRI
    from graph.store import open_store, parse_spec

    if falkordb or graph_iri or parse_spec(store_spec)[0] != "oxigraph":
        raise click.UsageError("--store pushes an Oxigraph store (oxigraph:PATH) to a triple store (--endpoint), "
                               "each named graph to the same IRI (no --graph, no --falkordb)")
    import pyoxigraph

    with open_store(store_spec, data_dir=data_dir) as store:
        ox = store.oxigraph
        graphs = [g for g in store.named_graphs() if with_ontology or g != ONTOLOGY_GRAPH_IRI]
        total = sum(store.graph_size(g) for g in graphs)
        pushed, hidden = 0, False
        with click.progressbar(length=total, label="pushing", file=sys.stderr, hidden=quiet) as bar:
            for g in graphs:
                lines = (f"{q.subject} {q.predicate} {q.object} ." for q in
                         ox.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(g)))
                result = p.push_sparql(None, endpoint, g, lines=lines, progress=bar.update, **options)
                pushed += result.triples
                hidden = hidden or result.default_graph_shows is False
    if not quiet:
        click.echo(f"pushed {pushed:,} triples in {len(graphs):,} named graphs from {store_spec} to {endpoint}", err=True)
    if hidden:
        _warn_default_graph(endpoint)


def register(group: click.Group) -> None:
    """Add ``kg push`` to the ``kg`` command group."""
    group.add_command(push)

