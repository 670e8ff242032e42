/**
 * The stand-in app gets its database settings the way ECS gives them: the synthesized task
 * definition's `environment` and `secrets`, each secret resolved from SSM or Secrets Manager.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { appDatabaseSettings } from '../../stacks/app-database';
import { containerSettings, resolveSettings } from '../../scripts/lib/rehearsal/day/taskdef';
import { useMoto } from '../support/moto';

const moto = useMoto();
const REFS = { ssmArnPrefix: 'arn:aws:ssm:us-east-1:${aws_ecr_repository.r.registry_id}:parameter/vn/production/', appSecretArn: '${aws_secretsmanager_secret.app_1.arn}' };

/** A stack JSON holding one task definition with the app container at `stage`. */
function stackJson(stage: 'aws' | 'rds'): string {
  const db = appDatabaseSettings(stage, REFS);
  const container = { name: 'app', environment: [{ name: 'NODE_ENV', value: 'production' }, { name: 'BUCKET', value: '${aws_s3_bucket.b.bucket}' }, ...Object.entries(db.environment).map(([name, value]) => ({ name, value }))], secrets: db.secrets };
  const json = {
    resource: {
      aws_ecs_task_definition: { task: { family: 'vn-production-task', container_definitions: JSON.stringify([container]) } },
      aws_secretsmanager_secret: { app_1: { name: 'vn-production/app-database' } },
    },
  };
  const file = join(mkdtempSync(join(tmpdir(), 'vn-taskdef-')), 'cdk.tf.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

function clients() {
  const m = moto();
  const config = { region: 'us-east-1', endpoint: m.endpoint, credentials: { accessKeyId: m.clientEnv.AWS_ACCESS_KEY_ID, secretAccessKey: m.clientEnv.AWS_SECRET_ACCESS_KEY } };
  return { ssm: new SSMClient(config), secrets: new SecretsManagerClient(config) };
}

describe('task definition settings for the stand-in app', () => {
  it('resolves the web-stage settings from the SSM SOURCE_* parameters and leaves out plain values that are references', async () => {
    const c = clients();
    for (const [k, v] of Object.entries({ SOURCE_DATABASE_URL: 'postgres://u:p@h:5432/d', SOURCE_PGHOST: 'h', SOURCE_PGPORT: '5432', SOURCE_PGDATABASE: 'd', SOURCE_PGUSER: 'u', SOURCE_PGPASSWORD: 'p' })) {
      await c.ssm.send(new PutParameterCommand({ Name: `/vn/production/${k}`, Value: v, Type: 'SecureString', Overwrite: true }));
    }
    const file = stackJson('aws');
    const env = await resolveSettings(file, containerSettings(file, 'vn-production-task'), c);
    expect(env).toEqual({ NODE_ENV: 'production', PGSSLMODE: 'require', DATABASE_URL: 'postgres://u:p@h:5432/d', POSTGRES_URL: 'postgres://u:p@h:5432/d', PGHOST: 'h', PGPORT: '5432', PGDATABASE: 'd', PGUSER: 'u', PGPASSWORD: 'p' });
  });

  it('resolves the rds-stage settings from the keys of the app secret the stack names', async () => {
    const c = clients();
    const value = { url: 'postgres://app:s@rds:5432/venturenudge?sslmode=verify-full', host: 'rds', port: '5432', dbname: 'venturenudge', username: 'app', password: 's' };
    await c.secrets.send(new CreateSecretCommand({ Name: 'vn-production/app-database', SecretString: JSON.stringify(value) }));
    const file = stackJson('rds');
    const env = await resolveSettings(file, containerSettings(file, 'vn-production-task'), c);
    expect(env).toMatchObject({ DATABASE_URL: value.url, PGHOST: 'rds', PGUSER: 'app', PGPASSWORD: 's', PGSSLMODE: 'verify-full', NODE_EXTRA_CA_CERTS: '/app/certs/rds-global-bundle.pem' });
  });

  it('refuses to start a task whose parameter is missing, naming the parameter and the command that writes it', async () => {
    const file = stackJson('aws');
    const settings = containerSettings(file, 'vn-production-task');
    const one = { ...settings, secrets: [{ name: 'X', valueFrom: 'arn:aws:ssm:us-east-1:1:parameter/vn/production/NOT_WRITTEN' }] };
    await expect(resolveSettings(file, one, clients())).rejects.toThrow(/\/vn\/production\/NOT_WRITTEN.*source-params/);
  });
});
