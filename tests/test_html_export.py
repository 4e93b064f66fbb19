"""The interactive HTML explorer (graph.exporters.html).

Pure tests check the document itself (self-contained, deterministic, data escaped);
browser tests open it in real headless Chromium from file:// and check that it makes
no request, logs no error, runs no injected script, and that search and the side
panel work.

Browser tests need Chromium and chromedriver (default /usr/bin/chromium and
/usr/bin/chromedriver; override with KG_CHROMIUM / KG_CHROMEDRIVER). Without them
they are skipped, except when the CI environment variable is set: then a missing
tool is a failure. Screenshots go to $KG_SCREENSHOT_DIR (default: pytest's tmp_path).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from graph.exporters.html import generate

XSS_LABEL = "<img src=x onerror=alert(1)>"
XSS_QUOTE = (
    "OpenAI a obtenu un contrat de 200 millions de dollars "
    "</script><script>window.__pwned=1</script>"
)
XSS_DETAIL = "<svg onload=alert(1)>"
BAD_URL = "javascript:alert(1)"
GOOD_URL = "https://www.example.org/2025/06/openai-pentagone"

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KG_CHROMEDRIVER", "/usr/bin/chromedriver")


# ------------------------------------------------------------------------ fixtures


def _citation(source, title, quote, *, url="", publisher="", language="fr", inference=""):
    return {
        "source": source,
        "source_title": title,
        "publisher": publisher,
        "url": url,
        "language": language,
        "quote": quote,
        "inference": inference,
    }


ARTICLE = _citation(
    "article-fr",
    "Le Pentagone signe avec OpenAI",
    XSS_QUOTE,
    url=GOOD_URL,
    publisher="Le Journal",
    inference="year resolved from the article's date",
)
EVIL_SOURCE = _citation(
    "evil-source", "A source with a bad link", "a second, harmless quote", url=BAD_URL, language="en"
)

NODES = {
    "dod": dict(
        kind="GovernmentAgency",
        label="U.S. Department of Defense",
        label_fr="Département de la Défense des États-Unis",
        aliases=["DoD", "Pentagon", "Pentagone"],
        description="Executive department of the United States federal government.",
        wikidata="Q11209",
    ),
    "minarm": dict(
        kind="GovernmentAgency",
        label="Ministry of the Armed Forces",
        label_fr="Ministère des Armées",
        aliases=["MinArm"],
        description="",
        wikidata="",
    ),
    "openai": dict(
        kind="Company",
        label="OpenAI",
        label_fr="OpenAI",
        aliases=[],
        description="AI company.",
        wikidata="Q21708200",
    ),
    "mistral": dict(
        kind="Company", label="Mistral AI", label_fr="Mistral AI", aliases=[], description="", wikidata=""
    ),
    "anduril": dict(
        kind="Company",
        label="Anduril Industries",
        label_fr="",
        aliases=["Anduril"],
        description="",
        wikidata="",
    ),
    "evil": dict(kind="Company", label=XSS_LABEL, label_fr="", aliases=[], description="", wikidata=""),
    "openai-for-government": dict(
        kind="Program", label="OpenAI for Government", label_fr="", aliases=[], description="", wikidata=""
    ),
}

EDGES = [
    (
        "dod",
        "openai",
        "openai-dod-2025-prototype-agreement",
        dict(
            relation="Contract",
            fact="openai-dod-2025-prototype-agreement",
            label="$200M contract",
            directed=True,
            start="2025-06",
            end="2026-07",
            date="",
            details={"value": "200,000,000 USD", "duration": "P1Y", "offers": "12"},
            citations=[ARTICLE, EVIL_SOURCE],
            sources=["article-fr", "evil-source"],
        ),
    ),
    (
        "openai",
        "anduril",
        "openai-anduril-partnership",
        dict(
            relation="Partnership",
            fact="openai-anduril-partnership",
            label="partnership (2024-12)",
            directed=False,
            start="2024-12",
            end="",
            date="",
            details={"purpose": "counter-drone systems"},
            citations=[
                _citation("article-fr", "Le Pentagone signe avec OpenAI", "OpenAI s'est associé à Anduril")
            ],
            sources=["article-fr"],
        ),
    ),
    (
        "minarm",
        "mistral",
        "minarm-mistral-framework",
        dict(
            relation="Contract",
            fact="minarm-mistral-framework",
            label="framework agreement",
            directed=True,
            start="2025",
            end="",
            date="",
            details={"vehicle": XSS_DETAIL},
            citations=[_citation("article-fr", "Le Pentagone signe avec OpenAI", "Mistral AI et le ministère")],
            sources=["article-fr"],
        ),
    ),
    (
        "mistral",
        "anduril",
        "mistral-anduril-competition",
        dict(
            relation="Competition",
            fact="mistral-anduril-competition",
            label="competitor (potential)",
            directed=False,
            start="",
            end="",
            date="",
            details={},
            citations=[],
            sources=[],
        ),
    ),
    (
        "dod",
        "evil",
        "dod-evil-contract",
        dict(
            relation="Contract",
            fact="dod-evil-contract",
            label="contract",
            directed=True,
            start="",
            end="",
            date="2025",
            details={},
            citations=[EVIL_SOURCE],
            sources=["evil-source"],
        ),
    ),
]

ASSERTIONS = {
    "openai": [
        {
            "fact": "openai-defense-pivot",
            "statement": "OpenAI now works with defense customers.",
            "modality": "reported",
            "citations": [ARTICLE],
        }
    ]
}


def make_graph(*, reverse: bool = False) -> nx.MultiDiGraph:
    """The test graph; ``reverse`` inserts nodes and edges in the opposite order."""
    g = nx.MultiDiGraph()
    nodes = list(NODES.items())
    edges = list(EDGES)
    if reverse:
        nodes.reverse()
        edges.reverse()
    for key, attrs in nodes:
        g.add_node(key, **attrs, assertions=ASSERTIONS.get(key, []))
    for u, v, key, attrs in edges:
        g.add_edge(u, v, key=key, **attrs)
    for node, centrality in nx.degree_centrality(g).items():
        g.nodes[node]["degree_centrality"] = centrality
    return g


@pytest.fixture
def actors() -> nx.MultiDiGraph:
    return make_graph()


@pytest.fixture
def page_html(actors) -> str:
    return "".join(generate(actors, title="defense-ai-graph test"))


# ------------------------------------------------------------------------- helpers


class _Tags(HTMLParser):
    """Collects (tag, attrs) and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def data_block(html: str) -> str:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', html, re.S)
    assert match, "no #kg-data JSON block"
    return match.group(1)


