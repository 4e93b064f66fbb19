# ruff: noqa: E501
"""The DuckDB -> LadybugDB ``COPY`` that ``kg push --ladybug`` is measured against (issue 15).

A minimal script of a synthetic USAspending awards file (``bench/scale_data.py``) that loads
**the same property graph** as ``kg push --ladybug`` of that file's import: the same node
tables (Entity, Fact, Source) and relationship tables (AWARDING_AGENCY, CONTRACTED_WITH,
STATED_IN, ...), the same columns and types, the same rows (counts equal table by table;
``bench/ladybug_bench.py`` checks them, and a typed query: contracts over $100M with their
awarding agency). DuckDB reads the CSV and writes each table as Parquet (quotes, citations,
details as JSON, lists as lists); LadybugDB COPYs them into a new database and counts.

Only for this layout: it knows the importer's rules for these awards (an award is a fact
with its roles, the agency -> sub-agency -> office chain and the recipient's parent are
facts, a sub-agency named like its agency is the agency), not the store, the provenance
model or the null policy in general. Ids longer than the importer's 60 characters keep
their full slug here (ours end in a hash): the only values that differ.

    python bench/ladybug_duckdb_copy.py AWARDS.csv OUT.lbdb WORK_FOLDER   # prints: nodes rels
"""
import hashlib
import sys
from pathlib import Path

import duckdb
import ladybug

csv, out, work = sys.argv[1:4]
d = duckdb.connect()
name = Path(csv).name
src = "usaspending-" + "-".join("".join(c if c.isalnum() else " " for c in Path(csv).stem.lower()).split())
sha = hashlib.sha256(Path(csv).read_bytes()).hexdigest()
d.execute(f"CREATE TABLE a AS SELECT row_number() OVER () AS n_, * FROM read_csv('{csv}', header=true, all_varchar=true)")
d.execute("CREATE MACRO slug(s) AS trim(regexp_replace(lower(s), '[^a-z0-9]+', '-', 'g'), '-')")
d.execute("CREATE MACRO kv(k, v) AS CASE WHEN nullif(trim(v), '') IS NOT NULL THEN k || '=' || trim(v) END")
d.execute("CREATE MACRO shown(v) AS CASE WHEN nullif(trim(v), '') IS NOT NULL THEN trim(v) || ' (" + src + ")' END")
d.execute("CREATE MACRO usd(v) AS CASE WHEN nullif(trim(v), '') IS NOT NULL THEN "
          "format('{:,.2f}', TRY_CAST(v AS DOUBLE)) || ' USD (" + src + ")' END")
d.execute(f"CREATE MACRO cite(quote, inference) AS '[' || json_object('inference', inference, 'language', 'en', "
          f"'publisher', 'USAspending.gov', 'quote', quote, 'source', '{src}', 'source_title', '{name}', 'url', '')::VARCHAR || ']'")
QUOTE = ["contract_award_unique_key", "award_id_piid", "parent_award_id_piid", "award_type", "recipient_name",
         "recipient_uei", "recipient_parent_name", "recipient_parent_uei", "awarding_agency_name",
         "awarding_sub_agency_name", "awarding_office_name", "funding_agency_name", "total_obligated_amount",
         "current_total_value_of_award", "potential_total_value_of_award", "award_base_action_date",
         "period_of_performance_start_date", "period_of_performance_current_end_date",
         "period_of_performance_potential_end_date", "number_of_offers_received", "extent_competed", "naics_code",
         "naics_description", "product_or_service_code", "product_or_service_code_description",
         "primary_place_of_performance_city_name", "primary_place_of_performance_state_name",
         "primary_place_of_performance_country_name", "prime_award_base_transaction_description"]
