import { expect } from "chai";
import type { SimulationReport } from "../../../../policy/permissions";
import { deployedStack } from "../../../support/permissions";
import { sdkRecordings } from "../../../support/sdkRequests";

/** One line per denial, for assertion messages. */
const denials = (r: SimulationReport) => r.denied.map((d) => `${d.request.origin}: ${d.request.principal} ${d.request.action} ${d.request.resource}: ${d.reason}`).join("\n");

// Runs after the handler tests (mocha loads spec files in path order: test/unit/functions before test/unit/policy),
// whose recorder has collected every SDK command they sent.
describe("permission simulation of stg and prod", () => {
  const reports = new Map<string, SimulationReport>();
  before(async () => {
    const { simulateStack } = await import("../../../../policy/permissions");
    for (const stack of ["stg", "prod"] as const) {
      const { policies, resources } = await deployedStack(stack);
      reports.set(stack, await simulateStack({ policies, resources, environment: stack, recordings: sdkRecordings() }));
    }
  });

  for (const stack of ["stg", "prod"]) {
    it(`simulates the code's recorded requests of every ${stack} function`, () => {
      const r = reports.get(stack)!;
      expect(r.unrecorded.map((u) => u.name), "functions whose handler tests recorded nothing (run the whole suite)").to.deep.equal([]);
      expect(r.simulated).to.be.greaterThan(100);
    });

    it(`allows every request on ${stack}`, () => {
      const r = reports.get(stack)!;
      console.log(`      ${stack}: ${r.simulated} requests simulated, ${r.allowed} allowed, ${r.denied.length} denied`);
      expect(r.denied.length, denials(r)).to.equal(0);
    });
  }
});