def page_data(html: str) -> dict:
    return json.loads(data_block(html))


def without_data_block(html: str) -> str:
    return html.replace(data_block(html), "")


def csp(html: str) -> dict[str, list[str]]:
    metas = [a for t, a in parse(html).tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert len(metas) == 1
    policy = {}
    for directive in metas[0]["content"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


# ---------------------------------------------------------------------- pure tests


def test_generate_yields_one_html_document(page_html):
    assert page_html.startswith("<!DOCTYPE html>\n")
    assert page_html.rstrip().endswith("</html>")
    assert "<title>defense-ai-graph test</title>" in page_html


def test_no_remote_or_external_resource(page_html):
    tags = parse(page_html).tags
    names = {t for t, _ in tags}
    assert not names & {"link", "img", "iframe", "object", "embed", "base", "frame", "audio", "video", "source"}
    for tag, attrs in tags:
        for attr in ("src", "href", "srcset", "action", "poster", "data", "xlink:href"):
            assert attr not in attrs, f"<{tag} {attr}=...>"
    assert "<script src" not in page_html.lower()
    assert "<link" not in page_html.lower()
    assert "@import" not in page_html
    assert "sourceMappingURL" not in page_html
    assert not re.search(r"""url\(\s*(?!["']?data:)""", page_html), "CSS url() other than data:"
    # http(s) URLs appear only as data values (citations, wikidata) or in license comments
    # of the inlined library, never as a resource address of the page.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:""", without_data_block(page_html))


def test_content_security_policy_forbids_remote_loads(page_html):
    policy = csp(page_html)
    assert policy["default-src"] == ["'none'"]
    assert policy["connect-src"] == ["'none'"]
    assert policy["img-src"] == ["data:", "blob:"]
    assert policy["style-src"] == ["'unsafe-inline'"]
    # Scripts are allowed by hash only: an injected inline script or handler cannot run.
    executable = [text for attrs, text in parse(page_html).scripts if attrs.get("type") != "application/json"]
    assert len(executable) == 2
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
        for text in executable
    ]
    assert policy["script-src"] == hashes


def test_deterministic(actors):
    first = "".join(generate(actors))
    assert first == "".join(generate(actors))
    assert first == "".join(generate(make_graph(reverse=True)))
    assert re.search(r'"randomSeed":\d+', first)


def test_payloads_never_appear_raw(page_html):
    for payload in (XSS_LABEL, XSS_QUOTE, XSS_DETAIL, "</script><script>", "window.__pwned=1</script>"):
        assert payload not in page_html
    assert len(parse(page_html).scripts) == 3  # the data, vis-network, the page's own code
    assert page_html.lower().count("</script") == 3
    assert "\u2028" not in page_html and "\u2029" not in page_html
    block = data_block(page_html)
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in block
    data = json.loads(block)
    assert data["info"]["evil"]["label"] == XSS_LABEL
    quotes = [c["quote"] for f in data["facts"].values() for c in f["citations"]]
    assert XSS_QUOTE in quotes


@pytest.mark.parametrize(
    "text",
    ["</script>", "</SCRIPT >", "<!--", "<![CDATA[", "]]>", "&amp;", "\u2028\u2029", "\"'`\\", "é\u0301\U0001f600"],
)
def test_any_text_round_trips_through_the_json_block(text):
    g = nx.MultiDiGraph()
    g.add_node("x", kind="Company", label=text, aliases=[text], degree_centrality=0.0, assertions=[])
    html = "".join(generate(g))
    block = data_block(html)
    assert "</" not in block and "<!--" not in block and "\u2028" not in block
    data = json.loads(block)
    assert data["info"]["x"]["label"] == text
    assert data["info"]["x"]["aliases"] == [text]


def test_title_is_escaped(actors):
    html = "".join(generate(actors, title="<b>R&D</b>"))
    assert "<b>R&D</b>" not in html
    assert "<title>&lt;b&gt;R&amp;D&lt;/b&gt;</title>" in html


def test_vis_nodes_styled_by_kind_and_sized_by_centrality(page_html, actors):
    data = page_data(page_html)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert [n["id"] for n in data["nodes"]] == sorted(actors.nodes)
    for node in data["nodes"]:
        assert "title" not in node, "vis renders string titles as HTML"
    assert nodes["dod"]["shape"] != nodes["openai"]["shape"]
    assert nodes["dod"]["color"] != nodes["openai"]["color"]
    assert nodes["openai"]["shape"] == nodes["mistral"]["shape"]
    assert nodes["openai"]["label"] == "OpenAI"
    centrality = nx.get_node_attributes(actors, "degree_centrality")
    by_centrality = sorted(nodes, key=lambda n: (centrality[n], n))
    sizes = [nodes[n]["size"] for n in by_centrality]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    legend = {item["kind"]: item for item in data["legend"]}
    assert set(legend) == {"GovernmentAgency", "Company", "Program"}
    assert legend["Company"]["count"] == 4
    assert legend["Company"]["color"] == nodes["openai"]["color"]["background"]
    assert 'data-kind="GovernmentAgency"' in page_html and "Government agency" in page_html


def test_edges_labelled_and_arrowed_only_when_directed(page_html, actors):
    data = page_data(page_html)
    assert len(data["edges"]) == actors.number_of_edges()
    by_fact = {data["facts"][e["id"]]["fact"]: e for e in data["edges"]}
    contract = by_fact["openai-dod-2025-prototype-agreement"]
    assert (contract["from"], contract["to"], contract["label"]) == ("dod", "openai", "$200M contract")
    assert contract["arrows"]["to"]["enabled"] is True
    assert by_fact["openai-anduril-partnership"]["arrows"]["to"]["enabled"] is False
    assert by_fact["mistral-anduril-competition"]["arrows"]["to"]["enabled"] is False
    assert "title" not in contract


def test_only_web_urls_become_links(page_html):
    data = page_data(page_html)
    citations = {c["url"]: c for f in data["facts"].values() for c in f["citations"]}
    assert citations[GOOD_URL]["link"] == GOOD_URL
    assert citations[BAD_URL]["link"] == ""


def test_node_facts_and_assertions_are_in_the_data(page_html):
    data = page_data(page_html)
    openai = data["info"]["openai"]
    facts = [data["facts"][e]["fact"] for e in openai["edges"]]
    assert sorted(facts) == ["openai-anduril-partnership", "openai-dod-2025-prototype-agreement"]
    assert openai["assertions"][0]["statement"] == "OpenAI now works with defense customers."
    contract = next(f for f in data["facts"].values() if f["fact"] == "openai-dod-2025-prototype-agreement")
    assert ["value", "200,000,000 USD"] in contract["details"]


def test_empty_graph():
    html = "".join(generate(nx.MultiDiGraph()))
    assert page_data(html)["nodes"] == []
    assert "0 actors" in html


# -------------------------------------------------------------------- browser tests


def _require_browser() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.path.isfile(p) and os.access(p, os.X_OK))]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    if missing:
        message = "browser tests need " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def driver():
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1440,900",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.set_capability("unhandledPromptBehavior", "ignore")  # an alert must stay visible to the test
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    drv.set_script_timeout(30)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def explorer_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("explorer") / "explorer.html"
    path.write_text("".join(generate(make_graph(), title="defense-ai-graph")), encoding="utf-8")
    return path


