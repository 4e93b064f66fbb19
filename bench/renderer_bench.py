"""vis-network (the static explorer) against sigma.js (WebGL), on the same synthetic graphs.

For each size (default 1,000 and 5,000 actors, with 4 relations per actor: 5,000 / 20,000
is the target of issue 16) this script builds one synthetic actor graph
(:func:`dense_actors`: ``bench.html_bench.synthetic_actors`` plus relations copied from its
own until there are 4 per actor) and draws it twice in headless Chromium (Debian's
``chromium`` and ``chromedriver``, WebGL on the CPU by SwiftShader: there is no GPU here),
each page in a browser of its own with every http(s) request blocked:

* **vis-network**: the static explorer itself, ``graph.exporters.html.generate`` (above 60
  actors: positions computed in Python, physics off; above 3,000 relations: edge labels and
  arrows on highlighted edges only), opened from file://;
* **sigma.js**: sigma 3 over a graphology graph (tests/js/sigma_page.mjs, bundled by esbuild
  from tests/js/package-lock.json), with the settings of ``kg serve``'s explorer
  (graph/serve/js/src/explorer.js: labels by size with sigma's label grid) and the very
  drawing of the vis-network page: the positions, colours and relative sizes are read
  from that page once it is drawn.

Measured, in the page:

* ``drawn``: ms from navigation start to the first frame drawn with the graph in it
  (vis-network: its first ``afterDrawing``; sigma: ``new Sigma`` has rendered);
* ``interactive``: the static page's ``window.kgReady``; for sigma, when ``new Sigma``
  returns (its handlers are attached there);
* frames during a scripted pan and zoom of ``--seconds`` (default 4): one camera move per
  ``requestAnimationFrame`` (a circle a quarter of the drawing wide, zooming from 1x to 2x,
  down to 0.5x and back), through each renderer's own camera (vis ``moveTo``, sigma
  ``camera.setState``); the intervals between frames: median and 95th percentile in ms,
  frames per second, and frames dropped against 60 per second;
* ``draw``: the median time of one redraw on the page's main thread during the pan (vis-network:
  ``beforeDrawing`` to ``afterDrawing``; sigma: its ``render``), the part of a frame that a
  GPU does not take over (sigma's WebGL drawing happens in the GPU process, here SwiftShader);
* CPU per frame during the pan, in the page's renderer process and in the GPU process
  (where SwiftShader draws WebGL, and the compositor works), from /proc;
* memory: the page's JS heap (``performance.memory.usedJSHeapSize``, precise), and the PSS
  of all the browser's processes (renderer, GPU, browser) after the pan.

Results: a Markdown table on stdout and ``bench/out/renderer_bench.json``.

Usage (about 2 minutes)::

    nice python bench/renderer_bench.py
    nice python bench/renderer_bench.py --sizes 1000 5000 10000 --seconds 4 --repeat 2
    nice python bench/renderer_bench.py --compositing swiftshader   # no --disable-gpu

Needs ``npm ci`` in tests/js (sigma, graphology, esbuild).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.html_bench import CHROMEDRIVER, CHROMIUM, _chromium_version, synthetic_actors  # noqa: E402
from tests.sigma_page import bundle  # noqa: E402

OUT = ROOT / "bench" / "out"
FRAME_MS = 1000 / 60

__all__ = ["dense_actors", "main"]

#: The settings of kg serve's explorer (graph/serve/js/src/explorer.js), without its reducers.
SIGMA_SETTINGS = {
    "labelDensity": 0.6, "labelGridCellSize": 90, "labelRenderedSizeThreshold": 7, "renderEdgeLabels": False,
    "labelFont": "system-ui, sans-serif", "zIndex": True, "minCameraRatio": 0.02, "maxCameraRatio": 20,
}


def dense_actors(n: int, per_actor: int = 4, *, seed: int = 20250601) -> nx.MultiDiGraph:
    """:func:`synthetic_actors` with relations added until there are ``per_actor * n``.

    Each added relation copies the attributes of one of the graph's own (its kind, label,
    sources, dates) between new ends: one end a hub (agencies and the largest companies,
    half the time) or any actor, the other any actor. Deterministic.

    >>> g = dense_actors(300)
    >>> g.number_of_nodes(), g.number_of_edges()
    (300, 1200)
    """
    g = synthetic_actors(n, seed=seed)
    rng = random.Random(seed + 1)
    nodes = sorted(g)
    hubs = sorted(g, key=lambda v: (-g.degree(v), v))[: max(1, n // 50)]
    templates = sorted(g.edges(keys=True, data=True), key=lambda e: e[2])
    serial = 0
    while g.number_of_edges() < per_actor * n:
        u = rng.choice(hubs) if rng.random() < 0.5 else rng.choice(nodes)
        v = rng.choice(nodes)
        if u == v:
            continue
        serial += 1
        attrs = dict(rng.choice(templates)[3])
        key = f"extra-{serial:06d}"
        g.add_edge(u, v, key=key, **{**attrs, "fact": key})
    centrality = nx.degree_centrality(nx.Graph(g))
    for v in g:
        g.nodes[v]["degree_centrality"] = round(centrality[v], 6)
    return g


# -------------------------------------------------------------------------- pages

_SIGMA_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sigma.js bench</title><link rel="icon" href="data:,">
<style>html, body { margin: 0; height: 100%; } #graph { width: 100%; height: 100%; background: #fff; }</style>
</head><body><div id="graph"></div>
<script src="sigma_page.js"></script><script src="data.js"></script><script src="boot.js"></script>
</body></html>
"""

