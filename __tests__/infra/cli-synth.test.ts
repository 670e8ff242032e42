import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');

describe('synth from the command line', () => {
  test('`cdktf synth` writes both stacks, with no absolute path of this machine in them', () => {
    const out = mkdtempSync(join(tmpdir(), 'vn-cdktf-synth-'));
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'cdktf'), ['synth', '--output', out], {
      cwd: ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    expect(readdirSync(join(out, 'stacks')).sort()).toEqual(['production', 'staging']);
    for (const stack of ['production', 'staging']) {
      const text = readFileSync(join(out, 'stacks', stack, 'cdk.tf.json'), 'utf8');
      expect(text).not.toContain(ROOT);
      expect(text).not.toContain(out);
      expect(JSON.parse(text).terraform.backend.s3).toMatchObject({ key: `venture-nudge/${stack}.tfstate`, use_lockfile: true });
    }
  });
});
