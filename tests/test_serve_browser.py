"""`kg serve` in real headless Chromium: the live explorer (search -> select -> double-click
expands -> facts with quotes -> path -> the shared URL reloaded) and the SPARQL editor (a
saved query with a parameter shows rows), each time with no request outside the server, no
console error and no script of the data run; and the committed bundles are what the build
makes from package-lock.json.

Needs Chromium, chromedriver and selenium (as tests/test_html_export.py); the rebuild needs
npm. Without them the tests are skipped, except in CI. Screenshots go to pytest's tmp_path,
or to docs/ with KG_UPDATE_SCREENSHOTS=1 (docs/serve-explorer.png, docs/serve-sparql.png).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.nasty import NASTY_LABEL, nasty_data
from tests.test_html_export import CHROMEDRIVER, CHROMIUM, _require_browser
from tests.test_serve import ROOT, Served, api, copy_data, gated_server, get

DIST = ROOT / "graph" / "serve" / "static" / "dist"


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1440,900",
                # WebGL (sigma.js) on the CPU: SwiftShader, which headless Chromium asks to be named
                "--use-angle=swiftshader", "--enable-unsafe-swiftshader"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.set_capability("unhandledPromptBehavior", "ignore")
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    drv.set_script_timeout(30)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Served(copy_data(tmp_path_factory.mktemp("serve-browser") / "data"))
    yield served
    served.stop()


@pytest.fixture
def shots(tmp_path) -> Path:
    if os.environ.get("KG_UPDATE_SCREENSHOTS"):
        return ROOT / "docs"
    return tmp_path


def wait(driver, script: str, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: d.execute_script(script))


def open_page(driver, url: str) -> None:
    driver.get("about:blank")
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(url)
    wait(driver, "return window.kgReady === true")


def assert_clean(driver, server, *, told_503: bool = False) -> None:
    """No console error or warning (but SwiftShader's own performance notes about WebGL, and
    with ``told_503`` Chromium's line for each 503 the server answered while its index was
    made), no request outside the server, no dialog, no script of the data run."""
    from selenium.common.exceptions import NoAlertPresentException

    try:
        text = driver.switch_to.alert.text
        pytest.fail(f"a dialog was opened: {text!r}")
    except NoAlertPresentException:
        pass
    logged = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")
              and not (e.get("source") == "rendering" and "GL Driver Message" in e["message"])
              and not (told_503 and e.get("source") == "network" and "status of 503" in e["message"])]
    assert logged == []
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    outside = [u for u in requests if not u.startswith(server.url + "/") and not u.startswith("data:")
               and u != "about:blank"]
    assert requests and outside == []
    assert driver.execute_script("return typeof window.__pwned") == "undefined"


def panel_title(driver) -> str:
    return driver.execute_script("return document.querySelector('#panel .panel-title')?.textContent || ''")


def search_and_pick(driver, text: str, actor: str) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.ID, "search")
    box.clear()
    box.send_keys(text)
    wait(driver, f"return !!document.querySelector('#results li[data-id=\"{actor}\"]')")
    driver.find_element(By.CSS_SELECTOR, f'#results li[data-id="{actor}"]').click()
    wait(driver, f"return window.kg.selected === '{actor}' && !!document.querySelector('#panel .actions')")


def click(driver, selector: str) -> None:
    """Click what ``selector`` finds once it is there (the panel is redrawn as answers come)."""
    wait(driver, f"const b = document.querySelector({json.dumps(selector)}); if (b) b.click(); return !!b")


def double_click_node(driver, node: str) -> None:
    """A real double-click on the node where sigma draws it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    wait(driver, "return !window.kg.renderer.getCamera().isAnimated()")
    x, y = driver.execute_script(
        "const r = window.kg.renderer, d = r.getNodeDisplayData(arguments[0]);"
        "const p = r.framedGraphToViewport(d); return [p.x, p.y];", node)
    canvas = driver.find_element(By.ID, "graph")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(canvas, x - size["width"] / 2, y - size["height"] / 2) \
        .double_click().perform()


