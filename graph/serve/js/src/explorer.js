// The live explorer of `kg serve`: search -> select -> double-click expands -> facts with
// quotes -> shortest path. Drawn with sigma.js (WebGL) over a graphology graph; every text
// from the data is written with textContent, never as markup. The URL's hash holds the view
// (#a=actors shown&s=selected&p=path ends), so it can be bookmarked and shared.
import Graph from "graphology";
import Sigma from "sigma";
import forceAtlas2 from "graphology-layout-forceatlas2";

const COLORS = {
  Company: "#3b6fb6", GovernmentAgency: "#c0392b", Organization: "#8e44ad", Person: "#16a085",
  Program: "#d68910", Product: "#7f8c8d",
};
const EDGE = {
  Contract: "#c0392b", Partnership: "#2874a6", Competition: "#e67e22", Investment: "#27ae60",
  Subsidiary: "#7d3c98", SubUnit: "#a04000", Involvement: "#7f8c8d", Event: "#b7950b", Subaward: "#cb4335",
};
const PAGE = 25;

const $ = (id) => document.getElementById(id);
const graph = new Graph({ multi: false, type: "undirected" });
let renderer = null;
let selected = null;
let pathFrom = null;
let pathEdges = new Set();
let pathEnds = null;
const expandedAt = new Map(); // actor -> next offset
let shownSeq = 0; // the panel shows the answer of the last question asked only

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function money(v) {
  if (!v) return "";
  for (const [size, s] of [[1e9, "B"], [1e6, "M"], [1e3, "k"]]) if (v >= size) return `$${(v / size).toPrecision(3)}${s}`;
  return `$${Math.round(v)}`;
}

async function api(path, params) {
  const url = "/api/" + path + "?" + new URLSearchParams(params || {}).toString();
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function status(text, error) {
  const s = $("status");
  s.textContent = text || "";
  s.className = error ? "error" : "";
}

// -------------------------------------------------------------------- the graph

function nodeSize(card) {
  return 4 + Math.min(14, 2.2 * Math.log2(1 + (card.relations || 0)));
}

function addActor(card, x, y) {
  if (graph.hasNode(card.id)) return false;
  graph.addNode(card.id, {
    label: card.label || card.id, kind: card.kind, relations: card.relations, amount: card.amount,
    x: x ?? Math.random() * 10, y: y ?? Math.random() * 10, size: nodeSize(card),
    color: COLORS[card.kind] || "#555",
  });
  return true;
}

function addLink(link) {
  const { from, to } = link;
  if (!graph.hasNode(from) || !graph.hasNode(to) || from === to) return;
  const key = from < to ? `${from}|${to}` : `${to}|${from}`;
  if (!graph.hasEdge(key)) {
    graph.addEdgeWithKey(key, from, to, { relations: {}, size: 1, color: EDGE[link.relation] || "#999" });
  }
  const rels = graph.getEdgeAttribute(key, "relations");
  rels[link.relation] = link;
  const facts = Object.values(rels).reduce((n, l) => n + (l.facts || 0), 0);
  graph.mergeEdgeAttributes(key, { size: Math.min(6, 0.6 + Math.log2(1 + facts)), label: Object.keys(rels).join(", ") });
}

function layout(iterations) {
  if (graph.order < 2) return;
  const settings = forceAtlas2.inferSettings(graph);
  forceAtlas2.assign(graph, { iterations: iterations || 60, settings: { ...settings, barnesHutOptimize: graph.order > 500 } });
}

function around(center, ids) {
  const c = graph.hasNode(center) ? graph.getNodeAttributes(center) : { x: 0, y: 0 };
  const r = 1 + Math.sqrt(ids.length) * 0.6;
  ids.forEach((id, i) => {
    const a = (2 * Math.PI * i) / Math.max(1, ids.length);
    graph.mergeNodeAttributes(id, { x: c.x + r * Math.cos(a), y: c.y + r * Math.sin(a) });
  });
}

// -------------------------------------------------------------------- the URL

function saveView() {
  const params = new URLSearchParams();
  params.set("a", graph.nodes().join(","));
  if (selected) params.set("s", selected);
  if (pathEnds) params.set("p", pathEnds.join(","));
  history.replaceState(null, "", "#" + params.toString());
}

function readView() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { actors: (params.get("a") || "").split(",").filter(Boolean), selected: params.get("s"),
           path: (params.get("p") || "").split(",").filter(Boolean) };
}

