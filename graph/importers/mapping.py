"""Declarative mappings: which fields of a table's records become which entities and facts.

A mapping is a YAML file in the style of FollowTheMoney's mapping files: it names the
``source`` (title, publisher, URL, licence), where the records are (``format``,
``records``, ``sheet``), and ``queries``, each with ``filters``, a ``unique`` key and
``entities``: actors (``schema: Company``, ``keys: {uei: .., cage: .., name: ..}``) and
facts of the ontology (``schema: Contract``, ``keys: [award id column]``, ``properties``:
a claim key of the ontology -> a column, or the name of an entity of the mapping).
``docs/mappings.md`` explains every key. Every term is checked against the ontology and
every error names the mapping file and line.

A *field* names a column of a CSV, TSV or XLSX header, or, in JSON, a key of the record,
a JSON pointer inside it (``/value/amount``) or, with ``../``, a field of the record that
encloses it (``../buyer/name``). A list of fields means the first that is not empty.

Example
-------
>>> m = loads('''
... source: {title: Awards, publisher: Ministry of Defence}
... queries:
...   - entities:
...       buyer: {schema: GovernmentAgency, keys: {name: agency}}
...       supplier: {schema: Company, keys: {name: [supplier, vendor]}}
...       award:
...         schema: Contract
...         keys: [id]
...         properties: {awarding_agency: buyer, contractor: supplier, value: amount}
... ''', "awards.yaml")
>>> m.name, sorted(m.columns())
('awards', ['agency', 'amount', 'id', 'supplier', 'vendor'])
>>> loads("source: {title: T, publisher: P}\\nqueries: [{entities: {x: {schema: Compagny}}}]", "m.yaml")
Traceback (most recent call last):
...
graph.errors.DataError: m.yaml:2: entity 'x': unknown schema 'Compagny' (an actor: Company, Organization, GovernmentAgency; a fact: Assertion, Competition, Contract, Event, Investment, Involvement, Partnership, Position, SubUnit, Subaward, Subsidiary)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files as package_files
from pathlib import Path

from graph.errors import DataError
from graph.schema import PropertySpec, schema
from graph.yamlio import LineDict

__all__ = ["Field", "Entity", "Value", "Fact", "Query", "Mapping", "load", "loads", "find", "shipped", "FORMATS"]

#: record layouts, and the file extensions that imply them
FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
           ".xlsx": "xlsx"}
#: actor classes a mapping may create (the curated types they may be resolved to follow)
ACTOR_SCHEMAS = ("Company", "Organization", "GovernmentAgency")
KEY_SCHEMES = ("uei", "cage", "name")
#: property kinds a table cell can give (refs name entities of the mapping)
VALUE_KINDS = ("ref", "anyref", "money", "date", "fulldate", "text", "string", "count", "bool", "decimal")
_TEMPLATE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Field:
    """The first non-empty of ``columns`` in a record (or a ``literal`` text)."""

    columns: tuple[str, ...]
    line: int
    literal: str | None = None


@dataclass
class Entity:
    """An actor made from each record: its resolution keys, label, and links."""

    name: str
    schema: str
    keys: dict[str, Field]  #: uei | cage | name -> field
    label: Field | None
    aliases: list[Field]
    unit_of: str | None
    subsidiary_of: str | None
    inference: str | None
    line: int


@dataclass
class Value:
    """One property of a fact: a field read as the property's kind, or entities of the mapping."""

    prop: PropertySpec
    line: int
    field: Field | None = None
    entities: tuple[str, ...] = ()
    currency: str = "USD"
    currency_field: Field | None = None
    date_format: str | None = None
    decimal: str = "."
    thousands: str = ""
    lang: str = "en"


@dataclass
class Fact:
    """A fact made from each record: its identifying fields, label, inference and values."""

    name: str
    schema: str
    keys: list[Field]
    label: str
    inference: str | None
    values: list[Value]
    line: int


@dataclass
class Query:
    """Filters, a de-duplication key and the entities and facts made from each record."""

    filters: list[tuple[Field, frozenset[str]]]
    filters_not: list[tuple[Field, frozenset[str]]]
    unique: list[Field]
    entities: dict[str, Entity]
    facts: dict[str, Fact]
    line: int