@pytest.fixture
def shots(tmp_path) -> Path:
    directory = Path(os.environ.get("KG_SCREENSHOT_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def page(driver, explorer_file):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    driver.get_log("browser")  # flush what earlier tests left
    driver.get_log("performance")
    driver.get(explorer_file.as_uri())
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return window.kgReady === true"))
    return driver


def _assert_clean(driver, page_url: str) -> None:
    """No console error, no request but the page itself and data:/blob:, no dialog, no injected script."""
    from selenium.common.exceptions import NoAlertPresentException

    try:
        alert = driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        pytest.fail(f"a dialog was opened: {text!r}")
    except NoAlertPresentException:
        pass
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    requests, dialogs = [], []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
        elif message["method"] == "Page.javascriptDialogOpening":
            dialogs.append(message["params"])
    assert dialogs == []
    unexpected = [
        u for u in requests if u != page_url and not u.startswith(("data:", "blob:")) and u != "about:blank"
    ]
    assert unexpected == []
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert driver.execute_script("return document.querySelectorAll('img, iframe, object, embed').length") == 0


def _panel_title(driver) -> str:
    return driver.execute_script(
        "var h = document.querySelector('#kg-panel .panel-title'); return h ? h.textContent : null"
    )


def _selected(driver) -> list[str]:
    return driver.execute_script("return window.kgNetwork.getSelectedNodes()")


def _wait_focused_on(driver, node_id: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    script = """
        var n = window.kgNetwork, p = n.getPositions([arguments[0]])[arguments[0]], v = n.getViewPosition();
        return Math.hypot(p.x - v.x, p.y - v.y);
    """
    WebDriverWait(driver, 10).until(lambda d: d.execute_script(script, node_id) < 5)


def test_browser_loads_offline_with_all_nodes(page, explorer_file, shots):
    ids = page.execute_script("return window.kgNodes.getIds().slice().sort()")
    assert ids == sorted(NODES)
    assert page.execute_script("return window.kgEdges.length") == len(EDGES)
    labels = page.execute_script("return window.kgNodes.get('evil').label")
    assert labels == XSS_LABEL  # drawn as text on the canvas
    assert page.execute_script("return document.querySelectorAll('#kg-network canvas').length") == 1
    legend = page.execute_script("return document.querySelector('.legend').innerText")
    assert "Government agency" in legend and "Company" in legend
    page.save_screenshot(str(shots / "explorer-overview.png"))
    _assert_clean(page, explorer_file.as_uri())


def test_browser_search_is_case_and_accent_insensitive(page, explorer_file):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = page.find_element(By.ID, "kg-search")
    box.send_keys("ministere des armees")  # typed without accents: exact French name, focused as you type
    _wait_focused_on(page, "minarm")
    assert _selected(page) == ["minarm"]
    assert _panel_title(page) == "Ministry of the Armed Forces"

    box.clear()
    box.send_keys("DEPARTEMENT de la defense")  # a prefix of the French label; Enter picks the first hit
    suggestions = page.execute_script(
        "return Array.from(document.querySelectorAll('#kg-suggestions .hit-label')).map(e => e.textContent)"
    )
    assert suggestions[0] == "U.S. Department of Defense"
    box.send_keys(Keys.ENTER)
    _wait_focused_on(page, "dod")
    assert _selected(page) == ["dod"]
    assert _panel_title(page) == "U.S. Department of Defense"

    assert page.execute_script("return window.kgSearch('pentagone')") == ["dod"]  # alias
    assert page.execute_script("return window.kgSearch('andúril')") == ["anduril"]
    _assert_clean(page, explorer_file.as_uri())


def test_browser_click_node_shows_cited_facts(page, explorer_file, shots):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    page.execute_script("window.kgNetwork.setOptions({physics: false})")  # hold still for the click
    canvas = page.find_element(By.CSS_SELECTOR, "#kg-network canvas")
    x, y, width, height = page.execute_script(
        """
        var n = window.kgNetwork, d = n.canvasToDOM(n.getPositions(['openai']).openai);
        var r = document.querySelector('#kg-network canvas').getBoundingClientRect();
        return [d.x, d.y, r.width, r.height];
        """
    )
    ActionChains(page).move_to_element_with_offset(canvas, int(x - width / 2), int(y - height / 2)).click().perform()
    assert _selected(page) == ["openai"]
    assert _panel_title(page) == "OpenAI"

    panel = page.find_element(By.ID, "kg-panel")
    text = panel.text
    assert XSS_QUOTE in text  # the quote, as text
    assert "Le Pentagone signe avec OpenAI" in text and "Le Journal" in text
    assert "$200M contract" in text and "partnership (2024-12)" in text
    assert "200,000,000 USD" in text
    assert "OpenAI now works with defense customers." in text
    links = page.execute_script(
        "return Array.from(document.querySelectorAll('#kg-panel a')).map("
        "a => [a.getAttribute('href'), a.rel, a.target, a.textContent])"
    )
    assert [GOOD_URL, "noopener noreferrer", "_blank", GOOD_URL] in links
    for href, rel, target, _ in links:
        assert href.startswith(("https://", "http://"))
        assert (rel, target) == ("noopener noreferrer", "_blank")
    assert not any(BAD_URL in (href + label) for href, _, _, label in links)
    unlinked = page.execute_script(
        "return Array.from(document.querySelectorAll('#kg-panel .url-unlinked')).map(e => e.textContent)"
    )
    assert BAD_URL in unlinked
    page.save_screenshot(str(shots / "explorer-node-selected.png"))
    _assert_clean(page, explorer_file.as_uri())


def test_browser_untrusted_label_is_text_and_edges_open(page, explorer_file, shots):
    assert page.execute_script("return window.kgSelectNode('evil')") is True
    assert _panel_title(page) == XSS_LABEL
    assert page.execute_script("return document.querySelectorAll('#kg-panel img, #kg-panel svg').length") == 0

    edge_id = page.execute_script(
        "return Object.values(window.kgData.facts).find(f => f.fact === 'minarm-mistral-framework').id"
    )
    assert page.execute_script("return window.kgSelectEdge(arguments[0])", edge_id) is True
    assert page.execute_script("return window.kgNetwork.getSelectedEdges()") == [edge_id]
    assert _panel_title(page) == "framework agreement"
    panel_text = page.execute_script("return document.getElementById('kg-panel').textContent")
    assert XSS_DETAIL in panel_text
    page.save_screenshot(str(shots / "explorer-edge-selected.png"))
    _assert_clean(page, explorer_file.as_uri())


# -------------------------------------------------------------------- the seed page


@pytest.fixture(scope="module")
def seed_page_file(tmp_path_factory) -> Path:
    from graph import build

    kg = build(Path(__file__).resolve().parent.parent / "data")
    path = tmp_path_factory.mktemp("seed") / "explorer.html"
    path.write_text("".join(generate(kg.actors)), encoding="utf-8")
    return path


def test_browser_seed_page_shows_every_actor_and_the_contract_quote(driver, seed_page_file):
    """The page `kg build` writes for the seed data: offline, no error, all actors drawn, and
    the DoD–OpenAI contract's panel quotes the article. Set KG_UPDATE_SCREENSHOTS=1 to refresh
    the README screenshot (docs/explorer.png) from this test."""
    from selenium.webdriver.support.ui import WebDriverWait

    from graph import build

    driver.get("about:blank")
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(seed_page_file.as_uri())
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return window.kgReady === true"))
    kg = build(Path(__file__).resolve().parent.parent / "data")
    assert sorted(driver.execute_script("return window.kgNodes.getIds()")) == sorted(kg.actors.nodes)
    assert driver.execute_script("return window.kgSearch('pentagone')") == ["dod"]
    assert driver.execute_script("return window.kgSearch('département de la défense')")[0] == "dod"
    driver.execute_script("window.kgSelectNode('openai')")
    panel = driver.execute_script("return document.getElementById('kg-panel').innerText")
    assert "Douze contributions ont été reçues" in panel or "200 millions de dollars" in panel
    assert "OpenAI Public Sector LLC" in panel
    _assert_clean(driver, seed_page_file.as_uri())
    if os.environ.get("KG_UPDATE_SCREENSHOTS"):
        driver.save_screenshot(str(Path(__file__).resolve().parent.parent / "docs" / "explorer.png"))