quote = "concat_ws('; ', " + ", ".join(f"kv('{c}', {c})" for c in QUOTE) + ")"
def chain(p):  # (child, child name, parent, parent name, quote) of the agency -> sub-agency -> office chain
    q = "concat_ws('; ', " + ", ".join(f"kv('{p}_{lv}_{w}', {p}_{lv}_{w})" for lv in ("agency", "sub_agency", "office")
                                       for w in ("code", "name")) + ")"
    return (f"SELECT 'us-agency-' || slug({p}_sub_agency_name) AS child, {p}_sub_agency_name AS cname, "
            f"'us-agency-' || slug({p}_agency_name) AS parent, {p}_agency_name AS pname, {q} AS quote, '{p}' AS who, n_ "
            f"FROM a WHERE slug({p}_sub_agency_name) <> slug({p}_agency_name) UNION ALL "
            f"SELECT 'us-office-' || slug({p}_office_code), {p}_office_name, 'us-agency-' || slug({p}_sub_agency_name), "
            f"{p}_sub_agency_name, {q}, '{p}', n_ FROM a WHERE nullif({p}_office_code, '') IS NOT NULL")
d.execute(f"""CREATE TABLE aw AS SELECT
  'fact/usaspending-' || slug(contract_award_unique_key) AS id, 'usaspending-' || slug(contract_award_unique_key) AS fact,
  {quote} AS quote, award_id_piid AS piid,
  concat(coalesce(nullif(award_type, ''), 'Award'), ' ', coalesce(nullif(award_id_piid, ''), contract_award_unique_key),
         ' to ', coalesce(nullif(recipient_name, ''), 'recipient')) AS label,
  'uei-' || lower(recipient_uei) AS contractor, 'us-office-' || slug(awarding_office_code) AS awarding,
  'us-office-' || slug(funding_office_code) AS funding,
  'place-' || slug(concat_ws('-', primary_place_of_performance_country_code, primary_place_of_performance_state_code,
                             primary_place_of_performance_city_name)) AS place,
  TRY_CAST(total_obligated_amount AS DOUBLE) AS obligated, TRY_CAST(award_base_action_date AS DATE) AS date,
  TRY_CAST(period_of_performance_start_date AS DATE) AS start_date,
  TRY_CAST(period_of_performance_current_end_date AS DATE) AS end_date,
  json_object('awardKey', shown(contract_award_unique_key), 'awardingAgency', shown(awarding_office_name),
    'contractNumber', shown(award_id_piid), 'contractor', shown(recipient_name),
    'currentValue', usd(current_total_value_of_award), 'date', shown(award_base_action_date),
    'endDate', shown(period_of_performance_current_end_date), 'extentCompeted', shown(extent_competed),
    'fundingAgency', shown(funding_office_name), 'naicsCode', shown(naics_code),
    'obligatedAmount', usd(total_obligated_amount), 'offers', shown(number_of_offers_received),
    'placeOfPerformance', shown(concat_ws(', ', primary_place_of_performance_city_name,
      primary_place_of_performance_state_name, primary_place_of_performance_country_name)),
    'potentialEndDate', shown(period_of_performance_potential_end_date),
    'potentialValue', usd(potential_total_value_of_award), 'pscCode', shown(product_or_service_code),
    'purpose', shown(prime_award_base_transaction_description), 'startDate', shown(period_of_performance_start_date),
    'vehicle', shown(award_type))::VARCHAR AS details
FROM a""")
d.execute(f"""CREATE TABLE units AS SELECT child, parent, min(cname) AS cname, min(pname) AS pname,
  arg_min(quote, n_) AS quote, arg_min(who, n_) AS who FROM ({chain('awarding')} UNION ALL {chain('funding')}) GROUP BY child, parent""")
d.execute("""CREATE TABLE subs AS SELECT 'uei-' || lower(recipient_uei) AS child, 'uei-' || lower(recipient_parent_uei) AS parent,
  min(recipient_name) AS cname, min(recipient_parent_name) AS pname,
  arg_min(concat_ws('; ', kv('recipient_uei', recipient_uei), kv('recipient_name', recipient_name),
      kv('recipient_parent_uei', recipient_parent_uei), kv('recipient_parent_name', recipient_parent_name)), n_) AS quote
  FROM a WHERE nullif(recipient_parent_uei, '') IS NOT NULL AND recipient_parent_uei <> recipient_uei GROUP BY 1, 2""")