_SIGMA_BOOT = """
window.kgOpenStart = performance.now();
kgOpen("json", window.kgBenchData, %s);
window.kgDrawnMs = window.kgReadyMs = performance.now();
window.kgReady = true;
"""

#: The drawing of the vis-network page, as a graphology serialized graph (y up for sigma).
_READ_DRAWING = """
const pos = kgNetwork.getPositions(), sizes = kgData.nodes.map((n) => n.size);
const lo = Math.min(...sizes), hi = Math.max(...sizes);
const nodes = kgData.nodes.map((n) => {
  const item = kgNodes.get(kgNodeId(n.id)), p = pos[kgNodeId(n.id)];
  return { key: n.id, attributes: { x: p.x, y: -p.y, label: n.label, color: item.color.background,
           size: 2 + 10 * (hi > lo ? (n.size - lo) / (hi - lo) : 0) } };
});
const edges = kgData.edges.map((e) => {
  const item = kgEdges.get(e.id);
  return { key: e.id, source: e.from, target: e.to, attributes: { color: item.color.color } };
});
return JSON.stringify({ options: { type: "directed", multi: true, allowSelfLoops: true }, attributes: {},
                        nodes, edges });
"""

#: One camera move per animation frame for ``duration`` ms; the frames' timestamps.
_PAN_ZOOM = """
const [kind, duration, done] = arguments;
let apply;
const draws = [];
if (kind === "vis") {
  const net = kgNetwork, base = net.getViewPosition(), scale = net.getScale();
  let t0 = 0;
  net.on("beforeDrawing", () => { t0 = performance.now(); });
  net.on("afterDrawing", () => draws.push(performance.now() - t0));
  const ps = Object.values(net.getPositions()), xs = ps.map((p) => p.x), ys = ps.map((p) => p.y);
  const w = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  apply = (dx, dy, z) => net.moveTo({ position: { x: base.x + dx * w, y: base.y + dy * w }, scale: scale * z,
                                      animation: false });
} else {
  const r = kg.renderer, cam = r.getCamera(), base = cam.getState(), render = r.render.bind(r);
  r.render = () => { const t = performance.now(), out = render(); draws.push(performance.now() - t); return out; };
  apply = (dx, dy, z) => cam.setState({ x: base.x + dx, y: base.y - dy, ratio: base.ratio / z });
}
const times = [];
function step(t) {
  times.push(t);
  const f = (t - times[0]) / duration;
  if (f >= 1) {
    apply(0, 0, 1);
    requestAnimationFrame(() => requestAnimationFrame(() => done({
      times, draws, heap: performance.memory ? performance.memory.usedJSHeapSize : null })));
    return;
  }
  const a = 2 * Math.PI * f;
  apply(0.25 * (Math.cos(a) - 1), 0.25 * Math.sin(a), Math.pow(2, Math.sin(a)));
  requestAnimationFrame(step);
}
requestAnimationFrame(step);
"""


