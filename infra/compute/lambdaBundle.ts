/**
 * Builds a Lambda handler into a deterministic zip: esbuild bundles `functions/<name>/handler.ts` (and everything
 * it imports, the AWS SDK clients and the Powertools logger included) into one minified CommonJS file with a source
 * map, and the zip is written by hand with fixed timestamps and a fixed entry order. The same source therefore
 * always gives the same bytes and the same SHA-256, so `pulumi preview` shows no code diff when nothing changed.
 *
 * Bundling runs inside the Pulumi program (so `pulumi up` always ships the tree as it is), under the offline plan
 * and in tests; results are cached per process because every stack run asks for the same bundles.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { buildSync } from "esbuild";

/** Repository root: functions/, .build/ and node_modules/ live here. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Where built zips are written (ignored by git). */
export const BUILD_DIR = path.join(REPO_ROOT, ".build", "lambda");

/** One built function. */
export interface LambdaBundle {
  /** Function directory name under functions/. */
  readonly name: string;
  /** Absolute path of the zip (what Pulumi uploads). */
  readonly zipPath: string;
  /** The zip itself. */
  readonly zip: Buffer;
  /** Base64 SHA-256 of the zip: Lambda's `sourceCodeHash`, and what a reviewer compares. */
  readonly sha256: string;
  /** Bytes of the unzipped bundle (index.js) and of its source map. */
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
}

/** The Lambda runtime the bundles target; esbuild's target follows it. */
export const LAMBDA_RUNTIME = "nodejs22.x";
export const LAMBDA_ARCHITECTURE = "arm64";

const cache = new Map<string, LambdaBundle>();

/** esbuild output for one handler: `index.js` and `index.js.map`, in memory. */
function bundle(name: string, define: Readonly<Record<string, string>>): { code: Uint8Array; map: Uint8Array } {
  const entry = path.join(REPO_ROOT, "functions", name, "handler.ts");
  const outfile = path.join(BUILD_DIR, name, "index.js");
  const result = buildSync({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    write: false,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    treeShaking: true,
    // The SDK's ES module builds tree-shake far better than its CommonJS ones.
    mainFields: ["module", "main"],
    // "linked" writes index.js.map and the sourceMappingURL comment that --enable-source-maps follows.
    sourcemap: "linked",
    // Stack traces need names and lines, not the original text: keeps the map (and the zip) small.
    sourcesContent: false,
    legalComments: "none",
    // Bundled, not taken from the runtime: the SDK version we test with is the one that runs, and the
    // nodejs22.x runtime's SDK can change under us. See README "Packaging".
    external: [],
    logLevel: "silent",
    charset: "utf8",
    // Build-time constants (identifier → JS expression), e.g. the golden mask Lambda's rules text.
    define: { ...define },
  });
  const code = result.outputFiles.find((f) => f.path === outfile);
  const map = result.outputFiles.find((f) => f.path === `${outfile}.map`);
  if (!code || !map) throw new Error(`esbuild produced no bundle for functions/${name}`);
  return { code: code.contents, map: map.contents };
}

// DOS date/time of 1980-01-01 00:00, the earliest a zip can hold: fixed so that the archive never depends on
// when it was built.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * A zip (deflate, no extra fields, fixed timestamps, entries in the given order). Written by hand because zip
 * libraries stamp the current time into every entry, which changes the hash of an unchanged bundle.
 */
export function deterministicZip(entries: readonly { name: string; data: Uint8Array }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const data = Buffer.from(e.data);
    const compressed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(((0o100644 << 16) >>> 0), 38); // -rw-r--r-- regular file
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

/**
 * Bundles `functions/<name>/handler.ts` and writes `.build/lambda/<name>.zip`. Cached per process (and per `define`).
 * @param options.fresh bypass the cache (tests that prove determinism build twice).
 * @param options.define esbuild `define`: identifiers replaced by JS expressions (JSON.stringify a string). The same
 *   values give the same bytes; different values give a different zip, hash and code update.
 */
export function buildLambda(name: string, options: { fresh?: boolean; define?: Readonly<Record<string, string>> } = {}): LambdaBundle {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new RangeError(`invalid function directory name: ${name}`);
  const define = options.define ?? {};
  const key = Object.keys(define).length === 0 ? name : `${name}\0${JSON.stringify(Object.entries(define).sort(([a], [b]) => a.localeCompare(b)))}`;
  const cached = cache.get(key);
  if (cached && !options.fresh) return cached;
  const { code, map } = bundle(name, define);
  const zip = deterministicZip([
    { name: "index.js", data: code },
    { name: "index.js.map", data: map },
  ]);
  mkdirSync(BUILD_DIR, { recursive: true });
  // A bundle with build-time constants gets its own file, so two variants built in one process never overwrite the
  // zip the other's FileArchive points at.
  const variant = key === name ? "" : `-${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
  const zipPath = path.join(BUILD_DIR, `${name}${variant}.zip`);
  writeFileSync(zipPath, zip);
  const built: LambdaBundle = {
    name,
    zipPath,
    zip,
    sha256: createHash("sha256").update(zip).digest("base64"),
    bundleBytes: code.byteLength,
    sourceMapBytes: map.byteLength,
  };
  cache.set(key, built);
  return built;
}