d.execute("""CREATE TABLE links AS
  SELECT 'fact/subunit-' || child || '-of-' || parent AS id, 'subunit-' || child || '-of-' || parent AS fact, child, parent,
    cname, pname, quote, 'SubUnit' AS kind, 'unit of' AS caption, cname || ', unit of ' || pname AS label,
    'USAspending lists the ' || who || ' office under its sub-agency and the sub-agency under its agency; '
    || 'a sub-agency named like its agency is the agency itself.' AS inference FROM units
  UNION ALL SELECT 'fact/subsidiary-' || child || '-of-' || parent, 'subsidiary-' || child || '-of-' || parent, child,
    parent, cname, pname, quote, 'Subsidiary', 'subsidiary of', cname || ', subsidiary of ' || pname,
    'USAspending names this parent (by UEI) for the recipient, as registered in SAM.gov at the time of the record; '
    || 'parent names are snapshots in time.' FROM subs""")
d.execute("""CREATE TABLE actor_edges AS SELECT awarding AS "from", contractor AS "to" FROM aw
  UNION ALL SELECT child, parent FROM links""")
d.execute("""CREATE TABLE ent AS SELECT id, min(kind) AS kind, min(label) AS label FROM (
  SELECT 'uei-' || lower(recipient_uei) AS id, 'Company' AS kind, recipient_name AS label FROM a
  UNION ALL SELECT 'uei-' || lower(recipient_parent_uei), 'Company', recipient_parent_name FROM a
    WHERE nullif(recipient_parent_uei, '') IS NOT NULL
  UNION ALL SELECT child, 'GovernmentAgency', cname FROM units UNION ALL SELECT parent, 'GovernmentAgency', pname FROM units
  UNION ALL SELECT place, 'Place', concat_ws(', ', primary_place_of_performance_city_name,
    primary_place_of_performance_state_name, primary_place_of_performance_country_name) FROM aw JOIN a
    ON aw.id = 'fact/usaspending-' || slug(a.contract_award_unique_key)) GROUP BY id""")
d.execute("""CREATE TABLE degree AS SELECT x AS id, count(DISTINCT y) AS n FROM (
  SELECT "from" AS x, "to" AS y FROM actor_edges UNION ALL SELECT "to", "from" FROM actor_edges) GROUP BY x""")
actors = d.execute("SELECT count(*) FROM ent WHERE kind <> 'Place'").fetchone()[0]
S = f"['{src}']"
tables = {
  "Entity": f"""SELECT e.id, NULL::VARCHAR[] AS aliases, CASE WHEN kind <> 'Place' THEN
     round(coalesce(n, 0) / {max(actors - 1, 1)}.0, 6) END AS degree_centrality, kind, label,
     ['Entity', kind] AS labels, 'entity' AS node_type, {S} AS sources FROM ent e LEFT JOIN degree g ON g.id = e.id""",
  "Fact": f"""SELECT id, cite(quote, '') AS citations, piid AS contract_number, 'USD' AS currency, date, details,
     end_date, 'Contract' AS kind, label, ['Fact', 'Contract'] AS labels, 'fact' AS node_type, obligated,
     [quote] AS quotes, {S} AS sources, start_date, start_date AS valid_from, end_date AS valid_to FROM aw
   UNION ALL SELECT id, cite(quote, inference), NULL, NULL, NULL,
     json_object('child', cname || ' ({src})', 'parent', pname || ' ({src})')::VARCHAR, NULL, kind, label, ['Fact', kind],
     'fact', NULL, [quote], {S}, NULL, NULL, NULL FROM links""",
  "Source": f"""SELECT 'source/{src}' AS id, 'utf-8' AS characterEncoding,
     'USAspending Contracts Prime Award Summaries' AS datasetName, 'Source' AS kind, '{name}' AS label,
     ['Source'] AS labels, 'en' AS language, 'source' AS node_type, 'USAspending.gov' AS publisher,
     (SELECT count(*) FROM a)::VARCHAR AS recordCount, (SELECT count(*) FROM a)::VARCHAR AS rowCount,
     '{sha}' AS sha256sum, 'dataset' AS sourceKind, '{name}' AS title""",
}
def role(prop, col, where=""):
    return (f"""SELECT id AS "from", {col} AS "to", id || '|{prop}|' || {col} AS key, '{prop}' AS property,
      [quote] AS quotes, {S} AS sources FROM aw {where}""")
