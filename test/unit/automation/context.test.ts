import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { npmConfiguredNames, npmJson, npmSwallowedOptions } from "../../../automation/context";

describe("options npm takes for itself before `--`", () => {
  let dir: string;
  let userconfig: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "npm-context-"));
    userconfig = path.join(dir, "npmrc");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const script = (extra: Record<string, string>) => ({ npm_lifecycle_event: "qa", npm_config_userconfig: userconfig, ...extra });
  const OPTIONS = ["stack", "ttl", "yes", "dry-run", "json"];

  it("names an option typed before `--`, as npm exports it to the script", () => {
    expect(npmSwallowedOptions(OPTIONS, script({ npm_config_ttl: "true", npm_config_dry_run: "true" }))).to.deep.equal(["--dry-run", "--ttl"]);
  });

  it("does not take a setting from the user's .npmrc or an NPM_CONFIG_* variable for one", () => {
    writeFileSync(userconfig, "; comment\nfund=false\nyes=true\n[section]\n");
    const env = script({ npm_config_yes: "true", npm_config_fund: "", npm_config_dry_run: "true", NPM_CONFIG_DRY_RUN: "true" });
    expect([...npmConfiguredNames(env)].sort()).to.deep.equal(["dry_run", "fund", "yes"]);
    expect(npmSwallowedOptions(OPTIONS, env)).to.deep.equal([]);
  });

  it("ignores a false setting, which npm exports as an empty string", () => {
    expect(npmSwallowedOptions(OPTIONS, script({ npm_config_yes: "" }))).to.deep.equal([]);
  });

  it("outside this package's npm scripts, nothing is swallowed and --json is the command's own", () => {
    expect(npmSwallowedOptions(OPTIONS, { npm_config_ttl: "true" })).to.deep.equal([]);
    expect(npmJson({ npm_config_json: "true" })).to.equal(false);
    expect(npmJson(script({ npm_config_json: "true" }))).to.equal(true);
    writeFileSync(userconfig, "json=true\n");
    expect(npmJson(script({ npm_config_json: "true" }))).to.equal(false);
  });
});
