"""Cross-check what articles claim about a contract against the official records.

For each contract fact stated by curated sources (articles, press releases), find the
contract facts stated by imported datasets for the same contract: the same contract
number (PIID, compared without hyphens or spaces: ``HQ0883-25-9-0012`` = ``HQ08832590012``),
or else the same parties (equal, or linked through subsidiary / sub-unit facts) and the
same award date (when both give one) or overlapping dates. Then compare, property by property, each value a curated source gives
with each value a dataset gives: value and ceiling against current, potential and obligated
amounts, obligated amounts, offers, dates, contractor and awarding agency. Each comparison
is a :class:`Row` with both values, both sources and a verdict: ``agree``, ``related``
(parties linked through a subsidiary or unit), or ``disagree``.

Example
-------
>>> norm_number("HQ0883-25-9-0012") == norm_number("HQ08832590012")
True
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal

from rdflib import Literal, URIRef

from graph.timeline import interval
from graph.values import FlexDate
from graph.ids import norm_number
from graph.views import read_facts

__all__ = ["Row", "Report", "check", "norm_number", "generate_table", "generate_json", "generate_csv", "FORMATS"]

#: (curated property, official property, note when the measures differ)
PAIRS = (
    ("contractNumber", "contractNumber", ""),
    ("value", "currentValue", "value vs current value (base and exercised options)"),
    ("value", "potentialValue", "value vs potential value (all options)"),
    ("value", "obligatedAmount", "value vs funds obligated: not the same measure"),
    ("ceiling", "potentialValue", "ceiling vs potential value (all options)"),
    ("ceiling", "obligatedAmount", "ceiling vs funds obligated: not the same measure"),
    ("obligatedAmount", "obligatedAtAward", "obligated (article) vs obligated by the base award"),
    ("obligatedAmount", "obligatedAmount", ""),
    ("offers", "offers", ""),
    ("date", "date", ""),
    ("startDate", "startDate", ""),
    ("endDate", "endDate", ""),
    ("contractor", "contractor", ""),
    ("awardingAgency", "awardingAgency", ""),
)
_MONEY = {"value", "ceiling", "obligatedAmount", "obligatedAtAward", "currentValue", "potentialValue", "annualValue"}
_DATES = {"date", "startDate", "endDate"}
_PARTIES = {"contractor", "awardingAgency"}


@dataclass
class Row:
    contract: str  #: the curated contract fact
    official: str  #: the official contract fact
    matched_by: str
    property: str  #: "value / obligatedAmount" when two properties are compared
    article: str
    article_sources: str
    official_value: str
    official_sources: str
    verdict: str  #: agree | related | disagree
    note: str = ""


@dataclass
class Report:
    rows: list[Row]
    unmatched: list[str]  #: curated contract facts with no official record
    matches: list[tuple[str, str, str]]  #: (curated, official, how)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for row in self.rows:
            out[row.verdict] += 1
        return dict(out)


class _Side:
    def __init__(self, reader, rec, sources: set[str]):
        self.rec = rec
        self.values: dict[str, dict] = {}
        for prop, by_value in rec.values.items():
            kept = {t: s & sources for t, s in by_value.items() if s & sources}
            if kept:
                self.values[prop] = kept


def _hierarchy(reader) -> dict[URIRef, set[URIRef]]:
    parents: dict[URIRef, set[URIRef]] = defaultdict(set)
    for rec in reader.facts.values():
        if rec.type in ("Subsidiary", "SubUnit"):
            for child in rec.values.get("child", {}):
                for parent in rec.values.get("parent", {}):
                    parents[child].add(parent)
    return parents


def _ancestors(parents, term) -> set:
    seen, todo = set(), [term]
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def _day_range(term):
    try:
        d = FlexDate.parse(str(term))
    except Exception:
        return None
    return d.earliest, d.latest


def check(kg, facts: list[str] | None = None) -> Report:
    """Compare curated contract facts with official ones in ``kg`` (see the module docstring).

    ``facts`` limits the check to these curated fact ids.
    """
    r = read_facts(kg.dataset)
    kind = {}
    for iri, info in r.sources.items():
        kind[str(iri).rsplit("/", 1)[1]] = info.get("sourceKind", "")
    parents = _hierarchy(r)
    curated, official = [], []
    for iri in sorted(r.facts):
        rec = r.facts[iri]
        if rec.type != "Contract":
            continue
        srcs = {c["source"] for c in rec.citations}
        art = {s for s in srcs if kind.get(s) != "dataset"}
        off = srcs - art
        if art and (facts is None or rec.key in facts):
            curated.append(_Side(r, rec, art))
        if off:
            official.append(_Side(r, rec, off))

    def related(a, b) -> str:
        if a == b:
            return "same"
        if b in _ancestors(parents, a):
            return f"{r.show(a)} is part of {r.show(b)}"
        if a in _ancestors(parents, b):
            return f"{r.show(b)} is part of {r.show(a)}"
        return ""

    by_number = defaultdict(list)
    for o in official:
        for t in o.values.get("contractNumber", {}):
            by_number[norm_number(t)].append(o)
    rows: list[Row] = []
    unmatched: list[str] = []
    matches = []
    for c in curated:
        found: list[tuple[_Side, str]] = []
        for t in c.values.get("contractNumber", {}):
            for o in by_number.get(norm_number(t), []):
                if o.rec.key != c.rec.key and all(o is not f for f, _ in found):
                    found.append((o, f"contract number {t}"))
        if not found:
            c_start, c_end = interval(c.values)
            for o in official:
                if o.rec.key == c.rec.key:
                    continue
                same_parties = all(
                    any(related(a, b) for a in c.values.get(p, {}) for b in o.values.get(p, {}))
                    for p in ("contractor", "awardingAgency")
                )
                if not same_parties:
                    continue
                c_dates, o_dates = c.values.get("date", {}), o.values.get("date", {})
                if c_dates and o_dates:  # both give the award date: it must be the same
                    if any(_verdict(r, "date", a, b, related)[0] == "agree" for a in c_dates for b in o_dates):
                        found.append((o, "same parties and award date"))
                    continue
                o_start, o_end = interval(o.values)
                if c_start and o_start and (o_end is None or c_start <= o_end) and (c_end is None or o_start <= c_end):
                    found.append((o, "same parties and overlapping dates"))
        if not found:
            unmatched.append(c.rec.key)
            continue
        for o, how in found:
            matches.append((c.rec.key, o.rec.key, how))
            rows.extend(_compare(r, c, o, how, related))
    return Report(rows, unmatched, matches)


def _srcs(sources) -> str:
    return ", ".join(sorted(sources))


def _compare(r, c: _Side, o: _Side, how: str, related) -> Iterator[Row]:
    for cp, op, note in PAIRS:
        for ct, csrc in sorted(c.values.get(cp, {}).items(), key=lambda kv: str(kv[0])):
            for ot, osrc in sorted(o.values.get(op, {}).items(), key=lambda kv: str(kv[0])):
                verdict, extra = _verdict(r, cp, ct, ot, related)
                if verdict is None:
                    continue
                yield Row(
                    c.rec.key, o.rec.key, how, cp if cp == op else f"{cp} / {op}", r.show(ct), _srcs(csrc),
                    r.show(ot), _srcs(osrc), verdict, "; ".join(x for x in (note, extra) if x),
                )


def _amount(r, term):
    m = r.money.get(term)
    if not m:
        return None
    return Decimal(str(m["amount"])), str(m["currency"])


def _verdict(r, prop: str, a, b, related):
    if prop in _MONEY:
        x, y = _amount(r, a), _amount(r, b)
        if x is None or y is None:
            return None, ""
        if x[1] != y[1]:
            return "disagree", f"currencies differ ({x[1]} vs {y[1]})"
        if x[0] == y[0]:
            return "agree", ""
        bigger = max(x[0], y[0])
        if bigger and abs(x[0] - y[0]) / bigger <= Decimal("0.01"):
            return "agree", "within 1% (rounding)"
        return "disagree", ""
    if prop in _DATES:
        ra, rb = _day_range(a), _day_range(b)
        if ra is None or rb is None:
            return None, ""
        if ra == rb or (ra[0] <= rb[0] and rb[1] <= ra[1]):
            return "agree", "" if ra == rb else "the official date falls within the article's"
        if rb[0] <= ra[0] and ra[1] <= rb[1]:
            return "agree", "the article's date falls within the official one"
        return "disagree", ""
    if prop in _PARTIES:
        how = related(a, b)
        if how == "same":
            return "agree", ""
        if how:
            return "related", how
        return "disagree", ""
    if prop == "contractNumber":
        return ("agree", "") if norm_number(a) == norm_number(b) else ("disagree", "")
    if isinstance(a, Literal) and isinstance(b, Literal):
        return ("agree", "") if a.toPython() == b.toPython() else ("disagree", "")
    return ("agree", "") if a == b else ("disagree", "")


# --------------------------------------------------------------------------- output

COLUMNS = ("property", "article", "article_sources", "official_value", "official_sources", "verdict", "note")


def generate_table(report: Report) -> Iterator[str]:
    """A plain-text table, one block per matched pair of contracts."""
    by_pair = defaultdict(list)
    for row in report.rows:
        by_pair[(row.contract, row.official, row.matched_by)].append(row)
    for (contract, official, how), rows in by_pair.items():
        yield f"{contract}  <->  {official}  (matched by {how})\n"
        cells = [("property", "article (source)", "official record (source)", "verdict")]
        notes = []
        for row in rows:
            cells.append((row.property, f"{row.article} ({row.article_sources})",
                          f"{row.official_value} ({row.official_sources})", row.verdict))
            notes.append(row.note)
        widths = [min(60, max(len(c[i]) for c in cells)) for i in range(4)]
        for i, cell in enumerate(cells):
            line = "  " + "  ".join(c.ljust(w) for c, w in zip(cell, widths))
            note = notes[i - 1] if i else "note"
            yield (line + "  " + note).rstrip() + "\n"
        yield "\n"
    counts = report.counts
    yield (f"{len(report.matches)} matched contract pair(s): {counts.get('agree', 0)} agree, "
           f"{counts.get('related', 0)} related, {counts.get('disagree', 0)} disagree\n")
    if report.unmatched:
        yield f"no official record imported for: {', '.join(report.unmatched)}\n"


def generate_json(report: Report) -> Iterator[str]:
    yield json.dumps({
        "rows": [asdict(row) for row in report.rows],
        "matches": [{"contract": c, "official": o, "matched_by": h} for c, o, h in report.matches],
        "unmatched": report.unmatched,
        "counts": report.counts,
    }, indent=2, ensure_ascii=False) + "\n"


def generate_csv(report: Report) -> Iterator[str]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    fields = list(Row.__dataclass_fields__)
    w.writerow(fields)
    for row in report.rows:
        w.writerow([getattr(row, f) for f in fields])
    yield buf.getvalue()


def generate_rows(report: Report, fmt: str) -> Iterator[str]:
    """The rows of the report as ``tsv`` or ``jsonl`` (:func:`graph.output.render`)."""
    from graph.output import render

    yield render([asdict(row) for row in report.rows], fmt, list(Row.__dataclass_fields__))


FORMATS = {"table": generate_table, "json": generate_json, "csv": generate_csv,
           "tsv": lambda report: generate_rows(report, "tsv"), "jsonl": lambda report: generate_rows(report, "jsonl")}
