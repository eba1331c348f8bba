/**
 * Where a command runs: the caller's directory (npm run changes the working directory to the package root, and says
 * where the user was in INIT_CWD), the project directory holding Pulumi.yaml and the stack files, and which stack a
 * command applies to. Every command resolves these the same way.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError } from "./errors";

/** Root of this package: the default project directory when the caller is not inside a Pulumi project. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..");

/** The default stack when neither --stack nor $DATA_PLATFORM_STACK says otherwise. */
export const DEFAULT_STACK = "stg";

/**
 * The directory the user typed the command in. `npm run` starts scripts in the package root and records the
 * original directory in INIT_CWD (npm run-script docs: "INIT_CWD … the directory npm was run from").
 */
export function callerDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD && path.isAbsolute(env.INIT_CWD) ? env.INIT_CWD : process.cwd();
}

/** A path the user typed, resolved from the caller's directory (absolute paths stay as they are). */
export function userPath(p: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(callerDir(env), p);
}

/**
 * The project directory: `--config-dir` when given (from the caller's directory), else the nearest directory at or
 * above the caller's that holds a Pulumi.yaml (as the Pulumi CLI looks for it), else this package's root.
 */
export function projectDir(configDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (configDir !== undefined) return userPath(configDir, env);
  for (let dir = callerDir(env); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return PACKAGE_ROOT;
  }
}

/**
 * The stack a command applies to: `--stack`, else a positional stack argument (`plan stg`), else
 * $DATA_PLATFORM_STACK, else stg. A positional and a different --stack is a usage error.
 */
export function resolveStack(flag: string | undefined, positional?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && positional !== undefined && flag !== positional) {
    throw new UsageError(`two stacks given: "${positional}" and --stack ${flag}; give one`);
  }
  return flag ?? positional ?? (env.DATA_PLATFORM_STACK || DEFAULT_STACK);
}

/** The package's npm scripts that run this command line. */
const OWN_SCRIPTS = new Set(["data-platform", "plan", "mask", "qa", "bq-sync", "doctor", "ci"]);

/** True when this process is one of this package's npm scripts (`npm run plan …`). */
export function underOwnNpmScript(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.npm_lifecycle_event !== undefined && OWN_SCRIPTS.has(env.npm_lifecycle_event);
}

/**
 * `npm run plan stg --json` without `--`: npm takes `--json` as its own flag, prints its banner on stderr in JSON
 * mode and sets npm_config_json. The command then prints JSON too, so the result is one clean document.
 */
export function npmJson(env: NodeJS.ProcessEnv = process.env): boolean {
  return underOwnNpmScript(env) && env.npm_config_json === "true";
}

/**
 * Options of ours that npm swallowed because they came before `--` (`npm run qa create x --ttl 8h` hands the command
 * `create x 8h` and sets npm_config_ttl=true): running on would silently drop them, so the command refuses instead.
 * `--json` is not among them (see {@link npmJson}).
 */
export function npmSwallowedOptions(longOptions: Iterable<string>, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!underOwnNpmScript(env)) return [];
  const swallowed: string[] = [];
  for (const name of longOptions) {
    if (name === "json" || name === "verbose") continue;
    if (env[`npm_config_${name.replace(/-/g, "_")}`] !== undefined) swallowed.push(`--${name}`);
  }
  return [...new Set(swallowed)].sort();
}
