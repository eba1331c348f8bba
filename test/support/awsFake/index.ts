/**
 * Stateful AWS fakes for tests: RDS, EC2 security groups, SSM, Secrets Manager, SNS and CloudWatch metrics on one
 * simulated clock.
 *
 *   const aws = installAwsFake();                       // every RDSClient/SSMClient/… in the process talks to it
 *   aws.rds.seedCluster({ id: "shop-prod-aurora" });
 *   … run the code under test; aws.clock.advance(600) lets ten minutes pass …
 *   aws.rds.faults.fail("CreateDBClusterSnapshot", () => rdsError("Throttling", "Rate exceeded"));
 *   aws.restore();                                      // in after()/afterEach()
 *
 * The fakes refuse what AWS refuses (see the comments beside each rule) and change state only when the simulated
 * clock passes a transition, so code that does not wait, or does not handle an error, fails here too.
 */
import { FakeClock } from "./clock";
import { Ec2Fake } from "./ec2";
import { RdsFake } from "./rds";
import { DEFAULT_TIMINGS, type RdsTimings } from "./rdsModel";
import { CloudWatchFake, SecretsFake, SnsFake, SsmFake } from "./services";

export { FakeClock } from "./clock";
export { Ec2Fake } from "./ec2";
export { RdsFake, rdsError, type SeedCluster } from "./rds";
export { DEFAULT_TIMINGS, type RdsTimings } from "./rdsModel";
export { CloudWatchFake, type PublishedMessage, SecretsFake, SnsFake, SsmFake } from "./services";

export interface AwsFake {
  readonly clock: FakeClock;
  readonly rds: RdsFake;
  readonly ec2: Ec2Fake;
  readonly ssm: SsmFake;
  readonly secrets: SecretsFake;
  readonly sns: SnsFake;
  readonly cloudwatch: CloudWatchFake;
  /** Puts every client's real `send` back (and the real `Date`, if it was faked). */
  restore(): void;
}

export interface AwsFakeOptions {
  /** Where simulated time starts. Default: now. */
  readonly start?: Date;
  /** Make `Date` follow the simulated clock. Default false. */
  readonly fakeDate?: boolean;
  /** RDS lifecycle durations, seconds. */
  readonly timings?: Partial<RdsTimings>;
}

/** Installs every fake; call `restore()` when the test is done. */
export function installAwsFake(options: AwsFakeOptions = {}): AwsFake {
  const clock = new FakeClock(options.start);
  if (options.fakeDate) clock.fakeDate();
  const secrets = new SecretsFake(clock);
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const rds = new RdsFake(clock, secrets, timings);
  const ec2 = new Ec2Fake(clock, rds.state, timings.networkRelease);
  const ssm = new SsmFake(clock);
  const sns = new SnsFake();
  const cloudwatch = new CloudWatchFake();
  return {
    clock,
    rds,
    ec2,
    ssm,
    secrets,
    sns,
    cloudwatch,
    restore() {
      for (const f of [rds, ec2, ssm, secrets, sns, cloudwatch]) f.restore();
      clock.uninstall();
    },
  };
}
