"""The GEXF and GraphML exports drawn by sigma.js 3 in real headless Chromium, with no adapter.

A local page (tests/sigma_page.py: tests/js/sigma_page.mjs bundled by esbuild from
tests/js/package-lock.json, served on loopback) fetches the file, parses it with
graphology's browser parsers (``graphology-gexf/browser``, ``graphology-graphml/browser``:
what Gephi Lite and sigma.js apps use) and hands the graph to ``new Sigma(graph, stage)``
as it is. For the committed ``exports/kg.gexf`` and ``exports/kg.graphml``, the actor graph of
``kg export -f gexf --actors`` and the exports of the nasty-string graph:

- no exception, no console error, no request outside the page's server;
- sigma holds every node and edge of the file (counts read from the XML by Python);
- each node is drawn where its ``viz:position`` (GraphML: ``x``/``y``) puts it (one scale
  and offset for the whole graph, y up), with its ``viz:color`` and ``viz:size``: the
  colour is read back from the screenshot at the centre of every node no other node covers;
- the labels drawn on the canvas are the file's labels, and a nasty label (tests/nasty.py)
  is drawn as text when its node is hovered: no element added to the page, no script run.

Screenshots go to $KG_SCREENSHOT_DIR (default: pytest's tmp_path). Needs Chromium,
chromedriver, selenium and ``npm ci`` in tests/js (skipped without them, except in CI).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from graph.exporters import registry
from tests.conftest import EXPORTS
from tests.nasty import NASTY_LABEL
from tests.sigma_page import JS, build_page, serve
from tests.test_html_export import CHROMEDRIVER, CHROMIUM, _require_browser

GEXF = "{http://gexf.net/1.3}"
VIZ = "{http://gexf.net/1.3/viz}"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


# ------------------------------------------------------------------ what the file says


def read_file(path: Path) -> dict:
    """Nodes (id -> label, x, y, size, rgb) and the edge count, read from the XML itself."""
    root = ET.parse(path).getroot()
    nodes = {}
    if root.tag == GEXF + "gexf":
        for n in root.iter(GEXF + "node"):
            c, p, s = n.find(VIZ + "color"), n.find(VIZ + "position"), n.find(VIZ + "size")
            nodes[n.get("id")] = {
                "label": n.get("label"),
                "x": float(p.get("x")),
                "y": float(p.get("y")),
                "size": float(s.get("value")),
                "rgb": tuple(int(c.get(k)) for k in "rgb"),
            }
        edges = len(list(root.iter(GEXF + "edge")))
    else:
        names = {k.get("id"): k.get("attr.name") for k in root.iter(GRAPHML + "key")}
        for n in root.iter(GRAPHML + "node"):
            data = {names[d.get("key")]: d.text for d in n.iter(GRAPHML + "data")}
            colour = data["color"]
            nodes[n.get("id")] = {
                "label": data.get("label"),
                "x": float(data["x"]),
                "y": float(data["y"]),
                "size": float(data["size"]),
                "rgb": tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5)),
            }
        edges = len(list(root.iter(GRAPHML + "edge")))
    return {"nodes": nodes, "edges": edges}


def css_rgb(colour: str) -> tuple[int, int, int]:
    """'#c2410c' or 'rgb(194,65,12)' -> (194, 65, 12)."""
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(float(x)) for x in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3])


# ------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    _require_browser()
    if shutil.which("node") is None or not (JS / "node_modules" / "sigma").is_dir():
        if os.environ.get("CI"):
            pytest.fail("node and `npm ci` in tests/js are needed (required in CI)")
        pytest.skip("run `npm ci` in tests/js")
    folder = build_page(tmp_path_factory.mktemp("sigma-page"))
    with serve(folder) as url:
        yield folder, url


@pytest.fixture(scope="module")
def browser():
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
        "--window-size=1400,900",
        "--force-device-scale-factor=1",
        # WebGL on the CPU: SwiftShader, which headless Chromium asks to be named
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    drv.set_script_timeout(60)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def actors_gexf(tmp_path_factory) -> Path:
    """What `kg export -f gexf --actors` writes from a copy of the shipped data."""
    from click.testing import CliRunner

    from graph.cli import main
    from tests.conftest import DATA

    work = tmp_path_factory.mktemp("actors")
    shutil.copytree(DATA, work / "data", ignore=shutil.ignore_patterns(".kg"))
    out = work / "actors.gexf"
    result = CliRunner().invoke(
        main, ["export", "--data", str(work / "data"), "-f", "gexf", "--actors", "-o", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("KG_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -------------------------------------------------------------------------- drawing


def draw(browser, page, path: Path) -> dict:
    """Open the page, let it fetch, parse and draw ``path``; what sigma holds, per node."""
    folder, url = page
    shutil.copy(path, folder / path.name)
    browser.get("about:blank")
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(url + "/index.html")
    fmt = "gexf" if path.suffix == ".gexf" else "graphml"
    loaded = browser.execute_async_script("kgLoad(arguments[0], arguments[1]).then(arguments[2])", path.name, fmt)
    assert loaded["errors"] == []
    shown = browser.execute_script("""
        const r = kg.renderer, g = kg.graph, nodes = {};
        g.forEachNode((key) => {
          const d = r.getNodeDisplayData(key);
          if (!d || d.hidden) return;
          const p = r.framedGraphToViewport(d);
          nodes[key] = { vx: p.x, vy: p.y, color: d.color, size: d.size, radius: r.scaleSize(d.size),
                         label: d.label };
        });
        const edges = g.edges().filter((e) => { const d = r.getEdgeDisplayData(e); return d && !d.hidden; });
        const labels = [...r.getNodeDisplayedLabels()];
        return { order: g.order, size: g.size, nodes, edges: edges.length, labels,
                 width: r.getDimensions().width, height: r.getDimensions().height };
    """)
    return {**loaded, **shown}


def assert_clean(browser, url: str) -> None:
    """No console error or warning (but SwiftShader's notes about WebGL), no request outside
    the page's server, no dialog, no script of the data run."""
    logged = [
        e
        for e in browser.get_log("browser")
        if e["level"] in ("SEVERE", "WARNING")
        and not (e.get("source") == "rendering" and "GL Driver Message" in e["message"])
    ]
    assert logged == []
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    outside = [u for u in requests if not u.startswith(url + "/") and not u.startswith("data:")]
    assert requests and outside == []
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.execute_script("return kgErrors") == []


def screenshot_pixels(browser, points: list[tuple[float, float]]) -> list[tuple[int, int, int]]:
    """The colours at ``points`` (viewport pixels) of a screenshot of the page, read by
    drawing the PNG on a 2D canvas of the page."""
    png = browser.get_screenshot_as_base64()
    assert base64.b64decode(png)[:4] == b"\x89PNG"
    return [
        tuple(p)
        for p in browser.execute_async_script(
            """
        const [png, points, done] = arguments, img = new Image();
        img.onload = () => {
          const c = document.createElement("canvas");
          c.width = img.width; c.height = img.height;
          const ctx = c.getContext("2d", { willReadFrequently: true });
          ctx.drawImage(img, 0, 0);
          done(points.map(([x, y]) => [...ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data].slice(0, 3)));
        };
        img.onerror = () => done(null);
        img.src = "data:image/png;base64," + png;
    """,
            png,
            points,
        )
    ]


def check_drawing(browser, page, path: Path, shots: Path) -> dict:
    """Everything the module docstring promises for one file; returns what was drawn."""
    want = read_file(path)
    got = draw(browser, page, path)
    # every node and edge of the file, each node drawn
    assert (got["order"], got["size"]) == (len(want["nodes"]), want["edges"])
    assert set(got["nodes"]) == set(want["nodes"]) and got["edges"] == want["edges"]
    # positions: one scale and offset for the whole file, y pointing up (as in GEXF)
    xs = [(want["nodes"][k]["x"], v["vx"]) for k, v in got["nodes"].items()]
    ys = [(want["nodes"][k]["y"], v["vy"]) for k, v in got["nodes"].items()]
    (x0, vx0), (x1, vx1) = min(xs), max(xs)
    scale = (vx1 - vx0) / (x1 - x0)
    assert scale > 0
    assert max(abs(vx0 + (x - x0) * scale - vx) for x, vx in xs) < 0.5
    y0, vy0 = min(ys)
    assert max(abs(vy0 - (y - y0) * scale - vy) for y, vy in ys) < 0.5
    assert 0 <= min(v for _, v in xs) < max(v for _, v in xs) <= got["width"]
    assert 0 <= min(v for _, v in ys) < max(v for _, v in ys) <= got["height"]
    # colours and sizes as the file gives them
    for key, node in got["nodes"].items():
        assert css_rgb(node["color"]) == want["nodes"][key]["rgb"], key
        assert node["size"] == want["nodes"][key]["size"], key
        assert node["label"] == want["nodes"][key]["label"], key
    # the labels drawn on the canvas are the file's labels
    texts = browser.execute_script("return kg.texts")
    assert got["labels"] and {got["nodes"][k]["label"] for k in got["labels"]} <= set(texts)
    browser.save_screenshot(str(shots / f"sigma-{path.name.replace('.', '-')}.png"))
    # the colour on screen, at the centre of each node no other node covers (labels off)
    browser.execute_async_script(
        "kg.renderer.setSetting('renderLabels', false);requestAnimationFrame(() => requestAnimationFrame(arguments[0]))"
    )
    nodes = got["nodes"]
    alone = [
        k
        for k, a in nodes.items()
        if a["radius"] >= 3
        and not any(
            k != o and (a["vx"] - b["vx"]) ** 2 + (a["vy"] - b["vy"]) ** 2 < (a["radius"] + b["radius"] + 1) ** 2
            for o, b in nodes.items()
        )
    ]
    assert len(alone) >= 10
    seen = screenshot_pixels(browser, [(nodes[k]["vx"], nodes[k]["vy"]) for k in alone])
    wrong = [
        (k, rgb, want["nodes"][k]["rgb"])
        for k, rgb in zip(alone, seen, strict=True)
        if max(abs(a - b) for a, b in zip(rgb, want["nodes"][k]["rgb"], strict=True)) > 3
    ]
    assert wrong == []
    return got


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", ["kg.gexf", "kg.graphml"])
def test_sigma_draws_the_committed_export_as_it_is(browser, page, shots, name):
    check_drawing(browser, page, EXPORTS / name, shots)
    assert_clean(browser, page[1])


def test_sigma_draws_the_actor_graph_of_kg_export_gexf_actors(browser, page, shots, actors_gexf):
    got = check_drawing(browser, page, actors_gexf, shots)
    assert {"dod", "openai"} <= set(got["nodes"])
    assert_clean(browser, page[1])


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_a_nasty_label_is_drawn_as_text(browser, page, shots, nasty_kg, fmt, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    path = tmp_path / f"nasty.{fmt}"
    path.write_text("".join(registry.get(fmt).generate(nasty_kg)), encoding="utf-8")
    check_drawing(browser, page, path, shots)
    before = browser.execute_script("return document.body.getElementsByTagName('*').length")
    # a real mouse over the node: sigma draws the hovered node's label
    browser.execute_async_script(
        "kg.renderer.setSetting('renderLabels', true);requestAnimationFrame(() => requestAnimationFrame(arguments[0]))"
    )
    browser.execute_script("kg.texts.length = 0")
    x, y = browser.execute_script(
        "const r = kg.renderer, p = r.framedGraphToViewport(r.getNodeDisplayData('nasty-corp')); return [p.x, p.y]"
    )
    stage = browser.find_element(By.ID, "graph")
    ActionChains(browser).move_to_element_with_offset(
        stage, x - stage.size["width"] / 2, y - stage.size["height"] / 2
    ).perform()
    browser.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]))")
    assert browser.execute_script("return kg.renderer.hoveredNode") == "nasty-corp"
    assert NASTY_LABEL in browser.execute_script("return kg.texts")
    browser.save_screenshot(str(shots / f"sigma-nasty-{fmt}-hover.png"))
    assert browser.execute_script("return document.body.getElementsByTagName('*').length") == before
    assert browser.execute_script("return document.querySelectorAll('script').length") == 1
    assert_clean(browser, page[1])


def test_sigma_refuses_a_gexf_without_positions(browser, page, tmp_path):
    """The checks above can fail: the GEXF as it was before (issue 15), no viz:position."""
    text = (EXPORTS / "kg.gexf").read_text(encoding="utf-8")
    bare = tmp_path / "bare.gexf"
    bare.write_text(
        "".join(line for line in text.splitlines(keepends=True) if "<viz:position" not in line), encoding="utf-8"
    )
    folder, url = page
    shutil.copy(bare, folder / bare.name)
    browser.get(url + "/index.html")
    loaded = browser.execute_async_script("kgLoad(arguments[0], 'gexf').then(arguments[1])", bare.name)
    assert any("Coordinates of node" in e and "are invalid" in e for e in loaded["errors"]), loaded
