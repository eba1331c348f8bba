/**
 * Config problems in plain words: each with its key path in Pulumi's spelling (`data-platform:qa.maxTtl`), what was
 * expected and the value given, and a "did you mean" for misspelled keys and namespaces.
 */
import type { z } from "zod";

/** Namespaces a stack file of this project may use: its own, the providers it configures, Pulumi's. */
export const KNOWN_NAMESPACES = ["data-platform", "aws", "gcp", "pulumi"] as const;

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate within a third of the word's length (at least 2 edits), if any. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const dist = editDistance(word, c);
    if (!best || dist < best.d) best = { c, d: dist };
  }
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : undefined;
}

/** `, did you mean "x"?` or nothing. */
function suggestion(word: string, candidates: Iterable<string>): string {
  const s = didYouMean(word, candidates);
  return s ? `; did you mean "${s}"?` : "";
}

/** Problems with the namespaces of the file's keys (`data-platfrom:databases`): Pulumi would silently ignore them. */
export function namespaceProblems(keys: Iterable<string>): string[] {
  const problems: string[] = [];
  for (const key of keys) {
    const colon = key.indexOf(":");
    const ns = colon < 0 ? "" : key.slice(0, colon);
    if ((KNOWN_NAMESPACES as readonly string[]).includes(ns)) continue;
    const hint = suggestion(ns, KNOWN_NAMESPACES);
    problems.push(`${key}: unknown namespace "${ns}"${hint || `; this project reads ${KNOWN_NAMESPACES.map((n) => `${n}:`).join(", ")}`}`);
  }
  return problems;
}

type AnySchema = z.core.$ZodType;

/** The schemas at a path, through optional, default, pipe, array and union wrappers. */
function nodesAt(schema: AnySchema, path: readonly PropertyKey[]): AnySchema[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return nodesAt(def.innerType as AnySchema, path);
    case "pipe":
      return nodesAt(def.in as AnySchema, path);
    case "union":
      return (def.options as AnySchema[]).flatMap((o) => nodesAt(o, path));
    case "array":
      if (path.length === 0) return [schema];
      return nodesAt(def.element as AnySchema, path.slice(1));
    case "object": {
      if (path.length === 0) return [schema];
      const next = (def.shape as Record<string, AnySchema>)[String(path[0])];
      return next ? nodesAt(next, path.slice(1)) : [];
    }
    default:
      return path.length === 0 ? [schema] : [];
  }
}

/** The object keys a schema accepts at a path. */
export function keysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  const defs = nodesAt(schema, path).map((n) => n._zod.def as unknown as { type: string; shape?: Record<string, unknown> });
  return [...new Set(defs.flatMap((d) => (d.type === "object" && d.shape ? Object.keys(d.shape) : [])))];
}

/** The literal values a schema accepts at a path (a union's discriminator, an enum). */
export function literalsAt(schema: AnySchema, path: readonly PropertyKey[]): unknown[] {
  const defs = nodesAt(schema, path).map((n) => n._zod.def as unknown as { type: string; values?: unknown[]; entries?: Record<string, unknown> });
  return [...new Set(defs.flatMap((d) => (d.type === "literal" ? (d.values ?? []) : d.type === "enum" ? Object.values(d.entries ?? {}) : [])))];
}

/** A value as the message shows it: short, typed, and never a secret's. */
export function describeValue(value: unknown, secret: boolean): string {
  if (secret) return "a secret value";
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list (${value.length} item${value.length === 1 ? "" : "s"})`;
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value);
  const shown = text.length > 60 ? `${text.slice(0, 57)}…` : text;
  return `${typeof value === "string" ? "the string" : `the ${typeof value}`} ${shown}`;
}

/** zod's expected-type names in words. */
function expectedType(expected: string): string {
  const words: Record<string, string> = { array: "a list", object: "a mapping", string: "a string", number: "a number", int: "an integer", boolean: "true or false" };
  return words[expected] ?? expected;
}

/** How one zod issue reads: key path, expectation, value given. `keyPath` renders a path in Pulumi's spelling. */
export function describeIssue(
  issue: z.core.$ZodIssue,
  schema: AnySchema,
  keyPath: (path: readonly PropertyKey[]) => string,
  isSecret: (path: readonly PropertyKey[]) => boolean,
): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = keysAt(schema, issue.path);
    return issue.keys.map((k) => `${keyPath([...issue.path, k])}: unknown key${suggestion(k, known) || (known.length ? `; known keys: ${known.join(", ")}` : "")}`);
  }
  const input = (issue as { input?: unknown }).input;
  const secret = isSecret(issue.path);
  if (issue.code === "invalid_type") {
    const expected = expectedType(issue.expected);
    return [input === undefined ? `${keyPath(issue.path)}: is required (${expected})` : `${keyPath(issue.path)}: expected ${expected}, got ${describeValue(input, secret)}`];
  }
  if (issue.code === "invalid_value") {
    return [`${keyPath(issue.path)}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(input, secret)}`];
  }
  if (issue.code === "invalid_union") {
    // A discriminated union names the field that picks the form (`connect.via`): list the values it takes.
    const discriminator = (issue as { discriminator?: string }).discriminator;
    const path = discriminator !== undefined && issue.path[issue.path.length - 1] !== discriminator ? [...issue.path, discriminator] : issue.path;
    const values = literalsAt(schema, path);
    const given = discriminator !== undefined && typeof input === "object" && input !== null ? (input as Record<string, unknown>)[discriminator] : input;
    const expected = values.length > 0 ? `one of ${values.map((v) => JSON.stringify(v)).join(", ")}` : "one of the documented forms";
    return [`${keyPath(path)}: expected ${expected}, got ${describeValue(given, secret)}`];
  }
  // Our own messages say what is expected ("must be an AWS region such as ap-northeast-1"); add what was given.
  const given = input === undefined || typeof input === "object" ? "" : `; got ${describeValue(input, secret)}`;
  return [`${keyPath(issue.path)}: ${issue.message}${given}`];
}
