// Bundles src/explorer.js and src/editor.js (with sigma, graphology and CodeMirror from
// node_modules) into ../static/dist/, minified, each starting with the names, versions and
// licences of the packages inside it; their licence texts go to ../static/dist/LICENSES.txt.
// The same package-lock.json gives the same bytes (tests/test_serve_browser.py rebuilds).
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.join(here, "..", "static", "dist");
fs.mkdirSync(out, { recursive: true });

function packageOf(file) {
  const parts = file.split("/");
  const i = parts.lastIndexOf("node_modules");
  if (i < 0) return null;
  const name = parts[i + 1].startsWith("@") ? parts[i + 1] + "/" + parts[i + 2] : parts[i + 1];
  return path.join(...parts.slice(0, i + 1), name);
}

const licences = new Map();
for (const entry of ["explorer", "editor"]) {
  const result = await esbuild.build({
    entryPoints: [path.join(here, "src", entry + ".js")],
    bundle: true, minify: true, format: "iife", target: "es2020", write: false, metafile: true,
    legalComments: "none", absWorkingDir: here, logLevel: "warning",
  });
  const packages = [...new Set(Object.keys(result.metafile.inputs).map(packageOf).filter(Boolean))].sort();
  const lines = packages.map((dir) => {
    const meta = JSON.parse(fs.readFileSync(path.join(here, dir, "package.json"), "utf8"));
    const text = fs.readdirSync(path.join(here, dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    if (text) licences.set(`${meta.name}@${meta.version}`, fs.readFileSync(path.join(here, dir, text), "utf8"));
    return ` * ${meta.name}@${meta.version} (${meta.license})`;
  });
  const banner = `/*! kg serve: ${entry}.js, built by graph/serve/js/build.sh from src/${entry}.js with:\n` +
    lines.join("\n") + "\n * Licence texts: LICENSES.txt beside this file. */\n";
  fs.writeFileSync(path.join(out, entry + ".js"), banner + result.outputFiles[0].text);
}
const names = [...licences.keys()].sort();
fs.writeFileSync(path.join(out, "LICENSES.txt"),
  names.map((n) => `${"=".repeat(72)}\n${n}\n${"=".repeat(72)}\n${licences.get(n).trim()}\n`).join("\n"));