def test_explorer_search_select_expand_facts_path_and_shared_url(browser, server, shots):
    from selenium.webdriver.common.by import By

    open_page(browser, server.url + "/")
    start = browser.execute_script("return window.kg.graph.order")
    assert start == 40
    # search: a French alias, accents and case ignored
    search_and_pick(browser, "PENTAGONE", "dod")
    assert panel_title(browser) == "United States Department of Defense"
    # double-click expands: its neighbours come from the server
    before = set(browser.execute_script("return window.kg.graph.neighbors('dod')"))
    double_click_node(browser, "dod")
    wait(browser, "return document.getElementById('status').textContent.includes('related actors')")
    after = set(browser.execute_script("return window.kg.graph.neighbors('dod')"))
    assert len(after) == 14 and after > before
    # a relation opens its facts, with the sources and their exact quotes
    click(browser, 'button.relation[data-other="openai-public-sector"]')
    wait(browser, "return document.querySelectorAll('#panel blockquote.quote').length > 0")
    quotes = browser.execute_script("return [...document.querySelectorAll('#panel .quote')].map(q => q.textContent)")
    assert any("premier contrat de défense signé par OpenAI" in q for q in quotes)
    browser.save_screenshot(str(shots / "serve-explorer.png"))
    # a path from Anduril to the CDAO, over the whole graph
    search_and_pick(browser, "anduril", "anduril")
    click(browser, "#panel .path-button")
    box = browser.find_element(By.ID, "search")
    box.send_keys("Chief Digital")
    wait(browser, "return !!document.querySelector('#results li[data-id=\"cdao\"]')")
    browser.find_element(By.CSS_SELECTOR, '#results li[data-id="cdao"]').click()
    wait(browser, "return document.querySelectorAll('#panel ol.hops li').length > 0")
    hops = browser.execute_script("return [...document.querySelectorAll('#panel .hop')].map(h => h.textContent)")
    assert hops[0].startswith("Anduril Industries →") and hops[-1].endswith("→ Chief Digital and Artificial "
                                                                             "Intelligence Office")
    browser.save_screenshot(str(shots / "serve-path.png"))
    shown = set(browser.execute_script("return window.kg.graph.nodes()"))
    shared = browser.current_url
    assert "#a=" in shared and "p=anduril%2Ccdao" in shared
    assert_clean(browser, server)
    # the shared URL, opened again, shows the same actors and the path
    open_page(browser, shared)
    wait(browser, "return document.querySelectorAll('#panel ol.hops li').length > 0")
    assert set(browser.execute_script("return window.kg.graph.nodes()")) == shown
    assert_clean(browser, server)


def test_while_the_index_is_built_the_page_says_so_and_opens_by_itself(browser, tmp_path, monkeypatch):
    """A new store generation whose index is not made yet: the explorer says the index is
    being built, with the step the server is at, and asks again as Retry-After tells it;
    once the index is made it draws its first view with no reload and no error shown."""
    served, gate = gated_server(tmp_path, monkeypatch)
    try:
        browser.get("about:blank")
        browser.get_log("browser")
        browser.get_log("performance")
        browser.get(served.url + "/")
        wait(browser, "return !document.getElementById('building').hidden")
        said = browser.execute_script("return document.getElementById('building').textContent")
        _s, _h, body = get(served.url + "/api/start")
        step = json.loads(body)["building"]["step"]
        assert said.startswith("The search index of this store generation is being built")
        assert step in said and "so far" in said and "asks again every 5 seconds" in said
        assert browser.execute_script("return window.kgReady") is None
        assert browser.execute_script("return document.getElementById('status').className") != "error"
        gate.touch()
        wait(browser, "return window.kgReady === true", timeout=120)
        assert browser.execute_script("return document.getElementById('building').hidden") is True
        assert browser.execute_script("return window.kg.graph.order") == 40
        assert browser.execute_script("return document.getElementById('status').textContent") \
            == "40 actors, " + str(browser.execute_script("return window.kg.graph.size")) + " relations shown"
        assert_clean(browser, served, told_503=True)
    finally:
        served.stop()


