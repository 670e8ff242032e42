/**
 * The stand-in app of the migration-day rehearsal: a small node:http server doing what the real
 * app does to its database (signups, plans, chat messages), started as its own process the way
 * a task starts:
 *
 *   node -r ts-node/register/transpile-only scripts/lib/rehearsal/day/app.ts
 *
 * Environment (as the container gets it): DATABASE_URL (the task definition's secret, or the
 * Vercel deployment's POSTGRES_URL), PORT, and for the ledger VN_APP_NAME and VN_LEDGER.
 *
 *   POST /api/signup            {email}             -> INSERT INTO signups
 *   POST /api/plans             {signupId, title}   -> INSERT INTO plans
 *   POST /api/chat              {planId, body}      -> INSERT INTO chat_messages
 *   GET  /api/chat?planId=n                         -> the plan's last 20 messages
 *   GET  /api/health                                -> {"status":"healthy","database":"connected"} once a SELECT 1 answered
 *
 * Every acknowledged write is appended to the ledger (one JSON line: id, table, rid, at, app,
 * db = "<server address>:<port>/<database>" as the server that committed it reported it) before
 * the answer is sent; a refused write is appended too (ok false, with the error). The ledger is
 * what the rehearsal judges, never the toolkit's own verification.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

/** One ledger line. */
export interface LedgerEntry {
  readonly ok: boolean;
  readonly table: AppTable;
  /** Primary key the database gave the row (acknowledged writes). */
  readonly id?: number;
  /** Request id written into the row, so the row can be found again whatever its id. */
  readonly rid: string;
  /** Milliseconds since the epoch, when the answer was known. */
  readonly at: number;
  /** The app process (vercel, aws-1, rds-2, ...). */
  readonly app: string;
  /** inet_server_addr():inet_server_port()/current_database() of the committing server. */
  readonly db?: string;
  readonly error?: string;
}

export const APP_TABLES = ['signups', 'plans', 'chat_messages'] as const;
export type AppTable = (typeof APP_TABLES)[number];

/** The app's schema, created on the source before the day (as the app's own migrations would). */
export const APP_SCHEMA = `
CREATE TABLE IF NOT EXISTS signups (id bigserial PRIMARY KEY, rid uuid NOT NULL UNIQUE, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS plans (id bigserial PRIMARY KEY, rid uuid NOT NULL UNIQUE, signup_id bigint REFERENCES signups(id), title text NOT NULL, tier text NOT NULL DEFAULT 'free', created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS chat_messages (id bigserial PRIMARY KEY, rid uuid NOT NULL UNIQUE, plan_id bigint REFERENCES plans(id), body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS chat_messages_plan ON chat_messages (plan_id, id);
`;

const WHERE = `host(inet_server_addr()) || ':' || inet_server_port() || '/' || current_database() AS db`;

const INSERTS: Record<AppTable, (b: Record<string, unknown>, rid: string) => [string, unknown[]]> = {
  signups: (b, rid) => [`INSERT INTO signups (rid, email) VALUES ($1, $2) RETURNING id, ${WHERE}`, [rid, String(b.email ?? `${rid}@example.test`)]],
  plans: (b, rid) => [
    `INSERT INTO plans (rid, signup_id, title) VALUES ($1, (SELECT id FROM signups WHERE id <= $2 ORDER BY id DESC LIMIT 1), $3) RETURNING id, ${WHERE}`,
    [rid, Number(b.signupId ?? 0) || Number.MAX_SAFE_INTEGER, String(b.title ?? 'plan')],
  ],
  chat_messages: (b, rid) => [
    `INSERT INTO chat_messages (rid, plan_id, body) VALUES ($1, (SELECT id FROM plans WHERE id <= $2 ORDER BY id DESC LIMIT 1), $3) RETURNING id, ${WHERE}`,
    [rid, Number(b.planId ?? 0) || Number.MAX_SAFE_INTEGER, String(b.body ?? 'hello')],
  ],
};

const ROUTES: Record<string, AppTable> = { '/api/signup': 'signups', '/api/plans': 'plans', '/api/chat': 'chat_messages' };

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((done) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      try {
        done(text ? (JSON.parse(text) as Record<string, unknown>) : {});
      } catch {
        done({});
      }
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface AppOptions {
  readonly databaseUrl: string;
  readonly port: number;
  readonly app: string;
  readonly ledger: string;
}

/** Starts the server; resolves with a function that closes it. */
export async function startApp(o: AppOptions): Promise<{ port: number; close(): Promise<void> }> {
  // Short connection lifetimes are the app's own choice: a pool that outlives a freeze keeps
  // failing until its sessions are replaced (the freeze ends them anyway).
  const pool = new Pool({ connectionString: o.databaseUrl, max: 4, idleTimeoutMillis: 2000, connectionTimeoutMillis: 3000, application_name: `stand-in app ${o.app}` });
  pool.on('error', () => undefined);
  const record = (e: LedgerEntry) => appendFileSync(o.ledger, `${JSON.stringify(e)}\n`);
  const write = async (table: AppTable, body: Record<string, unknown>, res: ServerResponse) => {
    const rid = randomUUID();
    const [sql, values] = INSERTS[table](body, rid);
    try {
      const r = await pool.query<{ id: string; db: string }>(sql, values);
      record({ ok: true, table, id: Number(r.rows[0].id), rid, at: Date.now(), app: o.app, db: r.rows[0].db });
      send(res, 201, { id: Number(r.rows[0].id), rid, db: r.rows[0].db });
    } catch (err) {
      const message = (err as Error).message;
      record({ ok: false, table, rid, at: Date.now(), app: o.app, error: message });
      send(res, 503, { error: message });
    }
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    const table = ROUTES[url.pathname];
    if (req.method === 'POST' && table) {
      void readBody(req).then((b) => write(table, b, res));
    } else if (req.method === 'GET' && url.pathname === '/api/chat') {
      pool
        .query('SELECT id, body FROM chat_messages WHERE plan_id = $1 ORDER BY id DESC LIMIT 20', [Number(url.searchParams.get('planId') ?? 0)])
        .then((r) => send(res, 200, { messages: r.rows }), (err: Error) => send(res, 503, { error: err.message }));
    } else if (req.method === 'GET' && url.pathname === '/api/health') {
      pool.query(`SELECT ${WHERE}`).then((r) => send(res, 200, { status: 'healthy', database: 'connected', app: o.app, db: r.rows[0].db }), (err: Error) => send(res, 503, { status: 'unhealthy', database: 'disconnected', error: err.message }));
    } else {
      send(res, 404, { error: 'not found' });
    }
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(o.port, '127.0.0.1', () => done());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      await pool.end().catch(() => undefined);
    },
  };
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) {
    process.stderr.write(`error: ${name} is not set: the stand-in app reads it from its task definition's settings (scripts/lib/rehearsal/day/taskdef.ts)\n`);
    process.exit(1);
  }
  return v;
}

if (require.main === module) {
  const app = required('VN_APP_NAME');
  startApp({ databaseUrl: required('DATABASE_URL'), port: Number(required('PORT')), app, ledger: required('VN_LEDGER') }).then(
    (s) => {
      process.stderr.write(`stand-in app ${app} listening on 127.0.0.1:${s.port}\n`);
      const stop = () => void s.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: Error) => {
      process.stderr.write(`error: stand-in app ${app} could not start: ${err.message}\n`);
      process.exit(1);
    },
  );
}
