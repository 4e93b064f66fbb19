"""People and roles over time (issue 17): a position is a person holding a role at an
organization from a date to a date (or undated, and saying so), with its source and quote,
aligned with W3C ORG memberships; the curated roles of the shipped sources; and the
revolving-door flag, on planted roles and awards (a known number of hits, none in a control
folder), on the shipped data, and through a SPARQL endpoint."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from rdflib import RDFS, Literal, Namespace

from graph import build
from graph import flags as lib
from graph.errors import ValidationError
from graph.load import load_folder
from graph.rdf import to_dataset
from graph.store import embedded, open_store
from graph.validate import validate
from ontology import ontology_graph
from ontology.vocab import DAI
from tests.servers import serve_store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path("/work/shared/seeds")
ORG = Namespace("http://www.w3.org/ns/org#")
ID = Namespace("https://w3id.org/defense-ai-graph/id/")
FACT = Namespace("https://w3id.org/defense-ai-graph/fact/")

HEAD = textwrap.dedent("""\
    sources:
      - {id: s, title: Planted roles and awards, language: en, kind: news-article}
    entities:
    """)


# ------------------------------------------------------------------ planted data

def _position(fid: str, holder: str, org: str, title: str, start=None, end=None) -> str:
    dates = "".join(f", {k}: {v}" for k, v in (("start_date", start), ("end_date", end)) if v) or ", undated: true"
    return (f"  - id: {fid}\n    type: Position\n    claims:\n"
            f"      - {{source: s, quote: \"{holder} is {title} of {org}\", holder: {holder}, organization: {org}, "
            f"position_title: \"{title}\"{dates}}}\n")


def _award(fid: str, by: str, to: str, day: str, amount: int) -> str:
    return (f"  - id: {fid}\n    type: Contract\n    claims:\n"
            f"      - {{source: s, quote: \"{by} awards {amount} to {to} on {day}\", awarding_agency: {by}, "
            f"contractor: {to}, date: {day}, obligated_amount: {{amount: {amount}, currency: USD}}}}\n")


def planted_roles(folder: Path, plant: bool = True) -> Path:
    """A data folder: the Army (with an office), Acme (with a subsidiary) and Other; four
    awards from the Army's office or the Army to Acme's subsidiary or Acme (May 2020,
    January 2023, January 2018, May 2025); and people moving between them.

    Planted (``plant``): Alice leaves the Army in June 2021 and joins Acme in March 2022
    (9 months: a hit, with the 2020 and 2023 awards in her window, June 2019 to March
    2024); Frank leaves the Army in 2021 and joins Acme in 2021 (a year each: 0 months, a
    hit, window January 2019 to December 2023). Decoys, also in the control: Bob joins Acme
    more than 24 months after leaving; Carol joins Other, which has no Army award; Dave's
    Army role is undated; Erin moves from Acme to the Army.
    """
    entities = [("army", "GovernmentAgency"), ("army-office", "GovernmentAgency"), ("acme", "Company"),
                ("acme-sub", "Company"), ("other", "Company")] + [
        (p, "Person") for p in ("alice", "bob", "carol", "dave", "erin", "frank")]
    text = HEAD + "".join(f"  - {{id: {e}, type: {t}, label: {{en: {e.title()}}}, sources: [s]}}\n" for e, t in entities)
    text += "facts:\n"
    text += "  - id: office-of-army\n    type: SubUnit\n    claims:\n      - {source: s, quote: q, parent: army, child: army-office}\n"
    text += "  - id: sub-of-acme\n    type: Subsidiary\n    claims:\n      - {source: s, quote: q, parent: acme, child: acme-sub}\n"
    text += _award("a1", "army-office", "acme-sub", "2020-05-04", 100) + _award("a2", "army-office", "acme-sub", "2023-01-10", 200)
    text += _award("a3", "army-office", "acme-sub", "2018-01-02", 400) + _award("a4", "army", "acme", "2025-05-01", 800)
    if plant:
        text += _position("alice-army", "alice", "army", "Program Executive Officer", start="2019-01", end="2021-06")
        text += _position("alice-acme", "alice", "acme", "Vice President", start="2022-03")
        text += _position("frank-army", "frank", "army", "Director", end=2021)
        text += _position("frank-acme", "frank", "acme", "Board member", start=2021)
    text += _position("bob-army", "bob", "army", "Deputy", end=2015) + _position("bob-acme", "bob", "acme", "Adviser", start="2020-01")
    text += _position("carol-army", "carol", "army", "Chief", end="2021-01")
    text += _position("carol-other", "carol", "other", "Chief executive", start="2021-05")
    text += _position("dave-army", "dave", "army", "Officer") + _position("dave-acme", "dave", "acme", "Officer", start=2022)
    text += _position("erin-acme", "erin", "acme", "Engineer", end=2018) + _position("erin-army", "erin", "army", "Engineer", start=2019)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "planted.yaml").write_text(text, encoding="utf-8")
    embedded.sync(embedded.default_path(folder), folder)
    return folder


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    return planted_roles(tmp_path_factory.mktemp("roles") / "data")


@pytest.fixture(scope="module")
def control(tmp_path_factory) -> Path:
    return planted_roles(tmp_path_factory.mktemp("roles-control") / "data", plant=False)


def _door(data: Path, **kw) -> list:
    with open_store(data_dir=data) as store:
        return lib.run(store, ["revolving-door"], evidence=None, **kw)


# ------------------------------------------------------------------ the ontology

def test_a_position_is_a_w3c_org_membership():
    g = ontology_graph()
    for triple in ((DAI.Position, RDFS.subClassOf, ORG.Membership), (DAI.Position, RDFS.subClassOf, DAI.Relationship),
                   (DAI.holder, RDFS.subPropertyOf, ORG.member),
                   (DAI.organization, RDFS.subPropertyOf, ORG.organization)):
        assert triple in g, triple


def test_with_rdfs_entailments_org_queries_find_the_curated_membership(run_kg):
    out = run_kg("query", "SELECT ?m ?who ?where WHERE { ?m a org:Membership ; org:member ?who ; org:organization ?where }",
                 "--reason", "rdfs", "-f", "csv")
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[1:] == [f"{FACT['doug-matty-cdao-chief-digital-ai-officer']},{ID['doug-matty']},{ID['cdao']}"]


# ------------------------------------------------------------------ what the data may say

def _folder(tmp_path: Path, claim: str) -> Path:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.yaml").write_text(HEAD + textwrap.dedent("""\
          - {id: p, type: Person, label: {en: P}, sources: [s]}
          - {id: ag, type: GovernmentAgency, label: {en: Ag}, sources: [s]}
        facts:
          - id: pos
            type: Position
            claims:
        """) + "      - " + claim + "\n", encoding="utf-8")
    return tmp_path / "d"


@pytest.mark.parametrize("claim, message", [
    ('{source: s, holder: p, organization: ag, position_title: head, undated: true}', "has no quote"),
    ('{quote: "P heads Ag", holder: p, organization: ag, position_title: head, undated: true}', "claim without a source"),
    ('{source: s, quote: "P heads Ag", holder: p, organization: ag, position_title: head, start_date: 2021, end_date: 2020-05}',
     "end date 2020-05 (source 's') is before start date 2021"),
    ('{source: s, quote: "P heads Ag", holder: p, organization: ag, position_title: head}',
     "a position without dates must say so (undated: true"),
    ('{source: s, quote: "P heads Ag", holder: p, organization: ag, position_title: head, undated: true, start_date: 2020}',
     "a position marked undated has a date (2020)"),
    ('{source: s, quote: "P heads Ag", holder: ag, organization: ag, position_title: head, undated: true}',
     "'holder' must be a Person, but 'ag' is a GovernmentAgency"),
    ('{source: s, quote: "P heads Ag", holder: p, organization: ag, undated: true}', "names its role (position_title)"),
])
def test_a_bad_position_is_one_line_naming_the_file_and_exit_2(run_kg, tmp_path, claim, message):
    result = run_kg("validate", "--data", _folder(tmp_path, claim))
    assert result.exit_code == 2, result.output
    assert message in result.output and "a.yaml:" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_an_undated_position_is_allowed_marked_undated_and_holds_at_every_date(run_kg, tmp_path):
    data = _folder(tmp_path, '{source: s, quote: "P heads Ag", holder: p, organization: ag, position_title: head, undated: true}')
    assert run_kg("validate", "--data", data).exit_code == 0
    kg = build(data)
    assert list(kg.dataset.quads((FACT["pos"], DAI.undated, Literal(True), None)))
    for day in ("1900-01-01", "2099-12-31"):
        assert kg.as_of(day).actors.has_edge("p", "ag")


def test_shacl_rejects_a_position_stripped_of_its_citation(planted):
    """The shapes themselves, on RDF no loader checked: a position without a citation (a
    source's quote) is a violation."""
    cur = load_folder(planted)
    ds = to_dataset(cur)
    fact = FACT["alice-army"]
    for g in ds.graphs():
        for c in list(g.objects(fact, DAI.citation)):
            for t in list(g.triples((c, None, None))):
                g.remove(t)
            g.remove((fact, DAI.citation, c))
    with pytest.raises(ValidationError, match="every fact has at least one citation"):
        validate(ds, cur)


def test_a_dated_position_holds_only_between_its_dates(planted):
    kg = build(planted)
    assert kg.actors.has_edge("alice", "army")
    assert kg.as_of("2020-06-30").actors.has_edge("alice", "army")
    assert not kg.as_of("2021-07-01").actors.has_edge("alice", "army")  # ended June 2021
    assert not kg.as_of("2022-02-28").actors.has_edge("alice", "acme")  # from March 2022
    assert kg.as_of("2030-01-01").actors.has_edge("alice", "acme")


# ------------------------------------------------------------------ the curated roles

def test_the_shipped_roles_are_those_the_sources_state_each_with_its_exact_quote(kg):
    positions = sorted((r for r in kg.records.facts.values() if r.type == "Position"), key=lambda r: r.key)
    assert [p.key for p in positions] == ["doug-matty-cdao-chief-digital-ai-officer"]
    (matty,) = positions
    values = {p: sorted(str(t) for t in terms) for p, terms in matty.values.items()}
    assert values["holder"] == [str(ID["doug-matty"])] and values["organization"] == [str(ID["cdao"])]
    assert values["positionTitle"] == ["Chief Digital and AI Officer"] and values["undated"] == ["true"]
    assert not {"startDate", "endDate", "date"} & set(values)  # the source gives no date: none inferred
    excerpts = (SEEDS / "public-record-excerpts.md").read_text(encoding="utf-8")
    assert [c["source"] for c in matty.citations] == ["breitbart-cdao-july-awards"]
    assert all(c["quote"] in excerpts for c in matty.citations)
    assert "Chief Digital and AI Officer Dr. Doug Matty" in excerpts  # where the title comes from


def test_the_position_travels_in_the_exports(kg):
    from graph.exporters.ftm import generate_ftm
    from graph.exporters.property_graph import property_graph

    pg = property_graph(kg)
    edges = {(e.type, e.source, e.target) for e in pg.edges}
    assert ("HOLDS_POSITION_AT", "doug-matty", "cdao") in edges
    fact = "fact/doug-matty-cdao-chief-digital-ai-officer"
    assert {("HOLDER", fact, "doug-matty"), ("AT_ORGANIZATION", fact, "cdao")} <= edges
    assert "Position" in next(n.labels for n in pg.nodes if n.id == fact)
    (member,) = [json.loads(line) for line in generate_ftm(kg) if '"Membership"' in line and "doug-matty" in line]
    assert member["properties"]["member"] == ["dai-doug-matty"] and member["properties"]["role"] == [
        "Chief Digital and AI Officer"]


# ------------------------------------------------------------------ the revolving door

def test_the_revolving_door_finds_exactly_the_planted_moves(planted):
    hits = _door(planted)
    assert [(h.labels[h.subject], h.labels[h.office], h.labels[h.contractor]) for h in hits] == [
        ("Alice", "Army", "Acme"), ("Frank", "Army", "Acme")]
    alice, frank = hits
    assert alice.score == 3 and alice.measures["awards"] == 2
    assert (alice.measures["left"], alice.measures["joined"], alice.measures["gap_months"]) == ("2021-06", "2022-03", 9)
    assert (alice.measures["window_from"], alice.measures["window_to"]) == ("2019-06", "2024-03")
    assert alice.measures["agency_role"] == "Program Executive Officer" and alice.measures["contractor_role"] == "Vice President"
    assert (frank.measures["gap_months"], frank.measures["window_from"], frank.measures["window_to"]) == (0, "2019-01", "2023-12")
    # the facts that raise it: both positions and the awards in the window, each with its quote
    assert sorted(f.rsplit("/", 1)[1] for f in alice.facts) == ["a1", "a2", "alice-acme", "alice-army"]
    assert all(e["citations"] and e["citations"][0]["quote"] for e in alice.evidence)


def test_the_control_folder_has_no_move(control):
    assert _door(control) == []


def test_the_months_threshold_and_the_actor_filter(planted):
    assert [h.labels[h.subject] for h in _door(planted, params={"months": "6"})] == ["Frank"]
    wide = _door(planted, params={"months": "100"})  # Bob's five years now count, with every award around his move
    assert sorted(h.labels[h.subject] for h in wide) == ["Alice", "Bob", "Frank"]
    assert [h.labels[h.subject] for h in _door(planted, actor="alice")] == ["Alice"]


def test_the_cli_explains_and_prints_the_hits(run_kg, planted):
    explained = run_kg("flags", "--explain", "revolving-door").stdout
    assert "months = 24 (integer)" in explained and "Pitfalls:" in explained and "GAO-08-485" in explained
    out = run_kg("flags", "revolving-door", "--data", planted)
    assert out.exit_code == 0 and out.stdout.startswith("hits: 2 revolving-door")
    assert max(len(line) for line in out.stdout.splitlines()) <= 80
    rows = [json.loads(line) for line in run_kg("flags", "revolving-door", "--data", planted, "-f", "jsonl").stdout.splitlines()]
    assert [r["subject"] for r in rows] == ["id/alice", "id/frank"] and all(r["sources"] == "s" for r in rows)


def test_on_the_shipped_data_no_move(data_copy):
    """No hit, and why: the one position the sources state (Doug Matty at the CDAO) has no
    end and no start, and no source names anyone's earlier post at an agency."""
    with open_store(data_dir=data_copy) as store:
        assert lib.run(store, ["revolving-door"]) == []
        dated = store.select("SELECT ?p WHERE { ?p a dai:Position ; dai:startDate|dai:endDate ?d }")
        undated = store.select("SELECT ?p WHERE { ?p a dai:Position ; dai:undated true }")
    assert dated == [] and [str(r["p"]) for r in undated] == [str(FACT["doug-matty-cdao-chief-digital-ai-officer"])]


@pytest.fixture(scope="module")
def endpoint(planted, tmp_path_factory) -> str:
    yield from serve_store(planted, tmp_path_factory.mktemp("served-roles"))


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_the_same_hits_through_an_endpoint(run_kg, planted, endpoint, fmt):
    here = run_kg("flags", "revolving-door", "--data", planted, "-f", fmt)
    there = run_kg("flags", "revolving-door", "--data", planted, "-f", fmt, "--store", f"sparql:{endpoint}")
    assert here.exit_code == 0 and there.exit_code == 0, here.output + there.output
    assert there.stdout == here.stdout and "Alice" in here.stdout



def test_the_readme_block_runs_as_written(run_kg, curated_copy, monkeypatch):
    from tests.test_readme_blocks import command_blocks, commands

    (text,) = [b for first, b in command_blocks().items() if "org:Membership" in first]
    monkeypatch.chdir(curated_copy.parent)  # the roles are curated: the shipped table adds none
    out = {line: run_kg(*__import__("shlex").split(line)[1:]) for line in commands(text)}
    assert all(r.exit_code == 0 for r in out.values()), {k: r.output for k, r in out.items() if r.exit_code}
    said = [r.stdout for r in out.values()]
    assert "id:doug-matty" in said[0] and "cdao" in said[1] and said[2].splitlines()[2].startswith("partner  Amazon Web")
    assert said[3].strip() == "[]" and "months = 24" in said[4] and said[5] == "no hits\n"