def test_search_by_a_quote_expand_with_a_filter_pin_hide_and_the_url_restores_the_view(browser, server, shots):
    """A quote's words find its actors; an expand by agency opens only that agency's units,
    its "and N more" the rest of them; a date range applies to what is drawn; the pinned
    actor keeps its place and the hidden one stays hidden when the URL is opened again."""
    from selenium.webdriver.common.by import By

    open_page(browser, server.url + "/")
    box = browser.find_element(By.ID, "search")
    box.send_keys("premier contrat de défense signé")
    wait(browser, "return !!document.querySelector('#results li[data-id=\"openai-public-sector\"]')")
    matched = browser.execute_script("return document.querySelector('#results li[data-id=\"openai-public-sector\"]')"
                                     ".dataset.matched")
    info = browser.execute_script("return document.querySelector('#results li[data-id=\"openai-public-sector\"] "
                                  ".hit-info').textContent")
    assert matched == "quote" and "premier contrat de défense signé" in info and "relation" in info
    search_and_pick(browser, "anduril", "anduril")
    before = set(browser.execute_script("return window.kg.graph.neighbors('anduril')"))
    double_click_node(browser, "anduril")
    wait(browser, "return !!document.querySelector('#panel select.agency-filter')")
    # the agency filter: only the units of the Department of Defense, the server says which
    browser.execute_script("const s = document.querySelector('#panel select.agency-filter'); s.value = 'dod';"
                           "s.dispatchEvent(new Event('change'))")
    wait(browser, "return location.hash.includes('xa=dod') && "
                  "document.querySelector('#panel select.agency-filter')?.value === 'dod'")
    drawn = set(browser.execute_script("return window.kg.graph.neighbors('anduril')"))
    _s, units = api(server, "expand", id="anduril", agency="dod", limit=1000)
    wanted = {n["id"] for n in units["neighbours"]}
    assert wanted <= drawn and drawn - wanted <= before  # what was drawn before stays
    # pin one actor where it is, hide another
    pinned = sorted(wanted)[0]
    browser.execute_script("window.kg.pin(arguments[0])", pinned)
    place = browser.execute_script("const a = window.kg.graph.getNodeAttributes(arguments[0]); return [a.x, a.y]",
                                   pinned)
    gone = sorted(wanted)[-1]
    browser.execute_script("window.kg.hide(arguments[0])", gone)
    assert not browser.execute_script("return window.kg.graph.hasNode(arguments[0])", gone)
    # a date range: the relations drawn are those of the facts in it (the server filters)
    since = browser.find_element(By.ID, "since")
    since.send_keys("2025-01-01")
    until = browser.find_element(By.ID, "until")
    until.send_keys("2025-12-31")
    until.send_keys("\t")
    wait(browser, "return location.hash.includes('until=2025-12-31')")
    # (the answer comes when it comes: wait until every relation drawn is of the range)
    wait(browser, "const g = window.kg.graph, links = g.edges().flatMap(e => Object.values("
                  "g.getEdgeAttribute(e, 'relations')));"
                  "return links.length > 0 && links.every(l => '2025-01-01' <= l.first && l.last <= '2025-12-31')")
    shown = set(browser.execute_script("return window.kg.graph.nodes()"))
    browser.save_screenshot(str(shots / "serve-filters.png"))
    shared = browser.current_url
    assert_clean(browser, server)
    open_page(browser, shared)
    assert set(browser.execute_script("return window.kg.graph.nodes()")) == shown
    assert browser.execute_script("return window.kg.hidden") == [gone]
    again = browser.execute_script("const a = window.kg.graph.getNodeAttributes(arguments[0]);"
                                   "return [a.x, a.y, !!a.fixed]", pinned)
    assert again[2] and abs(again[0] - place[0]) < 0.01 and abs(again[1] - place[1]) < 0.01
    assert browser.find_element(By.ID, "until").get_attribute("value") == "2025-12-31"
    wait(browser, "return window.kg.selected === 'anduril' && "
                  "document.querySelector('#panel select.agency-filter')?.value === 'dod'")
    assert_clean(browser, server)


