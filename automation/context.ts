/**
 * Where a command runs: the caller's directory (npm run changes the working directory to the package root, and says
 * where the user was in INIT_CWD), the project directory holding Pulumi.yaml and the stack files, and which stack a
 * command applies to. Every command resolves these the same way.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "./errors";

/** Root of this package: the default project directory when the caller is not inside a Pulumi project. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..");

/** The default stack when neither --stack nor $DATA_PLATFORM_STACK says otherwise. */
export const DEFAULT_STACK = "stg";

/**
 * The directory the user typed the command in. `npm run` starts scripts in the package root and records the
 * original directory in INIT_CWD (npm run-script docs: "INIT_CWD … the directory npm was run from"). Only this
 * package's own scripts count: a process another script started (a test under `npm test`, a tool's child) inherits
 * INIT_CWD from that script, and its own working directory is the caller's.
 */
export function callerDir(env: NodeJS.ProcessEnv = process.env): string {
  return underOwnNpmScript(env) && env.INIT_CWD && path.isAbsolute(env.INIT_CWD) ? env.INIT_CWD : process.cwd();
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
  return underOwnNpmScript(env) && env.npm_config_json === "true" && !npmConfiguredNames(env).has("json");
}

/**
 * Settings npm took from its config files (user, global, project `.npmrc`) or from NPM_CONFIG_* variables. npm hands
 * every setting to a script as npm_config_<name> (npm docs, "scripts": "npm_config_ … environment variables"), so
 * these are what tell a user's `yes=false` in ~/.npmrc apart from a `--yes` typed before `--`. Names are lower case
 * with `_` for `-`, as in the variables.
 */
export function npmConfiguredNames(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const norm = (name: string) => name.trim().toLowerCase().replace(/-/g, "_");
  const names = new Set<string>();
  const project = env.npm_config_local_prefix ? path.join(env.npm_config_local_prefix, ".npmrc") : undefined;
  for (const file of [env.npm_config_userconfig, env.npm_config_globalconfig, project]) {
    if (!file) continue;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue; // a config file that does not exist sets nothing
    }
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*([^;#=\s[][^=]*?)\s*=/.exec(line);
      if (m?.[1]) names.add(norm(m[1]));
    }
  }
  for (const key of Object.keys(env)) {
    const m = /^NPM_CONFIG_(.+)$/.exec(key);
    if (m?.[1]) names.add(norm(m[1]));
  }
  return names;
}

/**
 * Options of ours that npm swallowed because they came before `--` (`npm run qa create x --ttl 8h` hands the command
 * `create x 8h` and sets npm_config_ttl=true): running on would silently drop them, so the command refuses instead.
 * `--json` is not among them (see {@link npmJson}). A setting from npm's config files or NPM_CONFIG_* variables is
 * not taken for one ({@link npmConfiguredNames}), so the same option both in ~/.npmrc and before `--` goes unnoticed.
 */
export function npmSwallowedOptions(longOptions: Iterable<string>, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!underOwnNpmScript(env)) return [];
  const configured = npmConfiguredNames(env);
  const swallowed: string[] = [];
  for (const name of longOptions) {
    if (name === "json" || name === "verbose") continue;
    const key = name.replace(/-/g, "_");
    // npm exports a false setting as an empty string; one typed on the command line is "true" or its value.
    const value = env[`npm_config_${key}`];
    if (value !== undefined && value !== "" && !configured.has(key)) swallowed.push(`--${name}`);
  }
  return [...new Set(swallowed)].sort();
}
