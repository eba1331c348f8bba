/** Helpers for tests of the stack config schema. */
import { expect } from "chai";
import { ConfigError, parseConfig } from "../../stacks/config";
import { stackConfig } from "./pulumi";

/** The problems parseConfig reports for a stack's file with some keys replaced; [] when it accepts it. */
export function configProblems(stack: string, overrides: Record<string, unknown>): string[] {
  try {
    parseConfig(stackConfig(stack, overrides));
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  return [];
}
