"""``kg interlocks A B`` (issue 17): the people and organizations linking two actors, one
link of each kind planted between Alpha and Beta (and none to the control actor Gamma),
with their facts, roles, dates and sources; --as-of; every output format; one-line errors;
the same answer through a SPARQL endpoint; and the shipped data."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import pytest

from graph.interlocks import LINKS, interlocks
from graph.store import embedded, open_store
from tests.servers import serve_store

PLANTED = textwrap.dedent("""\
    sources:
      - {id: s, title: Planted links, language: en, kind: news-article}
      - {id: t, title: A second source, language: en, kind: news-article}
    entities:
      - {id: alpha, type: Company, label: {en: Alpha Corp}, sources: [s]}
      - {id: beta, type: Company, label: {en: Beta Inc}, sources: [s]}
      - {id: gamma, type: Company, label: {en: Gamma LLC}, sources: [s]}
      - {id: holding, type: Company, label: {en: Holding Group}, sources: [s]}
      - {id: fund, type: Organization, label: {en: Venture Fund}, sources: [s]}
      - {id: startup, type: Company, label: {en: Startup}, sources: [s]}
      - {id: lab, type: Organization, label: {en: Research Lab}, sources: [s]}
      - {id: pat, type: Person, label: {en: Pat Example}, sources: [s]}
      - {id: lee, type: Person, label: {en: Lee Control}, sources: [s]}
    facts:
      - id: pat-alpha
        type: Position
        claims:
          - {source: s, quote: "Pat Example, a director of Alpha from 2019 to 2020", holder: pat, organization: alpha,
             position_title: Director, start_date: 2019, end_date: 2020}
      - id: pat-beta
        type: Position
        claims:
          - {source: t, quote: "Pat Example sits on Beta's board", holder: pat, organization: beta,
             position_title: Board member, undated: true}
      - id: lee-alpha
        type: Position
        claims:
          - {source: s, quote: "Lee Control works at Alpha", holder: lee, organization: alpha, position_title: Engineer, undated: true}
      - id: lee-gamma
        type: Position
        claims:
          - {source: s, quote: "Lee Control works at Gamma", holder: lee, organization: gamma, position_title: Engineer, undated: true}
      - id: alpha-of-holding
        type: Subsidiary
        claims: [{source: s, quote: "Alpha belongs to Holding Group", parent: holding, child: alpha}]
      - id: beta-of-holding
        type: Subsidiary
        claims: [{source: s, quote: "Beta belongs to Holding Group", parent: holding, child: beta}]
      - id: fund-in-alpha
        type: Investment
        claims: [{source: s, quote: "Venture Fund invested in Alpha", investor: fund, investee: alpha, date: 2022-03}]
      - id: fund-in-beta
        type: Investment
        claims: [{source: s, quote: "Venture Fund invested in Beta", investor: fund, investee: beta}]
      - id: alpha-in-startup
        type: Investment
        claims: [{source: s, quote: "Alpha invested in Startup", investor: alpha, investee: startup}]
      - id: beta-in-startup
        type: Investment
        claims: [{source: s, quote: "Beta invested in Startup", investor: beta, investee: startup}]
      - id: alpha-lab
        type: Partnership
        claims: [{source: s, quote: "Alpha partners with Research Lab", party: [alpha, lab]}]
      - id: beta-lab
        type: Partnership
        claims: [{source: s, quote: "Beta partners with Research Lab", party: [beta, lab]}]
      - id: alpha-beta
        type: Partnership
        claims: [{source: s, quote: "Alpha and Beta partner directly", party: [alpha, beta]}]
    """)


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("interlocks") / "data"
    data.mkdir()
    (data / "links.yaml").write_text(PLANTED, encoding="utf-8")
    embedded.sync(embedded.default_path(data), data)
    return data


def _links(data: Path, a: str, b: str) -> list[dict]:
    with open_store(data_dir=data) as store:
        return interlocks(store, a, b)


def test_one_link_of_each_kind_is_found_with_its_facts(planted):
    rows = _links(planted, "alpha", "Beta Inc")
    assert [(r["link"], r["via"]) for r in rows] == [
        ("person", "pat"), ("parent", "holding"), ("investor", "fund"), ("investee", "startup"), ("partner", "lab")]
    assert [r["link"] for r in rows] == [k for k in LINKS if k != "organization"]  # two companies: no shared employer
    person = rows[0]
    assert (person["via_label"], person["at_a"], person["at_b"]) == (
        "Pat Example", "Director (2019 to 2020)", "Board member (undated)")
    assert (person["fact_a"], person["fact_b"], person["sources"]) == ("pat-alpha", "pat-beta", ["s", "t"])
    assert person["quotes"] == ["Pat Example, a director of Alpha from 2019 to 2020", "Pat Example sits on Beta's board"]
    assert rows[2]["at_a"] == "Investment (2022-03)" and rows[2]["at_b"] == "Investment"
    # a direct partnership of the two is no interlock: only third actors are listed
    assert all(r["via"] not in ("alpha", "beta") for r in rows)


def test_two_people_are_linked_by_the_organization_where_both_hold_a_position(planted):
    (row,) = _links(planted, "Pat Example", "lee")
    assert (row["link"], row["via"], row["at_a"], row["at_b"]) == (
        "organization", "alpha", "Director (2019 to 2020)", "Engineer (undated)")


def test_the_order_of_the_two_actors_only_swaps_the_sides(planted):
    ab, ba = _links(planted, "alpha", "beta"), _links(planted, "beta", "alpha")
    assert [(r["via"], r["at_a"], r["at_b"]) for r in ab] == [(r["via"], r["at_b"], r["at_a"]) for r in ba]


def test_a_control_actor_shares_only_what_is_planted(planted):
    assert [(r["link"], r["via"]) for r in _links(planted, "alpha", "gamma")] == [("person", "lee")]
    assert _links(planted, "beta", "gamma") == []


def test_as_of_keeps_the_links_valid_then(run_kg, planted):
    then = json.loads(run_kg("interlocks", "alpha", "beta", "--data", planted, "--as-of", "2020-06-30", "-f", "json").stdout)
    later = json.loads(run_kg("interlocks", "alpha", "beta", "--data", planted, "--as-of", "2021-06-30", "-f", "json").stdout)
    assert "pat" in [r["via"] for r in then]
    # Pat left Alpha in 2020; the fund's investment in Alpha is dated March 2022
    assert [r["link"] for r in later] == ["parent", "investee", "partner"]
    assert [r["link"] for r in then] == ["person", "parent", "investee", "partner"]


def test_every_format(run_kg, planted):
    table = run_kg("interlocks", "Alpha Corp", "beta", "--data", planted)
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["link", "via_label", "at_a", "at_b", "sources"] and len(lines) == 2 + 5
    assert max(len(line) for line in lines) <= 80
    rows = list(csv.DictReader(io.StringIO(run_kg("interlocks", "alpha", "beta", "--data", planted, "-f", "csv").stdout)))
    assert [r["via"] for r in rows] == ["pat", "holding", "fund", "startup", "lab"] and "quotes" in rows[0]
    jsonl = run_kg("interlocks", "alpha", "beta", "--data", planted, "-f", "jsonl").stdout.splitlines()
    assert [json.loads(line)["link"] for line in jsonl] == ["person", "parent", "investor", "investee", "partner"]
    tsv = run_kg("interlocks", "alpha", "beta", "--data", planted, "-f", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:3] == ["link", "via", "via_label"] and len(tsv) == 6
    none = run_kg("interlocks", "beta", "gamma", "--data", planted)
    assert none.exit_code == 0 and none.stdout == "no interlocks between beta and gamma\n"


@pytest.mark.parametrize("args, message", [
    (("nobody-at-all", "beta"), "no actor named 'nobody-at-all'"),
    (("alpha", "Alpha Corp"), "are the same actor (alpha)"),
    (("alpha", "beta", "--as-of", "2020-13-01"), "--as-of"),
])
def test_bad_input_is_one_line_and_exit_2(run_kg, planted, args, message):
    result = run_kg("interlocks", *args, "--data", planted)
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def endpoint(planted, tmp_path_factory) -> str:
    yield from serve_store(planted, tmp_path_factory.mktemp("served-interlocks"))


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_the_same_answer_through_an_endpoint(run_kg, planted, endpoint, fmt):
    here = run_kg("interlocks", "alpha", "beta", "--data", planted, "-f", fmt)
    there = run_kg("interlocks", "alpha", "beta", "--data", planted, "-f", fmt, "--store", f"sparql:{endpoint}")
    assert here.exit_code == 0 and there.exit_code == 0, here.output + there.output
    assert there.stdout == here.stdout and "Pat Example" in here.stdout


def test_on_the_shipped_data(run_kg):
    """Anthropic and Palantir share a partner (AWS, in one three-party partnership); the
    CDAO and its parent share nobody: the one curated role is Doug Matty's at the CDAO."""
    rows = json.loads(run_kg("interlocks", "Anthropic", "Palantir", "-f", "json").stdout)
    assert [(r["link"], r["via"], r["fact_a"], r["sources"]) for r in rows] == [
        ("partner", "aws", "anthropic-aws-palantir-partnership", ["article-fr"])]
    assert json.loads(run_kg("interlocks", "cdao", "dod", "-f", "json").stdout) == []
