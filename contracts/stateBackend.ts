/**
 * Where a stack's Pulumi state lives: its own folder of an S3 DIY backend and its own `awskms://` key. One module
 * owns the layout, so the roles' policies, the workflows' backend URL and the checks across stacks all agree.
 *
 * A DIY backend keeps everything under `<bucket-path>/.pulumi/` (state, history, backups, locks): "Using a DIY
 * Backend", https://www.pulumi.com/docs/iac/operations/stack-management/using-a-diy-backend/ (`s3://<bucket-path>`).
 */

/** A stack's state location, as `data-platform:github` names it. */
export interface StateLocation {
  readonly bucket: string;
  /** Folder in the bucket, no leading or trailing `/`. */
  readonly prefix: string;
  readonly region: string;
  /** KMS key of the stack's `awskms://` secrets provider. */
  readonly keyArn: string;
}

/** `s3://<bucket>/<prefix>?region=<region>`: what `pulumi login` (and pulumi/actions' `cloud-url`) takes. */
export function stateBackendUrl(s: Pick<StateLocation, "bucket" | "prefix" | "region">): string {
  return `s3://${s.bucket}/${s.prefix}?region=${s.region}`;
}

/** Key prefix of every object the backend writes for this stack folder: `<prefix>/.pulumi/`. */
export function stateObjectsPrefix(prefix: string): string {
  return `${prefix}/.pulumi/`;
}

/** Key prefix of the backend's lock files, which a preview writes too: `<prefix>/.pulumi/locks/`. */
export function stateLocksPrefix(prefix: string): string {
  return `${stateObjectsPrefix(prefix)}locks/`;
}

/** `awskms:///<key ARN>?region=<key region>`: the secrets provider URL for `pulumi stack init --secrets-provider`. */
export function secretsProviderUrl(keyArn: string): string {
  const region = keyArn.split(":")[3];
  return `awskms:///${keyArn}?region=${region}`;
}

/**
 * Problems with the state locations of several stacks: two stacks must never share a key, and no stack's folder
 * may contain another's in the same bucket (its roles would reach the other's state).
 */
export function stateLocationProblems(stacks: ReadonlyArray<{ readonly stack: string; readonly state: StateLocation }>): string[] {
  const problems: string[] = [];
  for (let i = 0; i < stacks.length; i++) {
    for (let j = i + 1; j < stacks.length; j++) {
      const [a, b] = [stacks[i], stacks[j]];
      if (a.state.keyArn === b.state.keyArn) {
        problems.push(`stacks ${a.stack} and ${b.stack} share stateKeyArn ${a.state.keyArn}: give each stack its own key`);
      }
      if (a.state.bucket === b.state.bucket && nested(a.state.prefix, b.state.prefix)) {
        problems.push(
          `stacks ${a.stack} and ${b.stack} share state folder s3://${a.state.bucket}/${a.state.prefix === b.state.prefix ? a.state.prefix : `${a.state.prefix} and ${b.state.prefix}`}: give each stack its own statePrefix, neither inside the other`,
        );
      }
    }
  }
  return problems;
}

function nested(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
