import {
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { SALT_LENGTH, SALT_VERSION_TOKEN, readOrCreateSalt } from "../../../functions/golden-mask/salt";

const SALT_ARN = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:data-platform-prod-golden-masking-salt-AbCdEf";
const smMock = mockClient(SecretsManagerClient);
const sm = new SecretsManagerClient({ region: "ap-northeast-1" });

/**
 * One secret's versions, as Secrets Manager keeps them. Each behaviour below is the documented one:
 * - GetSecretValue of a secret without an AWSCURRENT version: ResourceNotFoundException (GetSecretValue, Errors).
 * - PutSecretValue with a ClientRequestToken that is already a version id: nothing happens when the value is the
 *   same; ResourceExistsException when it differs ("you can't modify an existing version"; PutSecretValue).
 *   A new version becomes AWSCURRENT (PutSecretValue, VersionStages default).
 * - GetRandomPassword honours PasswordLength and ExcludePunctuation (GetRandomPassword API reference).
 */
class FakeSecret {
  readonly versions = new Map<string, string>();
  current: string | undefined;
  puts = 0;
  randoms = 0;
  constructor(initial?: string) {
    if (initial !== undefined) this.store("pulumi-created-version-0000000000000", initial);
  }
  private store(token: string, value: string) {
    this.versions.set(token, value);
    this.current = token;
  }
  install() {
    smMock.on(GetSecretValueCommand, { SecretId: SALT_ARN }).callsFake(() => {
      if (this.current === undefined) {
        throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT", $metadata: {} });
      }
      return { ARN: SALT_ARN, VersionId: this.current, SecretString: this.versions.get(this.current) };
    });
    smMock.on(PutSecretValueCommand, { SecretId: SALT_ARN }).callsFake((input: { ClientRequestToken: string; SecretString: string }) => {
      this.puts++;
      const existing = this.versions.get(input.ClientRequestToken);
      if (existing !== undefined && existing !== input.SecretString) {
        throw new ResourceExistsException({ message: "You can't modify an existing version, you can only create new versions.", $metadata: {} });
      }
      if (existing === undefined) this.store(input.ClientRequestToken, input.SecretString);
      return { ARN: SALT_ARN, VersionId: input.ClientRequestToken, VersionStages: ["AWSCURRENT"] };
    });
    smMock.on(GetRandomPasswordCommand).callsFake((input: { PasswordLength: number; ExcludePunctuation: boolean }) => {
      this.randoms++;
      const alphabet = input.ExcludePunctuation ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" : "abc!#$";
      const value = Array.from({ length: input.PasswordLength }, (_, i) => alphabet[(i * 7 + this.randoms * 13) % alphabet.length]).join("");
      return { RandomPassword: value };
    });
    return this;
  }
}

describe("golden-mask salt", () => {
  beforeEach(() => smMock.reset());

  it("has Secrets Manager generate the salt once, stores it under the fixed token, and reads it back", async () => {
    const secret = new FakeSecret().install();
    const salt = await readOrCreateSalt(sm, SALT_ARN);
    expect(salt).to.match(new RegExp(`^[A-Za-z0-9]{${SALT_LENGTH}}$`));
    expect([...secret.versions.keys()]).to.deep.equal([SALT_VERSION_TOKEN]);
    const request = smMock.commandCalls(GetRandomPasswordCommand)[0].args[0].input;
    expect(request).to.include({ PasswordLength: SALT_LENGTH, ExcludePunctuation: true });
    expect(await readOrCreateSalt(sm, SALT_ARN)).to.equal(salt);
    expect(secret.randoms, "a later run never generates another salt").to.equal(1);
  });

  it("keeps an existing salt (from an earlier deployment) and never writes", async () => {
    const secret = new FakeSecret("kept-from-before-0123456789").install();
    expect(await readOrCreateSalt(sm, SALT_ARN)).to.equal("kept-from-before-0123456789");
    expect(secret.puts + secret.randoms).to.equal(0);
  });

  it("uses the salt that another slice stored first when two first slices race", async () => {
    const secret = new FakeSecret().install();
    // The other slice generated and stored its salt between this slice's read and its write.
    let first = true;
    smMock.on(GetRandomPasswordCommand).callsFake(() => {
      if (first) {
        first = false;
        secret.versions.set(SALT_VERSION_TOKEN, "stored-by-the-other-slice-000000000000000000000");
        secret.current = SALT_VERSION_TOKEN;
      }
      return { RandomPassword: "generated-by-this-slice-0000000000000000000000000" };
    });
    expect(await readOrCreateSalt(sm, SALT_ARN)).to.equal("stored-by-the-other-slice-000000000000000000000");
    expect(smMock.commandCalls(PutSecretValueCommand)).to.have.length(1);
    expect([...secret.versions.values()]).to.deep.equal(["stored-by-the-other-slice-000000000000000000000"]);
  });

  it("passes on any other failure, without the value", async () => {
    smMock.on(GetSecretValueCommand).rejects(Object.assign(new Error("User is not authorized to perform secretsmanager:GetSecretValue"), { name: "AccessDeniedException" }));
    const err = await readOrCreateSalt(sm, SALT_ARN).then(
      () => expect.fail("expected a rejection"),
      (e: Error) => e,
    );
    expect(err.name).to.equal("AccessDeniedException");
    expect(smMock.commandCalls(PutSecretValueCommand)).to.have.length(0);
  });
});
