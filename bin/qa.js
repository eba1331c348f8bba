#!/usr/bin/env node
// The `qa` command of this package: `qa create <name>` is `npm run qa -- create <name>` from anywhere. It runs the
// TypeScript sources through tsx in this same process, so Ctrl-C reaches the command's own cleanup handler.
"use strict";
const path = require("node:path");

process.argv.splice(2, 0, "qa");
import("tsx").then(
  () => require(path.join(__dirname, "..", "automation", "main.ts")),
  (err) => {
    process.stderr.write(`fatal: cannot load tsx: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
