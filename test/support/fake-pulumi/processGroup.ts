import { readFileSync } from "node:fs";

/** A process's group id on Linux: field 5 of /proc/<pid>/stat, after the command name in parentheses (proc(5)). */
export function processGroup(pid: number | "self"): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}
