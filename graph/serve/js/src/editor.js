// The SPARQL editor of `kg serve`: CodeMirror 6 with the SPARQL mode, completion of the
// ontology's classes and properties (/api/vocabulary) and the graph's prefixes, the saved
// queries with their parameters as form fields, results as a sortable, paged table and as
// CSV/TSV/JSON downloads; the query (or the saved query and its parameters) in the URL.
// Every value from the data is written with textContent.
import { EditorView, basicSetup } from "codemirror";
import { StreamLanguage } from "@codemirror/language";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { autocompletion } from "@codemirror/autocomplete";
import { setDiagnostics } from "@codemirror/lint";
import { keymap } from "@codemirror/view";

const $ = (id) => document.getElementById(id);
const PAGE = 50;
const PREFIXES = ["dai:", "id:", "fact:", "src:", "org:", "schema:", "pc:", "prov:", "rdf:", "rdfs:", "skos:", "xsd:", "owl:"];
let vocabulary = [];
let library = [];
let saved = null; // the saved query chosen, while its text is unchanged
let result = null;
let sortBy = null;
let page = 0;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function complete(context) {
  const word = context.matchBefore(/[\w:-]+/);
  if (!word || (word.from === word.to && !context.explicit)) return null;
  return {
    from: word.from,
    options: [
      ...vocabulary.map((t) => ({ label: t.name, type: t.kind === "class" ? "class" : "property", detail: t.label })),
      ...PREFIXES.map((p) => ({ label: p, type: "namespace" })),
      ...["SELECT", "WHERE", "FILTER", "OPTIONAL", "GRAPH", "ORDER BY", "GROUP BY", "LIMIT", "DISTINCT", "CONSTRUCT",
        "DESCRIBE", "ASK", "VALUES", "BIND", "UNION", "MINUS", "COUNT", "SUM", "LANG", "STR", "CONTAINS"]
        .map((k) => ({ label: k, type: "keyword" })),
    ],
  };
}

const view = new EditorView({
  doc: "SELECT ?actor ?label WHERE {\n  ?actor a dai:Company ; rdfs:label ?label .\n}\nORDER BY ?label\nLIMIT 20\n",
  parent: $("editor"),
  extensions: [
    // CodeMirror's own styles go in <style> elements carrying the page's nonce (see graph/serve/app.py)
    EditorView.cspNonce.of(document.querySelector('meta[name="kg-csp-nonce"]')?.content || ""),
    basicSetup, StreamLanguage.define(sparql), autocompletion({ override: [complete] }),
    keymap.of([{ key: "Mod-Enter", run: () => { run(); return true; } }]),
    EditorView.updateListener.of((u) => { if (u.docChanged && saved && text() !== saved.text) chooseSaved(null, true); }),
  ],
});

function text() {
  return view.state.doc.toString();
}

function setText(t) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } });
}

function status(t, error) {
  const s = $("status");
  s.textContent = t || "";
  s.className = error ? "error" : "";
}

// ------------------------------------------------------------------ saved queries

function chooseSaved(q, keepText) {
  saved = q;
  $("saved").value = q ? q.name : "";
  const form = $("params");
  form.replaceChildren();
  $("question").textContent = q ? q.question : "";
  if (!q) return;
  if (!keepText) setText(q.text);
  for (const p of q.params) {
    const label = el("label", `${p.name} (${p.type}) `);
    const input = el("input");
    input.name = p.name;
    input.placeholder = p.description;
    input.dataset.param = p.name;
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") run(); });
    label.append(input);
    form.append(label);
  }
}

function paramValues() {
  const out = {};
  for (const input of $("params").querySelectorAll("input")) out[input.name] = input.value;
  return out;
}

// ------------------------------------------------------------------ running

function request(format) {
  if (saved) {
    const p = new URLSearchParams({ name: saved.name, ...paramValues() });
    if (format) { p.set("format", format); p.set("download", "1"); }
    return "/api/saved?" + p.toString();
  }
  const p = new URLSearchParams({ query: text() });
  if (format) { p.set("format", format); p.set("download", "1"); }
  return "/sparql?" + p.toString();
}

function saveUrl() {
  const p = saved ? new URLSearchParams({ saved: saved.name, ...paramValues() }) : new URLSearchParams({ query: text() });
  history.replaceState(null, "", "#" + p.toString());
}

