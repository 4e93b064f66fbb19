// A page that hands a graph file to graphology's browser parsers and sigma.js 3, as a user of
// Gephi Lite or of a sigma.js app would: no adapter between the parser and the renderer.
// Bundled by esbuild at test time (tests/sigma_page.py) and opened in headless Chromium by
// tests/test_exports_sigma.py; bench/renderer_bench.py draws its synthetic graphs with it.
//
//   kgLoad(url, "gexf" | "graphml")  fetch a file of the page's own server, parse, draw
//   kgOpen(format, text, settings)   the same from text ("json": graphology's serialized graph,
//                                    as text or as an object)
//
// Every text drawn on a canvas (sigma draws labels with fillText) is kept in kg.texts, so a
// test can tell a label was drawn as text; errors go to kgErrors.
import { MultiDirectedGraph } from "graphology";
import { parse as parseGexf } from "graphology-gexf/browser";
import { parse as parseGraphml } from "graphology-graphml/browser";
import Sigma from "sigma";

const texts = [];
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
  texts.push(String(text));
  return fillText.call(this, text, ...rest);
};

window.kgErrors = [];
window.addEventListener("error", (e) => window.kgErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.kgErrors.push(String(e.reason)));

function parse(format, text) {
  if (format === "gexf") return parseGexf(MultiDirectedGraph, text);
  if (format === "graphml") return parseGraphml(MultiDirectedGraph, text);
  if (format === "json") {
    const graph = new MultiDirectedGraph();
    graph.import(typeof text === "string" ? JSON.parse(text) : text);
    return graph;
  }
  throw new Error(`unknown format ${format}`);
}

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

window.kgOpen = function (format, text, settings) {
  const graph = parse(format, text);
  const renderer = new Sigma(graph, document.getElementById("graph"), settings || {});
  window.kg = { graph, renderer, texts, Sigma };
  return { order: graph.order, size: graph.size };
};

window.kgLoad = async function (url, format, settings) {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const counts = window.kgOpen(format, await response.text(), settings);
    await nextFrame();
    return { ...counts, errors: window.kgErrors };
  } catch (err) {
    window.kgErrors.push(String(err && err.stack ? err.stack : err));
    return { errors: window.kgErrors };
  }
};
