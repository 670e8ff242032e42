/**
 * Starts a local AWS API (moto 5.2.1) on a free loopback port and stops it by
 * its process group in every outcome: `stop()`, an exception in `withMoto`,
 * SIGINT / SIGTERM, or the Node process exiting (the process layer,
 * scripts/lib/proc/, registers the group).
 *
 * By default the server is `scripts/lib/rehearsal/moto_patched.py`, moto's own server
 * after a few documented patches that fill gaps in the emulator (see
 * MOTO_PATCHES); `patched: false` runs plain `python3 -m moto.server`.
 * The server's output goes to `<logDir>/moto-<port>.log`.
 *
 * Used by the env-sync tests, the rehearsal tests and `npm run rehearse`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { request } from 'http';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { freePort } from '../proc/net';
import { runProcess, RunningProcess, startProcess } from '../proc/run';

export { freePort };

/** Environment moto needs for this stack (certificates issue at once; IAM knows the AWS managed policies). */
export const MOTO_ENV: Readonly<Record<string, string>> = {
  MOTO_ACM_VALIDATION_WAIT: '0',
  MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
};

/** The emulator gaps moto_patched.py fills, with what each patch does (printed in the rehearsal verdict). */
export const MOTO_PATCHES: Readonly<Record<string, string>> = {
  'appautoscaling-tags':
    'application-autoscaling TagResource/UntagResource/ListTagsForResource answered from a tag store (moto: NotImplemented -> HTTP 500, provider retries 10+ min); RegisterScalableTarget keeps its Tags',
  'budgets-subscribers': 'budgets DescribeSubscribersForNotification answered from the stored notification (moto: NotImplemented)',
  'budgets-update': 'budgets UpdateBudget replaces the budget and keeps its notifications (moto: NotImplemented -> HTTP 500; a stage that changes the stack\'s own estimate updates the limit)',
  'budgets-tags': 'budgets TagResource/UntagResource/ListTagsForResource answered from a tag store; CreateBudget keeps ResourceTags (moto: NotImplemented)',
  'ecs-service-echo': 'ECS CreateService keeps request fields moto does not model (availabilityZoneRebalancing, ...) so DescribeServices echoes them',
  'cloudfront-echo': 'CloudFront returns ForwardedValues only when sent, and CloudFrontDefaultCertificate/SSLSupportMethod as sent for an ACM certificate',
  'ec2-rule-descriptions': 'DescribeSecurityGroupRules returns the description of rules whose source is a security group or prefix list (moto drops it)',
  'rds-unique-resource-id': 'RDS gives each DB instance its own DbiResourceId (moto: one hard-coded id for all, so with both stacks on one moto the provider finds two instances and fails)',
  'rds-monitoring-echo': 'RDS DescribeDBInstances returns MonitoringInterval, MonitoringRoleArn and the Performance Insights settings as set (moto drops them)',
  'rds-parameter-source': 'RDS DescribeDBParameters reports parameters set on a group with Source=user (moto omits it, so the provider ignores them) and honours the Source filter',
  'rds-adjacent-windows': 'RDS accepts a backup window that ends when the maintenance window starts (moto: rejected as overlapping; AWS accepts it)',
  'iam-evaluation':
    "IAM policies evaluated with Resource, NotResource and the condition keys moto can know (aws:RequestedRegion, iam:PermissionsBoundary, the OIDC token's claims); CloudWatch, budgets and some S3 calls checked under their IAM action names; AssumeRoleWithWebIdentity unsigned and checked against the role's trust. Keys moto cannot know (tags, iam:PassedToService, s3:prefix) and the Resource of an Allow where moto cannot name the resource favour the caller",
};

/** moto_patched.py, found next to this file or (when running from dist/) in the source tree. */
export const PATCHED_SERVER = [join(__dirname, 'moto_patched.py'), resolve(__dirname, '../../../../scripts/lib/rehearsal/moto_patched.py')].find((p) => existsSync(p)) ?? join(__dirname, 'moto_patched.py');

/** Fake static credentials pointing the AWS SDK and the provider at nothing real. */
export const FAKE_AWS_KEYS: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'AKIAREHEARSAL0000000',
  AWS_SECRET_ACCESS_KEY: 'rehearsal-fake-secret-not-a-key',
  // A real session token from the caller's environment must not travel with the fake keys.
  AWS_SESSION_TOKEN: '',
  AWS_EC2_METADATA_DISABLED: 'true',
};