def _driver(compositing: str = "software"):
    """Headless Chromium as the tests run it (``--disable-gpu``: software compositing, WebGL
    by SwiftShader), or with ``compositing="swiftshader"`` without ``--disable-gpu``: the
    compositor and canvases on SwiftShader's GL too (no WebGL read-back per frame)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    args = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--window-size=1440,900", "--force-device-scale-factor=1",
            "--enable-precise-memory-info", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
    if compositing == "software":
        args.append("--disable-gpu")
    for arg in args:
        options.add_argument(arg)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    drv.command_executor.client_config.timeout = 300
    drv.execute_cdp_cmd("Network.enable", {})
    drv.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
    return drv


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _cpu_by_type(drv) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the browser's processes, by Chromium's
    ``--type`` (renderer, gpu-process, ...; "browser" for the one without)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    try:
        pids = _descendants(drv.service.process.pid)
    except (AttributeError, OSError):
        return out
    for pid in pids:
        try:
            # Chromium rewrites its children's command lines into one string: split on spaces too
            args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if not args or b"chromedriver" in args[0]:
            continue
        kind = next((a[7:].decode() for a in args if a.startswith(b"--type=")), "browser")
        out[kind] = out.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def _browser_pss_mb(drv) -> float | None:
    """The proportional set size of every process under chromedriver (the whole browser)."""
    total = 0
    try:
        pids = _descendants(drv.service.process.pid)
    except (AttributeError, OSError):
        return None
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1) if total else None


def _frames(times: list[float]) -> dict:
    deltas = [b - a for a, b in zip(times, times[1:], strict=False)]
    if not deltas:
        return {"frames": 0}
    ordered = sorted(deltas)
    span = times[-1] - times[0]
    return {
        "frames": len(deltas),
        "median_ms": round(statistics.median(deltas), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "max_ms": round(ordered[-1], 1),
        "fps": round(1000 * len(deltas) / span, 1),
        "dropped": sum(max(0, round(d / FRAME_MS) - 1) for d in deltas),
    }


def _measure(drv, url: str, kind: str, seconds: float) -> dict:
    drv.set_page_load_timeout(300)
    drv.set_script_timeout(seconds + 120)
    started = time.perf_counter()
    drv.get(url)
    while not drv.execute_script("return window.kgReady === true"):
        if time.perf_counter() - started > 300:
            raise TimeoutError(f"{kind}: not interactive in 300 s")
        time.sleep(0.05)
    drawn, ready = drv.execute_script("return [window.kgDrawnMs, window.kgReadyMs]")
    heap_loaded = drv.execute_script("return performance.memory ? performance.memory.usedJSHeapSize : null")
    time.sleep(1)  # let the page settle (vis-network's label layer, sigma's first hover index)
    cpu_before = _cpu_by_type(drv)
    pan = drv.execute_async_script(_PAN_ZOOM, "vis" if kind == "vis-network" else "sigma", seconds * 1000)
    cpu = {k: v - cpu_before.get(k, 0.0) for k, v in _cpu_by_type(drv).items()}
    frames = max(1, len(pan["times"]) - 1)
    draws = sorted(pan["draws"])
    return {"drawn_ms": round(drawn), "interactive_ms": round(ready), **_frames(pan["times"]),
            "draw_median_ms": round(statistics.median(draws), 1) if draws else None,
            "cpu_renderer_ms_per_frame": round(1000 * cpu.get("renderer", 0.0) / frames, 1),
            "cpu_gpu_ms_per_frame": round(1000 * cpu.get("gpu-process", 0.0) / frames, 1),
            "heap_loaded_mb": round(heap_loaded / 2**20, 1) if heap_loaded else None,
            "heap_after_mb": round(pan["heap"] / 2**20, 1) if pan["heap"] else None,
            "browser_pss_mb": _browser_pss_mb(drv)}


def _quit(drv) -> None:
    try:
        drv.quit()
    except Exception:  # noqa: BLE001 - a hung browser: chromedriver's exit ends it
        drv.service.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--per-actor", type=int, default=4, help="relations per actor (default 4)")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of the pan and zoom (default 4)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each page (default 1)")
    parser.add_argument("--compositing", choices=["software", "swiftshader"], default="software",
                        help="software: --disable-gpu, as the tests (default); swiftshader: GPU compositing on "
                             "SwiftShader")
    parser.add_argument("--out", type=Path, default=OUT / "renderer_bench.json")
    args = parser.parse_args(argv)

    from graph.exporters.html import generate

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bundle(work / "sigma_page.js")
        (work / "boot.js").write_text(_SIGMA_BOOT % json.dumps(SIGMA_SETTINGS), encoding="utf-8")
        (work / "sigma.html").write_text(_SIGMA_HTML, encoding="utf-8")
        for n in args.sizes:
            actors = dense_actors(n, args.per_actor)
            vis_page = work / f"vis-{n}.html"
            vis_page.write_text("".join(generate(actors, title=f"synthetic {n}")), encoding="utf-8")
            drawing = None
            for run in range(args.repeat):
                for kind in ("vis-network", "sigma.js"):
                    drv = _driver(args.compositing)
                    try:
                        if kind == "vis-network":
                            measured = _measure(drv, vis_page.as_uri(), kind, args.seconds)
                            if drawing is None:
                                drawing = drv.execute_script(_READ_DRAWING)
                                (work / "data.js").write_text(f"window.kgBenchData = {drawing};\n", encoding="utf-8")
                        else:
                            measured = _measure(drv, (work / "sigma.html").as_uri(), kind, args.seconds)
                            shown = drv.execute_script("return [kg.graph.order, kg.graph.size]")
                            if shown != [actors.number_of_nodes(), actors.number_of_edges()]:
                                raise RuntimeError(f"sigma.js drew {shown}, not the whole graph")
                        errors = drv.execute_script("return window.kgErrors || []")
                        if errors:
                            raise RuntimeError(f"{kind}: {errors}")
                    finally:
                        _quit(drv)
                    row = {"renderer": kind, "run": run + 1, "nodes": actors.number_of_nodes(),
                           "edges": actors.number_of_edges(), **measured}
                    rows.append(row)
                    print(f"{kind:>11} {n:>6} actors, run {run + 1}: {row}", file=sys.stderr, flush=True)

    print("| renderer | actors | relations | first frame | interactive | frame median | frame p95 | fps "
          "| dropped | draw (main thread) | CPU/frame: page, GPU process | JS heap | browser PSS |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['renderer']} | {r['nodes']:,} | {r['edges']:,} | {r['drawn_ms']:,} ms | "
              f"{r['interactive_ms']:,} ms | {r['median_ms']} ms | {r['p95_ms']} ms | {r['fps']} | "
              f"{r['dropped']} of {r['frames'] + r['dropped']} | {r['draw_median_ms']} ms | "
              f"{r['cpu_renderer_ms_per_frame']} + {r['cpu_gpu_ms_per_frame']} ms | "
              f"{r['heap_after_mb']} MB | {r['browser_pss_mb']} MB |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"seconds": args.seconds, "per_actor": args.per_actor, "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "chromium": _chromium_version(),
            "webgl": "SwiftShader (CPU)", "compositing": args.compositing,
            "load_average": [round(x, 1) for x in os.getloadavg()]}
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
