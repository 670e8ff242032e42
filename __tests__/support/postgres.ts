/**
 * Throwaway PostgreSQL clusters for the db tests, from the PostgreSQL 15 binaries.
 *
 *   const clusters = useClusters(2);            // in a describe/file: started in beforeAll,
 *   const url = await clusters[0]().createDatabase('copy_src'); // stopped+removed in afterAll
 *
 * Each cluster lives in its own temp dir, listens on a free 127.0.0.1 port with its socket in
 * that dir, uses scram-sha-256 password auth (so wrong passwords are really refused) and runs
 * with fsync=off for speed. When the tests run as root, initdb/pg_ctl run as the `postgres` user.
 */
import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../scripts/lib/proc/net';

export { freePort };

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const SUPERUSER = 'postgres';
export const PASSWORD = 'pw-Test#1';

/**
 * Durable server settings, as a real target has them (the tests' clusters run with fsync off),
 * with a larger WAL so checkpoints do not dominate: the benchmarks' clusters.
 */
export const DURABLE_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  shared_buffers: '256MB',
  max_wal_size: '4GB',
  checkpoint_timeout: '30min',
  max_connections: '60',
};

export interface ClusterOptions {
  /** Serve TLS with a fresh self-signed certificate for 127.0.0.1. @default false */
  readonly ssl?: boolean;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface Cluster {
  readonly port: number;
  readonly dir: string;
  /** PEM file of the server certificate when started with ssl. */
  readonly certFile?: string;
  /** URL of a database as the superuser (password included). */
  url(database?: string, params?: string): string;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL as the superuser in a database. */
  sql(database: string, text: string, values?: unknown[]): Promise<Record<string, any>[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  stop(): void;
}


function asOwner(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', SUPERUSER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', SUPERUSER]).toString().trim());
  return { uid, gid };
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions): void {
  const r = spawnSync(cmd, args, { ...opts, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
}

const live = new Set<Cluster>();
process.on('exit', () => {
  for (const c of live) c.stop();
});

/** Starts a cluster; call stop() when done (useClusters does it for you). */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'vn-pg-'));
  const owner = asOwner();
  const chown = (p: string) => owner.uid !== undefined && chownSync(p, owner.uid, owner.gid!);
  chown(dir);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, PASSWORD + '\n', { mode: 0o600 });
  chown(pwfile);
  const spawnOpts: SpawnSyncOptions = { ...owner, cwd: dir, env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } };
  run(join(PG_BIN, 'initdb'), ['-D', data, '-U', SUPERUSER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '-N'], spawnOpts);
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '50',
    shared_buffers: '32MB',
    ...options.settings,
  };
  let certFile: string | undefined;
  if (options.ssl) {
    certFile = join(dir, 'server.crt');
    const keyFile = join(dir, 'server.key');
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir });
    chmodSync(keyFile, 0o600);
    chown(keyFile);
    chown(certFile);
    Object.assign(settings, { ssl: 'on', ssl_cert_file: certFile, ssl_key_file: keyFile });
  }
  const port = await freePort();
  settings.port = String(port);
  const opts = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start'], spawnOpts);
  let stopped = false;
  const url = (database = 'postgres', params = '') =>
    `postgres://${SUPERUSER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${database}${params ? `?${params}` : ''}`;
  const cluster: Cluster = {
    port,
    dir,
    certFile,
    url,
    async createDatabase(name) {
      await cluster.sql('postgres', `CREATE DATABASE "${name}"`);
      return url(name);
    },
    async sql(database, text, values) {
      const client = new Client({ connectionString: url(database), ssl: false });
      await client.connect();
      try {
        return (await client.query(text, values as unknown[])).rows;
      } finally {
        await client.end();
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      live.delete(cluster);
      spawnSync(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...spawnOpts, stdio: 'ignore' });
      try {
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(cluster);
  return cluster;
}

/**
 * Registers beforeAll/afterAll hooks that start `count` clusters and always stop them.
 * Returns getters, valid inside tests.
 */
export function useClusters(count: number, options: ClusterOptions = {}): (() => Cluster)[] {
  const started: Cluster[] = [];
  beforeAll(async () => {
    for (let i = 0; i < count; i++) started.push(await startCluster(options));
  }, 60000);
  afterAll(() => {
    for (const c of started) c.stop();
  });
  return Array.from({ length: count }, (_, i) => () => {
    const c = started[i];
    if (!c) throw new Error('cluster not started (beforeAll failed?)');
    return c;
  });
}
