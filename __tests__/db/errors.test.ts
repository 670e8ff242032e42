/**
 * Connection problems and refusals: each is one line naming the problem and the fix, and
 * nothing is written. The cluster serves TLS with a self-signed certificate for the sslmode tests.
 * The databases are provider-shaped (../support/shapes.ts): the source owned by Vercel's
 * non-superuser app user, the target by RDS's non-superuser master user.
 */
import { connect, maskUrl, MigrationError, parseUrl, redactSecrets, resolveUrl } from '../../scripts/lib/db/connection';
import { copyDatabase } from '../../scripts/lib/db/copy/index';
import { freePort, PASSWORD, useClusters } from '../support/postgres';
import { ShapedDatabase, shapeRds, shapeVercel } from '../support/shapes';
import { relationCount } from './fixture';

const [cluster] = useClusters(1, { ssl: true });
let source: ShapedDatabase;
let target: ShapedDatabase;
let src: string;
let dst: string;

beforeAll(async () => {
  source = await shapeVercel(cluster(), { database: 'src' });
  await source.sql('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)');
  target = await shapeRds(cluster(), { database: 'dst' });
  src = source.url;
  dst = target.url;
});

async function copyError(from: string, to: string): Promise<MigrationError> {
  try {
    await copyDatabase({ from, to });
  } catch (err) {
    return err as MigrationError;
  }
  throw new Error('copy unexpectedly succeeded');
}

function expectOneCleanLine(err: Error) {
  expect(err).toBeInstanceOf(MigrationError);
  expect(err.message).not.toContain('\n');
  expect(err.message).not.toContain(PASSWORD);
  expect(err.message).not.toContain(encodeURIComponent(PASSWORD));
}

test('a wrong password names the user and the fix, and writes nothing', async () => {
  const bad = dst.replace(encodeURIComponent(PASSWORD), 'wrong-secret');
  const err = await copyError(src, bad);
  expectOneCleanLine(err);
  expect(err.message).toMatch(/^target database: password authentication failed for user "venturenudge_admin" at 127\.0\.0\.1:\d+: check the password/);
  expect(err.message).not.toContain('wrong-secret');
  expect(await relationCount(cluster(), 'dst')).toBe(0);
});

test('an unreachable host says so and names host and port', async () => {
  const port = await freePort();
  const err = await copyError(src, `postgres://venturenudge_admin:x@127.0.0.1:${port}/dst`);
  expectOneCleanLine(err);
  expect(err.message).toBe(`target database: cannot reach 127.0.0.1:${port} (connection refused): check the host and port in the URL and that the server is running`);
});

test('a missing database names the database and how to create it', async () => {
  const err = await copyError(source.urlOf('nope'), dst);
  expectOneCleanLine(err);
  expect(err.message).toMatch(/^source database: database "nope" does not exist on 127\.0\.0\.1:\d+: create it \(CREATE DATABASE "nope"\)/);
});

test('--from equal to --to is refused before connecting, also through a host alias', async () => {
  const err = await copyError(src, src);
  expectOneCleanLine(err);
  expect(err.message).toMatch(/^--from and --to name the same database \(127\.0\.0\.1:\d+\/src\): point --to at the new database$/);
  const alias = await copyError(src, src.replace('127.0.0.1', 'localhost').replace('/src', '/src?application_name=x'));
  expect(alias.message).toMatch(/same database/);
  expect(Number((await cluster().sql('src', 'SELECT count(*) AS n FROM t'))[0].n)).toBe(1);
});

test('a non-empty target is refused with the --force hint, nothing written', async () => {
  await target.sql('CREATE TABLE existing (id int)');
  try {
    const err = await copyError(src, dst);
    expectOneCleanLine(err);
    expect(err.phase).toBe('preflight');
    expect(err.message).toMatch(/target database 127\.0\.0\.1:\d+\/dst is not empty .*pass --force/);
    expect(await relationCount(cluster(), 'dst')).toBe(1);
  } finally {
    await target.sql('DROP TABLE existing');
  }
});

test('a missing URL names the environment variable and the flags', () => {
  expect(() => resolveUrl({ defaultEnv: 'SOURCE_DATABASE_URL', role: 'source', flags: ['--from', '--from-env'] }, {})).toThrow(
    'no source database URL: set SOURCE_DATABASE_URL, name another variable with --from-env NAME, or pass --from <url>',
  );
  expect(resolveUrl({ env: 'VERCEL_DATABASE_URL', defaultEnv: 'X', role: 'source', flags: ['--from', '--from-env'] }, { VERCEL_DATABASE_URL: 'postgres://a@b/c' })).toBe(
    'postgres://a@b/c',
  );
});

test('passwords are masked in URLs and in any text', () => {
  expect(maskUrl('postgres://app:s3cr%40t@db.example.com:5432/app?sslmode=require')).toBe('postgres://app:***@db.example.com:5432/app?sslmode=require');
  expect(redactSecrets('failed: postgres://app:s3cr%40t@h/db and s3cr@t', ['postgres://app:s3cr%40t@h/db'])).toBe('failed: postgres://app:***@h/db and ***');
});

test('a password that is part of the user name is masked only where it stands alone', () => {
  expect(redactSecrets('role plainadmin failed with plain', ['postgres://plainadmin:plain@h/db'])).toBe('role plainadmin failed with ***');
});

describe('a password with characters a URL reserves', () => {
  test.each([
    ['#', 'postgres://app:pa#ss@db.example.com:5432/app', '"#"'],
    ['/ (a digits-only start still parses as a port)', 'postgres://app:12/x@db.example.com/app', '"/"'],
  ])('%s: the error says to percent-encode it and never shows it', (_, url, named) => {
    let message = '';
    try {
      parseUrl(url, 'source');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`holds ${named}`);
    expect(message).toContain('percent-encode the password');
    expect(message).not.toMatch(/pa#ss|12\/x/);
  });

  test('"@" and ":" need no encoding: the URL parser keeps them in the password', () => {
    expect(parseUrl('postgres://app:a@b:c@db.example.com/app', 'source')).toMatchObject({ host: 'db.example.com', user: 'app', password: 'a@b:c', database: 'app' });
  });
});

describe('sslmode as libpq', () => {
  const ssl = async (client: Awaited<ReturnType<typeof connect>>) =>
    (await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl as boolean;

  test('require encrypts without verifying the self-signed certificate', async () => {
    const c = await connect(source.urlOf('src', 'sslmode=require'));
    expect(await ssl(c)).toBe(true);
    await c.end();
  });

  test('verify-full rejects a certificate it cannot verify, with the fix', async () => {
    await expect(connect(source.urlOf('src', 'sslmode=verify-full'), { role: 'source' })).rejects.toThrow(
      /^source database: TLS certificate of 127\.0\.0\.1:\d+ failed verification \(\w+\) under sslmode=verify-full: add sslrootcert=<CA file>/,
    );
  });

  test('verify-full accepts the certificate when sslrootcert names its CA', async () => {
    const c = await connect(source.urlOf('src', `sslmode=verify-full&sslrootcert=${encodeURIComponent(cluster().certFile!)}`));
    expect(await ssl(c)).toBe(true);
    await c.end();
  });

  test('disable connects in plain text', async () => {
    const c = await connect(source.urlOf('src', 'sslmode=disable'));
    expect(await ssl(c)).toBe(false);
    await c.end();
  });
});
