/**
 * A stateful fake of the EC2 security-group calls the QA reaper makes, behind aws-sdk-client-mock. Whether a group
 * is still in use comes from the RDS fake: a cluster's network interfaces carry its security groups while the cluster
 * exists (deleting included) and for a while after it is gone (RdsTimings `networkRelease`).
 */
import { DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client, EC2ServiceException, type Tag } from "@aws-sdk/client-ec2";
import type { FakeClock } from "./clock";
import { type CallRecord, Faults, dispatcher, stubSend } from "./faults";
import type { RdsState } from "./rdsModel";

const meta = { $metadata: {} };

/** EC2 reports errors by code (EC2 API reference, "Error codes"). */
function ec2Error(name: string, message: string): Error {
  return new EC2ServiceException({ name, $fault: "client", message, ...meta });
}

/** One security group. */
export interface SecurityGroupRecord {
  readonly id: string;
  readonly name: string;
  readonly vpcId: string;
  tags: Tag[];
}

export class Ec2Fake {
  readonly faults = new Faults();
  readonly calls: CallRecord[] = [];
  readonly securityGroups = new Map<string, SecurityGroupRecord>();
  private readonly stub = stubSend(EC2Client);

  constructor(
    private readonly clock: FakeClock,
    private readonly rds: RdsState,
    private readonly networkReleaseSeconds: number,
  ) {
    const send = dispatcher(
      "EC2",
      [
        [DescribeSecurityGroupsCommand, "DescribeSecurityGroups", (i) => this.describe(i)],
        [DeleteSecurityGroupCommand, "DeleteSecurityGroup", (i) => this.delete(i)],
      ],
      this.faults,
      this.calls,
    );
    this.stub.send.callsFake(async (command: { readonly input: unknown }) => {
      this.rds.settle(this.clock.nowMs());
      return send(command);
    });
  }

  restore(): void {
    this.stub.restore();
  }

  /** Seeds a security group, as Pulumi creates one per QA clone. */
  seedSecurityGroup(g: { id: string; name: string; vpcId?: string; tags?: Tag[] }): void {
    this.securityGroups.set(g.id, { id: g.id, name: g.name, vpcId: g.vpcId ?? "vpc-0123456789abcdef0", tags: [...(g.tags ?? [])] });
  }

  private describe(i: { Filters?: { Name: string; Values: string[] }[]; GroupIds?: string[]; NextToken?: string; MaxResults?: number }) {
    // DescribeSecurityGroups API reference: filters `group-name`, `group-id`, `vpc-id` and `tag:<key>` (values OR-ed
    // within a filter, filters AND-ed); an unknown id in GroupIds is InvalidGroup.NotFound; NextToken pages.
    for (const id of i.GroupIds ?? []) if (!this.securityGroups.has(id)) throw ec2Error("InvalidGroup.NotFound", `The security group '${id}' does not exist`);
    const matches = (g: SecurityGroupRecord) =>
      (!i.GroupIds || i.GroupIds.includes(g.id)) &&
      (i.Filters ?? []).every((f) => {
        if (f.Name === "group-name") return f.Values.includes(g.name);
        if (f.Name === "group-id") return f.Values.includes(g.id);
        if (f.Name === "vpc-id") return f.Values.includes(g.vpcId);
        if (f.Name.startsWith("tag:")) return g.tags.some((t) => t.Key === f.Name.slice(4) && f.Values.includes(t.Value ?? ""));
        throw ec2Error("InvalidParameterValue", `The filter '${f.Name}' is invalid`);
      });
    const all = [...this.securityGroups.values()].filter(matches);
    const start = i.NextToken ? Number(i.NextToken) : 0;
    const max = i.MaxResults ?? 1000;
    const page = all.slice(start, start + max);
    return {
      SecurityGroups: page.map((g) => ({ GroupId: g.id, GroupName: g.name, VpcId: g.vpcId, Tags: g.tags })),
      ...(start + max < all.length ? { NextToken: String(start + max) } : {}),
    };
  }

  private delete(i: { GroupId?: string }) {
    const g = i.GroupId ? this.securityGroups.get(i.GroupId) : undefined;
    if (!g) throw ec2Error("InvalidGroup.NotFound", `The security group '${i.GroupId}' does not exist`);
    // DeleteSecurityGroup API reference: a group associated with an instance or network interface cannot be deleted
    // (DependencyViolation); an RDS cluster's interfaces hold its groups until RDS releases them.
    if (this.rds.securityGroupInUse(g.id, this.clock.nowMs(), this.networkReleaseSeconds)) {
      throw ec2Error("DependencyViolation", `resource ${g.id} has a dependent object`);
    }
    this.securityGroups.delete(g.id);
    return { Return: true, GroupId: g.id };
  }
}
