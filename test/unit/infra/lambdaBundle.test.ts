import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { inflateRawSync } from "node:zlib";
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BENCH_DEFINE, BENCH_ENV } from "../../../bench/lambdaEnv";
import { buildLambda, deterministicZip } from "../../../infra/compute/lambdaBundle";
import { find, runPlatform } from "../../support/pulumi";

/** Entries of a zip read back through its central directory: proves the archive is well formed. */
function readZip(zip: Buffer): { name: string; data: Buffer; dosDate: number; dosTime: number }[] {
  const eocd = zip.length - 22;
  expect(zip.readUInt32LE(eocd)).to.equal(0x06054b50);
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(p)).to.equal(0x02014b50);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString("utf8");
    const localNameLen = zip.readUInt16LE(local + 26);
    const start = local + 30 + localNameLen + zip.readUInt16LE(local + 28);
    out.push({ name, data: inflateRawSync(zip.subarray(start, start + size)), dosTime: zip.readUInt16LE(local + 10), dosDate: zip.readUInt16LE(local + 12) });
    p += 46 + nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return out;
}

describe("Lambda bundles", function () {
  this.timeout(120_000);

  // Every platform function (BENCH_ENV lists each with the variables its handler requires at cold start).
  for (const name of Object.keys(BENCH_ENV)) {
    it(`builds ${name} twice into byte-identical zips`, () => {
      const a = buildLambda(name, { fresh: true, define: BENCH_DEFINE[name] });
      const b = buildLambda(name, { fresh: true, define: BENCH_DEFINE[name] });
      expect(b.sha256).to.equal(a.sha256);
      expect(Buffer.compare(a.zip, b.zip)).to.equal(0);
      expect(createHash("sha256").update(readFileSync(a.zipPath)).digest("base64")).to.equal(a.sha256);
    });

    it(`packs ${name} as index.js and its source map, stamped 1980-01-01, under 1 MB`, () => {
      const b = buildLambda(name, { define: BENCH_DEFINE[name] });
      const entries = readZip(b.zip);
      expect(entries.map((e) => e.name)).to.deep.equal(["index.js", "index.js.map"]);
      for (const e of entries) expect([e.dosDate, e.dosTime]).to.deep.equal([(1 << 5) | 1, 0]);
      const code = entries[0].data.toString("utf8");
      expect(code.endsWith("//# sourceMappingURL=index.js.map\n")).to.equal(true);
      // The Powertools logger and the SDK clients are bundled: nothing is left to require from node_modules.
      // (The one quoted `[require("@aws-sdk/signature-v4-crt")]` is inside an SDK error message, not a call.)
      expect(code).to.not.match(/(?<!\[)require\("@aws-(sdk|lambda-powertools)\//);
      expect(JSON.parse(entries[1].data.toString("utf8")).sources.some((s: string) => s.endsWith(`functions/${name}/handler.ts`))).to.equal(true);
      expect(b.zip.length).to.be.below(1024 * 1024);
    });

    it(`exports ${name}'s handler from the bundle, loadable without node_modules`, () => {
      const b = buildLambda(name, { define: BENCH_DEFINE[name] });
      const dir = mkdtempSync(path.join(tmpdir(), "bundle-"));
      try {
        writeFileSync(path.join(dir, "index.js"), readZip(b.zip)[0].data);
        const r = spawnSync(process.execPath, ["-e", 'process.stdout.write(typeof require("./index.js").handler)'], {
          cwd: dir,
          encoding: "utf8",
          env: { PATH: process.env.PATH, AWS_REGION: "ap-northeast-1", ...BENCH_ENV[name] },
        });
        expect(r.stdout, r.stderr).to.equal("function");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("changes the zip hash when the content changes, and only then", () => {
    const one = deterministicZip([{ name: "index.js", data: Buffer.from("exports.handler = () => 1;") }]);
    const same = deterministicZip([{ name: "index.js", data: Buffer.from("exports.handler = () => 1;") }]);
    const other = deterministicZip([{ name: "index.js", data: Buffer.from("exports.handler = () => 2;") }]);
    expect(Buffer.compare(one, same)).to.equal(0);
    expect(Buffer.compare(one, other)).to.not.equal(0);
    expect(readZip(other)[0].data.toString()).to.equal("exports.handler = () => 2;");
  });

  it("gives the Lambda the same code hash input on every run of the program, so preview shows no diff", async () => {
    const hashes = async () => {
      const run = await runPlatform("stg");
      return ["export-pipeline-export-snapshot", "export-pipeline-export-events"].map((n) => find(run.resources, "aws:lambda/function:Function", n).inputs.sourceCodeHash);
    };
    const first = await hashes();
    // A fresh build in between: the program would pick up changed code, and unchanged code hashes the same.
    buildLambda("export-snapshot", { fresh: true });
    buildLambda("export-events", { fresh: true });
    const second = await hashes();
    expect(second).to.deep.equal(first);
    expect(first[0]).to.equal(buildLambda("export-snapshot").sha256);
  });
});
