"""Entity resolution: link imported organisations to the curated actors.

An imported record names an organisation by identifiers (UEI, agency code, Wikidata id, an
OCDS organisation id) and by names. :class:`Resolver` links it to a curated entity, and
says by which rule, in this order:

1. a **confirmed decision** in ``DATA/resolutions.csv`` (``same``: link to the entity;
   ``distinct``: never link this key by name);
2. an **identifier** the curated entity also has (its Wikidata id);
3. the **normalised name** (:func:`normalise`) equal to a curated label or alias, when
   exactly one curated entity of a compatible type has it.

``kg resolve --report`` lists the imported organisations that are *not* linked, each with
the curated entities whose names are close (:func:`score`), for a human to confirm by
adding a line to ``resolutions.csv`` and importing again.

Example
-------
>>> normalise("OPENAI PUBLIC SECTOR, L.L.C.") == normalise("OpenAI Public Sector LLC")
True
>>> normalise("DEPARTMENT OF DEFENSE (DOD)")
'department of defense'
>>> normalise("Procter & Gamble Co.")
'procter and gamble'
>>> normalise("Société Générale S.A.")
'societe generale'
>>> round(score("LOCKHEED MARTIN CORP", "Lockheed-Martin Corporation"), 2)
1.0
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

from graph.errors import DataError

__all__ = [
    "normalise", "score", "Match", "Decision", "Resolver", "read_decisions", "RESOLUTIONS_FILE",
    "DECISION_COLUMNS", "ORGANIZATION_TYPES", "AGENCY_TYPES", "imported_organisations",
]

#: The file of confirmed decisions, in the data folder.
RESOLUTIONS_FILE = "resolutions.csv"
DECISION_COLUMNS = ("key", "decision", "entity", "confirmed_by", "note")

#: Curated types an imported recipient / supplier may be linked to.
ORGANIZATION_TYPES = ("Company", "Organization", "GovernmentAgency")
#: Curated types an imported agency / buyer may be linked to.
AGENCY_TYPES = ("GovernmentAgency",)

# legal-form words dropped at the end of a name
_SUFFIXES = {
    "inc", "incorporated", "llc", "lc", "ltd", "limited", "corp", "corporation", "co", "company", "plc", "lp",
    "llp", "pllc", "pc", "pbc", "gmbh", "ag", "sa", "sas", "sarl", "srl", "spa", "nv", "bv", "oy", "ab", "as",
}
_ABBREVIATIONS = {"dept": "department", "govt": "government", "natl": "national", "intl": "international"}


@lru_cache(maxsize=1 << 16)  # importers ask for the same agency and company names on every row
def normalise(name: str) -> str:
    """The comparison key of an organisation name: accents, case, punctuation, a trailing
    parenthesised acronym, ``&`` / ``and``, a leading "the" and trailing legal forms
    (INC, LLC, CORP, CORPORATION, LTD, S.A., ...) do not count."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"\([^)]*\)", " ", text)
    text = text.replace("&", " and ")
    text = re.sub(r"[^\w]+|_", " ", text)
    tokens = text.split()
    # "l l c", "u s" -> "llc", "us"
    merged: list[str] = []
    run: list[str] = []
    for tok in tokens + [""]:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            merged.append("".join(run))
            run = []
        if tok:
            merged.append(tok)
    tokens = [_ABBREVIATIONS.get(t, t) for t in merged]
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in _SUFFIXES:
        tokens.pop()
    return " ".join(tokens)


