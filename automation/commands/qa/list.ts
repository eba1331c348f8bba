/** `qa list`: every clone of the environment with its owner, expiry, status and endpoint. */
import type { QaDeps, CloneSummary } from "./common";
import { summarise } from "./common";

/** Clones sorted by expiry (soonest first); stacks that are not `qa-<name>` are left out. */
export async function listClones(deps: Pick<QaDeps, "workspace" | "clock">): Promise<CloneSummary[]> {
  const now = deps.clock();
  const clones = (await deps.workspace.listStacks()).map((s) => summarise(s, now)).filter((c) => c !== undefined);
  return clones.sort((a, b) => (a.expiresAt ?? "9999").localeCompare(b.expiresAt ?? "9999") || a.name.localeCompare(b.name));
}

/** A fixed-width table for humans. */
export function renderCloneTable(clones: readonly CloneSummary[]): string {
  if (clones.length === 0) return "no QA clones";
  const rows = [
    ["NAME", "OWNER", "CREATED", "EXPIRES", "STATUS", "ENDPOINT"],
    ...clones.map((c) => [c.name, c.owner ?? "-", c.createdAt ?? "-", c.expiresAt ?? "-", c.status, c.endpoint ?? "-"]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}