def test_groups_labels_without_overlap_and_the_panel_by_relation(browser, server, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(browser, server.url + "/")
    # labels: the most important first, none over another (the explorer places them after
    # each frame: wait for it)
    overlaps = """
        const r = window.kg.renderer, ctx = document.createElement('canvas').getContext('2d');
        ctx.font = 'normal 14px system-ui, sans-serif';
        const boxes = [...r.getNodeDisplayedLabels()].map(n => {
          const d = r.getNodeDisplayData(n), p = r.framedGraphToViewport(d), s = r.scaleSize(d.size);
          return [p.x + s + 3, p.y - 7, p.x + s + 3 + ctx.measureText(d.label).width, p.y + 7];
        });
        const hits = boxes.filter((a, i) => boxes.slice(i + 1).some(b =>
          a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]));
        return [boxes.length, hits.length];"""
    wait(browser, f"const [n, hits] = (() => {{ {overlaps} }})(); return n >= 3 && hits === 0")
    labelled, _hits = browser.execute_script(overlaps)
    assert labelled < browser.execute_script("return window.kg.graph.order")  # not every actor: no label wall
    # by zoom: from afar, fewer labels (the smaller actors lose theirs first), still apart
    browser.execute_script("window.kg.renderer.getCamera().setState({ratio: 4})")
    wait(browser, f"const [n, hits] = (() => {{ {overlaps} }})(); return n < {labelled} && hits === 0")
    browser.execute_script("window.kg.renderer.getCamera().setState({ratio: 1})")
    # groups by agency: the agencies' units in their department's colour, named in the legend
    Select(browser.find_element(By.ID, "group")).select_by_value("agency")
    wait(browser, "return location.hash.includes('g=agency')")
    legend = browser.execute_script("return [...document.querySelectorAll('#groups .group')].map(g => g.textContent)")
    assert any(g.startswith("United States Department of Defense (") for g in legend)
    colour = browser.execute_script("const g = window.kg.graph; return [g.getNodeAttribute('dod', 'color'),"
                                    "g.getNodeAttribute('agency-department-of-the-air-force', 'color')]")
    assert colour[0] == colour[1]
    # the panel: relations grouped by kind, the largest by amount first, each sorted by amount
    search_and_pick(browser, "dod", "dod")
    browser.execute_script("window.expanded = false; window.kg.expand('dod').then(() => { window.expanded = true; })")
    wait(browser, "return window.expanded && document.querySelectorAll('#panel details.relation-group').length >= 2")
    groups = browser.execute_script("return [...document.querySelectorAll('#panel details.relation-group')]"
                                    ".map(d => [d.dataset.relation, d.open])")
    assert groups[0][1] and len({g[0] for g in groups}) == len(groups)
    click(browser, 'button.relation[data-other="openai-public-sector"]')
    wait(browser, "return document.querySelectorAll('#panel .fact .fact-line').length > 0")
    lines = browser.execute_script("return [...document.querySelectorAll('#panel .fact')].map(f => "
                                   "[f.querySelectorAll('.fact-line').length, f.querySelectorAll('.fact-line .source')"
                                   ".length])")
    assert all(n == 1 and sources >= 1 for n, sources in lines)
    browser.save_screenshot(str(shots / "serve-explorer-agencies.png"))
    assert_clean(browser, server)


def test_download_as_static_page_opens_offline(browser, server, tmp_path):
    """What is shown, written as the offline single-file explorer: it opens from a file with
    no request anywhere, and shows the same actors."""
    import urllib.request

    open_page(browser, server.url + "/#a=dod,openai,openai-public-sector,anduril&s=dod")
    wait(browser, "return window.kg.selected === 'dod'")
    href = browser.execute_script("return window.kg.downloadPage()")
    assert href.startswith(server.url + "/api/static-page?")
    shown = set(browser.execute_script("return window.kg.graph.nodes()"))
    page = tmp_path / "view.html"
    with urllib.request.urlopen(href, timeout=60) as r:
        assert "attachment" in r.headers["Content-Disposition"]
        page.write_bytes(r.read())
    browser.get("about:blank")
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(page.as_uri())
    wait(browser, "return window.kgReady === true")
    assert {n["id"] for n in browser.execute_script("return window.kgData.nodes")} == shown
    requests = [json.loads(e["message"])["message"]["params"]["request"]["url"]
                for e in browser.get_log("performance")
                if json.loads(e["message"])["message"]["method"] == "Network.requestWillBeSent"]
    assert requests and all(u.startswith(("file:", "data:", "about:")) for u in requests)


def test_a_construct_query_drawn_in_the_explorer(browser, server):
    from selenium.webdriver.common.by import By

    query = ("CONSTRUCT { ?f dai:contractor ?c } WHERE { ?f a dai:Contract ; dai:contractor ?c ; "
             "dai:awardingAgency id:agency-department-of-the-army }")
    open_page(browser, server.url + "/sparql#" + urllib.parse.urlencode({"query": query}))
    wait(browser, "return !!document.querySelector('#results pre.answer')")
    assert not browser.find_element(By.ID, "explore").get_attribute("hidden")
    browser.find_element(By.ID, "dl-csv").get_attribute("href").index("format=turtle")
    browser.find_element(By.ID, "explore").click()
    wait(browser, "return window.kgReady === true && location.pathname === '/'")
    drawn = set(browser.execute_script("return window.kg.graph.nodes()"))
    _s, expected = api(server, "query-view", query=query)
    assert drawn == {a["id"] for a in expected["actors"]} and "agency-department-of-the-army" in drawn
    assert "sparql=" in browser.current_url
    assert_clean(browser, server)


def test_the_flags_layer_marks_hits_and_lists_their_evidence(browser, server, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(browser, server.url + "/")
    Select(browser.find_element(By.ID, "flag")).select_by_value("concentration")
    wait(browser, "return document.querySelectorAll('#panel .flag-hit').length > 0")
    evidence = browser.execute_script("return [...document.querySelectorAll('#panel .flag-hit .evidence')]"
                                      ".map(e => e.textContent)")
    assert any("“awardId=" in e for e in evidence)
    click(browser, "#panel button.draw-hits")
    wait(browser, "return window.kg.graph.hasNode('agency-us-customs-and-border-protection')")
    marked = browser.execute_script("""const r = window.kg.renderer, g = window.kg.graph;
        const e = g.edge('agency-us-customs-and-border-protection', 'anduril');
        return [r.getNodeDisplayData('anduril').highlighted, e && r.getEdgeDisplayData(e).color];""")
    assert marked == [True, "#e74c3c"]
    assert "flag=concentration" in browser.current_url
    browser.save_screenshot(str(shots / "serve-flags.png"))
    assert_clean(browser, server)


def test_editor_runs_a_saved_query_with_a_parameter(browser, server, shots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(browser, server.url + "/sparql")
    Select(browser.find_element(By.ID, "saved")).select_by_value("actor-facts")
    field = browser.find_element(By.CSS_SELECTOR, '#params input[name="actor"]')
    field.send_keys("pentagone")
    browser.find_element(By.ID, "run").click()
    wait(browser, "return document.querySelectorAll('table.results tbody tr').length > 0")
    heads = browser.execute_script("return [...document.querySelectorAll('table.results th')].map(t => t.textContent)")
    assert heads[:2] == ["?fact", "?type"]
    cells = browser.execute_script("return [...document.querySelectorAll('table.results td')].map(t => t.textContent)")
    assert any("premier contrat de défense" in c for c in cells)
    assert "saved=actor-facts" in browser.current_url and "actor=pentagone" in browser.current_url
    href = browser.find_element(By.ID, "dl-csv").get_attribute("href")
    assert href.startswith(server.url + "/api/saved?") and "format=csv" in href
    browser.save_screenshot(str(shots / "serve-sparql.png"))
    assert_clean(browser, server)
    # a syntax error is shown on one line, with where it is
    open_page(browser, server.url + "/sparql#query=" + "SELECT%20*%20WHERE%20%7B%20%3Fs%20%7D")
    wait(browser, "return document.getElementById('status').className === 'error'")
    assert "SPARQL syntax error at line 1" in browser.find_element(By.ID, "status").text


def test_text_from_data_is_text(browser, tmp_path):
    from selenium.webdriver.common.by import By

    """The nasty strings (tests/nasty.py) in names, aliases, titles and quotes: shown as
    they are, through search, the panel, the facts and the editor's results; nothing runs."""

    served = Served(nasty_data(ROOT / "data", tmp_path / "data"))
    try:
        open_page(browser, served.url + "/")
        search_and_pick(browser, "Nasty", "nasty-corp")
        assert panel_title(browser) == NASTY_LABEL
        browser.execute_script("window.kg.expand('nasty-corp')")
        wait(browser, "return !!document.querySelector('button.relation[data-other=\"nasty-partner\"]')")
        click(browser, 'button.relation[data-other="nasty-partner"]')
        wait(browser, "return document.querySelectorAll('#panel .quote').length > 0")
        quote = browser.execute_script("return document.querySelector('#panel .quote').textContent")
        assert "</script><script>alert(1)</script>" in quote
        assert browser.execute_script("return document.querySelectorAll('#panel script, #panel img').length") == 0
        assert_clean(browser, served)
        # through search by quote and by source title: the payloads shown as the text they are
        box = browser.find_element(By.ID, "search")
        for words, matched in (("DETACH DELETE override", "quote"), ("single quotes alert", "source")):
            box.clear()
            box.send_keys(words)
            wait(browser, f"return [...document.querySelectorAll('#results li')].some(l => l.dataset.matched === "
                          f"'{matched}')")
            info = browser.execute_script("return [...document.querySelectorAll('#results li')].find(l => "
                                          f"l.dataset.matched === '{matched}').textContent")
            assert ("DETACH DELETE" if matched == "quote" else "</script><script>alert(1)</script>") in info
            assert browser.execute_script("return document.querySelectorAll('#results script, #results img, "
                                          "#results tag').length") == 0
        # the source filter lists the nasty title as text; the static page of it escapes it
        titles = browser.execute_script("return [...document.querySelectorAll('#source option')].map(o => o.text)")
        assert any("</script><script>alert(1)</script>" in t for t in titles)
        href = browser.execute_script("return window.kg.downloadPage()")
        page = tmp_path / "nasty.html"
        with urllib.request.urlopen(href, timeout=60) as r:
            page.write_bytes(r.read())
        open_page(browser, page.as_uri())
        assert NASTY_LABEL in browser.execute_script("return window.kgData.nodes.map(n => n.label).join(' ')")
        assert browser.execute_script("return typeof window.__pwned") == "undefined"
        from selenium.common.exceptions import NoAlertPresentException

        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018 - no dialog was opened
        browser.get("about:blank")
        open_page(browser, served.url + "/sparql#query=" + "SELECT%20%3Fl%20WHERE%20%7B%20id%3Anasty-corp%20"
                  "rdfs%3Alabel%7Cskos%3AaltLabel%20%3Fl%20%7D")
        wait(browser, "return document.querySelectorAll('table.results td').length > 0")
        cells = browser.execute_script("return [...document.querySelectorAll('table.results td')]"
                                       ".map(t => t.textContent)")
        assert any(NASTY_LABEL in c for c in cells)
        assert browser.execute_script("return document.querySelectorAll('#results script, #results img').length") == 0
        assert_clean(browser, served)
    finally:
        served.stop()


def test_the_bundles_are_what_the_build_makes(tmp_path):
    """graph/serve/js/build.sh (npm ci, then esbuild) from the committed package-lock.json
    gives the committed bundles byte for byte."""
    if shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("npm is needed to rebuild the bundles (required in CI)")
        pytest.skip("npm is not installed")
    work = tmp_path / "serve"
    shutil.copytree(ROOT / "graph" / "serve" / "js", work / "js", ignore=shutil.ignore_patterns("node_modules"))
    subprocess.run(["sh", str(work / "js" / "build.sh")], check=True, capture_output=True, timeout=600)
    built = sorted(p.name for p in (work / "static" / "dist").iterdir())
    assert built == sorted(p.name for p in DIST.iterdir()) == ["LICENSES.txt", "editor.js", "explorer.js"]
    for name in built:
        assert (work / "static" / "dist" / name).read_bytes() == (DIST / name).read_bytes(), name


def test_the_bundles_name_their_packages_and_licences():
    for name in ("explorer.js", "editor.js"):
        head = (DIST / name).read_text(encoding="utf-8")[:2000]
        assert head.startswith("/*! kg serve: ") and "(MIT)" in head
    licences = (DIST / "LICENSES.txt").read_text(encoding="utf-8")
    assert "sigma@3.0.3" in licences and "codemirror@6.0.2" in licences and "graphology@0.26.0" in licences
    for page in ("index.html", "sparql.html"):
        html = (ROOT / "graph" / "serve" / "static" / page).read_text(encoding="utf-8")
        assert "http://" not in html and "https://" not in html  # nothing from elsewhere
