/**
 * The app's access at each stage: the source URL split into the SSM SOURCE_* entries, and the
 * least-privilege role on RDS with its secret (the value the task reads at stage rds).
 */
import { Client } from 'pg';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readAppSecret, writeAppSecret } from '../../scripts/lib/aws/app-secret';
import { connect } from '../../scripts/lib/db/connection';
import { appSecretValue, ensureAppRole, sourceParameters } from '../../scripts/lib/db/sync/app-access';
import { SOURCE_PARAMETERS } from '../../stacks/app-database';
import { useMoto } from '../support/moto';
import { useClusters } from '../support/postgres';
import { shapeRds, type ShapedDatabase } from '../support/shapes';

const [rds] = useClusters(1);
const moto = useMoto();

test('the source URL becomes exactly the SSM entries the task reads at web stages', () => {
  const url = 'postgres://neon_user:s3cr%40t@ep-x.us-east-1.aws.neon.tech:5432/verceldb?sslmode=require';
  expect(sourceParameters(url)).toEqual({
    SOURCE_DATABASE_URL: url,
    SOURCE_PGHOST: 'ep-x.us-east-1.aws.neon.tech',
    SOURCE_PGPORT: '5432',
    SOURCE_PGDATABASE: 'verceldb',
    SOURCE_PGUSER: 'neon_user',
    SOURCE_PGPASSWORD: 's3cr@t',
  });
  expect(Object.keys(sourceParameters(url)).sort()).toEqual(Object.values(SOURCE_PARAMETERS).sort());
});

describe('the app role on RDS', () => {
  let admin: Client;
  let appUrl: string;
  let password: string;
  let master: ShapedDatabase;

  beforeAll(async () => {
    // As on RDS: the non-superuser master owns what the copy made, and makes the app role.
    master = await shapeRds(rds(), { database: 'venturenudge' });
    const url = master.url;
    await master.sql(`CREATE TABLE public.users (id bigserial PRIMARY KEY, email text); CREATE SCHEMA billing; CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount int)`);
    admin = await connect(url);
    const r = await ensureAppRole(admin, { role: 'app_test' });
    expect(r).toMatchObject({ created: true, schemas: ['billing', 'public'] });
    password = r.password!;
    appUrl = appSecretValue(url, 'app_test', password).url.replace('sslmode=verify-full', 'sslmode=disable');
  });
  afterAll(async () => {
    await admin?.end();
  });

  const asApp = async (sql: string) => {
    const c = new Client({ connectionString: appUrl });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  };

  test('reads and writes the migrated tables, sequences included', async () => {
    await asApp(`INSERT INTO public.users (email) VALUES ('a@example.com')`);
    await asApp(`INSERT INTO billing.invoices (amount) VALUES (5)`);
    expect(await asApp('SELECT count(*)::int AS n FROM public.users')).toEqual([{ n: 1 }]);
  });

  test('covers tables the owner creates later (default privileges)', async () => {
    await master.sql('CREATE TABLE public.later (id serial PRIMARY KEY)');
    await asApp('INSERT INTO public.later DEFAULT VALUES');
  });

  test('is not a superuser and may not create tables, databases or roles', async () => {
    const [role] = await rds().sql('postgres', `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication FROM pg_roles WHERE rolname = 'app_test'`);
    expect(role).toEqual({ rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false });
    await expect(asApp('CREATE TABLE public.nope (x int)')).rejects.toThrow(/permission denied/);
    await expect(asApp('DROP TABLE public.users')).rejects.toThrow(/must be owner/);
  });

  test('a second run keeps the password (never rotated under running tasks)', async () => {
    const again = await ensureAppRole(admin, { role: 'app_test' });
    expect(again).toMatchObject({ created: false, password: undefined });
    await asApp('SELECT 1');
  });

  test('the secret holds url, host, port, dbname, username, password with TLS verified', async () => {
    const sm = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto().endpoint, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
    try {
      await sm.send(new CreateSecretCommand({ Name: 'venture-nudge-test/app-database' }));
      expect(await readAppSecret(sm, 'venture-nudge-test/app-database')).toBeUndefined();
      const value = appSecretValue(rds().url('venturenudge'), 'app_test', password);
      await writeAppSecret(sm, 'venture-nudge-test/app-database', value);
      const stored = await readAppSecret(sm, 'venture-nudge-test/app-database');
      expect(Object.keys(stored!).sort()).toEqual(['dbname', 'host', 'password', 'port', 'url', 'username']);
      expect(stored).toMatchObject({ host: '127.0.0.1', dbname: 'venturenudge', username: 'app_test' });
      expect(stored!.url).toMatch(/^postgres:\/\/app_test:.+@127\.0\.0\.1:\d+\/venturenudge\?sslmode=verify-full$/);
    } finally {
      sm.destroy();
    }
  });
});
