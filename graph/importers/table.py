"""Import any table through a declarative mapping: CSV, TSV, JSON, JSON Lines, XLSX.

``kg import table FILE --mapping MAPPING`` reads the records of ``FILE`` one at a time
(CSV and JSON Lines line by line, JSON with :func:`graph.importers.jsonstream.iter_json`,
XLSX with openpyxl's read-only mode) and makes, for each record, the entities and facts its
:mod:`graph.importers.mapping` says. Each fact cites the file (its sha256 is in the source's
description), the record (``row N``, row 1 being the header, or a JSON pointer) and a quote
made of the fields it used (``awardId=H9240224F0057; recipientName=...``). A record whose
values cannot be read (a bad amount or date, a missing contractor) is rejected into
``NAME.rejects.csv``; a record repeating the mapping's ``unique`` key is skipped and
reported. Everything else is as for the other importers: one source per file, written
atomically, byte-identical when imported again.

Actors are keyed by UEI (``id/uei-...``, as the USAspending importer keys them, so the two
merge), else CAGE code (``id/cage-...``), else by name within this importer (``id/org-...``,
``id/agency-...``); each is resolved to a curated actor by :class:`ImportRun.actor`.

Example
-------
>>> from graph.importers.jsonstream import pointer
>>> cell_text(Decimal("249978466.39")), cell_text(True), cell_text(None)
('249978466.39', 'true', '')
>>> list(walk({"awards": [{"id": 1}, {"id": 2}]}, "/releases/0", ["awards"], []))[1][:2]
('/releases/0/awards/1', {'id': 2})
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from rdflib import XSD, Literal, URIRef

from graph.errors import DataError
from graph.importers.base import ImportRun, RowError, check_record, named, parse_amount, parse_day, slugify
from graph.importers.jsonstream import JSONProblem, iter_json, iter_json_lines, pointer
from graph.importers.mapping import FORMATS, Entity, Fact, Field, Mapping, Query, Value, find
from graph.importers.nquads import Lit
from graph.importers.resolve import AGENCY_TYPES, ORGANIZATION_TYPES
from graph.importers.usaspending import _quote
from graph.rdf import decimal_text
from ontology.vocab import DAI

__all__ = ["import_files", "cell_text", "walk", "read_records"]

_MISSING = object()
_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def cell_text(value) -> str:
    """The text of a cell or JSON value, as the file writes it (``None`` -> ``''``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        raise RowError(f"{'an object' if isinstance(value, dict) else 'an array'}, not a value")
    return str(value)


# --------------------------------------------------------------------------- readers


def walk(value, ptr: str, steps: list[str], ancestors: list) -> Iterator[tuple[str, object, list]]:
    """The records under ``value``: ``steps`` are keys of objects, ``*`` each item of an array
    (whose items become the enclosing records of what is under them); the last step is an
    array of records. Yields ``(json pointer, record, enclosing records)``."""
    if not steps:
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield pointer_join(ptr, i), item, ancestors
        return
    step, rest = steps[0], steps[1:]
    if step == "*":
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from walk(item, pointer_join(ptr, i), rest, [*ancestors, item])
    elif isinstance(value, dict) and step in value:
        yield from walk(value[step], pointer_join(ptr, step), rest, ancestors)


def pointer_join(ptr: str, token) -> str:
    return ptr + pointer(token)


def _steps(records: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in records.strip("/").split("/")] if records.strip("/") else []


def _json_records(run: ImportRun, path: Path, m: Mapping):
    steps = _steps(m.records)
    with open(path, "rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    counter, text = run.open(path)
    with text:
        try:
            if head == b"[":
                if steps and steps[0] != "*":
                    raise DataError(f"records: {m.records!r}: the file is an array, so the path starts with /* "
                                    "(or is empty)", file=m.path)
                rest = steps[1:]
                for ptr, item in iter_json(text, parse_float=Decimal):
                    if not steps:
                        yield ptr, item, []
                    else:
                        yield from walk(item, ptr, rest, [item])
                    run.tick(run.result.rows, counter.count)
            elif head == b"{":
                if not steps or steps[0] == "*":
                    raise DataError(f"records: the file is an object: name the member that holds the records "
                                    f"(records: /KEY){'' if not steps else ', not ' + repr(m.records)}", file=m.path)
                top, rest = steps[0], steps[1:]
                for ptr, item in iter_json(text, stream=(top,), parse_float=Decimal):
                    if ptr == pointer(top):
                        yield from walk(item, ptr, rest, [])  # not an array or object: no records
                    elif ptr.startswith(pointer(top) + "/"):
                        token = ptr[len(pointer(top)) + 1:].replace("~1", "/").replace("~0", "~")
                        if not rest:
                            yield ptr, item, []
                        elif rest[0] == "*":
                            yield from walk(item, ptr, rest[1:], [item])
                        elif rest[0] == token:
                            yield from walk(item, ptr, rest[1:], [])
                    run.tick(run.result.rows, counter.count)
            else:
                raise DataError("not a JSON array or object", file=str(path), line=1)
        except JSONProblem as exc:
            raise DataError(str(exc), file=str(path), line=exc.line) from None


def _json_lines_records(run: ImportRun, path: Path, m: Mapping):
    steps = _steps(m.records)
    counter, text = run.open(path)
    with text:
        try:
            for where, item in iter_json_lines(text, parse_float=Decimal):
                if steps:
                    for ptr, rec, anc in walk(item, "", steps, []):
                        yield f"{where} {ptr}", rec, anc
                else:
                    yield where, item, []
                run.tick(run.result.rows, counter.count)
        except JSONProblem as exc:
            raise DataError(str(exc), file=str(path), line=exc.line) from None


def _json_get(record, ancestors: list, name: str):
    """A field of a JSON record: a key, a /pointer inside it, ../ for an enclosing record."""
    target, up = record, 0
    while name.startswith("../"):
        name, up = name[3:], up + 1
    if up:
        if up > len(ancestors):
            return _MISSING
        target = ancestors[-up]
    path = up > 0 or name.startswith("/")  # after ../, a path: ../buyer/name
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in name.lstrip("/").split("/")] if path else [name]
    for tok in tokens:
        if isinstance(target, dict) and tok in target:
            target = target[tok]
        elif isinstance(target, list) and tok.isdigit() and int(tok) < len(target):
            target = target[int(tok)]
        else:
            return _MISSING
    return target


def _check_header(header: list[str], m: Mapping, path: Path) -> None:
    seen = set()
    for h in header:
        if h in seen and h:
            raise DataError(f"the header names column {h!r} twice", file=str(path), line=1)
        seen.add(h)
    for col, line in m.columns().items():
        if col not in seen:
            shown = ", ".join(h for h in header[:8] if h) + (" ..." if len(header) > 8 else "")
            raise m.error(f"column {col!r} is not in the header of {path.name} ({shown})", line)


def _csv_records(run: ImportRun, path: Path, m: Mapping, delimiter: str):
    counter, text = run.open(path)
    with text:
        reader = csv.reader(text, delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise DataError("empty file: expected a header row", file=str(path), line=1) from None
        except csv.Error as exc:
            raise DataError(f"malformed header: {exc}", file=str(path), line=1) from None
        _check_header(header, m, path)
        width, n, last = len(header), 1, None
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                n += 1
                run.problem(f"row {n}", "rejected", f"malformed row: {exc}")
                continue
            n += 1
            if not cells or cells == [""]:
                continue
            if len(cells) != width:
                last = (n, len(cells))
                run.problem(f"row {n}", "rejected", f"the row has {len(cells)} fields, the header has {width}")
                continue
            last = None
            yield f"row {n}", dict(zip(header, cells)), None
            if n % 2000 == 0:
                run.tick(n - 1, counter.count)
        if last is not None and last[0] == n:  # cut short (after a newline, even inside a quoted field)
            ending = "" if counter.last in (b"\n", b"\r") else " and the file does not end with a newline"
            raise DataError(f"truncated: the last row has {last[1]} of {width} fields{ending}; the file is "
                            "incomplete", file=str(path), line=n)


def _xlsx_records(run: ImportRun, path: Path, m: Mapping):
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DataError(f"not an XLSX workbook: {exc}", file=str(path)) from None
    try:
        if m.sheet is not None and m.sheet not in wb.sheetnames:
            raise m.error(f"sheet {m.sheet!r} is not in {path.name} (its sheets: {', '.join(wb.sheetnames)})")
        ws = wb[m.sheet] if m.sheet is not None else wb.worksheets[0]
        prefix = f"sheet {ws.title} " if len(wb.sheetnames) > 1 else ""
        rows = ws.iter_rows(values_only=True)
        header = None
        for n, values in enumerate(rows, 1):
            if header is None:
                header = [cell_text(v).strip() for v in values]
                while header and not header[-1]:
                    header.pop()
                _check_header(header, m, path)
                continue
            if all(v is None or v == "" for v in values):
                continue
            try:
                yield f"{prefix}row {n}", {h: cell_text(v) for h, v in zip(header, values) if h}, None
            except RowError as exc:
                run.problem(f"{prefix}row {n}", "rejected", str(exc))
            if n % 2000 == 0:
                run.tick(n - 1, 0)
        if header is None:
            raise DataError("empty sheet: expected a header row", file=str(path), line=1)
    finally:
        wb.close()


def read_records(run: ImportRun, path: Path, m: Mapping) -> Iterator[tuple[str, object, list | None]]:
    """``(where, record, enclosing records)`` for each record of ``path``: a row as a dict of
    texts (CSV, TSV, XLSX; enclosing None) or a JSON value."""
    fmt = m.format or FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"cannot tell the format from the extension {path.suffix!r}: say format: csv, tsv, json, "
                        "jsonl or xlsx in the mapping", file=str(path))
    if fmt in ("csv", "tsv"):
        return _csv_records(run, path, m, "," if fmt == "csv" else "\t")
    if fmt == "xlsx":
        return _xlsx_records(run, path, m)
    return (_json_lines_records if fmt == "jsonl" else _json_records)(run, path, m)


# --------------------------------------------------------------------------- one record


class _Cells:
    """The texts of one record's fields (read once each), and which fields were present."""

    def __init__(self, record, ancestors):
        self.record, self.ancestors = record, ancestors
        self.texts: dict[str, str] = {}

    def get(self, col: str) -> str:
        text = self.texts.get(col)
        if text is None:
            if self.ancestors is None:
                value = self.record.get(col, "")
            else:
                value = _json_get(self.record, self.ancestors, col)
                value = None if value is _MISSING else value
            try:
                text = self.texts[col] = cell_text(value).strip()
            except RowError as exc:
                raise RowError(f"{col}: {exc}", col, "") from None
        return text

    def field(self, f: Field | None) -> str:
        if f is None:
            return ""
        if f.literal is not None:
            return f.literal
        for c in f.columns:
            text = self.get(c)
            if text:
                return text
        return ""

    def render(self, template: str) -> str:
        return _TEMPLATE.sub(lambda mt: self.get(mt.group(1)), template)


def _cols(*fields) -> list[str]:
    out: list[str] = []
    for f in fields:
        if f is not None:
            out.extend(c for c in f.columns if c not in out)
    return out


def _amount(text: str, v: Value, col: str) -> Decimal:
    """An amount written with the mapping's ``thousands`` and ``decimal`` separators."""
    norm = text.replace(v.thousands, "") if v.thousands else text
    if v.decimal != ".":
        norm = norm.replace(v.decimal, ".")
    try:
        return parse_amount(norm, col)
    except RowError as exc:  # name the value as the file writes it
        raise RowError(exc.reason.replace(repr(norm), repr(text)), col, text) from None


def _date(text: str, v: Value, col: str) -> tuple[str, URIRef]:
    if v.date_format:
        try:
            return dt.datetime.strptime(text, v.date_format).date().isoformat(), XSD.date
        except ValueError:
            raise RowError(f"{col}: {text!r} is not a date in the format {v.date_format!r}", col, text) from None
    if v.prop.kind == "date" and re.fullmatch(r"\d{4}", text):
        return text, XSD.gYear
    if v.prop.kind == "date" and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return text, XSD.gYearMonth
    return parse_day(text, col), XSD.date


def _value(cells: _Cells, v: Value, drops: list):
    """The RDF object of ``v`` in this record (None if empty); raises RowError if bad."""
    text = cells.field(v.field)
    if not text:
        return None
    col = (v.field.columns or ("literal",))[0] if v.field else v.prop.key
    kind = v.prop.kind
    if kind == "money":
        amount = _amount(text, v, col)
        currency = cells.field(v.currency_field).upper() if v.currency_field else v.currency
        if not _CURRENCY.match(currency):
            raise RowError(f"{col}: currency {currency!r} is not an ISO 4217 code", col, currency)
        if amount < 0:
            drops.append((f"{col} is negative ({text}): amounts are never negative", col, text))
            return None
        return (amount, currency)
    if kind in ("date", "fulldate"):
        day, datatype = _date(text, v, col)
        return Lit(day, datatype=datatype)
    if kind == "count":
        if not re.fullmatch(r"\d+(\.0+)?", text):
            raise RowError(f"{col}: {text!r} is not a whole number", col, text)
        return Lit(str(int(Decimal(text))), datatype=XSD.integer)
    if kind == "decimal":
        return Lit(decimal_text(_amount(text, v, col)), datatype=XSD.decimal)
    if kind == "bool":
        low = text.lower()
        if low not in ("true", "false", "yes", "no", "1", "0", "t", "f", "y", "n"):
            raise RowError(f"{col}: {text!r} is not true or false", col, text)
        return Lit("true" if low in ("true", "yes", "1", "t", "y") else "false", datatype=XSD.boolean)
    if kind == "text":
        return Lit(text, v.lang)
    return Lit(text)


class _Plan:
    """What one record gives, read and checked before anything is written."""

    def __init__(self):
        self.actors: dict[str, dict] = {}
        self.facts: list[tuple[Fact, list[str], list[tuple], list[str]]] = []
        self.drops: list[tuple] = []


def _actor_plan(cells: _Cells, e: Entity) -> dict | None:
    uei = cells.field(e.keys.get("uei")).upper()
    cage = cells.field(e.keys.get("cage")).upper()
    name = cells.field(e.keys.get("name"))
    if not (uei or cage or name):
        return None
    agency = e.schema == "GovernmentAgency"
    if uei:
        key, slug = f"uei:{uei}", f"uei-{slugify(uei)}"
    elif cage:
        key, slug = f"cage:{cage}", f"cage-{slugify(cage)}"
    else:
        key, slug = named("agency" if agency else "org", name)  # as every importer names them
    label = cells.field(e.label) or name or uei or cage
    aliases = [a for a in (name, *(cells.field(f) for f in e.aliases)) if a and a != label]
    return {
        "key": key, "slug": slug, "cls": e.schema, "label": label, "aliases": aliases,
        "props": [(DAI.cageCode, Lit(cage))] if cage else [], "types": AGENCY_TYPES if agency else ORGANIZATION_TYPES,
        "cols": _cols(*e.keys.values(), e.label, *e.aliases),
    }


def _plan(cells: _Cells, q: Query) -> _Plan:
    from graph.importers.mapping import required_properties

    plan = _Plan()
    for name, e in q.entities.items():
        a = _actor_plan(cells, e)
        if a is not None:
            plan.actors[name] = a
    for fact in q.facts.values():
        ids = [cells.field(f) for f in fact.keys]
        for f, text in zip(fact.keys, ids):
            if not text:
                raise RowError(f"no {' or '.join(f.columns)} (a key of {fact.name})", f.columns[0], "")
        values: list[tuple] = []
        cols = _cols(*fact.keys)
        for v in fact.values:
            if v.entities:
                present = [n for n in v.entities if n in plan.actors]
                values.extend((v.prop.name, ("entity", n)) for n in present)
                for n in v.entities:
                    cols.extend(c for c in _cols(*q.entities[n].keys.values(), q.entities[n].label) if c not in cols)
                if not present and v.prop.name in required_properties().get(fact.schema, ()):
                    wanted = _cols(*(f for n in v.entities for f in q.entities[n].keys.values()))
                    raise RowError(f"no {v.prop.key} ({', '.join(wanted)} empty)", wanted[0], "")
                continue
            obj = _value(cells, v, plan.drops)
            cols.extend(c for c in _cols(v.field, v.currency_field) if c not in cols)
            if obj is not None:
                values.append((v.prop.name, obj))
        given = {p for p, _ in values}
        for p in required_properties().get(fact.schema, ()):
            if p not in given:
                raise RowError(f"no {p} in this record", p, "")
        start = next((o for p, o in values if p == "startDate"), None)
        end = next((o for p, o in values if p == "endDate"), None)
        if start is not None and end is not None and start.datatype == end.datatype == XSD.date and end.text < start.text:
            plan.drops.append((f"end date {end.text} is before the start date {start.text}", "endDate", end.text))
            values = [(p, o) for p, o in values if p != "endDate"]
        plan.facts.append((fact, ids, values, cols))
    return plan


def _write(run: ImportRun, m: Mapping, q: Query, cells: _Cells, plan: _Plan, where: str) -> None:
    loc = run.locator(where)
    iris: dict[str, URIRef] = {}
    for name, a in plan.actors.items():
        iris[name] = run.actor(key=a["key"], slug=a["slug"], cls=a["cls"], label=a["label"], aliases=a["aliases"],
                               props=a["props"], types=a["types"])
    for name, e in q.entities.items():
        for cls, target in (("SubUnit", e.unit_of), ("Subsidiary", e.subsidiary_of)):
            if target and name in iris and target in iris:
                child, parent = plan.actors[name], plan.actors[target]
                inference = cells.render(e.inference) if e.inference else (
                    f"The record gives the {name} ({', '.join(child['cols'])}) as "
                    f"{'a unit' if cls == 'SubUnit' else 'a subsidiary'} of the {target} ({', '.join(parent['cols'])}).")
                run.link(cls, iris[name], iris[target], _quote(cells.texts, child["cols"] + parent["cols"]), loc,
                         inference, (child["label"], parent["label"]))
    for reason, col, value in plan.drops:
        run.problem(where, "dropped", reason, col, value)
    for fact, ids, values, cols in plan.facts:
        objs = [(p, iris[o[1]] if isinstance(o, tuple) and o[0] == "entity" else o) for p, o in values]
        slug = f"table-{slugify(m.name)}-{slugify(fact.name)}-{slugify('-'.join(ids), 80)}"
        first = run.first_locator(slug)
        if first:
            run.problem(where, "skipped", f"{fact.name} {' '.join(ids)} was already given at {first}")
            continue
        label = cells.render(fact.label) if fact.label else f"{fact.schema} {' '.join(ids)}"
        run.fact(slug=slug, cls=fact.schema, label=label, quote=_quote(cells.texts, cols), locator=loc, values=objs,
                 inference=cells.render(fact.inference) if fact.inference else None)
        run.result.records += 1


def _apply(run: ImportRun, m: Mapping, qi: int, q: Query, cells: _Cells, where: str) -> None:
    try:
        if cells.ancestors is not None and not isinstance(cells.record, dict):
            raise RowError(f"the record is {cell_text(cells.record) if not isinstance(cells.record, (dict, list)) else 'an array'!r}"
                           ", not a JSON object")
        for f, allowed in q.filters:
            if cells.field(f) not in allowed:
                run.result.filtered += 1
                return
        for f, refused in q.filters_not:
            if cells.field(f) in refused:
                run.result.filtered += 1
                return
        ukey = None
        if q.unique:
            parts = [cells.field(f) for f in q.unique]
            ukey = f"unique|{qi}|" + "\x1f".join(parts)
            first = run.store.get(ukey)
            if first is not None:
                shown = "; ".join(f"{'/'.join(f.columns)}={p}" for f, p in zip(q.unique, parts))
                run.problem(where, "skipped", f"{shown} repeats {first}: counted once")
                return
        plan = _plan(cells, q)
    except RowError as exc:
        run.problem(where, "rejected", str(exc), exc.column, exc.value)
        return
    _write(run, m, q, cells, plan, where)
    if ukey is not None:
        run.store.put(ukey, run.locator(where))


def _describe(run: ImportRun, m: Mapping) -> None:
    import hashlib

    src = m.source
    run.title = src["title"]
    run.publisher = src["publisher"]
    run.dataset = src.get("dataset") or src["title"]
    props: list[tuple] = []
    if src.get("url"):
        props.append((DAI.url, Literal(src["url"], datatype=XSD.anyURI)))
    if src.get("retrieved"):
        props.append((DAI.retrievedOn, Literal(src["retrieved"], datatype=XSD.date)))
    digest = hashlib.sha256(m.text.encode("utf-8")).hexdigest()
    # the ontology has no licence property (and the property-graph exports take dai: terms only)
    parts = [src.get("note", "").strip(), f"Licence: {src['licence'].strip()}" if src.get("licence") else "",
             f"Imported with kg import table through the mapping {m.name} (sha256 {digest})."]
    note = " ".join(p if p.endswith(".") or not p else p + "." for p in parts if p)
    props.append((DAI.note, Literal(note, lang="en")))
    run.source_props = props


def import_files(run: ImportRun) -> None:
    """Import the files of ``run`` through the mapping ``run.options["mapping"]`` (a path,
    the name of a shipped mapping, or a :class:`~graph.importers.mapping.Mapping`)."""
    spec = run.options.get("mapping")
    if spec is None:
        raise DataError("the table importer needs a mapping (--mapping FILE or NAME)")
    m = spec if isinstance(spec, Mapping) else find(spec)
    _describe(run, m)
    done = 0
    for path in run.files:
        run.next_file(path, done)
        done = path.stat().st_size
        unseen = dict(m.columns())  # JSON: each field must be in some record (a header tells for tables)
        rows_before = run.result.rows
        for where, record, ancestors in read_records(run, path, m):
            run.result.rows += 1
            if ancestors is not None and unseen:
                for col in [c for c in unseen if _json_get(record, ancestors, c) is not _MISSING]:
                    del unseen[col]
            try:  # no control character, no field over MAX_FIELD characters (the row is rejected)
                check_record(record, "" if ancestors is None else where)
            except RowError as exc:
                run.problem(where, "rejected", str(exc), exc.column, exc.value)
                continue
            cells = _Cells(record, ancestors)
            for qi, q in enumerate(m.queries):
                _apply(run, m, qi, q, cells, where)
        if unseen and run.result.rows > rows_before and (m.format or FORMATS.get(path.suffix.lower())) in ("json", "jsonl"):
            col, line = next(iter(unseen.items()))
            raise m.error(f"field {col!r} is in none of the {run.result.rows - rows_before:,} records of {path.name}",
                          line)
