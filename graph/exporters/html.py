"""Interactive, self-contained HTML explorer of the actor graph.

One file, no network: vis-network (the build that ships inside pyvis' package), the graph
data as escaped JSON and the page's own script are inlined; a Content-Security-Policy
forbids every remote load and allows the two scripts by hash only, so markup smuggled
into the data cannot run. Everything read from the graph is untrusted text: it travels as
JSON inside ``<script type="application/json">`` and the page writes it into the DOM with
``textContent`` only; only http(s) URLs become links (``rel="noopener noreferrer"``).

The page has a legend that doubles as the class and relation filters, a source filter (the
sources that state a relation), an "as of" control in ISO dates starting at today's date
(each relation carries its validity interval, see :mod:`graph.timeline`), search by English
or French name or alias (case and accents ignored), a side panel that groups an actor's
relations by type (one card per fact, the largest amount first, each line's sources said
once: :func:`_detail_lines`), neighbourhood and shortest-path highlighting, the view fitted
to a path and after filters, side panels that fold away (floating in narrow windows), and
PNG export of the current view. vis-network draws no label: the page's label layer does,
by importance (the larger actors first, small ones once zoomed in), dropping any label that
would overlap one already drawn.

Small graphs are laid out in the browser by vis-network's physics. Above
:data:`LARGE_GRAPH` actors, positions are computed here (:func:`layout`, pure Python,
deterministic, about linear time), physics is off and edges are straight; above
:data:`LEAN_EDGES` relations, arrows are drawn on highlighted edges only,
and highlighting veils the rest instead of restyling it. A 10,000-actor page is interactive
within about 2 seconds (``bench/html_bench.py`` measures it against pyvis).
pyvis itself is not used to build the page: its ``add_edge`` scans every edge (quadratic)
and its template loads Bootstrap from a CDN.

Example
-------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("dod", kind="GovernmentAgency", label="Department of Defense",
...            label_fr="Département de la Défense", aliases=["DoD"],
...            description="", wikidata="", assertions=[], degree_centrality=1.0)
>>> g.add_node("openai", kind="Company", label="OpenAI", label_fr="OpenAI",
...            aliases=[], description="", wikidata="", assertions=[],
...            degree_centrality=1.0)
>>> g.add_edge("dod", "openai", key="dod-openai-contract", relation="Contract",
...            fact="dod-openai-contract", label="$200M contract", directed=True,
...            start="2025-06", end="", date="", details={}, citations=[],
...            sources=[])
'dod-openai-contract'
>>> html = "".join(generate(g, title="demo"))
>>> html.startswith("<!DOCTYPE html>")
True
>>> html == "".join(generate(g, title="demo"))   # deterministic
True
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import math
import re
import unicodedata
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import networkx as nx

from graph.analysis import neighbourhood  # noqa: F401 - kept importable from here


__all__ = ["generate", "generate_page", "layout", "neighbourhood", "fold", "LARGE_GRAPH", "LEAN_EDGES"]

#: Above this many actors the page gets positions computed in Python and no physics
#: (vis-network's physics needs ~25 ms per actor to settle here: 1.1 s at 50, 2.5 s at 100).
LARGE_GRAPH = 60
#: Above this many relations the page draws edge labels and arrows on highlighted edges only.
LEAN_EDGES = 3000

#: Node style per ``kind``: (colour, darker border colour, vis-network shape).
#: Shapes are those that draw their label underneath, so ``size`` applies.
KIND_STYLES: dict[str, tuple[str, str, str]] = {
    "GovernmentAgency": ("#c2410c", "#7c2d12", "square"),
    "Company": ("#2563eb", "#1e3a8a", "dot"),
    "Organization": ("#0d9488", "#134e4a", "hexagon"),
    "Person": ("#ca8a04", "#713f12", "triangle"),
    "Program": ("#7c3aed", "#4c1d95", "diamond"),
    "Product": ("#16a34a", "#14532d", "star"),
}
_OTHER_STYLE = ("#64748b", "#334155", "dot")

#: Human names for the legend.
KIND_NAMES: dict[str, str] = {
    "GovernmentAgency": "Government agency",
    "Company": "Company",
    "Organization": "Organization",
    "Person": "Person",
    "Program": "Program",
    "Product": "Product",
}

#: Edge style per relation: (colour, dashed, legend name).
RELATION_STYLES: dict[str, tuple[str, bool, str]] = {
    "Contract": ("#c2410c", False, "Contract"),
    "Partnership": ("#2563eb", False, "Partnership"),
    "Investment": ("#16a34a", False, "Investment"),
    "Competition": ("#dc2626", True, "Competition"),
    "Subsidiary": ("#475569", False, "Subsidiary"),
    "SubUnit": ("#64748b", False, "Sub-unit"),
    "Involvement": ("#7c3aed", False, "Involvement"),
    "Event": ("#ca8a04", False, "Event"),
}
_OTHER_RELATION = ("#64748b", False, "")

_MIN_SIZE, _MAX_SIZE = 12.0, 30.0
_LARGE_MIN_SIZE, _LARGE_MAX_SIZE = 8.0, 44.0
_RANDOM_SEED = 20250601
_STABILIZATION_ITERATIONS = 600

_FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", '
    '"Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif'
)

_NODE_OPTIONS: dict[str, Any] = {
    "borderWidth": 2,
    "borderWidthSelected": 3,
    "labelHighlightBold": True,
    "widthConstraint": {"maximum": 190},  # wrap long labels
    "font": {"face": _FONT_STACK, "size": 16, "color": "#0f172a", "strokeWidth": 4, "strokeColor": "#ffffff"},
}
_EDGE_OPTIONS: dict[str, Any] = {
    "width": 1.4,
    "selectionWidth": 1.6,
    "hoverWidth": 1.0,
    "arrowStrikethrough": False,
    "font": {
        "face": _FONT_STACK,
        "size": 11,
        "color": "#334155",
        "strokeWidth": 4,
        "strokeColor": "#ffffff",
        "align": "horizontal",
    },
}

#: vis-network options for a graph laid out in the browser (physics, then still).
_VIS_OPTIONS: dict[str, Any] = {
    "autoResize": True,
    "layout": {"randomSeed": _RANDOM_SEED, "improvedLayout": True},
    "physics": {
        "enabled": True,
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {
            "gravitationalConstant": -45,
            "centralGravity": 0.015,
            "springLength": 100,
            "springConstant": 0.08,
            "damping": 0.5,
            "avoidOverlap": 0.35,
        },
        "maxVelocity": 40,
        "minVelocity": 0.75,
        "stabilization": {"enabled": True, "iterations": _STABILIZATION_ITERATIONS, "updateInterval": 50, "fit": True},
    },
    "interaction": {"hover": True, "tooltipDelay": 200, "multiselect": False, "navigationButtons": False,
                    "keyboard": False},
    "nodes": _NODE_OPTIONS,
    "edges": {**_EDGE_OPTIONS, "smooth": {"enabled": True, "type": "dynamic"}},
}

def _vis_options(large: bool, lean: bool) -> dict[str, Any]:
    """vis-network options.

    Small graph: laid out in the browser by physics, then still. Large graph: positions given,
    no physics, straight edges, node labels drawn only once zoomed in. Lean graph (many
    edges): besides, edge labels and arrows only on highlighted edges (font size 0 otherwise:
    20,000 labels and arrowheads cost a third of each frame), edges hidden while dragging or
    zooming.
    """
    if not large:
        return _VIS_OPTIONS
    edge_font = {**_EDGE_OPTIONS["font"], "size": 0} if lean else _EDGE_OPTIONS["font"]
    return {
        "autoResize": True,
        "layout": {"randomSeed": _RANDOM_SEED, "improvedLayout": False},
        "physics": {"enabled": False},
        "interaction": {**_VIS_OPTIONS["interaction"], "hideEdgesOnDrag": lean, "hideEdgesOnZoom": lean},
        "nodes": {**_NODE_OPTIONS, "font": {**_NODE_OPTIONS["font"], "size": 14},
                  "scaling": {"label": {"drawThreshold": 7}}},
        "edges": {**_EDGE_OPTIONS, "width": 0.8 if lean else 1.0, "smooth": False, "font": edge_font,
                  "scaling": {"label": {"drawThreshold": 9}}},
    }


_PYVIS_ASSETS = "lib/vis-9.1.2"


# ------------------------------------------------------------------------ public API


def generate(
    actors: nx.MultiDiGraph,
    *,
    title: str = "defense-ai-graph",
    as_of: str | dt.date | None = None,
    focus: str | None = None,
    large_graph: int = LARGE_GRAPH,
    flags: Iterable[Any] | None = None,
) -> Iterator[str]:
    """Yield a self-contained interactive HTML page showing the actor graph.

    Parameters
    ----------
    actors : networkx.MultiDiGraph
        The actor view (``KnowledgeGraph.actors``): nodes and edges carry the attributes
        described in :mod:`graph.views`. Missing attributes are tolerated and shown empty;
        an edge without ``valid_from`` / ``valid_to`` gets them from its ``start``,
        ``end`` and ``date`` (see :func:`graph.timeline.interval`).
    title : str, optional
        The page title (plain text; it is HTML-escaped).
    as_of : str or datetime.date, optional
        The date the graph was filtered to (``KnowledgeGraph.as_of``): shown in the page,
        and where the date slider starts.
    focus : str, optional
        A node id to select when the page opens (``kg view --focus``).
    large_graph : int, optional
        Above this many actors, lay out in Python and turn physics off (default
        :data:`LARGE_GRAPH`).
    flags : iterable of graph.flags.Hit, optional
        Red-flag hits (:func:`graph.flags.run`): the page marks the actors and relations
        they name, lists them with their evidence, and filters by flag. The hits about
        nothing on the page are left out.

    Yields
    ------
    str
        The HTML document, in one chunk. Same graph, same bytes.

    Raises
    ------
    TypeError
        If ``actors`` is not a networkx graph.
    """
    if not isinstance(actors, nx.Graph):
        raise TypeError(f"expected a networkx MultiDiGraph, got {type(actors).__name__}")
    as_of_text = as_of.isoformat() if isinstance(as_of, dt.date) else _text(as_of)
    focus_id = str(focus) if focus is not None and focus in actors else ""
    data = _page_data(actors, as_of=as_of_text, focus=focus_id, large=len(actors) > large_graph,
                      lean=actors.number_of_edges() > LEAN_EDGES)
    data["flags"], data["hits"] = _flag_data(flags or (), data)
    data_json = _script_json(data)
    vis_js, vis_css = _vis_assets()
    yield _template().render(
        title=str(title),
        data_json=data_json,
        vis_js=vis_js,
        vis_css=vis_css,
        vis_js_hash=_csp_hash(vis_js),
        legend=data["legend"],
        relations=data["relations"],
        flags=data["flags"],
        sources=data["source_list"],
        dates=data["dates"],
        meta=data["meta"],
        node_count=len(data["nodes"]),
        edge_count=len(data["edges"]),
    )


def generate_page(kg: Any, *, title: str = "defense-ai-graph") -> Iterator[str]:
    """Registry adapter: :func:`generate` for a ``KnowledgeGraph`` (uses ``kg.actors``),
    with the red flags of its dataset (:func:`flag_hits`) when it has one.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> kg = SimpleNamespace(actors=nx.MultiDiGraph())
    >>> "".join(generate_page(kg)) == "".join(generate(kg.actors))
    True
    """
    dataset = getattr(kg, "dataset", None)
    return generate(kg.actors, title=title, flags=flag_hits(dataset) if dataset is not None else None)


def flag_hits(dataset: Any) -> list[Any]:
    """Every red flag (:func:`graph.flags.run`, default thresholds) over an RDF dataset, run
    on an in-memory copy of it: what ``kg build`` puts in the page. Deterministic (the hits
    are sorted by score, flag and subject).

    >>> from graph import build
    >>> hits = flag_hits(build("data").dataset)
    >>> {"single-source", "concentration"} <= {h.flag for h in hits}
    True
    """
    from graph import flags
    from graph.store.oxigraph import OxigraphStore

    store = OxigraphStore(None)
    store.spec = "the page's graph"
    store.load_text(dataset.serialize(format="nquads", encoding="utf-8"))
    return flags.run(store)


def _flag_data(hits: Iterable[Any], data: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The flags and hits for the page: ids as the page's (actor slugs, fact slugs), only
    the hits about an actor or a relation on it; scores and measures as text."""
    from graph.flags import library
    from graph.iris import BASE

    def _shown(v: Any) -> str:  # 1,234,567.89 as kg flags prints it
        if isinstance(v, Decimal):
            return f"{v:,f}" if abs(v) >= 1000 else f"{v:f}"
        return _text(v)

    def local(iri: str, kind: str) -> str:
        prefix = BASE + kind + "/"
        return iri[len(prefix):] if iri.startswith(prefix) else ""

    nodes = data["info"]
    facts = data["facts"]
    out: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for h in hits:
        actors = [a for a in dict.fromkeys(local(x, "id") for x in (h.office, h.contractor, *h.parties)) if a in nodes]
        on_page = [f for f in (local(x, "fact") for x in h.facts) if f in facts]
        subject = local(h.subject, "fact") or local(h.subject, "id")
        if not actors and not on_page:
            continue
        counts[h.flag] = counts.get(h.flag, 0) + 1
        labels = {x: h.labels[x] for x in (h.subject, h.office, h.contractor) if x in h.labels}
        evidence = []
        for e in h.evidence:
            evidence.append(_compact({
                "fact": local(e["fact"], "fact"),
                "label": _text(e.get("label")),
                "citations": [_compact({"source": _text(c.get("source")), "quote": _text(c.get("quote")),
                                        "locator": _text(c.get("locator")), "url": _text(c.get("url")),
                                        "link": _text(c.get("url")) if _is_web_url(_text(c.get("url"))) else ""})
                              for c in e.get("citations", [])],
            }))
        out.append(_compact({
            "flag": h.flag,
            "score": _shown(h.score),
            "subject": subject,
            "subject_label": labels.get(h.subject, ""),
            "office": local(h.office, "id"),
            "office_label": labels.get(h.office, ""),
            "contractor": local(h.contractor, "id"),
            "contractor_label": labels.get(h.contractor, ""),
            "actors": actors,
            "facts": on_page,
            "fact_count": len(h.facts),
            "measures": [[k, _shown(v)] for k, v in h.measures.items() if v not in (None, "")],
            "evidence": evidence,
        }))
    lib = library()
    flags = [{"flag": name, "title": lib[name].title if name in lib else name,
              "question": lib[name].question if name in lib else "", "count": counts[name]}
             for name in sorted(counts, key=lambda n: (list(lib).index(n) if n in lib else len(lib), n))]
    return flags, out


