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
from decimal import Decimal

from graph.iris import PREFIXES


class _Never:  # no value is one of these
    pass


def _terms() -> tuple:
    """rdflib's ``URIRef, Literal, BNode`` when rdflib is loaded, else classes no value is an
    instance of: a value can only be an rdflib term if rdflib was imported, and plain rows
    (kg stats, rank, neighbors) are printed without importing it."""
    mod = sys.modules.get("rdflib.term")
    return (mod.URIRef, mod.Literal, mod.BNode) if mod is not None else (_Never, _Never, _Never)

__all__ = ["ROW_FORMATS", "render", "terminal_width", "fold", "table", "rows_csv", "rows_tsv", "rows_json", "sparql_csv", "sparql_tsv", "sparql_json", "sparql_table", "short"]


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


#: the row formats of every command that prints rows (``--format``)
ROW_FORMATS = ("table", "csv", "tsv", "json", "jsonl")


def render(rows: list[dict], fmt: str, columns: list[str] | None = None, *, wide: bool = False,
           keep: tuple[str, ...] = ()) -> str:
    """``rows`` in one of :data:`ROW_FORMATS`: a table for people (fitted to the terminal,
    unless ``wide``; the ``keep`` columns are never cut), raw values in the others.

    >>> print(render([{"name": "a", "n": 1}], "jsonl"), end="")
    {"name": "a", "n": 1}
    >>> print(render([{"name": "a", "n": 1}], "tsv").replace("\\t", " | "), end="")
    name | n
    a | 1
    """
    if fmt == "json":
        return rows_json(rows)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
    if fmt == "csv":
        return rows_csv(rows, columns)
    if fmt == "tsv":
        return rows_tsv(rows, columns)
    return table(rows, columns, wide=wide, keep=keep)


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` if set; 80 when it cannot be told)."""
    return shutil.get_terminal_size((80, 24)).columns


def table(rows: list[dict], columns: list[str] | None = None, width: int | None = None, *, wide: bool = False,
          keep: tuple[str, ...] = ()) -> str:
    """Aligned columns for a terminal, fitted to ``width`` (the terminal's by default):
    numbers right-aligned with thousands separators, no language tags; long cells cut with
    an ellipsis (in the middle of an identifier, at the end of a text); when that is not
    enough, the last columns are left out and a line says which. ``wide``: nothing cut.
    ``keep``: columns never cut (names a user types next).

    >>> print(table([{"id": "fact/openai-dod-2025-prototype-agreement", "usd": 200000000}], width=30), end="")
    id                         usd
    -----------------  -----------
    fact/…e-agreement  200,000,000
    """
    columns = columns or (list(rows[0]) if rows else [])
    if not columns:
        return "(no rows)\n"
    numeric = [bool(rows) and all(_is_number(r.get(c)) for r in rows if r.get(c) not in (None, "")) for c in columns]
    cells = [[_cell(r.get(c), numeric[i]) for i, c in enumerate(columns)] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    shown = list(range(len(columns)))
    if not wide:
        width = width or terminal_width()
        cut = [i for i in shown if columns[i] not in keep and not numeric[i]]

        def total() -> int:
            return sum(widths[i] for i in shown) + 2 * (len(shown) - 1)

        while total() > width and cut and max(widths[i] for i in cut) > 12:
            widest = max(cut, key=lambda i: widths[i])
            widths[widest] -= 1
        while total() > width and len(shown) > 1:
            shown.pop(next((k for k in range(len(shown) - 1, 0, -1) if columns[shown[k]] not in keep),
                           len(shown) - 1))
    lines = ["  ".join(columns[i].rjust(widths[i]) if numeric[i] else columns[i].ljust(widths[i]) for i in shown).rstrip()]
    lines.append("  ".join("-" * widths[i] for i in shown))
    for row in cells:
        out = []
        for i in shown:
            text = _fit(row[i], widths[i])
            out.append(text.rjust(widths[i]) if numeric[i] else text.ljust(widths[i]))
        lines.append("  ".join(out).rstrip())
    hidden = [columns[i] for i in range(len(columns)) if i not in shown]
    if hidden:
        lines.append(f"({len(hidden)} column(s) left out to fit: {', '.join(hidden)}; --wide shows them)")
    return "\n".join(lines) + "\n"


def fold(lines: list[str], width: int | None = None) -> list[str]:
    """Lines of text folded to ``width`` (the terminal's), each continuation indented two
    more than its line; words longer than a line (a URL) are not broken.

    >>> fold(["  a long line of words", "short"], width=12)
    ['  a long', '    line of', '    words', 'short']
    """
    import textwrap

    width = width or terminal_width()
    out = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        out.extend(textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False,
                                 break_on_hyphens=False) or [""])
    return out


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width``: in the middle for an identifier (no spaces: a third of its
    start, two thirds of its end, where identifiers differ), else at the end."""
    if len(text) <= width:
        return text
    if " " not in text and width >= 7:
        head = (width - 1) // 3
        return text[:head] + "…" + text[len(text) - (width - 1 - head):]
    return text[: width - 1] + "…"


def _is_number(v) -> bool:
    URIRef, Literal, BNode = _terms()
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) or (
        isinstance(v, Literal) and isinstance(v.toPython(), (int, float, Decimal)) and not isinstance(v.toPython(), bool)
    )


def _cell(v, numeric: bool = False) -> str:
    """A value as a table shows it: terms shortened, no language tag, numbers with
    thousands separators (as many decimals as the value has)."""
    URIRef, Literal, BNode = _terms()
    if isinstance(v, Literal):
        py = v.toPython()
        v = py if numeric and isinstance(py, (int, float, Decimal)) and not isinstance(py, bool) else str(v)
    elif isinstance(v, (URIRef, BNode)):
        v = short(v)
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, Decimal):
        return f"{v:,f}"
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() and abs(v) >= 1000 else f"{v:.6g}"
    if isinstance(v, (list, tuple)):
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


def rows_tsv(rows: list[dict], columns: list[str] | None = None) -> str:
    """Tab-separated rows (tabs, line breaks and backslashes in values escaped)."""
    columns = columns or (list(rows[0]) if rows else [])

    def esc(v) -> str:
        return str(_plain(v)).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    return "".join("\t".join(esc(r.get(c)) for c in columns) + "\n" for r in [dict(zip(columns, columns)), *rows])


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
