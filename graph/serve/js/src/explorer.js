// The live explorer of `kg serve`: search (names, identifiers, quotes, source titles) ->
// select -> double-click expands (capped, with filters by relation, agency, dates, source,
// all applied by the server) -> facts with quotes -> shortest path. Drawn with sigma.js
// (WebGL) over a graphology graph; every text from the data is written with textContent,
// never as markup. The URL's hash holds the view (actors shown, selected, pinned with their
// places, hidden, path, filters, grouping, the SPARQL query drawn), so it can be
// bookmarked and shared.
import Graph from "graphology";
import Sigma from "sigma";
import forceAtlas2 from "graphology-layout-forceatlas2";

const COLORS = {
  Company: "#3b6fb6", GovernmentAgency: "#c0392b", Organization: "#8e44ad", Person: "#16a085",
  Program: "#d68910", Product: "#7f8c8d",
};
const KIND_NAMES = {
  Company: "company", GovernmentAgency: "agency", Organization: "organisation", Person: "person",
  Program: "programme", Product: "product",
};
const PALETTE = ["#c0392b", "#2874a6", "#27ae60", "#8e44ad", "#d68910", "#16a085", "#a04000", "#1f618d",
  "#7d6608", "#6c3483", "#117a65", "#943126"];
const EDGE = {
  Contract: "#c0392b", Partnership: "#2874a6", Competition: "#e67e22", Investment: "#27ae60",
  Subsidiary: "#7d3c98", SubUnit: "#a04000", Involvement: "#7f8c8d", Event: "#b7950b", Subaward: "#cb4335",
  Position: "#117a65",
};
const PAGE = 25;
const FLAGGED = "#e74c3c";

const $ = (id) => document.getElementById(id);
const graph = new Graph({ multi: false, type: "undirected" });
let renderer = null;
let selected = null;
let pathFrom = null;
let pathEdges = new Set();
let pathEnds = null;
let hoveredEdge = null;
let sparqlQuery = "";
const hidden = new Set();
const expandedAt = new Map(); // actor -> {offset, more, by_relation, agencies, relation, agency, added}
const filters = { since: "", until: "", source: "" };
let groupBy = "kind";
const flags = { names: [], chosen: "", hits: null }; // the flags layer
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

