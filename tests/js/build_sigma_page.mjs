// Bundle sigma_page.mjs (graphology, its GEXF and GraphML parsers and sigma.js, from
// node_modules as package-lock.json pins them) into one script for the browser.
// Usage: node build_sigma_page.mjs OUTFILE   (tests/sigma_page.py runs it)
import * as esbuild from "esbuild";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
await esbuild.build({
  entryPoints: [path.join(here, "sigma_page.mjs")], outfile: process.argv[2],
  bundle: true, format: "iife", target: "es2020", absWorkingDir: here, logLevel: "warning",
});
