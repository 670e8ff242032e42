/**
 * The app container's settings as ECS would hand them to a task: the `environment` and
 * `secrets` of the synthesized task definition (cdktf.out/stacks/<env>/cdk.tf.json), each
 * secret resolved the way the ECS agent resolves it, from SSM Parameter Store (a parameter ARN)
 * or Secrets Manager (`<secret ARN>:<json key>::`), here against moto.
 *
 * The synthesized JSON still holds Terraform references where an ARN has an account id or a
 * resource's ARN: a parameter ARN is resolved by its name (the part after `:parameter`), a
 * secret reference `${aws_secretsmanager_secret.<name>.arn}` by that resource's `name` in the
 * same JSON. Plain values that are references (ASSETS_BUCKET) are left out.
 */
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

export interface ContainerSettings {
  /** Task definition family (e.g. venture-nudge-production-task). */
  readonly family: string;
  /** Plain environment, without values that are Terraform references. */
  readonly environment: Record<string, string>;
  readonly secrets: { readonly name: string; readonly valueFrom: string }[];
}

interface ContainerDefinition {
  name: string;
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
}

/** The `container` of the task definition whose family is `family`, from a synthesized stack JSON. */
export function containerSettings(stackJsonFile: string, family: string, container = 'app'): ContainerSettings {
  const json = JSON.parse(readFileSync(stackJsonFile, 'utf8')) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const defs = Object.values(json.resource?.aws_ecs_task_definition ?? {});
  const def = defs.find((d) => d.family === family);
  if (!def) throw new Error(`${stackJsonFile} has no aws_ecs_task_definition with family ${family} (families: ${defs.map((d) => d.family).join(', ')})`);
  const c = (JSON.parse(String(def.container_definitions)) as ContainerDefinition[]).find((x) => x.name === container);
  if (!c) throw new Error(`task definition ${family} has no container named ${container}`);
  const environment = Object.fromEntries((c.environment ?? []).filter((e) => !e.value.includes('${')).map((e) => [e.name, e.value]));
  return { family, environment, secrets: c.secrets ?? [] };
}

/** Name of the Secrets Manager secret a `${aws_secretsmanager_secret.<id>.arn}` reference points at, from the same JSON. */
function secretNameOf(stackJsonFile: string, reference: string): string {
  const m = /^\$\{aws_secretsmanager_secret\.([^.}]+)\.arn\}$/.exec(reference);
  if (!m) return reference; // already an ARN or a name
  const json = JSON.parse(readFileSync(stackJsonFile, 'utf8')) as { resource?: Record<string, Record<string, { name?: string }>> };
  const name = json.resource?.aws_secretsmanager_secret?.[m[1]]?.name;
  if (!name) throw new Error(`${stackJsonFile}: aws_secretsmanager_secret.${m[1]} has no literal name to look the secret up by`);
  return name;
}

export interface ResolveClients {
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
}

/**
 * Resolves every secret of the container as the ECS agent does before it starts the task; a
 * missing parameter, secret or JSON key fails the start (as it fails a task), naming it.
 */
export async function resolveSettings(stackJsonFile: string, settings: ContainerSettings, clients: ResolveClients): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...settings.environment };
  const secretJson = new Map<string, Record<string, string>>();
  for (const s of settings.secrets) {
    const param = /^arn:aws:ssm:[^:]*:[^:]*:parameter(\/.+)$/.exec(s.valueFrom);
    if (param) {
      try {
        const r = await clients.ssm.send(new GetParameterCommand({ Name: param[1], WithDecryption: true }));
        env[s.name] = r.Parameter?.Value ?? '';
      } catch (e) {
        throw new Error(`task ${settings.family}: secret ${s.name} reads SSM parameter ${param[1]}, which cannot be read (${(e as Error).name}): fill it first (db:sync source-params, env:sync)`);
      }
      continue;
    }
    // <secret ARN or reference>:<json key>:<version stage>:<version id>
    const m = /^(.*):([^:]+):([^:]*):([^:]*)$/.exec(s.valueFrom);
    if (!m) throw new Error(`task ${settings.family}: secret ${s.name} has a valueFrom the rehearsal cannot read: ${s.valueFrom}`);
    const name = secretNameOf(stackJsonFile, m[1]);
    if (!secretJson.has(name)) {
      try {
        const r = await clients.secrets.send(new GetSecretValueCommand({ SecretId: name }));
        secretJson.set(name, JSON.parse(r.SecretString ?? '{}') as Record<string, string>);
      } catch (e) {
        throw new Error(`task ${settings.family}: secret ${s.name} reads Secrets Manager secret ${name}, which cannot be read (${(e as Error).name}): run db:sync app-role first`);
      }
    }
    const value = secretJson.get(name)![m[2]];
    if (value === undefined) throw new Error(`task ${settings.family}: secret ${name} has no JSON key ${m[2]} (for ${s.name})`);
    env[s.name] = String(value);
  }
  return env;
}