async function run() {
  status("running…");
  view.dispatch(setDiagnostics(view.state, []));
  saveUrl();
  const started = performance.now();
  const r = saved ? await fetch(request(), { headers: { Accept: "application/sparql-results+json, text/turtle" } })
    : await fetch("/sparql", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/sparql-results+json, text/turtle" }, body: new URLSearchParams({ query: text() }) });
  const body = await r.text();
  if (!r.ok) {
    const message = body.trim();
    status(message, true);
    const at = /line (\d+), column (\d+)/.exec(message);
    if (at) {
      const line = view.state.doc.line(Math.min(Number(at[1]), view.state.doc.lines));
      const from = Math.min(line.from + Number(at[2]) - 1, line.to);
      view.dispatch(setDiagnostics(view.state, [{ from, to: Math.min(from + 1, line.to), severity: "error", message }]));
    }
    return;
  }
  const ms = Math.round(performance.now() - started);
  const truncated = r.headers.get("X-KG-Truncated") ? ` (cut at ${r.headers.get("X-SPARQL-MaxRows")} rows)` : "";
  if ((r.headers.get("Content-Type") || "").startsWith("text/turtle")) {
    result = null;
    showGraph(body);
    status(`graph in ${ms} ms${truncated}`);
    return;
  }
  const data = JSON.parse(body);
  if (typeof data.boolean === "boolean") { result = null; showText(data.boolean ? "true" : "false"); status(`in ${ms} ms`); return; }
  result = { vars: data.head.vars, rows: data.results.bindings };
  sortBy = null;
  page = 0;
  showTable();
  status(`${result.rows.length} row${result.rows.length === 1 ? "" : "s"} in ${ms} ms${truncated}`);
}

function cell(b) {
  if (!b) return "";
  if (b.type === "uri") {
    const m = /^https:\/\/w3id\.org\/defense-ai-graph\/(id|fact|source)\/(.*)$/.exec(b.value);
    return m ? `${m[1] === "id" ? "id" : m[1] === "fact" ? "fact" : "src"}:${m[2]}` : b.value;
  }
  return b.value + (b["xml:lang"] ? `@${b["xml:lang"]}` : "");
}

function showText(t) {
  const out = $("results");
  out.replaceChildren(el("pre", t, "answer"));
  $("downloads").hidden = true;
  $("explore").hidden = true;
}

// a CONSTRUCT or DESCRIBE answer: its Turtle, its downloads, and a link drawing its actors
// (and the actors of its facts) in the explorer
function showGraph(turtle) {
  showText(turtle);
  downloads([["dl-csv", "turtle", "Turtle"], ["dl-tsv", "ntriples", "N-Triples"], ["dl-json", "jsonld", "JSON-LD"]]);
  drawLink(!saved, "draw this graph in the explorer");
}

function downloads(formats) {
  const links = $("downloads");
  links.hidden = false;
  for (const [id, fmt, name] of formats) { $(id).href = request(fmt); $(id).textContent = name; }
}

function drawLink(show, caption) {
  const explore = $("explore");
  explore.hidden = !show;
  if (show) {
    explore.href = "/#" + new URLSearchParams({ sparql: text() }).toString();
    explore.textContent = caption;
  }
}

function showTable() {
  const out = $("results");
  out.replaceChildren();
  const rows = [...result.rows];
  if (sortBy) {
    const { v, dir } = sortBy;
    const num = (b) => (b && /integer|decimal|double|float/.test(b.datatype || "") ? Number(b.value) : null);
    rows.sort((x, y) => {
      const a = x[v], b = y[v];
      const na = num(a), nb = num(b);
      const c = na !== null && nb !== null ? na - nb : cell(a).localeCompare(cell(b));
      return dir * c;
    });
  }
  const table = el("table", null, "results");
  const head = el("tr");
  for (const v of result.vars) {
    const th = el("th", "?" + v + (sortBy && sortBy.v === v ? (sortBy.dir > 0 ? " ▲" : " ▼") : ""));
    th.addEventListener("click", () => { sortBy = { v, dir: sortBy && sortBy.v === v ? -sortBy.dir : 1 }; showTable(); });
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  table.append(thead);
  const tbody = table.appendChild(el("tbody"));
  for (const row of rows.slice(page * PAGE, (page + 1) * PAGE)) {
    const tr = el("tr");
    for (const v of result.vars) tr.append(el("td", cell(row[v])));
    tbody.append(tr);
  }
  out.append(table);
  const pages = Math.ceil(rows.length / PAGE);
  if (pages > 1) {
    const nav = el("div", null, "pager");
    const prev = el("button", "← previous");
    prev.disabled = page === 0;
    prev.addEventListener("click", () => { page -= 1; showTable(); });
    const next = el("button", "next →");
    next.disabled = page >= pages - 1;
    next.addEventListener("click", () => { page += 1; showTable(); });
    nav.append(prev, el("span", ` page ${page + 1} of ${pages} `), next);
    out.append(nav);
  }
  const actors = [...new Set(rows.flatMap((r) => Object.values(r)).filter((b) => b.type === "uri")
    .map((b) => /^https:\/\/w3id\.org\/defense-ai-graph\/id\/(.+)$/.exec(b.value)).filter(Boolean).map((m) => m[1]))];
  downloads([["dl-csv", "csv", "CSV"], ["dl-tsv", "tsv", "TSV"], ["dl-json", "json", "JSON"]]);
  const iris = rows.some((r) => Object.values(r).some((b) => b.type === "uri"));
  const explore = $("explore");
  if (!saved && iris) drawLink(true, "draw the actors of these rows in the explorer");
  else if (actors.length) {
    explore.hidden = false;
    explore.href = "/#" + new URLSearchParams({ a: actors.slice(0, 500).join(",") }).toString();
    explore.textContent = `draw these ${Math.min(500, actors.length)} actors in the explorer`;
  } else explore.hidden = true;
}

// ------------------------------------------------------------------ start

async function start() {
  const [voc, queries] = await Promise.all([fetch("/api/vocabulary").then((r) => r.json()),
    fetch("/api/queries").then((r) => r.json())]);
  vocabulary = voc;
  library = queries;
  const select = $("saved");
  for (const q of library) {
    const o = el("option", `${q.name} — ${q.title}`);
    o.value = q.name;
    select.append(o);
  }
  select.addEventListener("change", () => chooseSaved(library.find((q) => q.name === select.value) || null));
  $("run").addEventListener("click", () => run());
  const h = new URLSearchParams(location.hash.slice(1));
  if (h.get("saved")) {
    chooseSaved(library.find((q) => q.name === h.get("saved")) || null);
    for (const input of $("params").querySelectorAll("input")) if (h.has(input.name)) input.value = h.get(input.name);
    if (saved) await run();
  } else if (h.get("query")) {
    setText(h.get("query"));
    await run();
  }
  window.kgEditor = { view, run, chooseSaved: (name) => chooseSaved(library.find((q) => q.name === name) || null) };
  window.kgReady = true;
}

window.addEventListener("unhandledrejection", (e) => status(e.reason?.message || String(e.reason), true));
start().catch((err) => status(err.message, true));