@dataclass
class Mapping:
    name: str
    path: str
    source: dict
    format: str | None
    records: str
    sheet: str | None
    queries: list[Query]
    text: str = field(repr=False, default="")

    def columns(self) -> dict[str, int]:
        """Every field the mapping reads -> the line of the mapping that names it first."""
        out: dict[str, int] = {}

        def add(f: Field | None) -> None:
            if f is not None:
                for c in f.columns:
                    out.setdefault(c, f.line)

        for q in self.queries:
            for f, _ in q.filters + q.filters_not:
                add(f)
            for f in q.unique:
                add(f)
            for e in q.entities.values():
                for f in (*e.keys.values(), e.label, *e.aliases):
                    add(f)
            for fact in q.facts.values():
                for f in fact.keys:
                    add(f)
                for text, line in ((fact.label, fact.line), (fact.inference or "", fact.line)):
                    for c in _TEMPLATE.findall(text):
                        out.setdefault(c, line)
                for v in fact.values:
                    add(v.field)
                    add(v.currency_field)
        return out

    def error(self, message: str, line: int | None = None) -> DataError:
        return DataError(message, file=self.path, line=line)


# --------------------------------------------------------------------------- reading


class _Reader:
    def __init__(self, path: str):
        self.path = path

    def fail(self, message: str, line: int | None) -> DataError:
        return DataError(message, file=self.path, line=line)

    def table(self, d, where: str, line: int, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> LineDict:
        if not isinstance(d, dict):
            raise self.fail(f"{where}: expected a mapping of keys ({', '.join(allowed)})", line)
        for k in d:
            if k not in allowed:
                raise self.fail(f"{where}: unknown key '{k}' (known: {', '.join(allowed)})", d.key_lines[k])
        for k in required:
            if d.get(k) in (None, "", [], {}):
                raise self.fail(f"{where}: missing required key '{k}'", d.line)
        return d

    def text(self, d: LineDict, key: str, where: str) -> str | None:
        v = d.get(key)
        if v is None:
            return None
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            raise self.fail(f"{where}: '{key}' must be a text", d.key_lines[key])
        return str(v)

    def field(self, v, where: str, line: int) -> Field:
        if isinstance(v, dict) and set(v) == {"literal"}:
            return Field((), line, str(v["literal"]))
        if isinstance(v, dict) and set(v) == {"column"}:
            v = v["column"]
        if isinstance(v, dict) and set(v) == {"columns"}:
            v = v["columns"]
        cols = v if isinstance(v, list) else [v]
        if not cols or not all(isinstance(c, str) and c.strip() for c in cols):
            raise self.fail(f"{where}: expected a column name, a list of them, or {{literal: TEXT}}", line)
        return Field(tuple(c.strip() for c in cols), line)

    def fields(self, v, where: str, line: int) -> list[Field]:
        if v is None:
            return []
        return [self.field(c, where, line) for c in (v if isinstance(v, list) else [v])]

    def values_set(self, d: LineDict, where: str) -> list[tuple[Field, frozenset[str]]]:
        if d is None:
            return []
        if not isinstance(d, dict):
            raise self.fail(f"{where}: expected COLUMN: VALUE or COLUMN: [VALUES]", None)
        out = []
        for col, allowed in d.items():
            line = d.key_lines[col]
            vals = allowed if isinstance(allowed, list) else [allowed]
            if not vals or any(isinstance(x, (dict, list)) or x is None for x in vals):
                raise self.fail(f"{where}: '{col}': expected a value or a list of values", line)
            out.append((Field((col,), line), frozenset(str(x) for x in vals)))
        return out


def _fact_classes() -> list[str]:
    s = schema()
    return sorted(c for c in s.classes if s.is_subclass(c, "Fact") and c != "Fact" and c not in (
        "Relationship", "OrganizationalLink"))


@lru_cache(maxsize=1)
def required_properties() -> dict[str, tuple[str, ...]]:
    """Fact class -> the properties its SHACL shape requires (``sh:minCount`` >= 1)."""
    from rdflib import RDF, URIRef
    from rdflib.namespace import SH

    from ontology import NAMESPACE, shapes_graph

    g = shapes_graph()
    out: dict[str, list[str]] = {}
    for shape in g.subjects(RDF.type, SH.NodeShape):
        for cls in g.objects(shape, SH.targetClass):
            if not str(cls).startswith(NAMESPACE):
                continue
            for prop in g.objects(shape, SH.property):
                path, n = g.value(prop, SH.path), g.value(prop, SH.minCount)
                if isinstance(path, URIRef) and str(path).startswith(NAMESPACE) and n is not None and int(n) >= 1:
                    out.setdefault(str(cls)[len(NAMESPACE):], []).append(str(path)[len(NAMESPACE):])
    return {c: tuple(sorted(p)) for c, p in out.items()}


def _entity(r: _Reader, name: str, d: LineDict) -> Entity:
    where = f"entity '{name}'"
    r.table(d, where, d.line, ("schema", "keys", "label", "aliases", "unit_of", "subsidiary_of", "inference"),
            ("schema", "keys"))
    keys = r.table(d["keys"], f"{where}: keys", d.key_lines["keys"], KEY_SCHEMES)
    return Entity(
        name, d["schema"], {k: r.field(v, f"{where}: keys: {k}", keys.key_lines[k]) for k, v in keys.items()},
        r.field(d["label"], f"{where}: label", d.key_lines["label"]) if "label" in d else None,
        r.fields(d.get("aliases"), f"{where}: aliases", d.key_lines.get("aliases", d.line)),
        r.text(d, "unit_of", where), r.text(d, "subsidiary_of", where), r.text(d, "inference", where), d.line)


def _value(r: _Reader, fact: str, schema_name: str, key: str, v, line: int, entities: dict) -> Value:
    where = f"fact '{fact}': properties: {key}"
    spec = schema().property_for(schema_name, key)
    if spec is None:
        known = ", ".join(schema().claim_properties(schema_name))
        raise r.fail(f"{where}: the ontology has no property '{key}' for {schema_name} (known: {known})", line)
    if spec.kind not in VALUE_KINDS:
        raise r.fail(f"{where}: a {spec.kind} ({spec.name}) cannot be read from a table", line)
    if spec.kind in ("ref", "anyref"):
        names = v if isinstance(v, list) else [v]
        for n in names:
            if not isinstance(n, str) or n not in entities:
                raise r.fail(f"{where}: expected the name of an entity of this query ({', '.join(entities) or 'none'}), "
                             f"not {n!r}", line)
            cls = entities[n].schema
            if spec.range_class and not schema().is_subclass(cls, spec.range_class):
                raise r.fail(f"{where}: {spec.name} takes a {spec.range_class}; entity '{n}' is a {cls}", line)
        return Value(spec, line, entities=tuple(names))
    options = {"column", "columns", "literal", "currency", "currency_column", "format", "decimal", "thousands", "lang"}
    if not isinstance(v, dict):
        return Value(spec, line, r.field(v, where, line))
    if isinstance(v, LineDict):
        r.table(v, where, line, tuple(sorted(options)))
    base = {k: v[k] for k in ("column", "columns", "literal") if k in v}
    if len(base) != 1:
        raise r.fail(f"{where}: give one of column, columns, literal", line)
    val = Value(spec, line, r.field(base, where, line))
    if "currency" in v or "currency_column" in v:
        if spec.kind != "money":
            raise r.fail(f"{where}: currency is for amounts of money, not a {spec.kind}", line)
        if "currency_column" in v:
            val.currency_field = r.field(v["currency_column"], where, line)
        else:
            cur = str(v["currency"])
            if not re.fullmatch(r"[A-Z]{3}", cur):
                raise r.fail(f"{where}: currency {cur!r} is not an ISO 4217 code (USD, EUR, GBP ...)", line)
            val.currency = cur
    if "format" in v:
        if spec.kind not in ("date", "fulldate"):
            raise r.fail(f"{where}: format is for dates, not a {spec.kind}", line)
        val.date_format = str(v["format"])
    for k in ("decimal", "thousands"):
        if k in v:
            if spec.kind not in ("money", "decimal"):
                raise r.fail(f"{where}: {k} is for numbers, not a {spec.kind}", line)
            setattr(val, k, str(v[k]))
    if "lang" in v:
        val.lang = str(v["lang"])
    return val


def _fact(r: _Reader, name: str, d: LineDict, entities: dict) -> Fact:
    where = f"fact '{name}'"
    r.table(d, where, d.line, ("schema", "keys", "label", "inference", "properties"), ("schema", "keys", "properties"))
    props = d["properties"]
    if not isinstance(props, dict):
        raise r.fail(f"{where}: properties: expected CLAIM_KEY: COLUMN or ENTITY", d.key_lines["properties"])
    fact = Fact(name, d["schema"], r.fields(d["keys"], f"{where}: keys", d.key_lines["keys"]),
                r.text(d, "label", where) or "", r.text(d, "inference", where),
                [_value(r, name, d["schema"], k, v, props.key_lines[k], entities) for k, v in props.items()], d.line)
    given = {v.prop.name for v in fact.values}
    missing = [p for p in required_properties().get(fact.schema, ()) if p not in given]
    if missing:
        raise r.fail(f"{where}: a {fact.schema} needs {', '.join(missing)} (ontology/shapes.ttl)", d.line)
    return fact


def _query(r: _Reader, n: int, d) -> Query:
    where = f"queries[{n}]"
    if not isinstance(d, dict):
        raise r.fail(f"{where}: expected a mapping (filters, filters_not, unique, entities)", None)
    r.table(d, where, d.line, ("filters", "filters_not", "unique", "entities"), ("entities",))
    ents = r.table(d["entities"], f"{where}: entities", d.key_lines["entities"], tuple(d["entities"]))
    actors: dict[str, Entity] = {}
    fact_specs: dict[str, LineDict] = {}
    classes = _fact_classes()
    for name, spec in ents.items():
        if not isinstance(spec, dict):
            raise r.fail(f"entity '{name}': expected a mapping with a schema", ents.key_lines[name])
        cls = spec.get("schema")
        if cls in ACTOR_SCHEMAS:
            actors[name] = _entity(r, name, spec)
        elif cls in classes:
            fact_specs[name] = spec
        else:
            raise r.fail(f"entity '{name}': unknown schema {cls!r} (an actor: {', '.join(ACTOR_SCHEMAS)}; "
                         f"a fact: {', '.join(classes)})", spec.key_lines.get("schema", spec.line))
    for e in actors.values():
        if not e.keys:
            raise r.fail(f"entity '{e.name}': keys: give at least one of {', '.join(KEY_SCHEMES)}", e.line)
        for link in ("unit_of", "subsidiary_of"):
            target = getattr(e, link)
            if target is not None and (target not in actors or target == e.name):
                raise r.fail(f"entity '{e.name}': {link} names {target!r}, not another entity of this query", e.line)
    facts = {name: _fact(r, name, spec, actors) for name, spec in fact_specs.items()}
    for f in facts.values():
        if not f.keys:
            raise r.fail(f"fact '{f.name}': keys: name the column(s) that identify it", f.line)
    return Query(r.values_set(d.get("filters"), f"{where}: filters"),
                 r.values_set(d.get("filters_not"), f"{where}: filters_not"),
                 r.fields(d.get("unique"), f"{where}: unique", d.key_lines.get("unique", d.line)), actors, facts, d.line)


def loads(text: str, path: str, name: str | None = None) -> Mapping:
    """Read and check a mapping from its YAML ``text`` (``path`` names it in errors)."""
    from graph.yamlio import loads as yaml_loads

    r = _Reader(path)
    d = yaml_loads(text, path)
    if not isinstance(d, dict):
        raise r.fail("a mapping is a YAML mapping with source and queries", 1)
    r.table(d, "mapping", d.line, ("name", "source", "format", "records", "sheet", "queries"), ("source", "queries"))
    src = r.table(d["source"], "source", d.key_lines["source"],
                  ("title", "publisher", "url", "licence", "retrieved", "dataset", "note"), ("title", "publisher"))
    source = {k: (str(v) if not hasattr(v, "isoformat") else v.isoformat()) for k, v in src.items()}
    if "url" in source and not re.match(r"^https?://", source["url"]):
        raise r.fail("source: url must start with http:// or https://", src.key_lines["url"])
    if "retrieved" in source and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", source["retrieved"]):
        raise r.fail("source: retrieved must be a date YYYY-MM-DD", src.key_lines["retrieved"])
    fmt = r.text(d, "format", "mapping")
    if fmt is not None and fmt not in set(FORMATS.values()):
        raise r.fail(f"format: unknown {fmt!r} (known: csv, tsv, json, jsonl, xlsx)", d.key_lines["format"])
    queries = d["queries"]
    if not isinstance(queries, list) or not queries:
        raise r.fail("queries: expected a list of queries", d.key_lines["queries"])
    m = Mapping(r.text(d, "name", "mapping") or Path(path).stem, path, source, fmt,
                (r.text(d, "records", "mapping") or "").strip(), r.text(d, "sheet", "mapping"),
                [_query(r, n, q) for n, q in enumerate(queries)], text)
    return m


def load(path: str | Path) -> Mapping:
    """Read and check the mapping file ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read the mapping: {exc}", file=str(path)) from None
    return loads(text, str(path))


def shipped() -> list[str]:
    """The names of the mappings shipped with the package (``graph/importers/mappings/``)."""
    return sorted(p.name[:-5] for p in package_files("graph.importers").joinpath("mappings").iterdir() if p.name.endswith(".yaml"))


def find(spec: str | Path) -> Mapping:
    """A mapping by path, or by the name of a shipped mapping (``innovators-league``)."""
    path = Path(spec)
    if path.is_file():
        return load(path)
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*", str(spec)):
        res = package_files("graph.importers").joinpath("mappings").joinpath(f"{spec}.yaml")
        if res.is_file():
            return loads(res.read_text(encoding="utf-8"), str(res))
    raise DataError(f"no such mapping file or shipped mapping {str(spec)!r} (shipped: {', '.join(shipped())})")
