/**
 * The app role's Secrets Manager secret (created empty by the stack, see stacks/database.ts):
 * read its current JSON, write a new version. Values are never logged.
 */
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The secret's JSON, or undefined when it has no value yet. */
export async function readAppSecret(client: SecretsManagerClient, secretId: string): Promise<Record<string, string> | undefined> {
  try {
    const r = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    return r.SecretString ? (JSON.parse(r.SecretString) as Record<string, string>) : undefined;
  } catch (err) {
    if (err instanceof ResourceNotFoundException && /value|version|AWSCURRENT/i.test(err.message)) return undefined;
    if (err instanceof ResourceNotFoundException) throw new Error(`secret ${secretId} does not exist: apply the stack first (it creates <app>-<env>/app-database)`);
    throw err;
  }
}

export async function writeAppSecret(client: SecretsManagerClient, secretId: string, value: Record<string, string>): Promise<void> {
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(value) }));
}
