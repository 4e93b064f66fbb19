"""The ``kg`` commands that ask questions: query (SPARQL), path, neighbors, rank, stats.

They share one set of options: ``--data``, ``--as-of DATE`` (only facts valid then),
``--format table|csv|tsv|json|jsonl`` (``-f``; tables fit the terminal, ``--wide`` for
every column whole) and ``-o FILE|-``.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from graph.errors import DataError

__all__ = ["register"]

TABLE_FORMATS = ("table", "csv", "tsv", "json", "jsonl")
#: what a path table shows of each hop without --all
_FACTS_SHOWN, _QUOTE_SHOWN = 3, 300


def format_options(f, formats=TABLE_FORMATS):
    """``--format/-f`` (how rows are printed) and ``--wide``: the same in every command."""
    f = click.option("--wide", is_flag=True, help="Tables: every column, nothing cut (default: fit the terminal).")(f)
    return click.option("--format", "-f", "fmt", type=click.Choice(formats), default="table", show_default=True,
                        help="Output format: a table for people, csv, tsv, json or jsonl (one JSON object a line) "
                             "with raw values for programs.")(f)


def _common(formats=TABLE_FORMATS):
    def decorate(f):
        f = click.option("--output", "-o", default="-", show_default=True, help="File to write, or - for stdout.")(f)
        f = format_options(f, formats)
        f = click.option("--as-of", "as_of", metavar="DATE", default=None,
                         help="Keep only facts valid at this date (YYYY-MM-DD).")(f)
        f = click.option("--data", "data_dir", default="data", show_default=True, envvar="KG_DATA",
                         type=click.Path(file_okay=False, path_type=Path), help="Folder of curated YAML files.")(f)
        return f

    return decorate


def _store_option(f):
    return click.option(
        "--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
        help="Where the graph is: the data folder's own store (default: DATA/.kg, kept up to date "
             "by every command), oxigraph:PATH (such a store elsewhere), sparql:URL (a SPARQL endpoint).")(f)


def _open_store(store_spec: str | None, data_dir: Path, as_of: str | None = None):
    """The engine: the store named by --store (the data folder's own by default), brought
    up to date with --data, read-only; ``as_of`` is checked first."""
    if as_of:
        from graph.timeline import parse_day

        try:
            parse_day(as_of)
        except ValueError as exc:
            raise DataError(f"--as-of: {exc}") from None
    if store_spec and store_spec.strip().lower() == "memory":
        click.echo("kg: note: --store memory is deprecated: the graph is always in a store now "
                   "(the data folder's own, DATA/.kg, by default)", err=True)
    from graph.store import open_store

    return open_store(store_spec, data_dir=data_dir, progress=_say)


def _complete_saved(incomplete: str) -> list:
    """Shell completion: the saved queries' names."""
    from click.shell_completion import CompletionItem

    from queries import saved

    return [CompletionItem(name, help=q.title) for name, q in sorted(saved().items()) if name.startswith(incomplete)]


def _complete_actor(ctx: click.Context, incomplete: str) -> list:
    """Shell completion: the ids of the actors in the data folder's store, as it is (no sync:
    completion must be instant), at most 50."""
    from click.shell_completion import CompletionItem

    from graph.iris import ID_BASE
    from graph.store import embedded

    data = Path(ctx.params.get("data_dir") or "data")
    try:
        with embedded.open_reader(embedded.default_path(data)) as store:
            rows = store.select_plain(
                "SELECT DISTINCT ?e ?l WHERE { ?e a ?kind ; rdfs:label ?l . "
                f'FILTER(STRSTARTS(STR(?e), "{ID_BASE}{_sparql_text(incomplete.lower())}") && LANG(?l) IN ("en", "")) '
                "} ORDER BY ?e LIMIT 50")
    except Exception:  # no store yet, or being rebuilt: nothing to offer
        return []
    return [CompletionItem(str(r["e"])[len(ID_BASE):], help=str(r["l"])) for r in rows]


def _sparql_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _echo(message: str) -> None:
    click.echo(f"kg: {message}", err=True)


def _steps():
    """Steps of long work on stderr when it is a terminal (as click's progress bars), or
    when KG_PROGRESS=1: a script or a pipe gets the answer and the errors only."""
    import os

    from graph.progress import Steps

    if os.environ.get("KG_PROGRESS") == "1" or (os.environ.get("KG_PROGRESS") != "0" and sys.stderr.isatty()):
        return Steps(_echo)
    return lambda _message: None


def _say(message: str | None) -> None:
    """A step of long work, on stderr (shown when it runs over a second: see graph.progress)."""
    global _SAY
    if _SAY is None:
        _SAY = _steps()
    _SAY(message)


_SAY = None


def _emit(text: str, output: str) -> None:
    if output == "-":
        sys.stdout.write(text)
        return
    from graph.atomic import write_text_atomic

    write_text_atomic(output, [text])


def _rows(rows: list[dict], fmt: str, columns: list[str] | None = None, *, wide: bool = False,
          keep: tuple[str, ...] = ()) -> str:
    from graph.output import render

    return render(rows, fmt, columns, wide=wide, keep=keep)


# ------------------------------------------------------------------------- query


def _format_result(result, fmt: str, wide: bool = False) -> str:
    from graph import output

    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        return result.graph.serialize(format="turtle")
    if result.kind == "ASK":
        if fmt == "json":
            return output.sparql_json(None, None, boolean=result.boolean)
        return ("true" if result.boolean else "false") + "\n"
    if fmt == "csv":
        return output.sparql_csv(result.vars, result.rows)
    if fmt == "tsv":
        return output.sparql_tsv(result.vars, result.rows)
    if fmt == "json":
        return output.sparql_json(result.vars, result.rows)
    if fmt == "jsonl":  # one object a row: each value as its lexical form
        return output.render([{v: (None if r.get(v) is None else str(r[v])) for v in result.vars} for r in result.rows],
                             "jsonl")
    return output.table(result.rows, result.vars, wide=wide)


@click.command()
@click.argument("query", required=False, shell_complete=lambda ctx, param, incomplete: _complete_saved(incomplete))
@_common()
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE (an actor name for actor parameters, a date, <iri>, number or text).")
@click.option("--list", "list_saved", is_flag=True, help="List the saved queries and exit.")
@click.option("--reason", type=click.Choice(["rdfs", "owlrl"]), default=None,
              help="Add RDFS or OWL RL entailments, so that org:, schema:, pc:, prov: queries find our data.")
@click.option("--endpoint", metavar="URL", default=None, help="Run on a SPARQL 1.1 endpoint instead of locally.")
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="Stop the query after this many seconds (a local query is also stopped past "
                   "KG_QUERY_MEMORY MB of memory, default 2048; exit code 3 for both).")