def fold(text: str) -> str:
    """Text for matching: no accents, no case, one kind of apostrophe, single spaces.

    The page's search folds the same way.

    >>> fold("  Ministère   des ARMÉES ")
    'ministere des armees'
    >>> fold("L’Œuvre")
    "l'oeuvre"
    """
    text = unicodedata.normalize("NFD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    for a, b in (("\u2018", "'"), ("\u2019", "'"), ("\u02bc", "'"), ("\u00b4", "'"), ("`", "'"),
                 ("\u0153", "oe"), ("\u00e6", "ae")):
        text = text.replace(a, b)
    return " ".join(text.split())


def _page_data(actors: nx.MultiDiGraph, *, as_of: str, focus: str, large: bool, lean: bool) -> dict[str, Any]:
    """Everything the page needs, as JSON-ready, deterministically ordered data."""
    node_keys = sorted(actors.nodes, key=str)
    centralities = [_number(actors.nodes[n].get("degree_centrality")) for n in node_keys]
    top = max(centralities, default=0.0)
    low, high = (_LARGE_MIN_SIZE, _LARGE_MAX_SIZE) if large else (_MIN_SIZE, _MAX_SIZE)

    nodes: list[dict[str, Any]] = []
    info: dict[str, dict[str, Any]] = {}
    sizes: dict[str, float] = {}
    kind_counts: dict[str, int] = {}
    sources: dict[str, dict[str, str]] = {}
    for key, centrality in zip(node_keys, centralities):
        attrs = actors.nodes[key]
        node_id = str(key)
        kind = _text(attrs.get("kind")) or "Other"
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
        label = _text(attrs.get("label")) or node_id
        # sqrt: degrees are heavy-tailed, so hubs stand out without dwarfing everyone else
        size = round(low + (high - low) * (math.sqrt(centrality / top) if top > 0 else 0.0), 2)
        sizes[node_id] = size
        # No `title`: vis renders string titles as HTML. The page shows its own tooltip.
        nodes.append({"id": node_id, "label": label, "kind": kind, "size": size})
        mentioned = _texts(attrs.get("sources"))
        for slug in mentioned:
            sources.setdefault(slug, _source_record({"source": slug}))
        info[node_id] = _compact({
            "kind": kind,
            "label": label,
            "label_fr": _text(attrs.get("label_fr")),
            "aliases": _texts(attrs.get("aliases")),
            "description": _text(attrs.get("description")),
            "wikidata": _text(attrs.get("wikidata")),
            "wikidata_url": _wikidata_url(_text(attrs.get("wikidata"))),
            "degree_centrality": round(centrality, 6),
            "sources": mentioned,
            "assertions": [_assertion(a, sources) for a in _items(attrs.get("assertions"))],
        })
        info[node_id]["edges"] = []

    edges: list[dict[str, Any]] = []
    facts: dict[str, dict[str, Any]] = {}
    relation_counts: dict[str, int] = {}
    source_counts: dict[str, int] = {}
    days: list[str] = []
    ordered = sorted(actors.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2])))
    for index, (u, v, key, attrs) in enumerate(ordered):
        edge_id = f"e{index}"
        source, target = str(u), str(v)
        relation = _text(attrs.get("relation")) or "Relation"
        relation_counts[relation] = relation_counts.get(relation, 0) + 1
        fact_id = _text(attrs.get("fact")) or str(key)
        valid_from, valid_to = _validity(attrs)
        days.extend(d for d in (valid_from, valid_to) if d)
        cited = _texts(attrs.get("sources"))
        for slug in cited:
            source_counts[slug] = source_counts.get(slug, 0) + 1
        label = _text(attrs.get("label")) or relation.lower()
        edges.append({
            "id": edge_id,
            "from": source,
            "to": target,
            "label": _edge_caption(label, attrs),
            "relation": relation,
            "fact": fact_id,
            "directed": bool(attrs.get("directed", True)),
            "valid_from": valid_from,
            "valid_to": valid_to,
            "sources": cited,
        })
        if fact_id not in facts:  # edges drawn from one fact share its record (their ends, label and
            # validity are on each edge); empty fields are left out, the page reads them as empty
            facts[fact_id] = _compact({
                "fact_label": _text(attrs.get("fact_label")) if _text(attrs.get("fact_label")) != label else "",
                "start": _text(attrs.get("start")),
                "end": _text(attrs.get("end")),
                "date": _text(attrs.get("date")),
                "details": _details(attrs.get("details")),
                "disagreements": _texts(attrs.get("disagreements")),
                "cited_elsewhere": _text(attrs.get("cited_elsewhere")),
                "citations": [_citation(c, sources) for c in _items(attrs.get("citations"))],
                "assertions": [_assertion(a, sources) for a in _items(attrs.get("assertions"))],
            })
        for slug in cited:
            sources.setdefault(slug, _source_record({"source": slug}))
        info[source]["edges"].append(edge_id)
        if target != source:
            info[target]["edges"].append(edge_id)
    for record in info.values():
        if not record["edges"]:
            del record["edges"]
    for fact in facts.values():  # each line's sources once, where all its values share them
        if fact.get("details"):
            lines, cited_by = _detail_lines(fact["details"], sources)
            fact["details"] = lines
            if any(cited_by):
                fact["detail_sources"] = cited_by
            amount = _amount(lines)
            if amount:
                fact["amount"] = amount  # the panel sorts a relation type's facts by it

    by_id = {e["id"]: e for e in edges}
    for record in info.values():  # a node's relations grouped by kind, then by fact
        record.get("edges", []).sort(key=lambda e: (by_id[e]["relation"], by_id[e]["fact"], int(e[1:])))

    if large:
        positions = layout(actors, sizes)
        for node in nodes:
            node["x"], node["y"] = positions[node["id"]]

    kind_order = list(KIND_STYLES) + sorted(k for k in kind_counts if k not in KIND_STYLES)
    legend = [
        {"kind": kind, "name": KIND_NAMES.get(kind, kind), "color": _kind_style(kind)[0],
         "border": _kind_style(kind)[1], "shape": _kind_style(kind)[2], "count": kind_counts[kind]}
        for kind in kind_order
        if kind in kind_counts
    ]
    relation_order = list(RELATION_STYLES) + sorted(r for r in relation_counts if r not in RELATION_STYLES)
    relations = [
        {"relation": rel, "name": _relation_style(rel)[2] or rel, "color": _relation_style(rel)[0],
         "dashes": _relation_style(rel)[1], "count": relation_counts[rel]}
        for rel in relation_order
        if rel in relation_counts
    ]
    source_list = sorted(  # the sources that state a relation (not those cited by assertions alone)
        ({"source": slug, "title": rec["title"] or slug, "count": source_counts[slug]}
         for slug, rec in sources.items() if source_counts.get(slug)),
        key=lambda s: (fold(s["title"]), s["source"]),
    )
    dates = {"min": min(days, default=""), "max": max(days, default="")}
    if dates["min"]:
        dates["min_day"], dates["max_day"] = _day_number(dates["min"]), _day_number(dates["max"])
    if as_of and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
        as_of = ""
    return {
        "meta": {"large": large, "lean": large and lean, "as_of": as_of, "focus": focus},
        "nodes": nodes,
        "edges": edges,
        "info": info,
        "facts": facts,
        "sources": sources,
        "source_list": source_list,
        "legend": legend,
        "relations": relations,
        "dates": dates,
        "options": _vis_options(large, large and lean),
    }


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` without its empty strings and lists (the page reads a missing field as empty)."""
    return {k: v for k, v in record.items() if v != "" and v != []}


def _kind_style(kind: str) -> tuple[str, str, str]:
    return KIND_STYLES.get(kind, _OTHER_STYLE)


def _relation_style(relation: str) -> tuple[str, bool, str]:
    return RELATION_STYLES.get(relation, _OTHER_RELATION)


def _edge_caption(label: str, attrs: Mapping[str, Any]) -> str:
    """The edge's label with its date when the label does not already say it:
    ``$200M contract · 2025-06-16``."""
    when = _text(attrs.get("date")) or _text(attrs.get("start"))
    if when and when not in label:
        return f"{label} · {when}"
    return label


def _validity(attrs: Mapping[str, Any]) -> tuple[str, str]:
    """(valid_from, valid_to) as ISO days or "": from the view, else from start/end/date."""
    if "valid_from" in attrs or "valid_to" in attrs:
        return _iso_day(attrs.get("valid_from")), _iso_day(attrs.get("valid_to"))
    from graph.timeline import interval

    values = {"startDate": [_text(attrs.get("start"))], "date": [_text(attrs.get("date"))],
              "endDate": [_text(attrs.get("end"))]}
    try:
        start, end = interval({k: [t for t in v if t] for k, v in values.items()})
    except (ValueError, TypeError):
        return "", ""
    return (start.isoformat() if start else ""), (end.isoformat() if end else "")


def _iso_day(value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else _text(value)
    return text if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else ""


def _day_number(iso: str) -> int:
    """Days since 1970-01-01 (what the page's slider counts in)."""
    return (dt.date.fromisoformat(iso) - dt.date(1970, 1, 1)).days


def _source_record(item: Mapping[str, Any]) -> dict[str, str]:
    url = _text(item.get("url"))
    return {
        "title": _text(item.get("source_title")),
        "publisher": _text(item.get("publisher")),
        "url": url,
        "link": url if _is_web_url(url) else "",
        "language": _text(item.get("language")),
    }


def _assertion(item: Any, sources: dict[str, dict[str, str]]) -> dict[str, Any]:
    item = item if isinstance(item, Mapping) else {"statement": item}
    return _compact({
        "fact": _text(item.get("fact")),
        "statement": _text(item.get("statement")),
        "modality": _text(item.get("modality")),
        "citations": [_citation(c, sources) for c in _items(item.get("citations"))],
    })


def _citation(item: Any, sources: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A citation: quote and inference; what it says about its source goes to ``sources``
    once (a citation whose source details differ from the first seen keeps its own)."""
    item = item if isinstance(item, Mapping) else {"quote": item}
    slug = _text(item.get("source"))
    record = _source_record(item)
    out: dict[str, Any] = _compact({"source": slug, "quote": _text(item.get("quote")),
                                    "inference": _text(item.get("inference"))})
    if not slug:
        out["own"] = record
    elif slug not in sources or not any(sources[slug].values()):
        sources[slug] = record
    elif sources[slug] != record and any(record.values()):
        out["own"] = record
    return out


def _details(value: Any) -> list[list[str]]:
    """``details`` as ``[[property, value], ...]`` in the builder's order."""
    if isinstance(value, Mapping):
        return [[str(k), _text(v)] for k, v in value.items()]
    return []


#: Fact lines that state an amount, the first found giving the fact's amount.
_AMOUNT_KEYS = ("value", "ceiling", "potentialValue", "amount", "obligatedAmount", "annualValue")
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w,])|(?<![\w.,])\d+(?:\.\d+)?(?![\w,])")


def _amount(lines: list[list[str]]) -> float:
    """The largest number on the first amount line of a fact (0 when none).

    >>> _amount([["date", "2025"], ["obligatedAmount", "1,999,998 USD"], ["value", "200,000,000 USD"]])
    200000000.0
    """
    by_key = dict((k, v) for k, v in lines)
    for key in _AMOUNT_KEYS:
        numbers = [float(n.replace(",", "")) for n in _NUMBER.findall(by_key.get(key, ""))]
        if numbers:
            return max(numbers)
    return 0.0


_SOURCES_SUFFIX = re.compile(r" \(([^()]+)\)(?:; |$)")


def _detail_lines(details: list[list[str]], known: Mapping[str, Any]) -> tuple[list[list[str]], list[list[str]]]:
    """Fact lines with each line's sources said once.

    The views write a line's values as ``value (source, source); value (source)``. Where
    every value of a line has the same sources, the line becomes its values alone and its
    sources are returned beside it; a line whose values have different sources (sources
    that disagree) or that does not read as such is kept as it was, with no sources beside.

    >>> _detail_lines([["value", "200 USD (a, b)"], ["party", "X (a); Y (a)"],
    ...                ["contractor", "X (a); Y (b)"], ["note", "free text (c)"]], {"a": 1, "b": 1})
    ([['value', '200 USD'], ['party', 'X; Y'], ['contractor', 'X (a); Y (b)'], ['note', 'free text (c)']], \
[['a', 'b'], ['a'], [], []])
    """
    lines, cited_by = [], []
    for key, text in details:
        parts = _split_sourced(text, known)
        if parts and len({srcs for _, srcs in parts}) == 1:
            lines.append([key, "; ".join(v for v, _ in parts)])
            cited_by.append(list(parts[0][1]))
        else:
            lines.append([key, text])
            cited_by.append([])
    return lines, cited_by


def _split_sourced(text: str, known: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...]]] | None:
    """``"a (s1, s2); b (s3)"`` as ``[("a", ("s1", "s2")), ("b", ("s3",))]`` when every name
    in parentheses is a known source; None when the text does not read so."""
    out: list[tuple[str, tuple[str, ...]]] = []
    rest = text
    while rest:
        for m in _SOURCES_SUFFIX.finditer(rest):
            names = tuple(n.strip() for n in m.group(1).split(","))
            if m.start() > 0 and all(n in known for n in names):
                out.append((rest[: m.start()], names))
                rest = rest[m.end():]
                break
        else:
            return None
    return out or None