export interface MotoOptions {
  /** Folder for the server log (created). @default a folder under the OS temp dir */
  readonly logDir?: string;
  /** Run moto_patched.py (true) or plain `python3 -m moto.server` (false). @default true */
  readonly patched?: boolean;
  /** Port; picked free on 127.0.0.1 when omitted. */
  readonly port?: number;
  /** Seconds to wait for the server to answer. @default 60 */
  readonly startTimeoutSeconds?: number;
  /** Python interpreter. @default $VN_PYTHON or "python3" */
  readonly python?: string;
}

export interface MotoServer {
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  /** Path of the server's log file. */
  readonly logFile: string;
  /** Environment for an AWS SDK / terraform client that should talk to this server (fake keys, AWS_ENDPOINT_URL). */
  readonly clientEnv: Readonly<Record<string, string>>;
  /** Last lines of the server log. */
  logTail(lines?: number): string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s); resolves when it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/moto-api/', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      done(true);
    });
    req.on('error', () => done(false));
    req.on('timeout', () => {
      req.destroy();
      done(false);
    });
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Starts moto and resolves once it answers HTTP; rejects (with the log tail) if it exits or does not answer in time. */
export async function startMoto(opts: MotoOptions = {}): Promise<MotoServer> {
  const port = opts.port ?? (await freePort());
  const logDir = resolve(opts.logDir ?? join(tmpdir(), 'venture-nudge-moto'));
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `moto-${port}.log`);
  writeFileSync(logFile, '');
  const python = opts.python ?? process.env.VN_PYTHON ?? 'python3';
  const args = opts.patched === false ? ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)] : [PATCHED_SERVER, '-H', '127.0.0.1', '-p', String(port)];
  let child: RunningProcess;
  try {
    // Output goes straight into the log file. stop(): SIGTERM, then SIGKILL after 5 s; an interrupt
    // or exit of Node: SIGKILL at once (moto keeps its state in memory only, nothing to save).
    child = await startProcess(python, args, {
      env: { ...process.env, ...MOTO_ENV, PYTHONUNBUFFERED: '1' },
      logFile,
      capture: false,
      stopSignal: 'SIGTERM',
      killAfterSeconds: 5,
      interruptSignal: 'SIGKILL',
    });
  } catch (e) {
    throw new Error(`cannot start moto with ${python} (${(e as Error).message}); is moto installed (pip install "moto[server]==5.2.1")?`);
  }
  const pid = child.pid;
  const stop = async (): Promise<void> => {
    await child.stop();
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const server: MotoServer = {
    pid,
    port,
    endpoint,
    logFile,
    clientEnv: { ...FAKE_AWS_KEYS, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint },
    logTail: (lines = 40) => tail(logFile, lines),
    stop,
  };

  const deadline = Date.now() + (opts.startTimeoutSeconds ?? 60) * 1000;
  for (;;) {
    if (child.exited) {
      const { code } = await child.done;
      throw new Error(`moto exited before answering (exit ${code}); log ${logFile}:\n${tail(logFile, 20)}`);
    }
    if (await answers(port)) return server;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto did not answer on ${endpoint} within ${opts.startTimeoutSeconds ?? 60} s; log ${logFile}:\n${tail(logFile, 20)}`);
    }
    await sleep(200);
  }
}

/** Runs `fn` with a moto server and stops the server afterwards, whatever happens. */
export async function withMoto<T>(fn: (moto: MotoServer) => Promise<T>, opts: MotoOptions = {}): Promise<T> {
  const moto = await startMoto(opts);
  try {
    return await fn(moto);
  } finally {
    await moto.stop();
  }
}

/** Patches moto_patched.py reports as applied (`--list-patches`); empty when plain moto would be used. */
export async function appliedPatches(python = process.env.VN_PYTHON ?? 'python3'): Promise<string[]> {
  const r = await runProcess(python, [PATCHED_SERVER, '--list-patches'], { timeoutSeconds: 60 });
  if (r.code !== 0) throw new Error(`moto_patched.py --list-patches failed:\n${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** AWS credentials as environment variables (an empty AWS_SESSION_TOKEN for long-term keys). */
export type CredentialEnv = Readonly<{ AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_SESSION_TOKEN: string }>;

/**
 * POSTs a query-protocol call to moto unsigned and returns the XML body; rejects on a non-2xx
 * answer with moto's message. moto routes by the credential scope of the Authorization header:
 * with `service`, a placeholder one (only valid while moto authorizes nothing).
 */
function motoQuery(endpoint: string, params: Record<string, string>, service?: string): Promise<string> {
  const body = new URLSearchParams(params).toString();
  const url = new URL(endpoint);
  return new Promise((done, fail) => {
    const req = request({ host: url.hostname, port: url.port, path: '/', method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), ...(service ? { Authorization: `AWS4-HMAC-SHA256 Credential=AKIAREHEARSAL0000000/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0` } : {}) }, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        if ((res.statusCode ?? 500) < 300) return done(text);
        const message = /<Message>([\s\S]*?)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 300);
        fail(new Error(`${params.Action}: ${message.trim()}`));
      });
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error(`${params.Action}: moto did not answer within 30 s`)));
    req.end(body);
  });
}

