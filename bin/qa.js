#!/usr/bin/env node
// The `qa` command of this package: `qa create <name>` is `data-platform qa create <name>`.
"use strict";

process.argv.splice(2, 0, "qa");
require("./data-platform.js");
