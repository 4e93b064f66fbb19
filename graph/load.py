"""Load curated facts from a data folder of YAML files, checking everything a builder needs.

Every problem is a :class:`~graph.errors.DataError` naming the file and line: malformed YAML,
an unknown key or property, an unknown entity or source, a wrong entity class, a negative
amount, an end before a start, a duplicate id, a fact or entity without a source.

Example
-------
>>> import tempfile, pathlib, textwrap
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "s.yaml").write_text(textwrap.dedent('''
...     sources:
...       - {id: a, title: A, language: en}
...     entities:
...       - {id: x, type: Company, label: {en: X}, sources: [a]}
...       - {id: y, type: Company, label: {en: Y}, sources: [a]}
...     facts:
...       - id: f
...         type: Competition
...         claims:
...           - {source: a, quote: "X competes with Y", competitor: [x, y], qualifier: direct}
... '''))
>>> cur = load_folder(d)
>>> sorted(cur.entities), cur.facts["f"].values("competitor")
(['x', 'y'], [Ref(id='x'), Ref(id='y')])
"""

from __future__ import annotations

import re
from pathlib import Path

from graph.errors import DATA_NOT_FOUND, DataError, shown
from graph.model import Claim, Curated, Entity, Fact, Ref, Source, Where
from graph.schema import ENTITY_TYPES, FACT_TYPES, PropertySpec, schema
from graph.values import FlexDate, Money, ValueProblem
from graph.yamlio import LineDict, load

__all__ = ["load_folder", "load_files"]

# matched with fullmatch: ``$`` would also match before a final newline ("openai\n")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
QID = re.compile(r"Q[1-9][0-9]*")
# re.ASCII: ``\d`` would also take other scripts' digits ("P١Y"), which no xsd:duration has
DURATION = re.compile(r"P(?!\Z)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?", re.ASCII)
URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
SOURCE_KINDS = ("news-article", "news-excerpt", "press-release", "official-record", "dataset", "reference-list")

SOURCE_KEYS = {
    "id", "title", "language", "publisher", "published", "published_note", "url", "retrieved",
    "kind", "quotes_document", "note",
}
ENTITY_KEYS = {"id", "type", "label", "aliases", "description", "wikidata", "url", "sources"}
FACT_KEYS = {"id", "type", "label", "claims"}
CLAIM_RESERVED = {"source", "quote", "inference"}


class _Ctx:
    """The file being read, for error messages."""

    def __init__(self, file: str):
        self.file = file

    def err(self, message: str, line: int | None) -> DataError:
        return DataError(message, file=self.file, line=line)

    def where(self, node: LineDict) -> Where:
        return Where(self.file, node.line)


