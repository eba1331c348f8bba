/**
 * The masking salt: a Secrets Manager secret that the stack creates empty, so that its value never passes through
 * Pulumi (not in the program, not in the state, not in a preview). The first slice that finds it empty has
 * Secrets Manager generate a value and stores it as the one version with a fixed ClientRequestToken; every later
 * slice, and every later day, reads that version. The salt is stable, so masked values join from one day to the next.
 */
import {
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";

/**
 * VersionId of the salt's first and only generated version. PutSecretValue with a token that is already a version
 * id and the same value does nothing; with a different value it fails with ResourceExistsException ("you can't
 * modify an existing version", PutSecretValue API reference). Two racing first slices therefore store one salt.
 */
export const SALT_VERSION_TOKEN = "9f4c2b7e-3d1a-4e8f-b6c5-0a2d7e1f3b94";

/** Characters of the generated salt: letters and digits only, so that no shell or SQL quoting ever matters. */
export const SALT_LENGTH = 48;

/** The salt failed to be read or created. Never carries the value. */
export class SaltError extends Error {
  override readonly name = "SaltError";
}

async function currentValue(sm: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  try {
    return (await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (err) {
    // A secret created without a value has no AWSCURRENT version: GetSecretValue answers ResourceNotFoundException
    // (GetSecretValue API reference, Errors). A missing secret answers the same; PutSecretValue then fails too.
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

/** The salt's value; generates and stores it first when the secret has none yet. */
export async function readOrCreateSalt(sm: SecretsManagerClient, secretId: string): Promise<string> {
  const existing = await currentValue(sm, secretId);
  if (existing) return existing;
  const generated = (
    await sm.send(new GetRandomPasswordCommand({ PasswordLength: SALT_LENGTH, ExcludePunctuation: true, IncludeSpace: false }))
  ).RandomPassword;
  if (!generated) throw new SaltError("Secrets Manager returned no random password for the masking salt");
  try {
    await sm.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: SALT_VERSION_TOKEN, SecretString: generated }));
  } catch (err) {
    // Another slice stored its salt first: that one is the salt.
    if (!(err instanceof ResourceExistsException)) throw err;
  }
  const stored = await currentValue(sm, secretId);
  if (!stored) throw new SaltError(`the masking salt ${secretId} has no value after it was stored`);
  return stored;
}
