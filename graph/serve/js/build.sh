#!/usr/bin/env sh
# Build kg serve's browser bundles (graph/serve/static/dist/) from npm packages pinned by
# package-lock.json: `npm ci` then esbuild (build.mjs). The bundles are committed, so that a
# `pip install .` serves them with no network and no Node.js; CI rebuilds and compares.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
node build.mjs