def load_folder(folder: str | Path) -> Curated:
    """Load every ``*.yaml`` / ``*.yml`` file of ``folder`` (recursively, sorted by path)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(DATA_NOT_FOUND, file=str(folder))
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise DataError("no .yaml files in the data folder", file=str(folder))
    return load_files(files)


def load_files(files) -> Curated:
    """Load the given YAML files into one :class:`Curated`, then check cross-references."""
    cur = Curated()
    for path in files:
        _load_file(Path(path), cur)
    _check_references(cur)
    return cur


# --------------------------------------------------------------------------- one file


def _load_file(path: Path, cur: Curated) -> None:
    ctx = _Ctx(str(path))
    doc = load(path)
    cur.files.append(str(path))
    if doc is None:
        return
    if not isinstance(doc, LineDict):
        raise ctx.err("expected a mapping with 'sources', 'entities' and/or 'facts' lists", 1)
    for key in doc:
        if key not in ("sources", "entities", "facts"):
            raise ctx.err(f"unknown top-level key '{key}' (expected sources, entities, facts)", doc.key_lines[key])
    for section, reader, into in (
        ("sources", _read_source, cur.sources),
        ("entities", _read_entity, cur.entities),
        ("facts", _read_fact, cur.facts),
    ):
        items = doc.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            raise ctx.err(f"'{section}' must be a list", doc.key_lines[section])
        for node in items:
            if not isinstance(node, LineDict):
                raise ctx.err(f"each item of '{section}' must be a mapping", getattr(items, "line", None))
            item = reader(ctx, node)
            if item.id in into:
                first = into[item.id].where
                raise ctx.err(f"duplicate {section[:-1] if section != 'entities' else 'entity'} id '{item.id}' (first defined at {first})", node.line)
            into[item.id] = item


def _check_keys(ctx: _Ctx, node: LineDict, allowed: set, what: str) -> None:
    for key in node:
        if key not in allowed:
            raise ctx.err(f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})", node.key_lines[key])


def _required(ctx: _Ctx, node: LineDict, key: str, what: str):
    if key not in node or node[key] in (None, "", [], {}):
        raise ctx.err(f"{what} is missing '{key}'", node.line)
    return node[key]


def _slug(ctx: _Ctx, node: LineDict, what: str) -> str:
    value = _required(ctx, node, "id", what)
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        raise ctx.err(f"{what} id {shown(value)} is not a slug (lowercase letters, digits, hyphens)", node.key_lines["id"])
    return value


def _string(ctx: _Ctx, node: LineDict, key: str, what: str, required: bool = False) -> str | None:
    if key not in node or node[key] is None:
        if required:
            raise ctx.err(f"{what} is missing '{key}'", node.line)
        return None
    value = node[key]
    if not isinstance(value, str) or not value.strip():
        raise ctx.err(f"'{key}' must be non-empty text", node.key_lines[key])
    return value


def _url(ctx: _Ctx, node: LineDict, key: str) -> str | None:
    value = _string(ctx, node, key, "")
    if value is not None and not URL.fullmatch(value):
        raise ctx.err(f"'{key}' must be an http(s) URL, got {shown(value)}", node.key_lines[key])
    return value


def _date(ctx: _Ctx, node: LineDict, key: str) -> FlexDate | None:
    if key not in node or node[key] is None:
        return None
    try:
        return FlexDate.parse(node[key])
    except ValueProblem as exc:
        raise ctx.err(f"'{key}': {exc}", node.key_lines[key]) from None


def _langmap(ctx: _Ctx, node: LineDict, key: str, default_lang: str, *, lists: bool = False) -> dict:
    """``{en: ..., fr: ...}`` or a plain string (taken to be in ``default_lang``)."""
    if key not in node or node[key] is None:
        return {}
    value = node[key]
    line = node.key_lines[key]
    if isinstance(value, str) or (lists and isinstance(value, list)):
        value = {default_lang: value}
    if not isinstance(value, dict):
        raise ctx.err(f"'{key}' must be text or a mapping of language to text", line)
    out = {}
    for lang, text in value.items():
        if not isinstance(lang, str) or not LANG.fullmatch(lang):
            raise ctx.err(f"'{key}': {shown(lang)} is not a language code", line)
        items = text if (lists and isinstance(text, list)) else [text]
        for t in items:
            if not isinstance(t, str) or not t.strip():
                raise ctx.err(f"'{key}.{lang}' must be non-empty text", line)
        out[lang] = list(items) if lists else text
    return out


# --------------------------------------------------------------------------- items


def _read_source(ctx: _Ctx, node: LineDict) -> Source:
    _check_keys(ctx, node, SOURCE_KEYS, "source")
    sid = _slug(ctx, node, "source")
    what = f"source '{sid}'"
    language = _string(ctx, node, "language", what, required=True)
    if not LANG.fullmatch(language):
        raise ctx.err(f"{what}: language {shown(language)} is not a BCP 47 code", node.key_lines["language"])
    kind = _string(ctx, node, "kind", what)
    if kind is not None and kind not in SOURCE_KINDS:
        raise ctx.err(f"{what}: kind {shown(kind)} is not one of {', '.join(SOURCE_KINDS)}", node.key_lines["kind"])
    retrieved = _date(ctx, node, "retrieved")
    if retrieved is not None and retrieved.precision != "day":
        raise ctx.err(f"{what}: 'retrieved' must be a full date YYYY-MM-DD", node.key_lines["retrieved"])
    return Source(
        id=sid,
        title=_string(ctx, node, "title", what, required=True),
        language=language,
        where=ctx.where(node),
        publisher=_string(ctx, node, "publisher", what),
        published=_date(ctx, node, "published"),
        published_note=_string(ctx, node, "published_note", what),
        url=_url(ctx, node, "url"),
        retrieved=retrieved,
        kind=kind,
        quotes_document=_string(ctx, node, "quotes_document", what),
        note=_string(ctx, node, "note", what),
    )


def _read_entity(ctx: _Ctx, node: LineDict) -> Entity:
    _check_keys(ctx, node, ENTITY_KEYS, "entity")
    eid = _slug(ctx, node, "entity")
    what = f"entity '{eid}'"
    etype = _required(ctx, node, "type", what)
    if etype not in ENTITY_TYPES:
        raise ctx.err(f"{what}: unknown type {shown(etype)} (expected one of {', '.join(ENTITY_TYPES)})", node.key_lines["type"])
    label = _langmap(ctx, node, "label", "en")
    if "en" not in label:
        raise ctx.err(f"{what} needs an English label (label: {{en: ...}})", node.key_lines.get("label", node.line))
    sources = _required(ctx, node, "sources", what)
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ctx.err(f"{what}: 'sources' must be a list of source ids", node.key_lines["sources"])
    wikidata = _string(ctx, node, "wikidata", what)
    if wikidata is not None and not (isinstance(wikidata, str) and QID.fullmatch(wikidata)):
        raise ctx.err(f"{what}: wikidata id {shown(wikidata)} is not a Q-number", node.key_lines["wikidata"])
    return Entity(
        id=eid,
        type=etype,
        label=label,
        sources=list(sources),
        where=ctx.where(node),
        aliases=_langmap(ctx, node, "aliases", "en", lists=True),
        description=_langmap(ctx, node, "description", "en"),
        wikidata=wikidata,
        url=_url(ctx, node, "url"),
    )


def _read_fact(ctx: _Ctx, node: LineDict) -> Fact:
    _check_keys(ctx, node, FACT_KEYS, "fact")
    fid = _slug(ctx, node, "fact")
    what = f"fact '{fid}'"
    ftype = _required(ctx, node, "type", what)
    if ftype not in FACT_TYPES:
        raise ctx.err(f"{what}: unknown type {shown(ftype)} (expected one of {', '.join(FACT_TYPES)})", node.key_lines["type"])
    claims_node = node.get("claims")
    if not claims_node:
        raise ctx.err(f"{what} has no claims: every fact needs a source and a quote", node.line)
    if not isinstance(claims_node, list):
        raise ctx.err(f"{what}: 'claims' must be a list", node.key_lines["claims"])
    claims = [_read_claim(ctx, c, ftype, what) for c in claims_node]
    return Fact(id=fid, type=ftype, claims=claims, where=ctx.where(node), label=_langmap(ctx, node, "label", "en"))


def _read_claim(ctx: _Ctx, node, ftype: str, what: str) -> Claim:
    if not isinstance(node, LineDict):
        raise ctx.err(f"{what}: each claim must be a mapping", None)
    if not node.get("source"):
        raise ctx.err(f"{what}: claim without a source (every fact names its source)", node.line)
    if not isinstance(node.get("quote"), str) or not node["quote"].strip():
        raise ctx.err(f"{what}: claim from '{node['source']}' has no quote (the exact words of the source)", node.line)
    claim = Claim(
        source=str(node["source"]),
        quote=node["quote"].strip(),
        where=ctx.where(node),
        inference=_string(ctx, node, "inference", what),
    )
    props = schema().claim_properties(ftype)
    for key, raw in node.items():
        if key in CLAIM_RESERVED:
            continue
        line = node.key_lines[key]
        spec = props.get(key)
        if spec is None:
            raise ctx.err(
                f"{what}: unknown property '{key}' for a {ftype} (known: {', '.join(props)})", line
            )
        items = raw if isinstance(raw, list) else [raw]
        values = []
        for item in items:
            try:
                values.append(_parse_value(spec, item))
            except ValueProblem as exc:
                raise ctx.err(f"{what}: '{key}': {exc}", line) from None
        claim.values[key] = values
        claim.lines[key] = line
    return claim


def _parse_value(spec: PropertySpec, raw):
    if raw is None:
        raise ValueProblem("empty value")
    kind = spec.kind
    if kind in ("ref", "anyref"):
        if not isinstance(raw, str) or not SLUG.fullmatch(raw):
            raise ValueProblem(f"expected an id, got {shown(raw)}")
        return Ref(raw)
    if kind == "money":
        return Money.parse(raw)
    if kind in ("date", "fulldate"):
        return FlexDate.parse(raw)
    if kind == "text":
        if isinstance(raw, str) and raw.strip():
            return {"": raw}  # language filled in from the source when building
        if isinstance(raw, dict) and raw and all(
            isinstance(k, str) and LANG.fullmatch(k) and isinstance(v, str) and v.strip() for k, v in raw.items()
        ):
            return dict(raw)
        raise ValueProblem("expected text or a mapping of language to text")
    if kind == "count":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise ValueProblem(f"expected a whole number >= 0, got {shown(raw)}")
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValueProblem(f"expected true or false, got {shown(raw)}")
        return raw
    if kind == "duration":
        if not isinstance(raw, str) or not DURATION.fullmatch(raw):
            raise ValueProblem(f"expected an ISO 8601 duration such as P1Y, got {shown(raw)}")
        return raw
    if kind == "decimal":
        return Money.parse({"amount": raw, "currency": "XXX"}).amount
    if isinstance(raw, (dict, list)):
        raise ValueProblem(f"expected text, got {shown(raw)}")
    return str(raw)


# --------------------------------------------------------------------------- references


def _check_references(cur: Curated) -> None:
    sch = schema()
    for ent in cur.entities.values():
        for sid in ent.sources:
            if sid not in cur.sources:
                raise DataError(f"entity '{ent.id}' names unknown source '{sid}'", file=ent.where.file, line=ent.where.line)
    for fid in cur.facts:
        if fid in cur.entities:
            f = cur.facts[fid]
            raise DataError(f"fact id '{fid}' is also an entity id ({cur.entities[fid].where})", file=f.where.file, line=f.where.line)
    for fact in cur.facts.values():
        props = sch.claim_properties(fact.type)
        for claim in fact.claims:
            if claim.source not in cur.sources:
                raise DataError(
                    f"fact '{fact.id}': unknown source '{claim.source}'", file=claim.where.file, line=claim.where.line
                )
            for key, values in claim.values.items():
                spec = props[key]
                for v in values:
                    if not isinstance(v, Ref):
                        continue
                    line = claim.lines[key]
                    if spec.kind == "anyref":
                        if v.id not in cur.entities and v.id not in cur.facts:
                            raise DataError(f"fact '{fact.id}': '{key}' names unknown entity or fact '{v.id}'", file=claim.where.file, line=line)
                        continue
                    ent = cur.entities.get(v.id)
                    if ent is None:
                        raise DataError(f"fact '{fact.id}': '{key}' names unknown entity '{v.id}'", file=claim.where.file, line=line)
                    if not sch.is_subclass(ent.type, spec.range_class):
                        raise DataError(
                            f"fact '{fact.id}': '{key}' must be a {spec.range_class}, but '{v.id}' is a {ent.type}",
                            file=claim.where.file,
                            line=line,
                        )
        _check_dates(fact)


def _check_dates(fact: Fact) -> None:
    from graph.timeline import duration_end

    firsts = [v for c in fact.claims for key in ("start_date", "date") for v in c.values.get(key, ())]
    for c in fact.claims:
        for duration in c.values.get("duration", ()):
            for first in firsts:
                try:
                    duration_end(first.earliest, duration)
                except OverflowError as exc:
                    raise DataError(f"fact '{fact.id}': duration {exc}", file=c.where.file,
                                    line=c.lines.get("duration", c.where.line)) from None
    starts = [(v, c) for c in fact.claims for v in c.values.get("start_date", ())]
    ends = [(v, c) for c in fact.claims for v in c.values.get("end_date", ())]
    for start, sc in starts:
        for end, ec in ends:
            if end.latest < start.earliest:
                raise DataError(
                    f"fact '{fact.id}': end date {end} (source '{ec.source}') is before start date {start} (source '{sc.source}')",
                    file=ec.where.file,
                    line=ec.lines.get("end_date", ec.where.line),
                )