@click.option("--allow-network", is_flag=True, help="Allow SERVICE, FROM/FROM NAMED and LOAD to reach the network.")
@_store_option
def query(query, data_dir, as_of, fmt, wide, output, params, list_saved, reason, endpoint, timeout, allow_network,
          store_spec):
    """Run SPARQL: QUERY is a saved query name, a .rq file or the query text.

    Every query gets the graph's prefixes (dai:, id:, fact:, src:, org:, schema:, pc:,
    prov:, ...). The default graph is the union of all sources; GRAPH ?g gives the source.
    Local queries make no network request unless --allow-network is given.

    \b
    Example:
        kg query --list
        kg query contracts-by-value
        kg query actor-facts --param actor=pentagone --format csv
        kg query 'SELECT ?x WHERE { ?x a org:Organization }' --reason rdfs
        kg query two-hop -p a=OpenAI -p b=Palantir --endpoint http://localhost:7878/query
        kg query top-contractors --store oxigraph:kg-store
    """

    if list_saved:
        from queries import saved

        rows = [
            {"name": s.name, "title": s.title, "parameters": ", ".join(f"{p.name} ({p.type})" for p in s.params),
             "question": s.question}
            for s in saved().values()
        ]
        _emit(_rows(rows, fmt, wide=wide, keep=("name",)), output)  # the names a user types next: never cut
        return
    if not query:
        raise click.UsageError("give a QUERY (saved name, .rq file or SPARQL text), or --list")
    from graph.queryparams import bind, saved_or_text

    chosen = saved_or_text(query)
    if endpoint:
        if store_spec:
            raise click.UsageError("give --endpoint URL or --store SPEC, not both (--endpoint URL is --store sparql:URL)")
        store_spec = f"sparql:{endpoint}"
    from graph.store.readback import query_target

    raw = {}
    for item in params:
        if "=" not in item:
            raise DataError(f"--param takes name=value, got '{item}'")
        name, value = item.split("=", 1)
        raw[name.strip().lstrip("?$")] = value
    from graph.query import query_memory_limit
    from graph.queryparams import require

    require(chosen, raw)
    # as of a date, or with entailments: the store's graph so transformed, in an in-memory
    # Oxigraph store (the same engine evaluates the query)
    with _open_store(store_spec, data_dir, as_of) as store, query_target(store, as_of=as_of, reason=reason) as target:
        values = bind(chosen, raw, target)
        result = target.query(chosen.text, params=values, timeout=timeout, allow_network=allow_network,
                              memory_mb=query_memory_limit())
        from graph.store.sparql import empty_answer_hint

        if hint := empty_answer_hint(target, result):  # an endpoint whose default graph shows nothing
            click.echo(f"kg: hint: {hint}", err=True)
    _emit(_format_result(result, fmt, wide), output)


