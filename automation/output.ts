/**
 * The one way every command reports: a command hands its result to {@link CommandOutput} as a document (for --json)
 * and as text (for people); automation/main.ts prints exactly one of them on stdout, or, on failure, one JSON
 * document with an `error` member (the result so far, if any, alongside it).
 */
import { type ErrorDocument, errorDocument } from "./errors";

/** Where a command's human-readable progress goes: stderr, so that stdout carries only results. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Asks a person a question and returns the answer; absent when no one is at a terminal to answer. */
  readonly ask?: (question: string) => Promise<string>;
}

/** The result of the command that ran, set once by its action. */
export class CommandOutput {
  private result?: { readonly doc: unknown; readonly text: string };

  /** Records the command's result: `doc` is what --json prints, `text` what people read. */
  set(doc: unknown, text: string): void {
    this.result = { doc, text };
  }

  /** stdout for a command that succeeded. */
  success(json: boolean): string {
    if (!this.result) return "";
    return json ? toJson(this.result.doc) : ensureNewline(this.result.text);
  }

  /**
   * stdout for a command that failed: with --json one document, `{"error": {...}}`, merged into the result when the
   * command had one (a plan with violations, a scan with uncovered columns); without, the result's text if any.
   */
  failure(json: boolean, err: unknown): string {
    if (!json) return this.result ? ensureNewline(this.result.text) : "";
    const error: ErrorDocument = errorDocument(err);
    const doc = this.result?.doc;
    const base = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? doc : this.result ? { result: doc } : {};
    return toJson({ ...base, error });
  }
}

function toJson(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function ensureNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}
