/**
 * Where Terraform state lives: outside the build folder (which `cdktf synth`
 * prunes), one file for plan, apply and the plan review, throwaway state for
 * the rehearsal and offline plans, and a warning when production keeps its
 * state on one machine.
 */
import { join, resolve, sep } from 'path';
import { reviewBackend } from '../../scripts/lib/terraform/review';
import { resolveConfig } from '../../stacks/config';
import { LOCAL_STATE_DIR, stateBackendWarnings } from '../../stacks/state-backend';
import { synthEnvironment } from '../support/synth';

const BUILD = resolve('/project/cdktf.out');
const stackDir = (stack: string) => join(BUILD, 'stacks', stack);

/** The local backend (the default is S3): every environment on it. */
const LOCAL = { environments: { production: { backend: { type: 'local' } }, staging: { backend: { type: 'local' } } } } as never;

describe('the local backend of a synthesized stack', () => {
  test.each(['production', 'staging'])('%s keeps its state outside the build folder, next to it', (stack) => {
    const path = synthEnvironment(LOCAL, stack).terraform.backend.local.path as string;
    const file = resolve(stackDir(stack), path);
    expect(file.startsWith(BUILD + sep)).toBe(false);
    expect(file).toBe(resolve(BUILD, '..', LOCAL_STATE_DIR, `${stack}.tfstate`));
  });

  test('the path is relative, so the JSON names no folder of this machine', () => {
    expect(synthEnvironment({ environments: { production: { backend: { type: 'local' } } } } as never, 'production').terraform.backend.local.path).toBe('../../../terraform-state/production.tfstate');
  });

  test('the rehearsal, which synthesizes into its own run folder, keeps its state inside that folder', () => {
    const run = resolve('/project/.rehearsal/2026-01-01');
    const path = synthEnvironment(LOCAL, 'staging', { kind: 'rehearsal', endpoint: 'http://127.0.0.1:1' }).terraform.backend.local.path as string;
    expect(resolve(run, 'synth', 'stacks', 'staging', path).startsWith(run + sep)).toBe(true);
  });
});

describe('the backend the plan review runs with', () => {
  const durable = { local: { path: '../../../terraform-state/production.tfstate' } };

  test('against AWS, a local backend reads the same file terraform apply in the build folder writes', () => {
    const chosen = reviewBackend('production', durable, false, BUILD);
    expect(chosen.stateFile).toBe(resolve('/project/terraform-state/production.tfstate'));
    expect(chosen.backend).toEqual({ local: { path: chosen.stateFile } });
  });

  test('against AWS, an S3 backend is used as configured', () => {
    const s3 = { s3: { bucket: 'b', key: 'k', region: 'us-east-1' } };
    expect(reviewBackend('production', s3, false, BUILD)).toEqual({ backend: s3 });
  });

  test('offline, the review never touches the real state: a throwaway file in the review folder', () => {
    expect(reviewBackend('production', durable, true, BUILD).backend).toEqual({ local: { path: 'terraform.production.tfstate' } });
  });

  test('offline, a remote backend is swapped for the throwaway one and named', () => {
    expect(reviewBackend('production', { s3: { bucket: 'b' } }, true, BUILD).swapped).toEqual(['s3']);
  });
});

describe('state backend warnings', () => {
  test('production on the local backend is warned about, naming the setting to change', () => {
    const [warning, ...rest] = stateBackendWarnings(resolveConfig({ environments: { production: { backend: { type: 'local' } } } } as never));
    expect(rest).toEqual([]);
    expect(warning).toMatch(/^production keeps its Terraform state in a local file .*environments\.production\.backend/);
  });

  test('production on S3 is not warned about (and staging never is)', () => {
    const s3 = { type: 's3', bucket: 'vn-state', region: 'us-east-1' };
    expect(stateBackendWarnings(resolveConfig({ environments: { production: { backend: s3 } } } as never))).toEqual([]);
  });
});
