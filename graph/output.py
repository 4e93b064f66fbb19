"""Render rows and SPARQL results as a terminal table, CSV, TSV or JSON.

SPARQL SELECT results use the W3C SPARQL 1.1 results formats for ``csv``, ``tsv`` and
``json`` (so other tools read them); ``table`` shortens IRIs with the graph's prefixes.

Example
-------
>>> print(table([{"actor": "openai", "degree": 11}, {"actor": "dod", "degree": 6}]), end="")
actor   degree
------  ------
openai      11
dod          6
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import sys

from graph.iris import PREFIXES


class _Never:  # no value is one of these
    pass


def _terms() -> tuple:
    """rdflib's ``URIRef, Literal, BNode`` when rdflib is loaded, else classes no value is an
    instance of: a value can only be an rdflib term if rdflib was imported, and plain rows
    (kg stats, rank, neighbors) are printed without importing it."""
    mod = sys.modules.get("rdflib.term")
    return (mod.URIRef, mod.Literal, mod.BNode) if mod is not None else (_Never, _Never, _Never)

__all__ = ["table", "rows_csv", "rows_json", "sparql_csv", "sparql_tsv", "sparql_json", "sparql_table", "short"]


def short(term) -> str:
    """A term for people: ``id:openai``, ``"200000000.0"``, ``Département ...@fr``."""
    URIRef, Literal, BNode = _terms()
    if isinstance(term, URIRef):
        s = str(term)
        best = max(((p, ns) for p, ns in PREFIXES.items() if s.startswith(ns)), key=lambda x: len(x[1]), default=None)
        return f"{best[0]}:{s[len(best[1]):]}" if best else f"<{s}>"
    if isinstance(term, Literal):
        return str(term) + (f"@{term.language}" if term.language else "")
    if isinstance(term, BNode):
        return f"_:{term}"
    return "" if term is None else str(term)


def table(rows: list[dict], columns: list[str] | None = None, width: int | None = None) -> str:
    """Aligned columns for a terminal; long cells are cut to fit the terminal width."""
    columns = columns or (list(rows[0]) if rows else [])
    if not columns:
        return "(no rows)\n"
    width = width or shutil.get_terminal_size((160, 20)).columns
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    budget = max(width - 2 * (len(columns) - 1), 20)
    while sum(widths) > budget and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    numeric = [all(_is_number(r.get(c)) for r in rows if r.get(c) is not None) and rows for c in columns]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        out = []
        for i, text in enumerate(row):
            text = text if len(text) <= widths[i] else text[: widths[i] - 1] + "…"
            out.append(text.rjust(widths[i]) if numeric[i] else text.ljust(widths[i]))
        lines.append("  ".join(out).rstrip())
    return "\n".join(lines) + "\n"


def _is_number(v) -> bool:
    URIRef, Literal, BNode = _terms()
    return isinstance(v, (int, float)) and not isinstance(v, bool) or (
        isinstance(v, Literal) and isinstance(v.toPython(), (int, float)) and not isinstance(v.toPython(), bool)
    )


def _cell(v) -> str:
    URIRef, Literal, BNode = _terms()
    if isinstance(v, (URIRef, Literal, BNode)):
        v = short(v)
    elif isinstance(v, float):
        v = f"{v:.6g}"
    elif isinstance(v, (list, tuple)):
        v = "; ".join(_cell(x) for x in v)
    return "" if v is None else " ".join(str(v).split())


def rows_csv(rows: list[dict], columns: list[str] | None = None, delimiter: str = ",") -> str:
    columns = columns or (list(rows[0]) if rows else [])
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_plain(r.get(c)) for c in columns])
    return buf.getvalue()


def _plain(v):
    if isinstance(v, (list, tuple)):
        return "; ".join(str(_plain(x)) for x in v)
    if isinstance(v, (dict,)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return "" if v is None else v


def rows_json(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"


# -------------------------------------------------------------- W3C SPARQL results


def sparql_csv(names: list[str], rows: list[dict]) -> str:
    """SPARQL 1.1 Query Results CSV: IRIs and lexical forms, CRLF line ends."""
    URIRef, Literal, BNode = _terms()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(names)
    for r in rows:
        writer.writerow(["" if r.get(n) is None else (f"_:{r[n]}" if isinstance(r[n], BNode) else str(r[n])) for n in names])
    return buf.getvalue()


def sparql_tsv(names: list[str], rows: list[dict]) -> str:
    """SPARQL 1.1 Query Results TSV: ``?var`` header, terms in Turtle/N-Triples syntax."""
    lines = ["\t".join("?" + n for n in names)]
    for r in rows:
        lines.append("\t".join("" if r.get(n) is None else _tsv_term(r[n]) for n in names))
    return "\n".join(lines) + "\n"


def _tsv_term(term) -> str:
    text = term.n3()
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def sparql_json(names: list[str] | None, rows: list[dict] | None, boolean: bool | None = None) -> str:
    """SPARQL 1.1 Query Results JSON."""
    URIRef, Literal, BNode = _terms()
    if boolean is not None:
        return json.dumps({"head": {}, "boolean": boolean}) + "\n"
    bindings = []
    for r in rows:
        b = {}
        for n in names:
            t = r.get(n)
            if t is None:
                continue
            if isinstance(t, URIRef):
                b[n] = {"type": "uri", "value": str(t)}
            elif isinstance(t, BNode):
                b[n] = {"type": "bnode", "value": str(t)}
            else:
                b[n] = {"type": "literal", "value": str(t)}
                if t.language:
                    b[n]["xml:lang"] = t.language
                elif t.datatype:
                    b[n]["datatype"] = str(t.datatype)
        bindings.append(b)
    return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1) + "\n"


def sparql_table(names: list[str], rows: list[dict]) -> str:
    return table(rows, names)
