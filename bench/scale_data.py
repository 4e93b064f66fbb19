"""Synthetic USAspending Contracts Prime Award Summaries files, for the scale benchmark.

Not real data: every name, UEI and amount is made up (the agency names are real federal
agency names, the offices and everything else are generated). The layout is the official
one (286 columns, ``award.d1``); about 60 of the columns are filled, the others are empty,
as many are in real downloads. Deterministic: the same ``rows`` and ``seed`` give the same
file, byte for byte.

- **Recipients** follow a Zipf law (exponent 1): a few companies win many awards, most
  win one or two. They are drawn from ``rows / 10`` companies; one in four belongs to a parent
  company (a parent is itself a recipient, drawn among the biggest).
- **Agencies**: 50 toptier agencies (weighted: the Department of Defense issues about
  60 % of the awards), each with sub-agencies (the DoD's are the military departments and
  defence agencies) and offices.
- **Values** are log-normal (median about $60,000, a long tail into the hundreds of
  millions), current >= obligated and potential >= current; **dates** are spread over the
  fiscal years given, periods of performance last one month to five years.

    python bench/scale_data.py --rows 100000 -o Contracts_PrimeAwardSummaries_scale100000_1.csv

Example
-------
>>> rows = list(generate_awards(3, seed=1))
>>> len(rows), len(rows[0]) == len(COLUMNS), rows[0][0]
(4, True, 'contract_award_unique_key')
>>> rows[1][0].startswith("CONT_AWD_")
True
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import hashlib
import itertools
import json
import math
import random
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

__all__ = ["COLUMNS", "generate_awards", "write_awards", "recipient_count", "AGENCIES"]

COLUMNS: list[str] = json.loads(files("graph.importers").joinpath("usaspending_columns.json").read_text())["award.d1"]

#: (code, toptier name, weight, sub-agencies). The DoD's sub-agencies are its own; the
#: others get "<name> headquarters" and two generic bureaus.
AGENCIES: list[tuple[str, str, float, list[str]]] = [
    ("097", "Department of Defense", 60.0, [
        "Department of the Army", "Department of the Navy", "Department of the Air Force", "Defense Logistics Agency",
        "Defense Information Systems Agency", "Defense Health Agency", "Missile Defense Agency",
        "Defense Advanced Research Projects Agency", "U.S. Special Operations Command", "Defense Threat Reduction Agency",
        "Washington Headquarters Services", "Defense Counterintelligence and Security Agency"]),
    ("036", "Department of Veterans Affairs", 6.0, []), ("075", "Department of Health and Human Services", 4.0, []),
    ("047", "General Services Administration", 4.0, []), ("070", "Department of Homeland Security", 3.5, []),
    ("089", "Department of Energy", 2.5, []), ("080", "National Aeronautics and Space Administration", 2.0, []),
    ("015", "Department of Justice", 1.8, []), ("019", "Department of State", 1.5, []),
    ("012", "Department of Agriculture", 1.5, []), ("014", "Department of the Interior", 1.4, []),
    ("069", "Department of Transportation", 1.2, []), ("020", "Department of the Treasury", 1.1, []),
    ("013", "Department of Commerce", 1.0, []), ("072", "Agency for International Development", 0.8, []),
    ("091", "Department of Education", 0.5, []), ("086", "Department of Housing and Urban Development", 0.4, []),
    ("1601", "Department of Labor", 0.5, []), ("068", "Environmental Protection Agency", 0.4, []),
    ("028", "Social Security Administration", 0.4, []), ("049", "National Science Foundation", 0.2, []),
    ("031", "Nuclear Regulatory Commission", 0.1, []), ("024", "Office of Personnel Management", 0.1, []),
    ("073", "Small Business Administration", 0.1, []), ("095", "Independent Agencies", 0.1, []),
    ("033", "Smithsonian Institution", 0.1, []), ("059", "National Endowment for the Arts", 0.05, []),
    ("061", "Consumer Product Safety Commission", 0.05, []), ("064", "Tennessee Valley Authority", 0.1, []),
    ("065", "Federal Maritime Commission", 0.03, []), ("083", "Export-Import Bank of the United States", 0.03, []),
    ("088", "National Archives and Records Administration", 0.05, []), ("090", "Selective Service System", 0.02, []),
    ("093", "Federal Mediation and Conciliation Service", 0.02, []), ("184", "Corps of Engineers - Civil Works", 0.5, []),
    ("027", "Federal Communications Commission", 0.03, []), ("029", "Federal Trade Commission", 0.03, []),
    ("045", "Equal Employment Opportunity Commission", 0.03, []), ("050", "Securities and Exchange Commission", 0.05, []),
    ("060", "Railroad Retirement Board", 0.02, []), ("062", "Office of Special Counsel", 0.01, []),
    ("063", "National Labor Relations Board", 0.02, []), ("011", "Executive Office of the President", 0.05, []),
    ("001", "Architect of the Capitol", 0.05, []), ("005", "Government Accountability Office", 0.03, []),
    ("010", "Library of Congress", 0.05, []), ("025", "National Credit Union Administration", 0.02, []),
    ("048", "Federal Labor Relations Authority", 0.01, []), ("096", "U.S. Agency for Global Media", 0.03, []),
    ("077", "U.S. International Development Finance Corporation", 0.02, []),
]

_WORDS_A = ("APEX ATLAS BLUE CARDINAL CENTURY CIVIC COASTAL COMPASS CORE CREST DELTA EAGLE ELITE EMPIRE FALCON "
            "FRONTIER GRANITE HARBOR HORIZON IRON KEYSTONE LIBERTY MERIDIAN NATIONAL NORTHSTAR OMEGA PACIFIC "
            "PATRIOT PINNACLE PIONEER PRAIRIE QUANTUM RAVEN REDSTONE SABLE SENTRY SIERRA SPARTAN SUMMIT TITAN "
            "TRIDENT UNITED VANGUARD VECTOR VERTEX VICTORY WESTERN ZENITH").split()
_WORDS_B = ("AEROSPACE ANALYTICS APPLIED BIOSCIENCE CONSTRUCTION CONSULTING CYBER DATA DEFENSE DYNAMICS ELECTRONICS "
            "ENERGY ENGINEERING ENVIRONMENTAL FEDERAL HEALTH INNOVATIONS INTEGRATED LOGISTICS MANUFACTURING MARINE "
            "MEDICAL MISSION NETWORKS OPTICS POWER RESEARCH ROBOTICS SECURITY SERVICES SOLUTIONS SPACE STRATEGIES "
            "SYSTEMS TACTICAL TECHNOLOGIES TELECOM TRAINING").split()
_SUFFIXES = ("LLC", "INC", "CORP", "CORPORATION", "LLC", "INC.", "LTD", "GROUP INC", "CO", "JV LLC")
_ROMAN = ("", " II", " III", " IV", " V", " VI", " VII", " VIII", " IX", " X")
_STATES = [("VA", "VIRGINIA", "ARLINGTON"), ("MD", "MARYLAND", "BALTIMORE"), ("CA", "CALIFORNIA", "SAN DIEGO"),
           ("TX", "TEXAS", "SAN ANTONIO"), ("FL", "FLORIDA", "TAMPA"), ("AL", "ALABAMA", "HUNTSVILLE"),
           ("DC", "DISTRICT OF COLUMBIA", "WASHINGTON"), ("CO", "COLORADO", "COLORADO SPRINGS"),
           ("WA", "WASHINGTON", "BREMERTON"), ("OH", "OHIO", "DAYTON"), ("GA", "GEORGIA", "WARNER ROBINS"),
           ("NC", "NORTH CAROLINA", "FAYETTEVILLE"), ("AZ", "ARIZONA", "TUCSON"), ("MA", "MASSACHUSETTS", "BOSTON"),
           ("PA", "PENNSYLVANIA", "MECHANICSBURG"), ("NY", "NEW YORK", "NEW YORK"), ("UT", "UTAH", "OGDEN"),
           ("OK", "OKLAHOMA", "OKLAHOMA CITY"), ("HI", "HAWAII", "HONOLULU"), ("NM", "NEW MEXICO", "ALBUQUERQUE")]
_NAICS = [("541330", "ENGINEERING SERVICES"), ("541512", "COMPUTER SYSTEMS DESIGN SERVICES"),
          ("336411", "AIRCRAFT MANUFACTURING"), ("541715", "RESEARCH AND DEVELOPMENT IN THE PHYSICAL, ENGINEERING, AND LIFE SCIENCES"),
          ("236220", "COMMERCIAL AND INSTITUTIONAL BUILDING CONSTRUCTION"), ("561210", "FACILITIES SUPPORT SERVICES"),
          ("334511", "SEARCH, DETECTION, NAVIGATION, GUIDANCE, AERONAUTICAL, AND NAUTICAL SYSTEM AND INSTRUMENT MANUFACTURING"),
          ("424210", "DRUGS AND DRUGGISTS' SUNDRIES MERCHANT WHOLESALERS"), ("541611", "ADMINISTRATIVE MANAGEMENT CONSULTING SERVICES"),
          ("518210", "COMPUTING INFRASTRUCTURE PROVIDERS, DATA PROCESSING, WEB HOSTING"), ("332994", "SMALL ARMS MANUFACTURING")]
_PSC = [("R425", "SUPPORT- PROFESSIONAL: ENGINEERING/TECHNICAL"), ("D399", "IT AND TELECOM- OTHER IT AND TELECOMMUNICATIONS"),
        ("AC12", "NATIONAL DEFENSE R&D SERVICES; APPLIED RESEARCH"), ("1560", "AIRFRAME STRUCTURAL COMPONENTS"),
        ("6505", "DRUGS AND BIOLOGICALS"), ("Y1AA", "CONSTRUCTION OF OFFICE BUILDINGS"), ("J015", "MAINT/REPAIR OF AIRCRAFT"),
        ("DA01", "IT AND TELECOM - BUSINESS APPLICATION/APPLICATION DEVELOPMENT SUPPORT SERVICES"), ("5985", "ANTENNAS, WAVEGUIDES")]
_TYPES = [("D", "DEFINITIVE CONTRACT", 0.35), ("C", "DELIVERY ORDER", 0.4), ("B", "PURCHASE ORDER", 0.2),
          ("A", "BPA CALL", 0.05)]
_EXTENT = [("A", "FULL AND OPEN COMPETITION", 0.5), ("D", "FULL AND OPEN COMPETITION AFTER EXCLUSION OF SOURCES", 0.15),
           ("C", "NOT COMPETED", 0.25), ("G", "NOT AVAILABLE FOR COMPETITION", 0.1)]
_VERBS = ("PROVIDE", "SUSTAIN", "DEVELOP", "PROCURE", "MAINTAIN", "MODERNIZE", "INTEGRATE", "TEST")
_THINGS = ("ENGINEERING SUPPORT", "SPARE PARTS", "SOFTWARE LICENSES", "CLOUD HOSTING", "TRAINING SERVICES",
           "AIRCRAFT COMPONENTS", "MEDICAL SUPPLIES", "FACILITY MAINTENANCE", "DATA ANALYTICS", "RADAR UPGRADES",
           "AI/ML PROTOTYPES", "CYBERSECURITY SERVICES")
_ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def recipient_count(rows: int) -> int:
    """How many recipients a file of ``rows`` awards draws from (rows / 10)."""
    return max(10, rows // 10)


def _code(n: int, width: int, salt: str) -> str:
    """A stable pseudo-random identifier of ``width`` characters (UEIs, office codes)."""
    digest = hashlib.blake2b(f"{salt}{n}".encode(), digest_size=16).digest()
    return "".join(_ALNUM[b % len(_ALNUM)] for b in digest[:width])


def _company_name(n: int) -> str:
    a, rest = n % len(_WORDS_A), n // len(_WORDS_A)
    b, rest = rest % len(_WORDS_B), rest // len(_WORDS_B)
    s, rest = rest % len(_SUFFIXES), rest // len(_SUFFIXES)
    roman = _ROMAN[rest % len(_ROMAN)] + (f" {rest // len(_ROMAN) + 1}" if rest >= len(_ROMAN) else "")
    return f"{_WORDS_A[a]} {_WORDS_B[b]}{roman} {_SUFFIXES[s]}"


def _cumulative(weights) -> list[float]:
    return list(itertools.accumulate(weights))


class _World:
    """Agencies, offices and recipients of one generated file."""

    def __init__(self, rows: int, rng: random.Random):
        self.agencies = []
        for a, (code, name, weight, subs) in enumerate(AGENCIES):
            subs = subs or [f"{name} Headquarters", f"{name} Bureau of Operations", f"{name} Bureau of Programs"]
            sub_list = []
            for i, sub in enumerate(subs):
                sub_code = f"{a:02d}{i:02d}"
                offices = [(_code(j, 6, f"office-{code}-{i}-"), f"{sub.upper()} CONTRACTING OFFICE {j + 1}")
                           for j in range(max(2, min(40, int(weight * 3)) if i == 0 else max(2, int(weight))))]
                sub_list.append((sub_code, sub, offices))
            self.agencies.append((code, name, sub_list))
        self.agency_cum = _cumulative(w for _c, _n, w, _s in AGENCIES)
        n = recipient_count(rows)
        self.recipients = n
        self.recipient_cum = _cumulative(1.0 / (k + 1) for k in range(n))
        # one recipient in four has a parent, drawn among the first (biggest) 2 %
        big = max(1, n // 50)
        self.parent = [rng.randrange(big) if k >= big and rng.random() < 0.25 else -1 for k in range(n)]

    def recipient(self, k: int) -> tuple[str, str]:
        return _code(k, 12, "uei-"), _company_name(k)


def _pick(rng: random.Random, table):
    x = rng.random() * sum(t[-1] for t in table)
    for row in table:
        x -= row[-1]
        if x <= 0:
            return row
    return table[-1]


def generate_awards(rows: int, *, seed: int = 7, years: tuple[int, int] = (2020, 2024)) -> Iterator[list[str]]:
    """The header, then ``rows`` award rows (lists of 286 cells), deterministically from ``seed``.

    ``years`` are the first and last fiscal years of the awards' base action dates.
    """
    rng = random.Random(seed)
    world = _World(rows, rng)
    idx = {c: i for i, c in enumerate(COLUMNS)}
    width = len(COLUMNS)
    first_day = dt.date(years[0] - 1, 10, 1).toordinal()
    last_day = dt.date(years[1], 9, 30).toordinal()
    yield list(COLUMNS)
    seq: dict[str, int] = {}
    for n in range(rows):
        row = [""] * width

        def put(column: str, value: str) -> None:
            row[idx[column]] = value

        a = bisect.bisect_left(world.agency_cum, rng.random() * world.agency_cum[-1])
        code, agency, subs = world.agencies[a]
        sub_code, sub_name, offices = subs[min(int(rng.paretovariate(1.2)) - 1, len(subs) - 1)]
        office_code, office_name = offices[int(rng.random() ** 2 * len(offices))]
        k = bisect.bisect_left(world.recipient_cum, rng.random() * world.recipient_cum[-1])
        uei, name = world.recipient(k)
        day = dt.date.fromordinal(rng.randint(first_day, last_day))
        fy = day.year + (1 if day.month >= 10 else 0)
        type_code, type_name, _w = _pick(rng, _TYPES)
        key = f"{office_code}{fy % 100:02d}{type_code}"
        seq[key] = seq.get(key, 0) + 1
        piid = f"{key}{seq[key]:04d}"
        obligated = round(math.exp(rng.gauss(11.0, 2.2)), 2)
        current = round(obligated * (1 + rng.random() * 0.5), 2)
        potential = round(current * (1 + rng.random() * 2), 2)
        end = day + dt.timedelta(days=rng.randint(30, 1826))
        naics, naics_text = _NAICS[int(rng.random() ** 1.5 * len(_NAICS))]
        psc, psc_text = _PSC[int(rng.random() ** 1.5 * len(_PSC))]
        extent_code, extent, _w = _pick(rng, _EXTENT)
        state, state_name, city = _STATES[int(rng.random() ** 2 * len(_STATES))]
        put("contract_award_unique_key", f"CONT_AWD_{piid}_{code[:3]}{'7' if code == '097' else '0'}_-NONE-_-NONE-")
        put("award_id_piid", piid)
        if type_code in ("C", "A"):
            put("parent_award_id_piid", f"{office_code}{(fy - 2) % 100:02d}D{rng.randint(1, 60):04d}")
            put("parent_award_agency_id", code[:4])
            put("parent_award_agency_name", agency)
        put("total_obligated_amount", f"{obligated:.2f}")
        put("current_total_value_of_award", f"{current:.2f}")
        put("potential_total_value_of_award", f"{potential:.2f}")
        put("award_base_action_date", day.isoformat())
        put("award_base_action_date_fiscal_year", str(fy))
        put("award_latest_action_date", day.isoformat())
        put("award_latest_action_date_fiscal_year", str(fy))
        put("period_of_performance_start_date", day.isoformat())
        put("period_of_performance_current_end_date", end.isoformat())
        put("period_of_performance_potential_end_date", (end + dt.timedelta(days=rng.choice((0, 0, 365, 730)))).isoformat())
        for who in ("awarding", "funding"):
            put(f"{who}_agency_code", code)
            put(f"{who}_agency_name", agency)
            put(f"{who}_sub_agency_code", sub_code)
            put(f"{who}_sub_agency_name", sub_name)
            put(f"{who}_office_code", office_code)
            put(f"{who}_office_name", office_name)
        put("recipient_uei", uei)
        put("recipient_name", name)
        put("recipient_name_raw", name.replace(" LLC", ", L.L.C.") if k % 7 == 0 else name)
        if k % 11 == 0:
            put("recipient_doing_business_as_name", name.split()[0] + " " + name.split()[1])
        put("cage_code", _code(k, 5, "cage-"))
        p = world.parent[k]
        p_uei, p_name = world.recipient(p) if p >= 0 else (uei, name)
        put("recipient_parent_uei", p_uei)
        put("recipient_parent_name", p_name)
        put("recipient_parent_name_raw", p_name)
        put("recipient_country_code", "USA")
        put("recipient_country_name", "UNITED STATES")
        put("recipient_state_code", state)
        put("recipient_state_name", state_name)
        put("recipient_city_name", city)
        put("primary_place_of_performance_country_code", "USA")
        put("primary_place_of_performance_country_name", "UNITED STATES")
        put("primary_place_of_performance_state_code", state)
        put("primary_place_of_performance_state_name", state_name)
        put("primary_place_of_performance_city_name", city)
        put("award_or_idv_flag", "AWARD")
        put("award_type_code", type_code)
        put("award_type", type_name)
        verb, thing = rng.choice(_VERBS), rng.choice(_THINGS)
        description = f"{verb} {thing} FOR {sub_name.upper()}"
        if n % 13 == 0:
            description += ', INCLUDING "OPTION" YEARS, PER SOW'
        put("prime_award_base_transaction_description", description)
        put("number_of_actions", str(rng.randint(1, 12)))
        put("product_or_service_code", psc)
        put("product_or_service_code_description", psc_text)
        put("naics_code", naics)
        put("naics_description", naics_text)
        put("extent_competed_code", extent_code)
        put("extent_competed", extent)
        put("number_of_offers_received", "1" if extent_code in ("C", "G") else str(rng.randint(1, 15)))
        put("for_profit_organization", "t")
        put("contracting_officers_determination_of_business_size", rng.choice(("SMALL BUSINESS", "OTHER THAN SMALL BUSINESS")))
        put("usaspending_permalink", f"https://www.usaspending.gov/award/CONT_AWD_{piid}/")
        put("last_modified_date", f"{day.isoformat()} 12:00:00")
        yield row


def write_awards(path: str | Path, rows: int, *, seed: int = 7, years: tuple[int, int] = (2020, 2024)) -> Path:
    """Write :func:`generate_awards` to ``path`` (CSV, UTF-8, ``\\n`` line ends) and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(generate_awards(rows, seed=seed, years=years))
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000, help="How many awards (default 10,000).")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--years", default="2020-2024", help="First and last fiscal years, e.g. 2020-2024.")
    ap.add_argument("-o", "--output", default="-", help="CSV file to write, or - for stdout.")
    args = ap.parse_args(argv)
    years = tuple(int(y) for y in args.years.split("-"))
    if args.output == "-":
        csv.writer(sys.stdout, lineterminator="\n").writerows(generate_awards(args.rows, seed=args.seed, years=years))
    else:
        write_awards(args.output, args.rows, seed=args.seed, years=years)


if __name__ == "__main__":
    main()