const xmlField = (xml: string, field: string): string => {
  const v = new RegExp(`<${field}>([^<]*)</${field}>`).exec(xml)?.[1];
  if (v === undefined) throw new Error(`moto answered without ${field}`);
  return v;
};

/** User the rehearsal's administrator bootstrap runs as (AdministratorAccess). */
export const REHEARSAL_ADMIN = 'rehearsal-admin';

/**
 * Turns on moto's IAM access control for every later request: first (while moto still
 * authorizes nothing) an administrator user with AdministratorAccess and an access key, then
 * `/moto-api/reset-auth 0` (the server-mode `INITIAL_NO_AUTH_ACTION_COUNT`). From then on every
 * call must be signed by a key moto knows and is evaluated against its policies
 * (moto_patched.py "iam-evaluation"). Returns the administrator's keys.
 */
export async function enableIamEvaluation(endpoint: string): Promise<CredentialEnv> {
  const iam = (p: Record<string, string>) => motoQuery(endpoint, { Version: '2010-05-08', ...p }, 'iam');
  await iam({ Action: 'CreateUser', UserName: REHEARSAL_ADMIN });
  await iam({ Action: 'AttachUserPolicy', UserName: REHEARSAL_ADMIN, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
  const key = await iam({ Action: 'CreateAccessKey', UserName: REHEARSAL_ADMIN });
  const creds = { AWS_ACCESS_KEY_ID: xmlField(key, 'AccessKeyId'), AWS_SECRET_ACCESS_KEY: xmlField(key, 'SecretAccessKey'), AWS_SESSION_TOKEN: '' };
  const url = new URL(endpoint);
  await new Promise<void>((done, fail) => {
    const req = request({ host: url.hostname, port: url.port, path: '/moto-api/reset-auth', method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': 1 }, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? done() : fail(new Error(`moto reset-auth answered HTTP ${res.statusCode}`))));
    });
    req.on('error', fail);
    req.end('0');
  });
  return creds;
}

/** An unsigned JWT with the given claims, shaped like a GitHub Actions OIDC token (moto_patched.py checks the trust against its claims, not its signature). */
export function fakeOidcToken(claims: Record<string, string>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 'https://token.actions.githubusercontent.com', ...claims })}.unsigned`;
}

/** sts:AssumeRoleWithWebIdentity against moto (the role's trust is evaluated against the token's claims); rejects with the AccessDenied message. */
export async function assumeRoleWithWebIdentity(endpoint: string, roleArn: string, claims: Record<string, string>, sessionName: string): Promise<CredentialEnv> {
  const xml = await motoQuery(endpoint, { Action: 'AssumeRoleWithWebIdentity', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: sessionName, WebIdentityToken: fakeOidcToken(claims), DurationSeconds: '3600' });
  return { AWS_ACCESS_KEY_ID: xmlField(xml, 'AccessKeyId'), AWS_SECRET_ACCESS_KEY: xmlField(xml, 'SecretAccessKey'), AWS_SESSION_TOKEN: xmlField(xml, 'SessionToken') };
}
