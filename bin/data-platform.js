#!/usr/bin/env node
// The `data-platform` command of this package (`data-platform plan --stack stg`, `data-platform qa list`). It runs
// the TypeScript sources through tsx in this same process, so Ctrl-C reaches the command's own cleanup handler.
"use strict";
const path = require("node:path");

import("tsx").then(
  () => require(path.join(__dirname, "..", "automation", "main.ts")),
  (err) => {
    process.stderr.write(`fatal: cannot load tsx: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
