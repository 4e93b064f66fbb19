"""Import Wikidata entity JSON: labels and aliases in every language, descriptions,
identifiers and ``owl:sameAs``.

Accepted: the answer of ``Special:EntityData/Q….json`` or ``wbgetentities``
(``{"entities": {...}}``), a bare entity object, or a JSON dump (an array of entities, read
one at a time).

An item whose Wikidata id a curated entity has (``wikidata: Q…`` in ``data/*.yaml``) enriches
that entity: a label in a language the curated entity has no label (or description) in
becomes its ``rdfs:label`` (``dai:description``); other labels become ``skos:altLabel``, so
curated labels are never overridden. Another item becomes a new entity when its
*instance of* (P31) is a known organisation, agency or person class (see
:data:`CLASS_OF`); any other item (a book, a city) is skipped and reported.
External identifiers become ``dai:identifier`` ``P…:value``, *exact match* (P2888) URLs
``skos:exactMatch``, *official website* (P856) ``dai:url``; the English and French
Wikipedia articles are ``rdfs:seeAlso``.

Example
-------
>>> entity_class({"claims": {"P31": [{"mainsnak": {"datavalue": {"value": {"id": "Q4830453"}}}}]}})
'Company'
>>> entity_class({"claims": {}}) is None
True
"""

from __future__ import annotations

import re

from rdflib import RDF, RDFS, SKOS, XSD, Literal, URIRef

from graph.errors import DataError
from graph.importers.base import ImportRun, RowError, check_record
from graph.importers.jsonstream import JSONProblem, iter_json
from graph.importers.nquads import safe_iri, valid_lang
from graph.rdf import ID
from ontology.vocab import DAI

__all__ = ["import_files", "entity_class", "CLASS_OF"]

#: instance-of (P31) classes -> entity type of a new entity
CLASS_OF = {
    "Q5": "Person",  # human
    "Q4830453": "Company",  # business
    "Q783794": "Company",  # company
    "Q891723": "Company",  # public company
    "Q6881511": "Company",  # enterprise
    "Q43229": "Organization",  # organization
    "Q163740": "Organization",  # nonprofit organization
    "Q327333": "GovernmentAgency",  # government agency
    "Q2659904": "GovernmentAgency",  # government organization
}
_QID = re.compile(r"^Q[1-9][0-9]*\Z")


def _obj(value) -> dict:
    """``value`` if it is a JSON object, else ``{}`` (statements of an unexpected shape are
    skipped, as Wikidata's own tools skip them)."""
    return value if isinstance(value, dict) else {}


def _statements(entity: dict) -> list[tuple[str, dict, dict]]:
    """``(property, statement, its main snak)`` for the well-formed statements of an entity."""
    out = []
    for pid, statements in sorted(_obj(entity.get("claims")).items()):
        for st in statements if isinstance(statements, list) else []:
            if isinstance(st, dict) and st.get("rank") != "deprecated":
                out.append((str(pid), st, _obj(st.get("mainsnak"))))
    return out


def _claim_values(entity: dict, pid: str) -> list:
    out = []
    for p, _st, snak in _statements(entity):
        dv = _obj(snak.get("datavalue"))
        if p == pid and "value" in dv:
            out.append(dv["value"])
    return out


def entity_class(entity: dict) -> str | None:
    """The entity type of a new entity for this item, from its P31 values (None if unknown)."""
    for v in _claim_values(entity, "P31"):
        cls = CLASS_OF.get(v.get("id") if isinstance(v, dict) else None)
        if cls:
            return cls
    return None


def _texts(entity: dict, key: str) -> list[tuple[str, str]]:
    out = []
    block = entity.get(key) or {}
    if not isinstance(block, dict):
        return out
    for lang, value in sorted(block.items()):
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and item.get("value"):
                out.append((str(item.get("language") or lang), str(item["value"])))
    return out


