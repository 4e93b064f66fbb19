"""Interactive, self-contained HTML explorer of the actor graph.

The page embeds vis-network (taken from pyvis' own package files), the graph
data as escaped JSON and a small script of its own. It makes no network
request: a Content-Security-Policy forbids every remote load, and scripts are
allowed by hash only, so markup smuggled into the data cannot run.

Everything read from the graph is treated as untrusted text: it travels as
JSON inside ``<script type="application/json">`` and the page writes it into
the DOM with ``textContent`` only.

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
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import networkx as nx

__all__ = ["generate", "generate_page"]

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

_MIN_SIZE, _MAX_SIZE = 12.0, 30.0
_RANDOM_SEED = 20250601
_STABILIZATION_ITERATIONS = 600

_FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", '
    '"Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif'
)

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
        "stabilization": {
            "enabled": True,
            "iterations": _STABILIZATION_ITERATIONS,
            "updateInterval": 50,
            "fit": True,
        },
    },
    "interaction": {
        "hover": True,
        "tooltipDelay": 200,
        "multiselect": False,
        "navigationButtons": False,
        "keyboard": False,
    },
    "nodes": {
        "borderWidth": 2,
        "borderWidthSelected": 3,
        "labelHighlightBold": True,
        "widthConstraint": {"maximum": 190},  # wrap long labels
        "font": {
            "face": _FONT_STACK,
            "size": 16,
            "color": "#0f172a",
            "strokeWidth": 4,
            "strokeColor": "#ffffff",
        },
    },
    "edges": {
        "width": 1.4,
        "selectionWidth": 1.6,
        "hoverWidth": 1.0,
        "color": {"color": "#94a3b8", "highlight": "#0f172a", "hover": "#475569", "inherit": False},
        "smooth": {"enabled": True, "type": "dynamic"},
        "arrowStrikethrough": False,
        "font": {
            "face": _FONT_STACK,
            "size": 11,
            "color": "#334155",
            "strokeWidth": 4,
            "strokeColor": "#ffffff",
            "align": "horizontal",
        },
    },
}

_PYVIS_ASSETS = "lib/vis-9.1.2"


def generate(actors: nx.MultiDiGraph, *, title: str = "defense-ai-graph") -> Iterator[str]:
    """Yield a self-contained interactive HTML page showing the actor graph.

    Parameters
    ----------
    actors : networkx.MultiDiGraph
        The actor view (``KnowledgeGraph.actors``): nodes and edges carry the
        attributes described in the design contract ("networkx views").
        Missing attributes are tolerated and shown as empty.
    title : str, optional
        The page title (plain text; it is HTML-escaped).

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
    data = _page_data(actors)
    data_json = _script_json(data)
    vis_js, vis_css = _vis_assets()
    template = _template()
    yield template.render(
        title=str(title),
        data_json=data_json,
        vis_js=vis_js,
        vis_css=vis_css,
        vis_js_hash=_csp_hash(vis_js),
        legend=data["legend"],
        node_count=len(data["nodes"]),
        edge_count=len(data["edges"]),
    )


def generate_page(kg: Any, *, title: str = "defense-ai-graph") -> Iterator[str]:
    """Registry adapter: :func:`generate` for a ``KnowledgeGraph`` (uses ``kg.actors``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> kg = SimpleNamespace(actors=nx.MultiDiGraph())
    >>> "".join(generate_page(kg)) == "".join(generate(kg.actors))
    True
    """
    return generate(kg.actors, title=title)


# --------------------------------------------------------------------------- data