def _wikidata_url(qid: str) -> str:
    return f"https://www.wikidata.org/wiki/{qid}" if re.fullmatch(r"Q[1-9][0-9]*", qid) else ""


def _is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL without whitespace or control characters."""
    if not url or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _text(value: Any) -> str:
    """A display string: ``None`` -> "", language maps -> English, lists joined."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        for lang in ("en", "fr"):
            if value.get(lang):
                return _text(value[lang])
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ", ".join(_text(v) for v in items)
    return str(value)


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, (set, frozenset)):
        value = sorted(value, key=str)
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [t for t in (_text(v) for v in value) if t]
    return [_text(value)]


def _items(value: Any) -> list[Any]:
    if value is None or isinstance(value, (str, Mapping)):
        return [] if not value else [value]
    return list(value)


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if number == number and number >= 0 and number != math.inf else 0.0  # NaN, <0, inf -> 0


# ------------------------------------------------------------------------- layout

_EDGE = 90.0  # ideal length of an edge between two core nodes (vis units: pixels at scale 1)
_LEAF_STEP = 17.0  # spacing of the sunflower of leaves around their node (large graphs)
_ROOMY_LEAF_STEP = 30.0  # ... in graphs of up to _ROOMY nodes, whose labels are read at fit
_ROOMY = 2000
_GAP = 14.0
_GOLDEN = math.pi * (3.0 - math.sqrt(5.0))
_PIVOTS = 24
_ITERATIONS = 16
_HUB_LAYOUT = 150  # above this many core nodes, place hubs first
_HUBS = 150