def _import_entity(run: ImportRun, entity: dict, where: str) -> None:
    if not isinstance(entity, dict):
        raise RowError("an entity is not an object")
    qid = str(entity.get("id") or "")
    if not _QID.match(qid):
        raise RowError(f"not an item id: {qid!r} (only items Q… are imported)", "id", qid)
    if "missing" in entity:
        raise RowError(f"{qid} is missing (deleted or never existed)", "id", qid)
    labels = [(lang, text) for lang, text in _texts(entity, "labels") if valid_lang(lang)]
    aliases = [(lang, text) for lang, text in _texts(entity, "aliases") if valid_lang(lang)]
    descriptions = [(lang, text) for lang, text in _texts(entity, "descriptions") if valid_lang(lang)]
    match = run.resolver.resolve([f"wikidata:{qid}"], [], ("Company", "GovernmentAgency", "Organization", "Person", "Program", "Product", "Place"))
    en = next((t for lang, t in labels if lang == "en"), labels[0][1] if labels else qid)
    g = run.g
    if match is not None:
        iri = ID[match.entity]
        curated = run.resolver.curated[match.entity]
        has_label, has_desc = set(curated.label_langs), set(curated.description_langs)
        run.add(iri, DAI.matchRule, Literal(match.rule))
        run.result.merged_actors += 1
    else:
        cls = entity_class(entity)
        if cls is None:
            p31 = ", ".join(v.get("id", "?") for v in _claim_values(entity, "P31") if isinstance(v, dict)) or "none"
            run.problem(where, "skipped", f"{qid} ({en}) is not linked: no curated entity has this Wikidata id and its "
                        f"instance of (P31: {p31}) is not an organisation, agency or person class")
            return
        iri = ID[f"wikidata-{qid.lower()}"]
        has_label, has_desc = set(), set()
        run.add(iri, RDF.type, DAI[cls])
        run.add(iri, DAI.wikidata, Literal(qid))
        run.result.new_actors += 1
    run.add(iri, DAI.mentionedIn, g)
    run.add(iri, URIRef("http://www.w3.org/2002/07/owl#sameAs"), URIRef(f"http://www.wikidata.org/entity/{qid}"))
    for lang, text in labels:
        if lang in has_label:
            run.add(iri, SKOS.altLabel, Literal(text, lang=lang))
        else:
            run.add(iri, RDFS.label, Literal(text, lang=lang))
    for lang, text in aliases:
        run.add(iri, SKOS.altLabel, Literal(text, lang=lang))
    for lang, text in descriptions:
        if lang not in has_desc:
            run.add(iri, DAI.description, Literal(text, lang=lang))
    for pid, _st, snak in _statements(entity):
        dv = _obj(snak.get("datavalue")).get("value")
        if dv is None:
            continue
        kind = snak.get("datatype")
        if kind == "external-id" and isinstance(dv, str):
            run.add(iri, DAI.identifier, Literal(f"{pid}:{dv}"))
        elif pid == "P2888" and isinstance(dv, str) and dv.startswith(("http://", "https://")):
            run.add(iri, SKOS.exactMatch, URIRef(safe_iri(dv)))
        elif pid == "P856" and isinstance(dv, str) and dv.startswith(("http://", "https://")) and match is None:
            run.add(iri, DAI.url, Literal(dv, datatype=XSD.anyURI))
    for site, lang in (("enwiki", "en"), ("frwiki", "fr")):
        link = _obj(entity.get("sitelinks")).get(site)
        if isinstance(link, dict) and link.get("title"):
            title = str(link["title"]).replace(" ", "_")
            run.add(iri, RDFS.seeAlso, URIRef(safe_iri(f"https://{lang}.wikipedia.org/wiki/{title}")))
    run.result.records += 1


def import_files(run: ImportRun) -> None:
    """Import Wikidata entity JSON files."""
    done = 0
    for path in run.files:
        run.next_file(path, done)
        done = path.stat().st_size
        counter, text = run.open(path)
        bare: dict = {}
        found = False
        with text:
            try:
                for ptr, value in iter_json(text, stream=("entities",)):
                    if ptr.startswith("/entities/") or (ptr.count("/") == 1 and ptr[1:].isdigit()):
                        found = True
                        run.result.rows += 1
                        try:
                            check_record(value, ptr)
                            _import_entity(run, value, ptr)
                        except RowError as exc:
                            run.problem(ptr, "rejected", str(exc), exc.column, exc.value)
                        if run.result.rows % 200 == 0:
                            run.tick(run.result.rows, counter.count)
                    elif ptr in ("/id", "/type", "/labels", "/aliases", "/descriptions", "/claims", "/sitelinks"):
                        bare[ptr[1:]] = value
            except JSONProblem as exc:
                raise DataError(str(exc), file=str(path), line=exc.line) from None
        if not found:
            if "id" not in bare or "labels" not in bare:
                raise DataError("not Wikidata entity JSON: expected 'entities' (Special:EntityData, wbgetentities), "
                                "an array of entities or an entity with 'id' and 'labels'", file=str(path))
            run.result.rows += 1
            try:
                check_record(bare)
                _import_entity(run, bare, "/")
            except RowError as exc:
                run.problem("/", "rejected", str(exc), exc.column, exc.value)