def _page_data(actors: nx.MultiDiGraph) -> dict[str, Any]:
    """Everything the page needs, as JSON-ready, deterministically ordered data."""
    from pyvis.network import Network  # lazy: keep `import graph.exporters` light

    net = Network(directed=True)
    node_keys = sorted(actors.nodes, key=str)
    centralities = [_number(actors.nodes[n].get("degree_centrality")) for n in node_keys]
    top = max(centralities, default=0.0)

    info: dict[str, dict[str, Any]] = {}
    kind_counts: dict[str, int] = {}
    for key, centrality in zip(node_keys, centralities):
        attrs = actors.nodes[key]
        node_id = str(key)
        kind = _text(attrs.get("kind")) or "Other"
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
        colour, border, shape = KIND_STYLES.get(kind, _OTHER_STYLE)
        label = _text(attrs.get("label")) or node_id
        size = _MIN_SIZE + (_MAX_SIZE - _MIN_SIZE) * (centrality / top if top > 0 else 0.0)
        # No `title`: vis renders string titles as HTML. The page adds a plain-text
        # tooltip element built with textContent.
        net.add_node(
            node_id,
            label=label,
            shape=shape,
            color={
                "background": colour,
                "border": border,
                "highlight": {"background": colour, "border": "#0f172a"},
                "hover": {"background": colour, "border": "#0f172a"},
            },
            size=round(size, 2),
        )
        info[node_id] = {
            "kind": kind,
            "label": label,
            "label_fr": _text(attrs.get("label_fr")),
            "aliases": _texts(attrs.get("aliases")),
            "description": _text(attrs.get("description")),
            "wikidata": _text(attrs.get("wikidata")),
            "wikidata_url": _wikidata_url(_text(attrs.get("wikidata"))),
            "degree_centrality": round(centrality, 6),
            "assertions": [_assertion(a) for a in _items(attrs.get("assertions"))],
            "edges": [],
        }

    facts: dict[str, dict[str, Any]] = {}
    edges = sorted(actors.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[1]), str(e[2])))
    for index, (u, v, key, attrs) in enumerate(edges):
        edge_id = f"e{index}"
        source, target = str(u), str(v)
        relation = _text(attrs.get("relation")) or "Relation"
        label = _text(attrs.get("label")) or relation.lower()
        directed = bool(attrs.get("directed", True))
        options: dict[str, Any] = {
            "id": edge_id,
            "label": label,
            "arrows": {"to": {"enabled": directed, "scaleFactor": 0.55}},
        }
        if relation == "Competition":
            options["dashes"] = [6, 5]
        net.add_edge(source, target, **options)
        facts[edge_id] = {
            "id": edge_id,
            "key": str(key),
            "from": source,
            "to": target,
            "relation": relation,
            "fact": _text(attrs.get("fact")) or str(key),
            "label": label,
            "directed": directed,
            "start": _text(attrs.get("start")),
            "end": _text(attrs.get("end")),
            "date": _text(attrs.get("date")),
            "details": _details(attrs.get("details")),
            "citations": [_citation(c) for c in _items(attrs.get("citations"))],
            "sources": _texts(attrs.get("sources")),
        }
        info[source]["edges"].append(edge_id)
        if target != source:
            info[target]["edges"].append(edge_id)

    for record in info.values():  # a node's relations grouped by kind, then by fact
        record["edges"].sort(key=lambda e: (facts[e]["relation"], facts[e]["fact"], int(e[1:])))

    order = list(KIND_STYLES) + sorted(k for k in kind_counts if k not in KIND_STYLES)
    legend = [
        {
            "kind": kind,
            "name": KIND_NAMES.get(kind, kind),
            "color": KIND_STYLES.get(kind, _OTHER_STYLE)[0],
            "border": KIND_STYLES.get(kind, _OTHER_STYLE)[1],
            "shape": KIND_STYLES.get(kind, _OTHER_STYLE)[2],
            "count": kind_counts[kind],
        }
        for kind in order
        if kind in kind_counts
    ]
    return {
        "nodes": net.nodes,
        "edges": net.edges,
        "info": info,
        "facts": facts,
        "legend": legend,
        "options": _VIS_OPTIONS,
    }


def _assertion(item: Any) -> dict[str, Any]:
    item = item if isinstance(item, Mapping) else {"statement": item}
    return {
        "fact": _text(item.get("fact")),
        "statement": _text(item.get("statement")),
        "modality": _text(item.get("modality")),
        "citations": [_citation(c) for c in _items(item.get("citations"))],
    }


def _citation(item: Any) -> dict[str, str]:
    item = item if isinstance(item, Mapping) else {"quote": item}
    url = _text(item.get("url"))
    return {
        "source": _text(item.get("source")),
        "source_title": _text(item.get("source_title")),
        "publisher": _text(item.get("publisher")),
        "url": url,
        "link": url if _is_web_url(url) else "",
        "language": _text(item.get("language")),
        "quote": _text(item.get("quote")),
        "inference": _text(item.get("inference")),
    }


def _details(value: Any) -> list[list[str]]:
    """``details`` as ``[[property, value], ...]`` in the builder's order."""
    if isinstance(value, Mapping):
        return [[str(k), _text(v)] for k, v in value.items()]
    return []


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
    return number if number == number and number >= 0 else 0.0  # NaN, negatives -> 0


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