function plural(n, word) {
  return `${Number(n).toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;
}

// While the server makes the search index of a new store generation (once, as it starts),
// the API answers 503 with Retry-After and {building: {step, seconds, retry_after}}: each
// request then waits as told and asks again, and the page says the index is being built
// (with the step) instead of failing; it opens by itself when the index is made.
async function api(path, params) {
  const url = "/api/" + path + "?" + new URLSearchParams(params || {}).toString();
  for (;;) {
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await r.json();
    if (r.status === 503 && body.building) {
      const told = Number(r.headers.get("Retry-After")) || Number(body.building.retry_after) || 5;
      const wait = Math.min(60, Math.max(1, told));
      showBuilding(body.building, wait);
      await new Promise((done) => setTimeout(done, wait * 1000));
      continue;
    }
    if (building) hideBuilding();
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }
}

let building = false;

function showBuilding(state, wait) {
  const box = $("building");
  box.replaceChildren(el("strong", "The search index of this store generation is being built"),
    el("p", `${state.step || "reading the store"} (${plural(Number(state.seconds) || 0, "second")} so far).`),
    el("p", `The explorer asks again every ${plural(wait, "second")} and opens by itself when it is ready.`, "hint"));
  box.hidden = false;
  building = true;
  status("the index is being built…");
}

function hideBuilding() {
  building = false;
  $("building").hidden = true;
  if ($("status").textContent === "the index is being built…") status("");
}

function withFilters(params) {
  const out = { ...params };
  for (const [k, v] of Object.entries(filters)) if (v) out[k] = v;
  return out;
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
  if (!card || graph.hasNode(card.id) || hidden.has(card.id)) return false;
  graph.addNode(card.id, {
    label: card.label || card.id, kind: card.kind, relations: card.relations, amount: card.amount,
    agency: card.agency || "", agency_label: card.agency_label || "",
    x: x ?? Math.random() * 10, y: y ?? Math.random() * 10, size: nodeSize(card),
    color: COLORS[card.kind] || "#555",
  });
  return true;
}

function edgeKey(a, b) {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

function addLink(link) {
  const { from, to } = link;
  if (!graph.hasNode(from) || !graph.hasNode(to) || from === to) return;
  const key = edgeKey(from, to);
  if (!graph.hasEdge(key)) {
    graph.addEdgeWithKey(key, from, to, { relations: {}, size: 1, color: EDGE[link.relation] || "#999" });
  }
  const rels = graph.getEdgeAttribute(key, "relations");
  rels[link.relation] = link;
  const facts = Object.values(rels).reduce((n, l) => n + (l.facts || 0), 0);
  graph.mergeEdgeAttributes(key, { size: Math.min(6, 0.6 + Math.log2(1 + facts)),
    label: Object.values(rels).map((l) => `${plural(l.facts || 0, l.relation.toLowerCase())}` +
      (l.amount ? ` ${money(l.amount)}` : "")).join(", ") });
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

// -------------------------------------------------------------------- labels

// Which actors are labelled: the most important first (the selected actor, a path's ends,
// then by size, i.e. portfolio), each label kept only where it overlaps no label kept
// before it, at the current zoom: no label wall, no overlap. Placed again when the camera
// moves or the graph changes.
const LABEL_SIZE = 14;
const LABEL_FONT = "system-ui, sans-serif";
let labelled = new Set();
let placing = 0;
const measure = document.createElement("canvas").getContext("2d");
const widths = new Map(); // label -> its width in pixels (measured once)

function labelWidth(text) {
  let w = widths.get(text);
  if (w === undefined) { w = measure.measureText(text).width; widths.set(text, w); }
  return w;
}

function placeLabels() {
  placing = 0;
  if (!renderer) return;
  measure.font = `normal ${LABEL_SIZE}px ${LABEL_FONT}`;
  const { width, height } = renderer.getDimensions();
  const rank = (n) => (n === selected ? 3 : pathEnds && pathEnds.includes(n) ? 2 : graph.getNodeAttribute(n, "fixed") ? 1 : 0);
  const order = graph.nodes().sort((x, y) => rank(y) - rank(x) ||
    graph.getNodeAttribute(y, "size") - graph.getNodeAttribute(x, "size") || (x < y ? -1 : 1));
  const kept = [];
  const chosen = new Set();
  for (const n of order) {
    const d = renderer.getNodeDisplayData(n);
    if (!d || d.hidden || !d.label) continue;
    const p = renderer.framedGraphToViewport(d);
    const s = renderer.scaleSize(d.size);
    if (!rank(n) && s < 5) continue; // too small at this zoom
    const box = [p.x + s + 1, p.y - LABEL_SIZE / 2 - 2, p.x + s + 5 + labelWidth(d.label), p.y + LABEL_SIZE / 2 + 2];
    if (!rank(n) && (box[2] < 0 || box[0] > width || box[3] < 0 || box[1] > height)) continue;
    if (kept.some((k) => box[0] < k[2] && k[0] < box[2] && box[1] < k[3] && k[1] < box[3])) continue;
    kept.push(box);
    chosen.add(n);
    if (kept.length >= 200) break;
  }
  const same = chosen.size === labelled.size && [...chosen].every((n) => labelled.has(n));
  labelled = chosen;
  if (!same) renderer.refresh();
}

function schedulePlacing() {
  if (!placing) placing = requestAnimationFrame(placeLabels);
}

// -------------------------------------------------------------------- groups

function groupOf(node) {
  const a = graph.getNodeAttributes(node);
  if (groupBy === "kind") return { key: a.kind || "", label: KIND_NAMES[a.kind] || a.kind || "other" };
  if (a.kind === "GovernmentAgency") return { key: a.agency || node, label: a.agency_label || a.label };
  // another actor: the agency of its largest drawn relation with an agency
  let best = null;
  let most = -1;
  graph.forEachNeighbor(node, (other, oa) => {
    if (oa.kind !== "GovernmentAgency") return;
    const rels = graph.getEdgeAttribute(edgeKey(node, other), "relations");
    const amount = Object.values(rels).reduce((n, l) => n + (l.amount || 0) + (l.facts || 0) * 1e-9, 0);
    if (amount > most) { most = amount; best = oa; }
  });
  return best ? { key: best.agency || "", label: best.agency_label || best.label } : { key: "", label: "no agency drawn" };
}

function recolour() {
  const counts = new Map();
  const order = [];
  graph.forEachNode((node) => {
    const g = groupOf(node);
    if (!counts.has(g.key)) { counts.set(g.key, { label: g.label, n: 0 }); order.push(g.key); }
    counts.get(g.key).n += 1;
    graph.setNodeAttribute(node, "group", g.key);
  });
  const ranked = order.filter((k) => k).sort((x, y) => counts.get(y).n - counts.get(x).n || (x < y ? -1 : 1));
  const colour = new Map();
  ranked.forEach((k, i) => colour.set(k, groupBy === "kind" ? (COLORS[k] || "#555") : (i < PALETTE.length ? PALETTE[i] : "#95a5a6")));
  graph.forEachNode((node, a) => graph.setNodeAttribute(node, "color", colour.get(a.group) || "#95a5a6"));
  const legend = $("groups");
  legend.replaceChildren();
  for (const k of [...ranked.slice(0, 12), ...(counts.has("") ? [""] : [])]) {
    const item = el("span", `${counts.get(k).label} (${counts.get(k).n})`, "group");
    const dot = el("i", null, "dot");
    dot.style.background = colour.get(k) || "#95a5a6";
    item.prepend(dot);
    item.dataset.group = k;
    legend.append(item);
  }
  if (ranked.length > 12) legend.append(el("span", `+${ranked.length - 12} more groups`, "group"));
}

// -------------------------------------------------------------------- the URL

function saveView() {
  const params = new URLSearchParams();
  params.set("a", graph.nodes().join(","));
  if (selected) params.set("s", selected);
  if (pathEnds) params.set("p", pathEnds.join(","));
  const pinned = graph.filterNodes((n, a) => a.fixed)
    .map((n) => `${n}~${graph.getNodeAttribute(n, "x").toFixed(2)}~${graph.getNodeAttribute(n, "y").toFixed(2)}`);
  if (pinned.length) params.set("pin", pinned.join(","));
  if (hidden.size) params.set("h", [...hidden].join(","));
  for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
  if (groupBy !== "kind") params.set("g", groupBy);
  const mine = selected && expandedAt.get(selected);
  if (mine && mine.relation) params.set("xr", mine.relation);
  if (mine && mine.agency) params.set("xa", mine.agency);
  if (flags.chosen) params.set("flag", flags.chosen);
  if (sparqlQuery) params.set("sparql", sparqlQuery);
  history.replaceState(null, "", "#" + params.toString());
}

function readView() {
  const params = new URLSearchParams(location.hash.slice(1));
  const list = (k) => (params.get(k) || "").split(",").filter(Boolean);
  return {
    actors: list("a"), selected: params.get("s"), path: list("p"), hidden: list("h"),
    pinned: list("pin").map((p) => p.split("~")).filter((p) => p.length === 3)
      .map(([id, x, y]) => ({ id, x: Number(x), y: Number(y) })),
    since: params.get("since") || "", until: params.get("until") || "", source: params.get("source") || "",
    group: params.get("g") || "kind", xr: params.get("xr") || "", xa: params.get("xa") || "",
    flag: params.get("flag") || "", sparql: params.get("sparql") || "",
  };
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

function label(id) {
  return graph.hasNode(id) ? graph.getNodeAttribute(id, "label") : id;
}

async function select(id) {
  selected = id;
  saveView();
  renderer.refresh();
  const mine = ++shownSeq;
  const card = await api("actor", { id });
  if (mine !== shownSeq) return;
  const p = panel(card.label, `${KIND_NAMES[card.kind] || card.kind} · ${plural(card.relations, "relation")}` +
    (card.amount ? " · " + money(card.amount) : ""));
  if (card.label_fr && card.label_fr !== card.label) p.append(el("div", card.label_fr, "alias"));
  if (card.aliases.length) p.append(el("div", "Also: " + card.aliases.join(" · "), "alias"));
  for (const [k, v] of Object.entries(card.identifiers)) p.append(el("div", `${k}: ${v.join(", ")}`, "ident"));
  for (const d of card.description) p.append(el("p", d, "description"));
  const actions = el("div", null, "actions");
  actions.append(button("Expand", () => expand(id)), button("Collapse", () => collapse(id)),
    button(graph.hasNode(id) && graph.getNodeAttribute(id, "fixed") ? "Unpin" : "Pin", () => { pin(id); select(id); }, "pin"),
    button("Hide", () => hide(id), "hide"),
    button(pathFrom ? "Path to here" : "Find a path from here…", () => startPath(id), "path-button"));
  p.append(actions);
  expandFilters(p, id);
  flagsOf(p, id);
  // the relations drawn, grouped by kind (largest group open), each sorted by amount
  const groups = {};
  const state = expandedAt.get(id);
  const kept = state && (state.relation || state.agency) ? new Set(state.matched || []) : null;
  if (graph.hasNode(id)) {
    graph.forEachEdge(id, (key, attrs, a, b) => {
      const other = a === id ? b : a;
      if (kept && !kept.has(other)) return; // the expand's filters choose what is listed
      for (const link of Object.values(attrs.relations)) {
        if (state && state.relation && link.relation !== state.relation) continue;
        (groups[link.relation] ||= []).push({ other, link });
      }
    });
  }
  if (kept) p.append(el("p", "Listed: the relations the filters above keep.", "hint"));
  const total = (g) => g.reduce((n, x) => n + (x.link.amount || 0), 0);
  const kinds = Object.keys(groups).sort((x, y) => total(groups[y]) - total(groups[x]) || groups[y].length - groups[x].length);
  if (!kinds.length) p.append(el("p", "Double-click the actor (or Expand) to draw its relations.", "hint"));
  kinds.forEach((kind, i) => {
    const det = el("details", null, "relation-group");
    det.dataset.relation = kind;
    det.open = i === 0 || kinds.length < 3;
    const sum = total(groups[kind]);
    det.append(el("summary", `${kind} · ${plural(groups[kind].length, "actor")}${sum ? " · " + money(sum) : ""}`));
    groups[kind].sort((x, y) => (y.link.amount || 0) - (x.link.amount || 0) || y.link.facts - x.link.facts);
    for (const { other, link } of groups[kind]) {
      const row = button(`${label(other)} — ${plural(link.facts, "fact")}` + (link.amount ? `, ${money(link.amount)}` : ""),
        () => showFacts(id, other, kind), "relation");
      row.dataset.other = other;
      det.append(row);
    }
    p.append(det);
  });
}

function expandFilters(p, id) {
  const state = expandedAt.get(id);
  if (!state) return;
  const box = el("div", null, "filters");
  if (state.more > 0) {
    box.append(button(`and ${state.more.toLocaleString("en")} more — show ${Math.min(PAGE, state.more)}`,
      () => expand(id), "more"));
  }
  const chips = el("div", null, "chips");
  chips.append(el("span", "Relation: "));
  chips.append(button("all", () => refilter(id, { relation: "" }), "chip" + (state.relation ? "" : " on")));
  for (const [kind, n] of Object.entries(state.by_relation || {})) {
    const chip = button(`${kind} (${n.toLocaleString("en")})`, () => refilter(id, { relation: kind }),
      "chip" + (state.relation === kind ? " on" : ""));
    chip.dataset.relation = kind;
    chips.append(chip);
  }
  box.append(chips);
  if ((state.agencies && state.agencies.length) || state.agency) {
    const pick = el("select", null, "agency-filter");
    pick.append(new Option("every agency", ""));
    for (const a of state.agencies || []) pick.append(new Option(`${a.label} (${a.relations.toLocaleString("en")})`, a.id));
    if (state.agency && ![...pick.options].some((o) => o.value === state.agency)) pick.append(new Option(state.agency, state.agency));
    pick.value = state.agency || "";
    pick.addEventListener("change", () => refilter(id, { agency: pick.value }));
    const l = el("label", "Agency: ");
    l.append(pick);
    box.append(l);
  }
  p.append(box);
}

async function refilter(id, change) {
  const state = expandedAt.get(id) || {};
  collapse(id, true);
  await expand(id, { relation: state.relation || "", agency: state.agency || "", ...change });
}

async function showFacts(a, b, relation, offset) {
  const mine = ++shownSeq;
  const answer = await api("facts", withFilters({ a, b, relation: relation || "", offset: offset || 0, limit: 10 }));
  if (mine !== shownSeq) return;
  const p = panel(`${label(a)} — ${label(b)}`, `${relation || "all relations"} · ${plural(answer.total, "fact")}` +
    (filters.since || filters.until || filters.source ? " (filtered)" : ""));
  p.append(button("← back", () => select(a), "back"));
  renderFacts(p, answer.facts);
  if (answer.more > 0) p.append(button(`next ${Math.min(10, answer.more)} of ${answer.more.toLocaleString("en")} more`,
    () => showFacts(a, b, relation, answer.offset + answer.facts.length), "more"));
}

// one line per fact: its label and its sources; the exact quotes under it, folded
function renderFacts(p, facts) {
  for (const fact of facts) {
    const box = el("div", null, "fact");
    box.dataset.fact = fact.fact;
    const line = el("div", null, "fact-line");
    line.append(el("span", fact.label, "fact-label"));
    const bySource = {};
    for (const c of fact.citations) (bySource[c.source] ||= { title: c.source_title || c.source, url: c.url, quotes: [] }).quotes.push(c.quote);
    Object.values(bySource).forEach((s, i) => {
      line.append(el("span", i ? ", " : " — ", "sep"));
      if (/^https?:\/\//i.test(s.url)) {
        const link = el("a", s.title, "source");
        link.href = s.url;
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        line.append(link);
      } else line.append(el("span", s.title, "source"));
    });
    box.append(line);
    const quotes = Object.values(bySource).flatMap((s) => s.quotes);
    if (quotes.length) {
      const det = el("details", null, "quotes");
      det.append(el("summary", quotes.length === 1 ? "quote" : `${quotes.length} quotes`));
      for (const q of quotes) det.append(el("blockquote", q, "quote"));
      box.append(det);
    }
    p.append(box);
  }
}

// -------------------------------------------------------------------- actions

async function expand(id, change) {
  const state = expandedAt.get(id) || { offset: 0, relation: "", agency: "", added: [] };
  if (change) Object.assign(state, change, { offset: 0 });
  status("expanding…");
  const answer = await api("expand", withFilters({ id, limit: PAGE, offset: state.offset, relation: state.relation || "",
    agency: state.agency || "" }));
  const added = [];
  for (const n of answer.neighbours) if (addActor(n)) added.push(n.id);
  around(id, added);
  for (const n of answer.neighbours) for (const link of n.links) addLink(link);
  expandedAt.set(id, { ...state, offset: state.offset + answer.neighbours.length, more: answer.more,
    by_relation: answer.by_relation, agencies: answer.agencies, added: [...(state.added || []), ...added],
    matched: [...(change ? [] : state.matched || []), ...answer.neighbours.map((n) => n.id)] });
  if (added.length) layout(30);
  recolour();
  status(`${answer.actor.label}: ${plural(answer.total, "related actor")}, ${graph.order} shown`);
  saveView();
  await select(id);
}

function collapse(id, quiet) {
  const state = expandedAt.get(id);
  for (const other of (state && state.added) || []) {
    if (graph.hasNode(other) && graph.degree(other) <= 1 && other !== selected && !graph.getNodeAttribute(other, "fixed")) {
      graph.dropNode(other);
    }
  }
  expandedAt.delete(id);
  if (quiet) return;
  recolour();
  saveView();
  select(id);
}

function pin(id) {
  graph.setNodeAttribute(id, "fixed", !graph.getNodeAttribute(id, "fixed"));
  saveView();
}

function hide(id) {
  if (graph.hasNode(id)) graph.dropNode(id);
  hidden.add(id);
  if (selected === id) { selected = null; panel("Hidden", ""); }
  showHidden();
  recolour();
  saveView();
}

function showHidden() {
  const box = $("hidden");
  box.replaceChildren();
  if (!hidden.size) return;
  box.append(button(`${hidden.size} hidden — show again`, async () => {
    const ids = [...hidden];
    hidden.clear();
    showHidden();
    await drawView(ids, false);
    saveView();
  }, "unhide"));
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
  const answer = await api("path", withFilters({ a, b, limit: 1 }));
  if (mine !== shownSeq) return;
  pathEnds = [a, b];
  pathEdges = new Set();
  const p = panel(`Path: ${answer.actors[a]?.label || a} → ${answer.actors[b]?.label || b}`);
  if (!answer.paths.length) { p.append(el("p", "These actors are not linked" + (filters.since || filters.until || filters.source ? " by the facts the filters keep." : "."), "hint")); status(""); saveView(); return; }
  const hops = answer.paths[0];
  for (const hop of hops) for (const n of [hop.from, hop.to]) { hidden.delete(n); addActor(answer.actors[n]); }
  for (const hop of hops) {
    for (const f of hop.facts) addLink({ from: f.from, to: f.to, relation: f.relation, facts: 1 });
    pathEdges.add(edgeKey(hop.from, hop.to));
  }
  layout(20);
  recolour();
  p.append(el("div", plural(hops.length, "hop"), "kind"));
  const ol = el("ol", null, "hops");
  for (const hop of hops) {
    const li = el("li");
    li.append(el("div", `${answer.actors[hop.from].label} → ${answer.actors[hop.to].label}`, "hop"));
    renderFacts(li, hop.facts.slice(0, 3));
    ol.append(li);
  }
  p.append(ol);
  fit([...new Set(hops.flatMap((h) => [h.from, h.to]))]);
  status(`path of ${plural(hops.length, "hop")}`);
  saveView();
  renderer.refresh();
}

// -------------------------------------------------------------------- the flags layer

async function loadFlags(name) {
  flags.chosen = name;
  flags.hits = null;
  if (name) {
    status("reading the flag's hits…");
    flags.hits = await api("flags", withFilters({ name }));
    status(`${flags.hits.title}: ${plural(flags.hits.hits.length, "hit")}`);
  }
  $("flag").value = name;
  saveView();
  renderer.refresh();
}

function flaggedActors() {
  return flags.hits ? new Set(flags.hits.hits.flatMap((h) => h.actors)) : new Set();
}

function flaggedPairs() {
  const out = new Set();
  if (flags.hits) for (const h of flags.hits.hits) for (const [a, b] of h.pairs) out.add(edgeKey(a, b));
  return out;
}

function flagsOf(p, id) {
  if (!flags.hits) return;
  const mine = flags.hits.hits.filter((h) => h.actors.includes(id));
  if (!mine.length) return;
  const det = el("details", null, "flag-hits");
  det.open = true;
  det.append(el("summary", `⚑ ${flags.hits.title}: ${plural(mine.length, "hit")}`));
  for (const h of mine.slice(0, 20)) renderHit(det, h);
  p.append(det);
}

function renderHit(parent, h) {
  const box = el("div", null, "flag-hit");
  box.append(el("div", `${h.label}${h.score !== null && h.score !== undefined ? ` (score ${h.score})` : ""}`, "hit-title"));
  for (const line of h.evidence) box.append(el("div", line, "evidence"));
  if (h.actors.length) {
    const row = el("div", null, "hit-actors");
    for (const a of h.actors) {
      row.append(button(h.labels[a] || a, async () => {
        if (!graph.hasNode(a)) { hidden.delete(a); await drawView([a], false); }
        select(a);
        fit([a]);
      }, "chip"));
    }
    box.append(row);
  }
  parent.append(box);
}

function showFlagPanel() {
  if (!flags.hits) return;
  const p = panel(`⚑ ${flags.hits.title}`, `${plural(flags.hits.hits.length, "hit")}${flags.hits.more ? ` (first ${flags.hits.hits.length} of ${flags.hits.total})` : ""}`);
  p.append(el("p", flags.hits.question, "hint"));
  p.append(button("draw the actors of these hits", async () => {
    await drawView([...flaggedActors()].slice(0, 300), false);
    saveView();
  }, "draw-hits"));
  for (const h of flags.hits.hits) renderHit(p, h);
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
    li.append(el("span", hit.label, "hit-label"), el("span", `${KIND_NAMES[hit.kind] || hit.kind} · ${plural(hit.relations, "relation")}` +
      (hit.amount ? ` · ${money(hit.amount)}` : "") + (hit.matched !== "name" ? ` · ${hit.matched}: ${hit.text}` : ""), "hit-info"));
    li.tabIndex = 0;
    li.dataset.id = hit.id;
    li.dataset.matched = hit.matched;
    li.addEventListener("click", () => pick(hit));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") pick(hit); });
    list.append(li);
  }
  if (!answer.results.length) list.append(el("li", "nothing found", "none"));
}

async function pick(hit) {
  $("results").replaceChildren();
  $("search").value = "";
  hidden.delete(hit.id);
  if (pathFrom && pathFrom !== hit.id) { addActor(hit); const a = pathFrom; pathFrom = null; return findPath(a, hit.id); }
  if (addActor(hit)) {
    const c = renderer.getCamera().getState();
    graph.mergeNodeAttributes(hit.id, { x: c.x, y: c.y });
    recolour();
  }
  await select(hit.id);
  focus(hit.id);
}

function focus(id) {
  if (!graph.hasNode(id)) return;
  const pos = renderer.getNodeDisplayData(id);
  if (pos) renderer.getCamera().animate({ x: pos.x, y: pos.y, ratio: 0.6 }, { duration: 300 });
}

// the camera on these actors (a path, what the filters left)
function fit(ids) {
  const shown = ids.filter((id) => graph.hasNode(id));
  if (!shown.length) return;
  renderer.refresh();
  const pts = shown.map((id) => renderer.getNodeDisplayData(id)).filter(Boolean);
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  const x = (Math.min(...xs) + Math.max(...xs)) / 2, y = (Math.min(...ys) + Math.max(...ys)) / 2;
  const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  renderer.getCamera().animate({ x, y, ratio: Math.min(1.2, Math.max(0.15, span * 1.4)) }, { duration: 250 });
}

// -------------------------------------------------------------------- the view as a whole

async function drawView(ids, replace) {
  const keep = replace ? [] : graph.nodes();
  const answer = await api("view", withFilters({ ids: [...new Set([...keep, ...ids])].join(",") }));
  if (replace) graph.clear();
  for (const card of answer.actors) addActor(card);
  graph.clearEdges();
  for (const link of answer.links) addLink(link);
  layout(replace ? 120 : 40);
  recolour();
  renderer.refresh();
  return answer;
}

async function applyFilters() {
  for (const k of ["since", "until", "source"]) filters[k] = $(k).value.trim();
  saveView();
  try {
    // the relations drawn are those of the facts the filters keep
    const answer = await drawView([], false);
    status(`${graph.order} actors, ${graph.size} relations shown` + (answer.links.length ? "" : " (no relation in this range)"));
    if (flags.chosen) await loadFlags(flags.chosen);
    if (pathEnds) await findPath(pathEnds[0], pathEnds[1]);
    else if (selected && graph.hasNode(selected)) await select(selected);
    fit(graph.nodes());
  } catch (err) {
    status(err.message, true);
  }
}

// "Download as static page": the offline single-file explorer (kg view's page) of what is
// shown, made by the server; the link is set when it is clicked
function downloadPage() {
  const a = $("download");
  a.href = "/api/static-page?" + new URLSearchParams(withFilters({ ids: graph.nodes().join(","), title: "defense-ai-graph — " +
    (selected ? label(selected) + " and " : "") + plural(graph.order, "actor") })).toString();
  return a.href;
}

// -------------------------------------------------------------------- start

async function start() {
  // the questions first: the server answers them while the renderer starts
  const view = readView();
  const asked = Object.fromEntries(["since", "until", "source"].filter((k) => view[k]).map((k) => [k, view[k]]));
  const lists = Promise.all([api("sources"), api("flags-list")]);
  const first = view.sparql ? api("query-view", { query: view.sparql })
    : view.actors.length ? api("view", { ...asked, ids: view.actors.join(",") }) : api("start", { ...asked, n: 40 });
  first.catch(() => {}); // (its error is shown when it is awaited below)
  renderer = new Sigma(graph, $("graph"), {
    // labels by importance (node size: the actor's portfolio) and zoom (rendered size), in a
    // grid that keeps one label per cell: no label wall, no overlap
    labelSize: LABEL_SIZE, labelFont: LABEL_FONT, labelRenderedSizeThreshold: 1e9,
    renderEdgeLabels: true, enableEdgeEvents: true, edgeLabelSize: 11,
    zIndex: true, minCameraRatio: 0.02, maxCameraRatio: 20,
    nodeReducer: (node, data) => {
      const out = { ...data, zIndex: data.size, forceLabel: labelled.has(node) };
      if (selected && node !== selected && !graph.areNeighbors(node, selected) && !pathEdges.size) out.color = "#d5d8dc";
      if (node === selected) { out.highlighted = true; out.zIndex = 100; }
      if (flags.hits && flaggedActors().has(node)) { out.highlighted = true; out.borderColor = FLAGGED; }
      if (data.fixed) out.label = (data.label || node) + " (pinned)";
      return out;
    },
    edgeReducer: (edge, data) => {
      const out = { ...data, label: edge === hoveredEdge ? data.label : "" };
      if (pathEdges.size) {
        if (pathEdges.has(edge)) { out.color = "#111"; out.size = 4; out.zIndex = 2; } else out.color = "#e5e7e9";
      } else if (selected && !graph.hasExtremity(edge, selected)) out.color = "#eceff1";
      if (flags.hits && flaggedPairs().has(edge)) { out.color = FLAGGED; out.size = Math.max(out.size || 1, 3); out.zIndex = 3; }
      return out;
    },
  });
  // labels: placed once the graph is drawn, again when the camera moves or the graph changes
  // (after each frame: a placement that changes nothing draws nothing again)
  renderer.on("afterRender", schedulePlacing);
  renderer.on("clickNode", ({ node }) => (pathFrom && pathFrom !== node ? startPath(node) : select(node)));
  renderer.on("doubleClickNode", (e) => { e.preventSigmaDefault(); expand(e.node); });
  renderer.on("clickStage", () => { selected = null; pathEdges = new Set(); pathEnds = null; saveView(); renderer.refresh(); });
  renderer.on("enterEdge", ({ edge }) => { hoveredEdge = edge; renderer.refresh(); });
  renderer.on("leaveEdge", () => { hoveredEdge = null; renderer.refresh(); });
  renderer.on("clickEdge", ({ edge }) => {
    const [a, b] = graph.extremities(edge);
    showFacts(selected === b ? b : a, selected === b ? a : b, "");
  });
  // dragging a node pins it where it is dropped
  let dragged = null;
  renderer.on("downNode", (e) => { dragged = e.node; });
  renderer.getMouseCaptor().on("mousemovebody", (e) => {
    if (!dragged) return;
    const pos = renderer.viewportToGraph(e);
    graph.mergeNodeAttributes(dragged, { x: pos.x, y: pos.y, fixed: true });
    e.preventSigmaDefault();
    e.original.preventDefault();
  });
  renderer.getMouseCaptor().on("mouseup", () => { if (dragged) { dragged = null; saveView(); } });

  $("search").addEventListener("input", (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(e.target.value).catch((err) => status(err.message, true)), 120);
  });
  $("search").addEventListener("keydown", (e) => {
    if (e.key === "Enter") { const first = $("results").querySelector(".hit"); if (first) first.click(); }
  });
  for (const k of ["since", "until"]) $(k).addEventListener("change", applyFilters);
  $("source").addEventListener("change", applyFilters);
  $("group").addEventListener("change", () => { groupBy = $("group").value; recolour(); saveView(); renderer.refresh(); });
  $("download").addEventListener("click", downloadPage);
  $("flag").addEventListener("change", async () => { await loadFlags($("flag").value); showFlagPanel(); });

  const [sources, flagList] = await lists;
  for (const s of sources) $("source").append(new Option(`${s.title || s.id} (${plural(s.facts, "fact")})`, s.id));
  for (const f of flagList) $("flag").append(new Option(f.title, f.name));
  flags.names = flagList;

  Object.assign(filters, { since: view.since, until: view.until, source: view.source });
  for (const k of ["since", "until", "source"]) $(k).value = filters[k];
  groupBy = view.group === "agency" ? "agency" : "kind";
  $("group").value = groupBy;
  for (const id of view.hidden) hidden.add(id);
  showHidden();
  let answer = await first;
  if (view.sparql) {
    sparqlQuery = view.sparql;
    status(`${plural(answer.actors.length, "actor")} from the SPARQL query`);
    if (view.actors.length) answer = await api("view", withFilters({ ids: view.actors.join(",") }));
  }
  for (const card of answer.actors) addActor(card);
  for (const link of answer.links) addLink(link);
  layout(120);
  for (const p of view.pinned) if (graph.hasNode(p.id)) graph.mergeNodeAttributes(p.id, { x: p.x, y: p.y, fixed: true });
  recolour();
  renderer.refresh();
  if (view.flag) await loadFlags(view.flag);
  if (view.path.length === 2) { selected = view.selected; await findPath(view.path[0], view.path[1]); }
  else if (view.selected && graph.hasNode(view.selected)) {
    if (view.xr || view.xa) expandedAt.set(view.selected, { offset: 0, relation: view.xr, agency: view.xa, added: [] });
    if (view.xr || view.xa) await expand(view.selected);
    else await select(view.selected);
  } else if (view.flag) showFlagPanel();
  else if (!view.path.length) panel("Explore the graph", "").append(
    el("p", "Search an actor by name, alias or identifier (UEI, CAGE, PIID), or by the words of a quote or a source's title. Click to select, double-click to expand its relations; open a relation for its facts with sources and quotes. Drag an actor to pin it.", "hint"));
  if (!$("status").textContent) status(`${graph.order} actors, ${graph.size} relations shown`);
  saveView();
  window.kg = { graph, renderer, expand, select, showFacts, findPath, startPath, focus, collapse, hide, pin, filters,
    downloadPage,
    loadFlags, get selected() { return selected; }, get hidden() { return [...hidden]; } };
  window.kgReady = true;
}

window.addEventListener("error", (e) => status(e.message, true));
window.addEventListener("unhandledrejection", (e) => status(e.reason?.message || String(e.reason), true));
start().catch((err) => status(err.message, true));
