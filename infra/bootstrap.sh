#!/bin/sh
# Installs the project's npm dependencies (which include the Node.js 24 binary from the npm package
# `node`) when they are missing or older than the lockfile, so `npm test` and `npm run demo` work on a
# fresh clone with only an older Node.js on the machine. npm puts node_modules/.bin first on PATH, so
# every later `node` in an npm script is Node.js 24.
set -eu
cd "$(dirname "$0")/.."
stamp=node_modules/.bootstrap-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "[bootstrap] installing npm dependencies" >&2
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  touch "$stamp"
fi
major=$(node_modules/.bin/node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 24 ]; then
  echo "[bootstrap] node_modules/.bin/node is Node.js $major, expected 24: remove node_modules and retry" >&2
  exit 1
fi
