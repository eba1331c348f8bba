import { expect } from "chai";
import { progressLine } from "../../../automation/progress";

describe("progress lines on stderr", () => {
  it("shows counts, the share done and the time left from the rate since the phase's first counted event", () => {
    let t = 10_000;
    const lines: string[] = [];
    const progress = progressLine("mask", (l) => lines.push(l), () => t);
    t += 4_000;
    progress({ phase: "plan", message: "planning chunks of 2 tables", elapsedMs: 4_000 });
    progress({ phase: "mask", message: "masking 8 of 10 chunks on 2 connections", elapsedMs: 4_000, chunksDone: 2, chunksTotal: 10 });
    t += 3_000;
    progress({ phase: "mask", message: "users: chunk 3 done (40 rows)", elapsedMs: 7_000, table: "users", chunksDone: 3, chunksTotal: 10 });
    t += 3_000;
    progress({ phase: "mask", message: "users: chunk 4 done (40 rows)", elapsedMs: 10_000, table: "users", chunksDone: 4, chunksTotal: 10 });
    t += 120_000;
    progress({ phase: "mask", message: "users: chunk 10 done (40 rows)", elapsedMs: 130_000, table: "users", chunksDone: 10, chunksTotal: 10 });
    expect(lines).to.deep.equal([
      "[mask 4.0s] plan: planning chunks of 2 tables\n",
      "[mask 4.0s] mask: masking 8 of 10 chunks on 2 connections [2/10 chunks, 20%]\n",
      "[mask 7.0s] mask: users: chunk 3 done (40 rows) [3/10 chunks, 30%, about 21s left]\n",
      "[mask 10.0s] mask: users: chunk 4 done (40 rows) [4/10 chunks, 40%, about 18s left]\n",
      "[mask 130.0s] mask: users: chunk 10 done (40 rows) [10/10 chunks, 100%]\n",
    ]);
  });

  it("starts the estimate afresh when a new phase reports counts", () => {
    let t = 0;
    const lines: string[] = [];
    const progress = progressLine("mask", (l) => lines.push(l), () => t);
    progress({ phase: "mask", message: "a", elapsedMs: 0, chunksDone: 0, chunksTotal: 4 });
    t = 100_000;
    progress({ phase: "mask", message: "b", elapsedMs: t, chunksDone: 2, chunksTotal: 4 });
    progress({ phase: "verify", message: "c", elapsedMs: t, chunksDone: 0, chunksTotal: 4 });
    t = 101_000;
    progress({ phase: "verify", message: "d", elapsedMs: t, chunksDone: 1, chunksTotal: 4 });
    expect(lines.slice(1)).to.deep.equal([
      "[mask 100.0s] mask: b [2/4 chunks, 50%, about 1m40s left]\n",
      "[mask 100.0s] verify: c [0/4 chunks, 0%]\n",
      "[mask 101.0s] verify: d [1/4 chunks, 25%, about 3s left]\n",
    ]);
  });

  it("counts verify's tables against those the rules mask, each done when the next one starts", () => {
    let t = 0;
    const lines: string[] = [];
    const progress = progressLine("mask", (l) => lines.push(l), () => t, { verifyTables: 4 });
    progress({ phase: "verify", message: "verifying", elapsedMs: 0 });
    progress({ phase: "verify", message: "checking users", elapsedMs: 0, table: "users" });
    t = 30_000;
    progress({ phase: "verify", message: "checking orders", elapsedMs: t, table: "orders" });
    t = 40_000;
    progress({ phase: "verify", message: "checking addresses", elapsedMs: t, table: "addresses" });
    expect(lines).to.deep.equal([
      "[mask 0.0s] verify: verifying\n",
      "[mask 0.0s] verify: checking users [0/4 tables, 0%]\n",
      "[mask 30.0s] verify: checking orders [1/4 tables, 25%, about 1m30s left]\n",
      "[mask 40.0s] verify: checking addresses [2/4 tables, 50%, about 40s left]\n",
    ]);
  });
});
