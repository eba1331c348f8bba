/**
 * Progress of a long QA operation on stderr: which phase it is in, how long since the start, and how long each phase
 * took. The engine's own output is passed through, indented, so the phase lines stand out.
 */

/** Milliseconds as `4m12s`, `1h03m`, `9s`. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Writes phase lines (`[qa-x +3m12s] ▸ creating instance`) and indented engine output to one sink. */
export class Progress {
  private readonly start: number;
  private current?: { name: string; since: number };

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => Date,
    private readonly label: string,
  ) {
    this.start = now().getTime();
  }

  private line(text: string): void {
    this.write(`[${this.label} +${formatElapsed(this.now().getTime() - this.start)}] ${text}\n`);
  }

  /** Ends the current phase (with its duration) and starts another; the same phase again is a no-op. */
  phase(name: string): void {
    if (this.current?.name === name) return;
    this.finishPhase();
    this.current = { name, since: this.now().getTime() };
    this.line(`▸ ${name}`);
  }

  private finishPhase(): void {
    if (!this.current) return;
    this.line(`✓ ${this.current.name} (${formatElapsed(this.now().getTime() - this.current.since)})`);
    this.current = undefined;
  }

  /** The phase currently running, if any. */
  get phaseName(): string | undefined {
    return this.current?.name;
  }

  /** A one-off message. */
  note(text: string): void {
    this.line(text);
  }

  /** Engine output, each line indented under the current phase. */
  output(text: string): void {
    for (const l of text.split("\n")) if (l.trim() !== "") this.write(`    ${l.trimEnd()}\n`);
  }

  /** Ends the last phase and prints the total. */
  done(summary: string): void {
    this.finishPhase();
    this.line(summary);
  }

  /** Abandons the current phase without marking it done (it failed). */
  fail(text: string): void {
    if (this.current) this.line(`✗ ${this.current.name}: ${text}`);
    else this.line(`✗ ${text}`);
    this.current = undefined;
  }
}
