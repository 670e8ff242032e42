/**
 * The stand-in app processes: one "Vercel" deployment on the source, and the "AWS" tasks, each
 * started with the settings of a task definition revision (./taskdef.ts). A rollout starts the
 * new tasks, waits until they answer their health check, moves the traffic to them and then
 * stops the old ones, as an ECS rolling deployment does (minimumHealthyPercent 100).
 */
import { join } from 'node:path';
import { freePort } from '../../proc/net';
import { startProcess, type RunningProcess } from '../../proc/run';
import { RDS_CA_BUNDLE_PATH } from '../../../../stacks/app-database';
import { PROJECT_DIR } from '../../terraform/synth';

export interface AppProcess {
  readonly name: string;
  readonly port: number;
  readonly process: RunningProcess;
}

/** app.ts through ts-node, or app.js when this file runs compiled (dist/). */
const COMPILED = __filename.endsWith('.js');
export const APP_ENTRY = join(__dirname, COMPILED ? 'app.js' : 'app.ts');
const NODE_ARGS = COMPILED ? [APP_ENTRY] : ['-r', 'ts-node/register/transpile-only', APP_ENTRY];

export interface FleetOptions {
  readonly ledger: string;
  readonly logDir: string;
  /** Image paths and the files standing in for them (the RDS CA bundle). */
  readonly imageFiles: Readonly<Record<string, string>>;
}

async function healthy(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(3000) });
      const body = await r.text();
      if (r.status === 200) return;
      last = `HTTP ${r.status} ${body.slice(0, 200)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`stand-in app on port ${port} not healthy within ${timeoutMs / 1000} s: ${last}`);
}

/** Starts one app process with exactly `settings` as its environment (plus PATH) and waits for its health check. */
export async function startApp(name: string, settings: Readonly<Record<string, string>>, o: FleetOptions, timeoutMs = 60000): Promise<AppProcess> {
  const port = await freePort();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...settings, PORT: String(port), VN_APP_NAME: name, VN_LEDGER: o.ledger };
  for (const [k, v] of Object.entries(env)) if (o.imageFiles[v]) env[k] = o.imageFiles[v];
  const child = await startProcess(process.execPath, NODE_ARGS, {
    cwd: PROJECT_DIR,
    env,
    logFile: join(o.logDir, `app-${name}.log`),
    capture: false,
    stopSignal: 'SIGTERM',
    killAfterSeconds: 5,
  });
  try {
    await Promise.race([
      healthy(port, timeoutMs),
      child.done.then((r) => {
        throw new Error(`stand-in app ${name} exited (code ${r.code}) before it was healthy; log ${join(o.logDir, `app-${name}.log`)}`);
      }),
    ]);
  } catch (e) {
    await child.stop();
    throw e;
  }
  return { name, port, process: child };
}

/** Image path of the RDS CA bundle, for FleetOptions.imageFiles. */
export const RDS_BUNDLE_IN_IMAGE = RDS_CA_BUNDLE_PATH;