def score(a: str, b: str) -> float:
    """Similarity of two names in [0, 1]: the better of the character ratio and the token
    overlap of their normalised forms (1.0 when they normalise alike)."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    ratio = SequenceMatcher(None, na, nb).ratio()
    ta, tb = set(na.split()), set(nb.split())
    jaccard = len(ta & tb) / len(ta | tb)
    return max(ratio, jaccard)


@dataclass(frozen=True)
class Match:
    """A link from an imported record to a curated entity, and the rule that made it."""

    entity: str
    rule: str


@dataclass(frozen=True)
class Decision:
    """A line of ``resolutions.csv``."""

    key: str
    decision: str  #: same | distinct
    entity: str
    confirmed_by: str
    note: str
    line: int


def read_decisions(path: str | Path) -> dict[str, Decision]:
    """Read ``resolutions.csv`` (lines starting with ``#`` are comments); {} if absent.

    Raises :class:`DataError` naming the file and line for a bad row.
    """
    path = Path(path)
    if not path.exists():
        return {}
    out: dict[str, Decision] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = [(n, line) for n, line in enumerate(fh, 1) if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return {}
    rows = csv.reader([line for _, line in lines])
    header = next(rows)
    if tuple(h.strip() for h in header) != DECISION_COLUMNS:
        raise DataError(f"expected the header {','.join(DECISION_COLUMNS)}", file=str(path), line=lines[0][0])
    for (n, _), row in zip(lines[1:], rows):
        row = [c.strip() for c in row] + [""] * (len(DECISION_COLUMNS) - len(row))
        key, decision, entity, who, note = row[:5]
        if ":" not in key:
            raise DataError(f"key {key!r} must be SCHEME:VALUE (uei:..., wikidata:Q..., name:...)", file=str(path), line=n)
        if decision not in ("same", "distinct"):
            raise DataError(f"decision must be 'same' or 'distinct', got {decision!r}", file=str(path), line=n)
        if decision == "same" and not entity:
            raise DataError("a 'same' decision names the curated entity id", file=str(path), line=n)
        if not who:
            raise DataError("confirmed_by is required (who confirmed the decision)", file=str(path), line=n)
        if key.startswith("name:"):
            key = "name:" + normalise(key[5:])
        out[key] = Decision(key, decision, entity, who, note, n)
    return out


@dataclass
class _Curated:
    id: str
    type: str
    names: list[str] = field(default_factory=list)
    wikidata: str | None = None
    label_langs: tuple[str, ...] = ()
    description_langs: tuple[str, ...] = ()


class Resolver:
    """Links imported keys and names to curated entities (see the module docstring).

    ``entities`` are the curated :class:`graph.model.Entity` objects; ``decisions`` the
    confirmed decisions (:func:`read_decisions`).
    """

    def __init__(
        self, entities=(), decisions: dict[str, Decision] | None = None, decisions_file: str = RESOLUTIONS_FILE,
        facts=(),
    ):
        self.decisions = decisions or {}
        #: (type, child id, parent id) -> id of the curated Subsidiary / SubUnit fact
        self._links: dict[tuple[str, str, str], str] = {}
        for fact in facts:
            if fact.type in ("Subsidiary", "SubUnit"):
                for child in fact.values("child"):
                    for parent in fact.values("parent"):
                        self._links.setdefault((fact.type, child.id, parent.id), fact.id)
        self.decisions_file = decisions_file
        self.curated: dict[str, _Curated] = {}
        self._by_name: dict[str, set[str]] = {}
        self._by_wikidata: dict[str, str] = {}
        for ent in entities:
            names = list(ent.label.values()) + [a for al in ent.aliases.values() for a in al]
            c = _Curated(ent.id, ent.type, names, ent.wikidata, tuple(ent.label), tuple(ent.description))
            self.curated[ent.id] = c
            for name in names:
                self._by_name.setdefault(normalise(name), set()).add(ent.id)
            if ent.wikidata:
                self._by_wikidata[ent.wikidata] = ent.id
        for d in self.decisions.values():
            if d.decision == "same" and d.entity not in self.curated:
                raise DataError(f"decision for {d.key!r} names unknown entity {d.entity!r}", file=decisions_file, line=d.line)

    @classmethod
    def for_data(cls, data_dir: str | Path) -> Resolver:
        """The resolver of a data folder: its curated entities and ``resolutions.csv``."""
        from graph.load import load_folder

        data_dir = Path(data_dir)
        entities, facts = [], []
        if data_dir.is_dir() and any(p.suffix in (".yaml", ".yml") for p in data_dir.rglob("*")):
            cur = load_folder(data_dir)
            entities, facts = list(cur.entities.values()), list(cur.facts.values())
        path = data_dir / RESOLUTIONS_FILE
        return cls(entities, read_decisions(path), str(path), facts)

    def curated_link(self, fact_type: str, child: str, parent: str) -> str | None:
        """The id of the curated ``fact_type`` fact linking ``child`` to ``parent``, if any."""
        return self._links.get((fact_type, child, parent))

    def resolve(self, keys=(), names=(), types: tuple[str, ...] = ORGANIZATION_TYPES) -> Match | None:
        """The curated entity for a record with identifier ``keys`` (``SCHEME:VALUE``) and
        ``names``, among curated entities of ``types``; None if there is none (or several)."""
        blocked = False
        for key in keys:
            d = self.decisions.get(key)
            if d is not None:
                if d.decision == "same":
                    return Match(d.entity, f"confirmed: {key} = {d.entity} ({self.decisions_file}:{d.line}, by {d.confirmed_by})")
                blocked = True
        for key in keys:
            if key.startswith("wikidata:") and key[9:] in self._by_wikidata:
                eid = self._by_wikidata[key[9:]]
                if self.curated[eid].type in types:
                    return Match(eid, f"identifier: {key} = {eid}")
        if blocked:
            return None
        for name in names:
            norm = normalise(name)
            if not norm:
                continue
            d = self.decisions.get("name:" + norm)
            if d is not None:
                if d.decision == "same":
                    return Match(d.entity, f"confirmed: name '{norm}' = {d.entity} ({self.decisions_file}:{d.line}, by {d.confirmed_by})")
                continue
            ids = [i for i in sorted(self._by_name.get(norm, ())) if self.curated[i].type in types]
            if len(ids) == 1:
                eid = ids[0]
                same = next(n for n in self.curated[eid].names if normalise(n) == norm)
                return Match(eid, f"name: '{name}' = '{same}' (normalised '{norm}')")
        return None

    def candidates(self, names, types: tuple[str, ...] = ORGANIZATION_TYPES, min_score: float = 0.75):
        """Curated entities whose names are close to ``names``: ``[(score, id, name)]``, best first."""
        best: dict[str, tuple[float, str]] = {}
        for c in self.curated.values():
            if c.type not in types:
                continue
            for name in names:
                for cname in c.names:
                    s = score(name, cname)
                    if s >= min_score and s > best.get(c.id, (0.0, ""))[0]:
                        best[c.id] = (s, cname)
        return sorted(((s, eid, n) for eid, (s, n) in best.items()), key=lambda t: (-t[0], t[1]))


@dataclass(frozen=True)
class Candidate:
    """An imported organisation and a curated entity that may be the same (or are linked)."""

    key: str  #: the imported record's key (uei:..., usaspending-office:..., ocds:...)
    imported: str  #: node key of the imported entity
    label: str
    sources: str
    entity: str  #: curated entity id
    entity_label: str
    score: float
    status: str  #: candidate | conflict | linked: RULE


def imported_organisations(kg) -> int:
    """How many organisations (companies, agencies, other organisations) of ``kg`` come only
    from imports (not curated)."""
    from graph.views import read_facts

    curated = set(kg.curated.entities)
    return sum(1 for iri, info in read_facts(kg.dataset).entities.items()
               if info["kind"] in ORGANIZATION_TYPES and str(iri).rsplit("/", 1)[-1] not in curated)


def report(kg, resolver: Resolver, min_score: float = 0.75) -> list[Candidate]:
    """Candidate merges for a human to confirm: imported organisations not linked to a curated
    entity, each with the curated entities whose names are close (score >= ``min_score``),
    and the links already made, with their rule."""
    from rdflib import URIRef

    from graph.rdf import ID
    from graph.views import read_facts
    from ontology.vocab import DAI

    r = read_facts(kg.dataset)
    curated_ids = set(kg.curated.entities)
    idents: dict[URIRef, list[str]] = {}
    rules: dict[URIRef, list[str]] = {}
    for s, p, o, _g in kg.dataset.quads((None, None, None, None)):
        if p == DAI.uei:
            idents.setdefault(s, []).insert(0, f"uei:{o}")
        elif p == DAI.identifier:
            idents.setdefault(s, []).append(str(o))
        elif p == DAI.matchRule:
            rules.setdefault(s, []).append(str(o))
    out: list[Candidate] = []
    for iri in sorted(r.entities):
        info = r.entities[iri]
        eid = str(iri)[len(str(ID)):] if str(iri).startswith(str(ID)) else str(iri)
        # the key a decision names: the UEI, else a code before a name (in any order the store gives them)
        key = (sorted(idents.get(iri, ()), key=lambda k: (not k.startswith("uei:"), "-name:" in k, k))
               or [f"name:{info['label']}"])[0]
        if eid in curated_ids:
            for rule in sorted(set(rules.get(iri, ()))):
                out.append(Candidate(key, eid, info["label"], ", ".join(info["sources"]), eid, info["label"], 1.0,
                                     f"linked: {rule}"))
            continue
        if info["kind"] in ("Place", "Program", "Product"):
            continue
        types = AGENCY_TYPES if info["kind"] == "GovernmentAgency" else ("Person",) if info["kind"] == "Person" else ORGANIZATION_TYPES
        names = [info["label"], *info["aliases"]]
        mine = {k for k in idents.get(iri, ()) if k.startswith("uei:")}
        for s, cid, cname in resolver.candidates(names, types, min_score):
            label = resolver.curated[cid].names[0]
            theirs = {k for k in idents.get(ID[cid], ()) if k.startswith("uei:")}
            if s == 1.0 and mine and theirs and not mine & theirs:
                # the import refused this name match: the curated actor has another UEI already
                status = (f"conflict: '{info['label']}' = '{cname}', but {cid} has {', '.join(sorted(theirs))} "
                          f"and this one {', '.join(sorted(mine))}")
            else:
                status = f"candidate: '{info['label']}' ~ '{cname}'"
            out.append(Candidate(key, eid, info["label"], ", ".join(info["sources"]), cid, label, round(s, 3), status))
    out.sort(key=lambda c: (c.status.startswith("linked"), not c.status.startswith("conflict"), -c.score,
                            c.imported, c.entity))
    return out