// -------------------------------------------------------------------- the panel

function panel(title, kind) {
  const p = $("panel");
  p.replaceChildren();
  const h = el("h2", title, "panel-title");
  p.append(h);
  if (kind) p.append(el("div", kind, "kind"));
  return p;
}

function button(text, onclick, cls) {
  const b = el("button", text, cls);
  b.type = "button";
  b.addEventListener("click", onclick);
  return b;
}

async function select(id) {
  selected = id;
  saveView();
  renderer.refresh();
  const mine = ++shownSeq;
  const card = await api("actor", { id });
  if (mine !== shownSeq) return;
  const p = panel(card.label, `${card.kind} · ${card.relations} relations${card.amount ? " · " + money(card.amount) : ""}`);
  if (card.label_fr && card.label_fr !== card.label) p.append(el("div", card.label_fr, "alias"));
  if (card.aliases.length) p.append(el("div", "Also: " + card.aliases.join(" · "), "alias"));
  for (const [k, v] of Object.entries(card.identifiers)) p.append(el("div", `${k}: ${v.join(", ")}`, "ident"));
  for (const d of card.description) p.append(el("p", d, "description"));
  const actions = el("div", null, "actions");
  actions.append(button("Expand", () => expand(id)), button("Collapse", () => collapse(id)),
    button(graph.getNodeAttribute(id, "fixed") ? "Unpin" : "Pin", () => { pin(id); select(id); }),
    button("Hide", () => hide(id)),
    button(pathFrom ? "Path to here" : "Find a path from here…", () => startPath(id), "path-button"));
  p.append(actions);
  // the relations drawn, grouped by kind, largest first
  const groups = {};
  graph.forEachEdge(id, (key, attrs, a, b) => {
    const other = a === id ? b : a;
    for (const link of Object.values(attrs.relations)) (groups[link.relation] ||= []).push({ other, link });
  });
  const kinds = Object.keys(groups).sort();
  if (!kinds.length) p.append(el("p", "Double-click the actor (or Expand) to draw its relations.", "hint"));
  for (const kind of kinds) {
    const det = el("details", null, "relation-group");
    det.open = kinds.length < 4;
    det.append(el("summary", `${kind} (${groups[kind].length})`));
    groups[kind].sort((x, y) => (y.link.amount || 0) - (x.link.amount || 0) || y.link.facts - x.link.facts);
    for (const { other, link } of groups[kind]) {
      const row = button(`${graph.getNodeAttribute(other, "label")} — ${link.facts} fact${link.facts > 1 ? "s" : ""}` +
        (link.amount ? `, ${money(link.amount)}` : ""), () => showFacts(id, other, kind), "relation");
      row.dataset.other = other;
      det.append(row);
    }
    p.append(det);
  }
  const more = expandedAt.get(id);
  if (more && more.more > 0) {
    p.append(button(`and ${more.more.toLocaleString("en")} more — show ${Math.min(PAGE, more.more)}`,
      () => expand(id), "more"));
  }
  if (more && more.by_relation) {
    const f = el("div", null, "filters");
    f.append(el("span", "Expand only: "));
    for (const [kind, n] of Object.entries(more.by_relation)) {
      f.append(button(`${kind} (${n})`, () => { expandedAt.delete(id); expand(id, kind); }, "chip"));
    }
    p.append(f);
  }
}

async function showFacts(a, b, relation, offset) {
  const mine = ++shownSeq;
  const answer = await api("facts", { a, b, relation: relation || "", offset: offset || 0, limit: 10 });
  if (mine !== shownSeq) return;
  const la = graph.getNodeAttribute(a, "label");
  const lb = graph.getNodeAttribute(b, "label");
  const p = panel(`${la} — ${lb}`, `${relation || "all relations"} · ${answer.total} fact${answer.total > 1 ? "s" : ""}`);
  p.append(button("← back", () => select(a), "back"));
  renderFacts(p, answer.facts);
  if (answer.more > 0) p.append(button(`next ${Math.min(10, answer.more)} of ${answer.more} more`,
    () => showFacts(a, b, relation, answer.offset + answer.facts.length), "more"));
}

