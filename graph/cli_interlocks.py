"""``kg interlocks A B``: the people and organizations linking two actors
(:mod:`graph.interlocks`) from the command line."""

from __future__ import annotations

import click

from graph.cli_questions import _common, _complete_actor, _emit, _open_store, _rows, _store_option

__all__ = ["interlocks_command", "register"]

#: the columns a table shows (csv, tsv, json and jsonl have every field)
_TABLE_COLUMNS = ["link", "via_label", "at_a", "at_b", "sources"]


@click.command("interlocks")
@click.argument("actor_a", metavar="A", shell_complete=lambda ctx, p, incomplete: _complete_actor(ctx, incomplete))
@click.argument("actor_b", metavar="B", shell_complete=lambda ctx, p, incomplete: _complete_actor(ctx, incomplete))
@_common()
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Stop each query after this many seconds.")
@_store_option
def interlocks_command(actor_a, actor_b, data_dir, as_of, fmt, wide, output, timeout, store_spec):
    """People and organizations linking actors A and B: a person with a position at both,
    an organization where both hold one, a parent organization of both, an investor in both, an organization both invest in, a
    partner of both; each link with its two facts, what they say (roles and their dates)
    and their sources.

    Actors are named by id, label or alias, in English or French, ignoring case and accents.
    The answer is the same on the embedded store and on a SPARQL endpoint (--store).

    \b
    Example:
        kg interlocks Anthropic Palantir
        kg interlocks openai-public-sector "Anduril Industries" --format json
        kg interlocks cdao dod --as-of 2025-07-31 -f csv
    """
    from graph.interlocks import interlocks
    from graph.store.actors import find_actor
    from graph.store.readback import query_target

    with _open_store(store_spec, data_dir, as_of) as store:
        find_actor(store, actor_a), find_actor(store, actor_b)  # an unknown name: said before any copy is made
        with query_target(store, as_of=as_of) as target:
            rows = interlocks(target, actor_a, actor_b, timeout=timeout)
    if fmt == "table":
        if not rows:
            _emit(f"no interlocks between {actor_a} and {actor_b}\n", output)
            return
        shown = [{**r, "sources": " ".join(r["sources"])} for r in rows]
        _emit(_rows(shown, fmt, _TABLE_COLUMNS, wide=wide, keep=("link",)), output)
        return
    _emit(_rows(rows, fmt), output)


def register(group: click.Group) -> None:
    group.add_command(interlocks_command)