# ------------------------------------------------------------------------- graph questions


@click.command()
@click.argument("source_actor", metavar="A", shell_complete=lambda ctx, p, incomplete: _complete_actor(ctx, incomplete))
@click.argument("target_actor", metavar="B", shell_complete=lambda ctx, p, incomplete: _complete_actor(ctx, incomplete))
@_common()
@click.option("--limit", default=5, show_default=True, help="At most this many shortest paths.")
@click.option("--all", "show_all", is_flag=True,
              help="Tables: every fact of each hop, each quote whole (default: a summary of each hop, its first "
                   f"{_FACTS_SHOWN} facts, quotes up to {_QUOTE_SHOWN} characters).")
@_store_option
def path(source_actor, target_actor, data_dir, as_of, fmt, wide, output, limit, show_all, store_spec):
    """Shortest paths between actors A and B, each hop with its facts and sources.

    Actors are named by id, label or alias, in English or French, ignoring case and accents.

    \b
    Example:
        kg path OpenAI Palantir
        kg path pentagone anthropic --format json
        kg path "DEPARTMENT OF THE NAVY" "APEX DYNAMICS LLC" --store oxigraph:kg-store
    """
    from graph.store import actors as at_scale
    from graph.store.adjacency import Adjacency

    with _open_store(store_spec, data_dir, as_of) as store:  # each hop's facts read from the store
        a, b = at_scale.find_actor(store, source_actor), at_scale.find_actor(store, target_actor)
        adj = Adjacency.of(store, as_of=as_of, progress=_say)
        paths = at_scale.shortest_paths(store, adj, a, b, limit=limit, as_of=as_of)
        ends = {a, b} | {n for p in paths for hop in p for n in (hop["from"], hop["to"])}
        label = {n: adj.node(n).get("label") or n for n in ends}
    if fmt == "json":
        from graph.output import rows_json

        _emit(rows_json({"from": a, "to": b, "paths": paths}), output)
        return
    if fmt != "table":
        rows = [
            {"path": i, "step": j, "from": hop["from"], "to": hop["to"], "relation": f["relation"], "label": f["label"],
             "fact": f["fact"], "sources": f["sources"], "quotes": [c["quote"] for c in f["citations"]]}
            for i, p in enumerate(paths, 1) for j, hop in enumerate(p, 1) for f in hop["facts"]
        ]
        _emit(_rows(rows, fmt), output)
        return
    if not paths:
        _emit(f"no path between {label[a]} and {label[b]}\n", output)
        return
    lines = []
    for i, p in enumerate(paths, 1):
        lines.append(f"path {i} ({len(p)} hop{'s' if len(p) > 1 else ''}): " + " — ".join([label[p[0]['from']]] + [label[h['to']] for h in p]))
        for j, hop in enumerate(p, 1):
            facts = hop["facts"]
            kinds = Counter(f["relation"] for f in facts)
            summary = ", ".join(f"{n:,} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
            lines.append(f"  {j}. {label[hop['from']]} — {label[hop['to']]} ({summary})")
            for f in facts if show_all else facts[:_FACTS_SHOWN]:
                arrow = "→" if f["directed"] else "—"
                lines.append(f"     {label[f['from']]} {arrow} {label[f['to']]}: {f['label']} [{f['relation']}, fact {f['fact']}]")
                for c in f["citations"]:
                    where = f" <{c['url']}>" if c["url"] else ""
                    quote = c["quote"]
                    if not show_all and len(quote) > _QUOTE_SHOWN:
                        quote = f"{quote[:_QUOTE_SHOWN]}” … [{len(quote) - _QUOTE_SHOWN:,} more characters: --all]"
                    else:
                        quote += "”"
                    lines.append(f"       {c['source']}{where}: “{quote}")
            if not show_all and len(facts) > _FACTS_SHOWN:
                lines.append(f"     … and {len(facts) - _FACTS_SHOWN:,} more facts: --all lists every one")
        lines.append("")
    if not wide:  # folded to the terminal, each line's continuation indented under its start
        from graph.output import fold

        lines = fold(lines)
    _emit("\n".join(lines), output)


@click.command()
@click.argument("actor", shell_complete=lambda ctx, p, incomplete: _complete_actor(ctx, incomplete))
@_common()
@click.option("--depth", default=1, show_default=True, help="How many hops away.")
@_store_option
def neighbors(actor, data_dir, as_of, fmt, wide, output, depth, store_spec):
    """Actors within --depth hops of ACTOR, nearest first, with how they are linked.

    \b
    Example:
        kg neighbors OpenAI
        kg neighbors "Département de la Défense" --depth 2 --format csv
    """
    from graph.store import actors as at_scale
    from graph.store.adjacency import Adjacency, neighbor_rows

    with _open_store(store_spec, data_dir, as_of) as store:  # one edge per pair and relationship
        node = at_scale.find_actor(store, actor)
        rows = neighbor_rows(Adjacency.of(store, as_of=as_of, progress=_say), node, depth)
    _emit(_rows(rows, fmt, wide=wide, keep=("actor",)), output)


@click.command()
@_common()
@click.option("--by", type=click.Choice(["pagerank", "degree", "betweenness"]), default="pagerank", show_default=True,
              help="The centrality: PageRank (influence through links), degree (links), betweenness (how "
                   "often an actor is on the shortest paths between others).")
@click.option("--top", default=20, show_default=True, help="How many actors.")
@_store_option
def rank(data_dir, as_of, fmt, wide, output, by, top, store_spec):
    """Rank actors by PageRank, degree or betweenness centrality.

    \b
    Example:
        kg rank
        kg rank --by betweenness --top 5 --format json
    """
    from graph.store.actors import rank as ranking

    with _open_store(store_spec, data_dir, as_of) as store:  # kept beside the store until it changes
        rows = ranking(store, by=by, top_n=top, as_of=as_of, progress=_say)
    _emit(_rows(rows, fmt, wide=wide, keep=("actor",)), output)


@click.command()
@_common()
@_store_option
def stats(data_dir, as_of, fmt, wide, output, store_spec):
    """Counts: actors by class, relationships by type, facts, sources, triples, components.

    \b
    Example:
        kg stats
        kg stats --as-of 2025-01-31 --format json
        kg stats --store oxigraph:kg-store
    """
    from graph.store.actors import stats as store_counts

    with _open_store(store_spec, data_dir, as_of) as store:  # counted in the store
        _emit(_rows(store_counts(store, as_of=as_of, progress=_say), fmt, wide=wide), output)


def register(group: click.Group) -> None:
    for command in (query, path, neighbors, rank, stats):
        group.add_command(command)