def link(end):
    return (f"""SELECT id AS "from", {end} AS "to", id || '|{end}|' || {end} AS key, '{end}' AS property,
      [quote] AS quotes, {S} AS sources FROM links""")
def actor(kind):
    return (f"""SELECT child AS "from", parent AS "to", caption, cite(quote, inference) AS citations,
      json_object('child', cname || ' ({src})', 'parent', pname || ' ({src})')::VARCHAR AS details, true AS directed, fact,
      label AS fact_label, child || '|{'UNIT_OF' if kind == 'SubUnit' else 'SUBSIDIARY_OF'}|' || parent || '|' || fact AS key,
      [quote] AS quotes, kind AS relation, {S} AS sources FROM links WHERE kind = '{kind}'""")
rels = {
  "AWARDING_AGENCY": ("Fact", "Entity", role("awardingAgency", "awarding")),
  "CHILD": ("Fact", "Entity", link("child")),
  "CONTRACTED_WITH": ("Entity", "Entity", f"""SELECT awarding AS "from", contractor AS "to", 'contract' AS caption,
     cite(quote, '') AS citations, piid AS contract_number, 'USD' AS currency, date, details, true AS directed,
     end_date, fact, label AS fact_label, awarding || '|CONTRACTED_WITH|' || contractor || '|' || fact AS key,
     obligated, [quote] AS quotes, 'Contract' AS relation, {S} AS sources, start_date, start_date AS valid_from,
     end_date AS valid_to FROM aw"""),
  "CONTRACTOR": ("Fact", "Entity", role("contractor", "contractor")),
  "FUNDING_AGENCY": ("Fact", "Entity", role("fundingAgency", "funding", "WHERE funding IS NOT NULL")),
  "MENTIONED_IN": ("Entity", "Source", f"""SELECT id AS "from", 'source/{src}' AS "to",
     id || '|mentionedIn|source/{src}' AS key, 'mentionedIn' AS property FROM ent"""),
  "PARENT": ("Fact", "Entity", link("parent")),
  "PLACE_OF_PERFORMANCE": ("Fact", "Entity", role("placeOfPerformance", "place")),
  "STATED_IN": ("Fact", "Source", f"""SELECT id AS "from", 'source/{src}' AS "to", id || '|source|source/{src}' AS key,
     'source' AS property, [quote] AS quotes FROM (SELECT id, quote FROM aw UNION ALL SELECT id, quote FROM links)"""),
  "SUBSIDIARY_OF": ("Entity", "Entity", actor("Subsidiary")),
  "UNIT_OF": ("Entity", "Entity", actor("SubUnit")),
}
conn = ladybug.Connection(ladybug.Database(out))
def ddl(name, query, head):
    cols = d.execute(f"DESCRIBE ({query})").fetchall()[len(head):]
    t = {"VARCHAR": "STRING", "VARCHAR[]": "STRING[]", "DOUBLE": "DOUBLE", "DATE": "DATE", "BOOLEAN": "BOOLEAN",
         "BIGINT": "INT64", "INTEGER": "INT64"}
    return ", ".join(f"`{c[0]}` {t[c[1]]}" for c in cols)
for name, query in tables.items():
    d.execute(f"COPY ({query} ORDER BY id) TO '{work}/{name}.parquet' (FORMAT parquet)")
    conn.execute(f"CREATE NODE TABLE {name}(id STRING PRIMARY KEY, {ddl(name, query, ['id'])})")
    conn.execute(f"COPY {name} FROM '{work}/{name}.parquet'")
for name, (a_, b_, query) in rels.items():
    d.execute(f"COPY ({query} ORDER BY 1, 2) TO '{work}/{name}.parquet' (FORMAT parquet)")
    conn.execute(f"CREATE REL TABLE {name}(FROM {a_} TO {b_}, {ddl(name, query, ['from', 'to'])})")
    conn.execute(f"COPY {name} FROM '{work}/{name}.parquet'")
nodes = conn.execute("MATCH (n) RETURN count(n)").get_all()[0][0]
rels_n = conn.execute("MATCH ()-[r]->() RETURN count(r)").get_all()[0][0]
print(nodes, rels_n)
