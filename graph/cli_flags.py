"""``kg flags``: the red-flag library (:mod:`graph.flags`) from the command line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from graph.cli_questions import _complete_actor, _emit, _open_store, _rows, _say, _store_option, format_options
from graph.errors import DataError
from graph.flags import DEFAULT_JOBS

__all__ = ["flags_command", "register"]

#: what a table shows of each hit without --all
_FACTS_SHOWN, _QUOTE_SHOWN = 3, 300


def _complete_flag(ctx, param, incomplete: str) -> list:
    from click.shell_completion import CompletionItem

    from graph.flags import library

    return [CompletionItem(n, help=f.title) for n, f in library().items() if n.startswith(incomplete)]


@click.command("flags")
@click.argument("names", nargs=-1, metavar="[NAME]...", shell_complete=_complete_flag)
@click.option("--actor", metavar="X", default=None, shell_complete=lambda ctx, p, inc: _complete_actor(ctx, inc),
              help="Only hits about this actor (as office, contractor or party of the facts): id, label or alias.")
@click.option("--agency", metavar="Y", default=None, shell_complete=lambda ctx, p, inc: _complete_actor(ctx, inc),
              help="Only hits at this agency or one of its sub-units and offices.")
@click.option("--since", metavar="DATE", default=None, help="Only awards dated on or after this day (YYYY-MM-DD).")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A threshold of the flags that declare it (see --explain NAME), e.g. -p window=60.")
@click.option("--explain", "explain_name", metavar="NAME", default=None, shell_complete=_complete_flag,
              help="Print a flag's method, thresholds, pitfalls and reference, and exit.")
@click.option("--list", "list_flags", is_flag=True, help="List the flags and exit.")
@click.option("--all", "show_all", is_flag=True,
              help=f"The evidence of every fact of each hit, each quote whole (default: the first {_FACTS_SHOWN} "
                   f"facts; in tables, quotes up to {_QUOTE_SHOWN} characters).")
@format_options
@click.option("--output", "-o", default="-", show_default=True, help="File to write, or - for stdout.")
@click.option("--timeout", type=float, default=300.0, show_default=True,
              help="Stop each flag's query after this many seconds.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=DEFAULT_JOBS, show_default=True, metavar="N",
              help="Run up to N flags at once (a core each; the same hits in the same order for any N).")
@click.option("--data", "data_dir", default="data", show_default=True, envvar="KG_DATA",
              type=click.Path(file_okay=False, path_type=Path), help="Folder of curated YAML files.")
@_store_option
def flags_command(names, actor, agency, since, params, explain_name, list_flags, show_all, fmt, wide, output, timeout,
                  jobs, data_dir, store_spec):
    """Red flags: awards and claims that deserve a closer look, each hit with its score,
    the facts that raise it and their sources and quotes.

    Every flag is a saved SPARQL query (queries/flags/NAME.rq) with its thresholds as
    parameters: it runs the same on the embedded store and on a SPARQL endpoint. Without
    NAME, every flag runs. A hit is a reason to read the record, not a finding.

    \b
    Example:
        kg flags --list
        kg flags --explain splitting
        kg flags concentration year-end
        kg flags follow-on concentration-agency concentration-year
        kg flags splitting -p window=60 -p threshold=10000 --agency "Department of the Army"
        kg flags single-offer --since 2024-10-01 --format csv
        kg flags --jobs 1
    """
    from graph import flags as lib

    if list_flags:
        rows = [{"name": f.name, "title": f.title,
                 "thresholds": ", ".join(f"{p.name}={p.default}" for p in f.params if p.name != "since"),
                 "question": f.question} for f in lib.library().values()]
        _emit(_rows(rows, fmt, wide=wide, keep=("name",)), output)
        return
    if explain_name:
        (flag,) = lib.choose([explain_name])
        lines = lib.explain(flag)
        if not wide:
            from graph.output import fold

            lines = fold(lines)
        _emit("\n".join(lines) + "\n", output)
        return
    lib.choose(list(names))  # an unknown name: said before the store is opened
    raw = {}
    for item in params:
        if "=" not in item:
            raise DataError(f"--param takes name=value, got '{item}'")
        name, value = item.split("=", 1)
        raw[name.strip()] = value.strip()
    with _open_store(store_spec, data_dir) as store:
        _say("running the flags")
        hits = lib.run(store, names, params=raw, actor=actor, agency=agency, since=since,
                       evidence=None if show_all else _FACTS_SHOWN, timeout=timeout, jobs=jobs)
        _say(None)
    if since:
        undated = [f.name for f in lib.choose(list(names)) if "since" not in {p.name for p in f.params}]
        if undated:
            click.echo(f"kg: note: --since does not apply to {', '.join(undated)} (not about dated awards)", err=True)
    if fmt == "json":
        from graph.output import rows_json

        _emit(rows_json([lib.hit_json(h) for h in hits]), output)
    elif fmt != "table":
        _emit(_rows(lib.hit_rows(hits), fmt), output)
    else:
        _emit(_table(hits, show_all, wide), output)


def _table(hits, show_all: bool, wide: bool) -> str:
    """Hits for people: a count per flag, then each hit with its score, who, its measures
    and the evidence of its first facts (folded to the terminal unless ``wide``)."""
    from graph.flags import _shown, short_id

    if not hits:
        return "no hits\n"
    counts = Counter(h.flag for h in hits)
    lines = ["hits: " + ", ".join(f"{n:,} {flag}" for flag, n in sorted(counts.items())), ""]
    for h in hits:
        def name(iri: str, labels=h.labels) -> str:
            return labels.get(iri) or short_id(iri)

        about = [x for x in (h.subject, h.office, h.contractor) if x]
        head = f"{h.flag}  score {_shown(h.score)}"
        lines.append(head + (f"  {name(about[0])}" if about else ""))
        who = [f"{k}: {name(x)}" for k, x in (("office", h.office), ("contractor", h.contractor)) if x]
        if h.subject:
            who.insert(0, short_id(h.subject))
        if who:
            lines.append("  " + " · ".join(who))
        measures = "; ".join(f"{k}={_shown(v)}" for k, v in h.measures.items() if v not in (None, ""))
        if measures:
            lines.append("  " + measures)
        for e in h.evidence:
            lines.append(f"    {e['label'] or short_id(e['fact'])} [{short_id(e['fact'])}]")
            cites = e["citations"] if show_all else e["citations"][:_FACTS_SHOWN]
            for c in cites:
                quote = c["quote"]
                if not show_all and len(quote) > _QUOTE_SHOWN:
                    quote = f"{quote[:_QUOTE_SHOWN]}” … [{len(quote) - _QUOTE_SHOWN:,} more characters: --all]"
                else:
                    quote += "”"
                where = f", {c['locator']}" if c["locator"] else ""
                lines.append(f"      {c['source']}{where}: “{quote}")
            if len(e["citations"]) > len(cites):
                lines.append(f"      … and {len(e['citations']) - len(cites):,} more quotes: --all")
        if len(h.facts) > len(h.evidence):
            lines.append(f"    … and {len(h.facts) - len(h.evidence):,} more facts: --all shows every one")
        lines.append("")
    if not wide:
        from graph.output import fold

        lines = fold(lines)
    return "\n".join(lines)


def register(group: click.Group) -> None:
    group.add_command(flags_command)