function renderFacts(p, facts) {
  for (const fact of facts) {
    const box = el("div", null, "fact");
    box.append(el("div", fact.label, "fact-label"));
    const bySource = {};
    for (const c of fact.citations) (bySource[c.source] ||= { title: c.source_title || c.source, url: c.url, quotes: [] }).quotes.push(c.quote);
    for (const s of Object.values(bySource)) {
      const src = el("div", null, "source");
      if (/^https?:\/\//i.test(s.url)) {
        const a = el("a", s.title);
        a.href = s.url;
        a.rel = "noopener noreferrer";
        a.target = "_blank";
        src.append(a);
      } else src.append(el("span", s.title));
      box.append(src);
      for (const q of s.quotes) box.append(el("blockquote", q, "quote"));
    }
    p.append(box);
  }
}

// -------------------------------------------------------------------- actions

async function expand(id, relation) {
  const state = expandedAt.get(id) || { offset: 0 };
  status("expanding…");
  const answer = await api("expand", { id, limit: PAGE, offset: state.offset, relation: relation || state.relation || "" });
  const added = [];
  for (const n of answer.neighbours) if (addActor(n)) added.push(n.id);
  around(id, added);
  for (const n of answer.neighbours) for (const link of n.links) addLink(link);
  expandedAt.set(id, { offset: state.offset + answer.neighbours.length, more: answer.more,
                       by_relation: answer.by_relation, relation: relation || state.relation, added: [...(state.added || []), ...added] });
  if (added.length) layout(30);
  status(`${answer.actor.label}: ${answer.total} related actors, ${graph.order} shown`);
  saveView();
  await select(id);
}

function collapse(id) {
  const state = expandedAt.get(id);
  for (const other of (state && state.added) || []) {
    if (graph.hasNode(other) && graph.degree(other) <= 1 && other !== selected) graph.dropNode(other);
  }
  expandedAt.delete(id);
  saveView();
  select(id);
}

function pin(id) {
  graph.setNodeAttribute(id, "fixed", !graph.getNodeAttribute(id, "fixed"));
}

function hide(id) {
  graph.dropNode(id);
  if (selected === id) { selected = null; panel("Hidden", ""); }
  saveView();
}

function startPath(id) {
  if (pathFrom && pathFrom !== id) { const a = pathFrom; pathFrom = null; return findPath(a, id); }
  pathFrom = id;
  status("pick the other actor (click it or search for it)");
  $("panel").querySelector(".path-button").textContent = "…now pick the other actor";
}

async function findPath(a, b) {
  status("finding a path…");
  const mine = ++shownSeq;
  const answer = await api("path", { a, b, limit: 1 });
  if (mine !== shownSeq) return;
  pathEnds = [a, b];
  pathEdges = new Set();
  const p = panel(`Path: ${graph.hasNode(a) ? graph.getNodeAttribute(a, "label") : a} → ${answer.actors[b]?.label || b}`);
  if (!answer.paths.length) { p.append(el("p", "These actors are not linked.", "hint")); status(""); return; }
  const hops = answer.paths[0];
  for (const hop of hops) for (const n of [hop.from, hop.to]) addActor(answer.actors[n]);
  for (const hop of hops) {
    for (const f of hop.facts) addLink({ from: f.from, to: f.to, relation: f.relation, facts: 1 });
    pathEdges.add(hop.from < hop.to ? `${hop.from}|${hop.to}` : `${hop.to}|${hop.from}`);
  }
  layout(20);
  p.append(el("div", `${hops.length} hop${hops.length > 1 ? "s" : ""}`, "kind"));
  const ol = el("ol", null, "hops");
  for (const hop of hops) {
    const li = el("li");
    li.append(el("div", `${answer.actors[hop.from].label} → ${answer.actors[hop.to].label}`, "hop"));
    renderFacts(li, hop.facts.slice(0, 3));
    ol.append(li);
  }
  p.append(ol);
  renderer.getCamera().animatedReset({ duration: 200 });
  status(`path of ${hops.length} hop${hops.length > 1 ? "s" : ""}`);
  saveView();
  renderer.refresh();
}

// -------------------------------------------------------------------- search