def layout(actors: nx.Graph, sizes: Mapping[str, float] | None = None) -> dict[str, tuple[int, int]]:
    """Positions for every node, deterministic, in about linear time (pure Python).

    Each connected component is laid out on its own, then the components are packed in rows,
    largest first. In a component, chains of nodes hanging off the rest (trees: typically
    contractors with a single award) are peeled off; the remaining core is placed by
    PivotMDS (classical scaling of the graph distances to a few pivots) refined by a few
    rounds of a grid Fruchterman-Reingold in which each core node is as large as what
    hangs off it; the hanging trees are then drawn around their node, leaves as a sunflower
    (Vogel's spiral) and branches as balloons pointing away from the core.

    Parameters
    ----------
    actors : networkx.Graph
        Any graph; edge directions and parallel edges are ignored.
    sizes : mapping, optional
        Node radius as drawn (vis ``size``), so that big nodes get room.

    Returns
    -------
    dict
        ``{node id (str): (x, y)}`` in vis-network units (pixels at zoom 1).

    >>> pos = layout(nx.star_graph(5))
    >>> sorted(pos) == [str(i) for i in range(6)]
    True
    >>> pos == layout(nx.star_graph(5)) and pos["0"] == (0, 0)
    True
    """
    ids = sorted(str(n) for n in actors.nodes)
    index = {v: i for i, v in enumerate(ids)}
    keys = {str(n): n for n in actors.nodes}
    adj: list[set[int]] = [set() for _ in ids]
    for u, v in actors.edges():
        a, b = index[str(u)], index[str(v)]
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    neighbours = [sorted(s) for s in adj]
    radius = [max(4.0, _number((sizes or {}).get(v, actors.nodes[keys[v]].get("size", 10.0))) or 10.0) for v in ids]

    seen = [False] * len(ids)
    components: list[list[int]] = []
    for start in range(len(ids)):
        if seen[start]:
            continue
        seen[start] = True
        comp, queue = [start], deque([start])
        while queue:
            for w in neighbours[queue.popleft()]:
                if not seen[w]:
                    seen[w] = True
                    comp.append(w)
                    queue.append(w)
        components.append(sorted(comp))
    components.sort(key=lambda c: (-len(c), c[0]))

    step = _LEAF_STEP if len(ids) > _ROOMY else _ROOMY_LEAF_STEP
    placed = [_layout_component(comp, neighbours, radius, step) for comp in components]
    out: dict[str, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()
    for (pos, _r), (dx, dy) in zip(placed, _pack([r for _, r in placed])):
        for v, (x, y) in sorted(pos.items()):
            spot, k = (round(x + dx), round(y + dy)), 0
            while spot in taken:  # never two nodes on one spot: step out along a spiral
                k += 1
                spot = (round(x + dx + 4 * math.sqrt(k) * math.cos(k * _GOLDEN)),
                        round(y + dy + 4 * math.sqrt(k) * math.sin(k * _GOLDEN)))
            taken.add(spot)
            out[ids[v]] = spot
    return out


def _layout_component(comp: list[int], adj: list[list[int]], size: list[float], step: float) -> tuple[dict, float]:
    """Positions of one component around (0, 0), and the radius it covers; ``step`` spaces leaves."""
    if len(comp) == 1:
        return {comp[0]: (0.0, 0.0)}, size[comp[0]] + _GAP
    # 1. Peel the trees that hang off the core (whatever remains of a tree is its centre).
    alive = set(comp)
    degree = {v: len(adj[v]) for v in comp}
    queue = deque(v for v in comp if degree[v] == 1)
    while queue and len(alive) > 1:
        v = queue.popleft()
        alive.discard(v)
        for w in adj[v]:
            if w in alive:
                degree[w] -= 1
                if degree[w] == 1:
                    queue.append(w)
    core = sorted(alive)
    core_set = alive
    # 2. The forest hanging off the core, breadth first from it.
    children: dict[int, list[int]] = {v: [] for v in comp}
    parent: dict[int, int] = {}
    order = list(core)
    reached = set(core)
    i = 0
    while i < len(order):
        v = order[i]
        i += 1
        for w in adj[v]:
            if w not in reached:
                reached.add(w)
                parent[w] = v
                children[v].append(w)
                order.append(w)
    # 3. Room each node needs for what hangs off it (a disc of leaves, a ring of branches).
    room: dict[int, float] = {}
    plan: dict[int, tuple[list[int], list[int], float, float]] = {}
    for v in reversed(order):
        kids = children[v]
        if not kids:
            room[v] = size[v] + _GAP
            continue
        leaves = [c for c in kids if not children[c]]
        branches = [c for c in kids if children[c]]
        offset = ((size[v] + step * 1.6) / step) ** 2
        disc = step * math.sqrt(len(leaves) + offset) + max((size[c] for c in leaves), default=0) if leaves \
            else size[v]
        ring = 0.0
        if branches:
            span = 2 * math.pi if v in core_set else 2 * math.pi * 5 / 6
            need = sum(2 * room[c] for c in branches)
            ring = max(disc + max(room[c] for c in branches), need / span, size[v] + _EDGE * 0.6)
        plan[v] = (leaves, branches, offset, ring)
        room[v] = max(disc, ring + max((room[c] for c in branches), default=0.0)) + _GAP
    # 4. The core: PivotMDS, then a few rounds of grid FR with each node as big as its room.
    pos: dict[int, tuple[float, float]] = {}
    if len(core) == 1:
        pos[core[0]] = (0.0, 0.0)
    else:
        pos.update(_core_layout(core, adj, core_set, room))
    # 5. The trees, top-down: leaves in a sunflower, branches on a ring facing away.
    cx = sum(pos[v][0] for v in core) / len(core)
    cy = sum(pos[v][1] for v in core) / len(core)
    for v in order:
        if v not in plan:
            continue
        leaves, branches, offset, ring = plan[v]
        x, y = pos[v]
        if v in parent:
            px, py = pos[parent[v]]
            away = math.atan2(y - py, x - px)
        else:
            away = math.atan2(y - cy, x - cx) if (x, y) != (cx, cy) else 0.0
        for k, c in enumerate(leaves):
            r = step * math.sqrt(k + offset)
            a = away + k * _GOLDEN
            pos[c] = (x + r * math.cos(a), y + r * math.sin(a))
        if branches:
            span = 2 * math.pi if v in core_set else 2 * math.pi * 5 / 6
            total = sum(room[c] for c in branches)
            run = 0.0
            for c in branches:
                a = away - span / 2 + (run + room[c] / 2) / total * span + (math.pi / len(branches) if span > 6 else 0)
                run += room[c]
                pos[c] = (x + ring * math.cos(a), y + ring * math.sin(a))
    # Centre on the core and measure.
    reach = max(math.hypot(pos[v][0] - cx, pos[v][1] - cy) + room.get(v, size[v]) for v in comp)
    return {v: (pos[v][0] - cx, pos[v][1] - cy) for v in comp}, reach


def _core_layout(core: list[int], adj: list[list[int]], core_set: set[int],
                 room: dict[int, float]) -> dict[int, tuple[float, float]]:
    n = len(core)
    local = {v: i for i, v in enumerate(core)}
    nbrs = [[local[w] for w in adj[v] if w in core_set] for v in core]
    rad = [room[v] for v in core]
    if n == 2:
        d = rad[0] + rad[1] + _EDGE * 0.3
        return {core[0]: (-d / 2, 0.0), core[1]: (d / 2, 0.0)}
    # PivotMDS (Brandes & Pich 2006): BFS from k pivots picked far apart.
    k = min(_PIVOTS, n)
    first = max(range(n), key=lambda i: (len(nbrs[i]), -i))
    pivots, columns = [first], []
    nearest = [math.inf] * n
    while True:
        dist = _bfs(nbrs, pivots[-1])
        columns.append(dist)
        nearest = [min(a, b) for a, b in zip(nearest, dist)]
        if len(pivots) == k:
            break
        far = max(range(n), key=lambda i: (nearest[i], -i))
        if nearest[far] == 0:
            break
        pivots.append(far)
    squared = [[d * d for d in col] for col in columns]
    col_mean = [sum(col) / n for col in squared]
    row_mean = [sum(col[i] for col in squared) / len(squared) for i in range(n)]
    grand = sum(col_mean) / len(col_mean)
    centred = [[-0.5 * (s - r - cm + grand) for s, r in zip(col, row_mean)] for col, cm in zip(squared, col_mean)]
    m = len(centred)
    gram = [[sum(map(float.__mul__, centred[a], centred[b])) for b in range(m)] for a in range(m)]
    axes = _top_eigenvectors(gram, 2)
    xs = [sum(c[i] * w for c, w in zip(centred, axes[0])) for i in range(n)]
    ys = [sum(c[i] * w for c, w in zip(centred, axes[1])) for i in range(n)] if len(axes) > 1 else [0.0] * n
    # Scale: the drawing about twice the area its nodes need (PivotMDS spreads the nodes
    # unevenly; _spread and _relax then even them out).
    xq, yq = sorted(xs), sorted(ys)
    lo, hi = n // 20, n - 1 - n // 20
    area = max((xq[hi] - xq[lo]) * (yq[hi] - yq[lo]), 1e-9)
    need = sum((2 * r) ** 2 for r in rad)
    scale = math.sqrt(2.0 * need / area)
    px = [x * scale for x in xs]
    py = [y * scale for y in ys]
    pinned: set[int] = set()
    if n > _HUB_LAYOUT:
        # Hubs first (the nodes with the most hanging off them and the most core links), each
        # pair of hubs drawn together by the neighbours they share; the others then start at
        # the centre of their placed neighbours. Hubs stay put while the rest is relaxed.
        score = [len(nbrs[i]) + (rad[i] / _LEAF_STEP) ** 2 for i in range(n)]
        hubs = sorted(range(n), key=lambda i: (-score[i], i))[: max(8, min(_HUBS, n // 25))]
        _place_hubs(hubs, px, py, nbrs, rad)
        _place_from_hubs(hubs, px, py, nbrs)
        pinned = set(hubs)
    _spread(px, py, rad, pinned)
    _relax(px, py, nbrs, rad, pinned, springs=not pinned)
    return {core[i]: (px[i], py[i]) for i in range(n)}


def _place_hubs(hubs: list[int], px: list[float], py: list[float], nbrs: list[list[int]], rad: list[float]) -> None:
    """Fruchterman-Reingold among the hubs only (few: all pairs), from their PivotMDS places.

    A hub is as large as its own room plus that of the other nodes nearest to it (breadth
    first from all hubs at once), so that they find room around it."""
    slot = {h: k for k, h in enumerate(hubs)}
    owner = {h: h for h in hubs}
    queue = deque(hubs)
    while queue:
        v = queue.popleft()
        for w in nbrs[v]:
            if w not in owner:
                owner[w] = owner[v]
                queue.append(w)
    area = {h: (2 * rad[h]) ** 2 for h in hubs}
    for v, h in owner.items():
        if v != h:
            area[h] += 2.2 * (2 * rad[v]) ** 2
    weight: dict[tuple[int, int], float] = {}
    for v in range(len(nbrs)):
        near = sorted(slot[w] for w in nbrs[v] if w in slot)
        if v in slot:
            for b in near:
                key = (min(slot[v], b), max(slot[v], b))
                weight[key] = weight.get(key, 0.0) + 3.0
        else:
            near = near[:8]
            for a_i in range(len(near)):
                for b in near[a_i + 1:]:
                    weight[(near[a_i], b)] = weight.get((near[a_i], b), 0.0) + 1.0
    top = max(weight.values(), default=1.0)
    k = len(hubs)
    r = [math.sqrt(area[h]) / 2 for h in hubs]
    # start from the PivotMDS places, rescaled to about the area the hubs need, apart
    x0 = [px[h] for h in hubs]
    y0 = [py[h] for h in hubs]
    mx, my = sum(x0) / k, sum(y0) / k
    size = max(max(x0) - min(x0), max(y0) - min(y0), 1e-9)
    spread = math.sqrt(3.0 * sum((2 * v) ** 2 for v in r))
    x = [mx + (v - mx) * spread / size + 5 * math.cos(a * _GOLDEN) * a for a, v in enumerate(x0)]
    y = [my + (v - my) * spread / size + 5 * math.sin(a * _GOLDEN) * a for a, v in enumerate(y0)]
    rounds = 80
    for it in range(rounds):
        fx = [0.0] * k
        fy = [0.0] * k
        cx, cy = sum(x) / k, sum(y) / k
        for a in range(k):
            for b in range(a + 1, k):
                dx, dy = x[a] - x[b], y[a] - y[b]
                d = math.hypot(dx, dy) or 0.01
                want = r[a] + r[b] + _EDGE
                f = want * want / d / d if d < 2 * want else 0.0  # repulsion, only near
                w = weight.get((a, b))
                if w:
                    f -= (0.3 + w / top) * d / want  # attraction, stronger for more shared neighbours
                fx[a] += dx * f
                fy[a] += dy * f
                fx[b] -= dx * f
                fy[b] -= dy * f
            fx[a] += (cx - x[a]) * 0.05  # gravity: keep unconnected hubs near
            fy[a] += (cy - y[a]) * 0.05
        cool = spread / 12 * (1 - it / rounds) + 2.0
        for a in range(k):
            d = math.hypot(fx[a], fy[a])
            if d > 0:
                step = min(d, cool) / d
                x[a] += fx[a] * step
                y[a] += fy[a] * step
    for a, h in enumerate(hubs):
        px[h], py[h] = x[a], y[a]


def _place_from_hubs(hubs: list[int], px: list[float], py: list[float], nbrs: list[list[int]]) -> None:
    """Every other node at the centre of its neighbours placed before it (breadth first from the hubs)."""
    placed = set(hubs)
    queue = deque(hubs)
    while queue:
        v = queue.popleft()
        for w in nbrs[v]:
            if w in placed:
                continue
            placed.add(w)
            known = [u for u in nbrs[w] if u in placed and u != w]
            px[w] = sum(px[u] for u in known) / len(known)
            py[w] = sum(py[u] for u in known) / len(known)
            queue.append(w)


def _bfs(nbrs: list[list[int]], source: int) -> list[float]:
    dist = [math.inf] * len(nbrs)
    dist[source] = 0
    queue = deque([source])
    while queue:
        v = queue.popleft()
        dv = dist[v] + 1
        for w in nbrs[v]:
            if dist[w] == math.inf:
                dist[w] = dv
                queue.append(w)
    return [d if d != math.inf else 0.0 for d in dist]


def _top_eigenvectors(matrix: list[list[float]], count: int) -> list[list[float]]:
    """Leading eigenvectors of a small symmetric matrix by power iteration with deflation."""
    size = len(matrix)
    a = [row[:] for row in matrix]
    out = []
    for c in range(count):
        v = [1.0 / (1 + ((i * 7919 + c * 104729) % 97)) for i in range(size)]
        value = 0.0
        for _ in range(200):
            w = [sum(map(float.__mul__, row, v)) for row in a]
            norm = math.sqrt(sum(x * x for x in w))
            if norm < 1e-12:
                break
            w = [x / norm for x in w]
            done = max(abs(x - y) for x, y in zip(w, v)) < 1e-9
            v, value = w, norm
            if done:
                break
        if value < 1e-12:
            break
        out.append(v)
        a = [[a[i][j] - value * v[i] * v[j] for j in range(size)] for i in range(size)]
    return out


def _spread(px: list[float], py: list[float], rad: list[float], pinned: set[int]) -> None:
    """Nodes put at one spot (same distances to every pivot, or same placed neighbours: say,
    companies with the same two awarding agencies) are spread as a sunflower around it,
    starting outside the room of a pinned hub that covers the spot."""
    quantum = 2 * sorted(rad)[len(rad) // 2]
    spots: dict[tuple[int, int], list[int]] = {}
    for i in range(len(px)):
        if i not in pinned:
            spots.setdefault((round(px[i] / quantum), round(py[i] / quantum)), []).append(i)
    hubs = sorted(pinned)
    for members in spots.values():
        if len(members) < 2 and not hubs:
            continue
        cx = sum(px[i] for i in members) / len(members)
        cy = sum(py[i] for i in members) / len(members)
        step = 1.9 * sum(rad[i] for i in members) / len(members)
        offset = 0.5
        for h in hubs:
            d = math.hypot(px[h] - cx, py[h] - cy)
            if d < rad[h]:
                cx, cy = px[h], py[h]
                offset = ((rad[h] + step) / step) ** 2
                break
        if len(members) == 1 and offset == 0.5:
            continue
        for k, i in enumerate(members):
            r, a = step * math.sqrt(k + offset), (k + len(members)) * _GOLDEN
            px[i], py[i] = cx + r * math.cos(a), cy + r * math.sin(a)


def _relax(px: list[float], py: list[float], nbrs: list[list[int]], rad: list[float], pinned: set[int],
           springs: bool = True) -> None:
    """A few rounds of overlap removal (nodes found through a grid; a node takes ``rad`` of
    room), the first half with springs along edges (each node moves by the mean pull).
    Moves in place."""
    n = len(px)
    small_rad = sorted(rad)[int(0.9 * (n - 1))]
    cell = 2 * small_rad + _GAP
    for it in range(_ITERATIONS):
        dx = [0.0] * n
        dy = [0.0] * n
        if springs and it < _ITERATIONS // 2:  # the later rounds only remove overlaps
            for i in range(n):
                if not nbrs[i]:
                    continue
                xi, yi, ri = px[i], py[i], rad[i]
                sx = sy = 0.0
                for j in nbrs[i]:
                    ex, ey = px[j] - xi, py[j] - yi
                    d = math.hypot(ex, ey) or 0.01
                    want = ri + rad[j] + _EDGE * 0.3
                    if d > want:
                        f = (d - want) / d * 0.5
                        sx += ex * f
                        sy += ey * f
                dx[i] += sx / len(nbrs[i])
                dy[i] += sy / len(nbrs[i])
        grid: dict[tuple[int, int], list[int]] = {}
        for i in range(n):
            grid.setdefault((int(px[i] // cell), int(py[i] // cell)), []).append(i)
        pushes = 0
        for i in range(n):
            xi, yi, ri = px[i], py[i], rad[i]
            gx, gy = int(xi // cell), int(yi // cell)
            reach = 1 if ri <= small_rad else int((ri + small_rad + _GAP) // cell) + 1
            i_big = ri > small_rad
            for ox in range(-reach, reach + 1):
                for oy in range(-reach, reach + 1):
                    for j in grid.get((gx + ox, gy + oy), ()):
                        j_big = rad[j] > small_rad
                        # each pair once: by index among equals; a big node handles its small ones
                        if (j <= i and i_big == j_big) or (j_big and not i_big):
                            continue
                        ex, ey = xi - px[j], yi - py[j]
                        d = math.hypot(ex, ey)
                        overlap = ri + rad[j] + _GAP - d
                        if overlap <= 0:
                            continue
                        pushes += 1
                        if d < 1e-6:
                            ex, ey, d = math.cos(i * _GOLDEN), math.sin(i * _GOLDEN), 1.0
                        share = overlap / d * (0.5 if (i in pinned) == (j in pinned) else 1.0)
                        dx[i] += ex * share
                        dy[i] += ey * share
                        dx[j] -= ex * share
                        dy[j] -= ey * share
        for i in range(n):
            if i not in pinned:
                px[i] += dx[i]
                py[i] += dy[i]
        if pushes <= n // 200 and (not springs or it >= _ITERATIONS // 2):
            break


def _pack(radii: list[float]) -> list[tuple[float, float]]:
    """Centres for discs of ``radii`` (largest first): the first at (0, 0), the others in
    rows, in a block about as tall as wide, to its right."""
    if not radii:
        return []
    rest = radii[1:]
    width = math.sqrt(sum((2 * r) ** 2 for r in rest)) * 1.2
    placed = []
    x = y = row = 0.0
    for r in rest:
        if x > 0 and x + 2 * r > width:
            x, y, row = 0.0, y + row, 0.0
        placed.append((x + r, y + r))
        x += 2 * r
        row = max(row, 2 * r)
    height = y + row
    left = radii[0] + _EDGE
    return [(0.0, 0.0)] + [(left + a, b - height / 2) for a, b in placed]


# ----------------------------------------------------------------------- escaping

_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def _script_json(data: Any) -> str:
    """JSON safe to embed verbatim in a ``<script type="application/json">`` element.

    ``<``, ``>``, ``&``, U+2028 and U+2029 only occur inside JSON strings, where the
    ``\\uXXXX`` escape means the same character to ``JSON.parse``; so no ``</script``
    or ``<!--`` can appear in the element.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_ESCAPES)


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


# ---------------------------------------------------------------------- resources


@functools.lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network's JS and CSS from pyvis' package files, ready to inline."""
    lib = files("pyvis").joinpath(_PYVIS_ASSETS)
    # Bytes, not read_text(): universal-newline translation would alter the code.
    js = lib.joinpath("vis-network.min.js").read_bytes().decode("utf-8")
    css = lib.joinpath("vis-network.css").read_bytes().decode("utf-8")
    # An HTML parser turns CR and CRLF into LF before running a script and before
    # hashing it for the CSP; do it here so the hash we publish is the one checked.
    js, css = (_strip_source_map(t.replace("\r\n", "\n").replace("\r", "\n")) for t in (js, css))
    for text, end_tag in ((js, "</script"), (css, "</style")):
        if end_tag in text.lower() or "<!--" in text:  # pragma: no cover - guards a pyvis upgrade
            raise RuntimeError(f"pyvis' vis-network asset cannot be inlined safely ({end_tag})")
    return js, css


def _strip_source_map(text: str) -> str:
    """Drop a trailing ``sourceMappingURL`` comment (it names a file that is not shipped)."""
    # split("\n"), not splitlines(): the minified code holds U+2028 and friends.
    lines = text.rstrip().split("\n")
    while lines and "sourceMappingURL=" in lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=1)
def _template():  # -> jinja2.Template
    import jinja2

    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["csp_hash"] = _csp_hash
    source = files("graph.exporters").joinpath("templates/explorer.html").read_text(encoding="utf-8")
    return env.from_string(source)