let searchTimer = null;
async function search(q) {
  const list = $("results");
  list.replaceChildren();
  if (!q.trim()) return;
  const answer = await api("search", { q, limit: 12 });
  for (const hit of answer.results) {
    const li = el("li", null, "hit");
    li.append(el("span", hit.label, "hit-label"), el("span", `${hit.kind} · ${hit.relations} relations` +
      (hit.matched !== "name" ? ` · ${hit.matched}: ${hit.text}` : ""), "hit-info"));
    li.tabIndex = 0;
    li.dataset.id = hit.id;
    li.addEventListener("click", () => pick(hit));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") pick(hit); });
    list.append(li);
  }
  if (!answer.results.length) list.append(el("li", "no actor found", "none"));
}

async function pick(hit) {
  $("results").replaceChildren();
  $("search").value = "";
  if (pathFrom && pathFrom !== hit.id) { addActor(hit); const a = pathFrom; pathFrom = null; return findPath(a, hit.id); }
  if (addActor(hit)) { const c = renderer.getCamera().getState(); graph.mergeNodeAttributes(hit.id, { x: c.x, y: c.y }); }
  await select(hit.id);
  focus(hit.id);
}

function focus(id) {
  if (!graph.hasNode(id)) return;
  const pos = renderer.getNodeDisplayData(id);
  if (pos) renderer.getCamera().animate({ x: pos.x, y: pos.y, ratio: 0.6 }, { duration: 300 });
}

// -------------------------------------------------------------------- start

async function start() {
  renderer = new Sigma(graph, $("graph"), {
    labelDensity: 0.6, labelGridCellSize: 90, labelRenderedSizeThreshold: 7, renderEdgeLabels: false,
    labelFont: "system-ui, sans-serif", zIndex: true, minCameraRatio: 0.02, maxCameraRatio: 20,
    nodeReducer: (node, data) => {
      const out = { ...data };
      if (selected && node !== selected && !graph.areNeighbors(node, selected) && !pathEdges.size) out.color = "#d5d8dc";
      if (node === selected) { out.highlighted = true; out.forceLabel = true; out.zIndex = 2; }
      if (pathEnds && pathEnds.includes(node)) out.forceLabel = true;
      return out;
    },
    edgeReducer: (edge, data) => {
      const out = { ...data };
      if (pathEdges.size) {
        if (pathEdges.has(edge)) { out.color = "#111"; out.size = 4; out.zIndex = 2; } else out.color = "#e5e7e9";
      } else if (selected && !graph.hasExtremity(edge, selected)) out.color = "#eceff1";
      return out;
    },
  });
  renderer.on("clickNode", ({ node }) => (pathFrom && pathFrom !== node ? startPath(node) : select(node)));
  renderer.on("doubleClickNode", (e) => { e.preventSigmaDefault(); expand(e.node); });
  renderer.on("clickStage", () => { selected = null; pathEdges = new Set(); pathEnds = null; saveView(); renderer.refresh(); });
  $("search").addEventListener("input", (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(e.target.value).catch((err) => status(err.message, true)), 120);
  });
  $("search").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { const first = $("results").querySelector(".hit"); if (first) first.click(); }
  });
  const view = readView();
  const answer = view.actors.length ? await api("view", { ids: view.actors.join(",") }) : await api("start", { n: 40 });
  for (const card of answer.actors) addActor(card);
  for (const link of answer.links) addLink(link);
  layout(120);
  renderer.refresh();
  if (view.path.length === 2) { selected = view.selected; await findPath(view.path[0], view.path[1]); }
  else if (view.selected && graph.hasNode(view.selected)) await select(view.selected);
  else if (!view.path.length) panel("Explore the graph", "").append(
    el("p", "Search an actor by name, alias or identifier (UEI, CAGE, PIID). Click to select, double-click to expand its relations; open a relation for its facts with sources and quotes.", "hint"));
  status(`${graph.order} actors, ${graph.size} relations shown`);
  saveView();
  window.kg = { graph, renderer, expand, select, showFacts, findPath, startPath, focus, get selected() { return selected; } };
  window.kgReady = true;
}

window.addEventListener("error", (e) => status(e.message, true));
window.addEventListener("unhandledrejection", (e) => status(e.reason?.message || String(e.reason), true));
start().catch((err) => status(err.message, true));
