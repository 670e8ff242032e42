import { spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConfigError, ConfigInput, FARGATE_SIZES, cutoverWeights, loadConfig, namesFor, resolveConfig } from '../../stacks/config';

function errorOf(overrides: ConfigInput): string {
  try {
    resolveConfig(overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

const prod = (env: Record<string, unknown>): ConfigInput => ({ environments: { production: env } }) as ConfigInput;

describe('configuration defaults', () => {
  const config = resolveConfig();
  const production = config.environments.production;

  test('carry the guide values for app, domain and region', () => {
    expect(config.appName).toBe('venture-nudge');
    expect(config.region).toBe('us-east-1');
    expect(production.domain).toBe('venturenudge.com');
  });

  test('size the Fargate task at 2 vCPU / 4 GB scaling 2 to 10', () => {
    expect(production.service).toMatchObject({ cpu: 2048, memory: 4096, minTasks: 2, maxTasks: 10, healthCheckPath: '/api/health' });
  });

  test('make the database a Multi-AZ db.t3.medium PostgreSQL 16 with 7-day backups in the guide windows', () => {
    expect(production.database).toMatchObject({
      engineVersion: '16', instanceClass: 'db.t3.medium', allocatedStorage: 100, multiAz: true, backupRetentionDays: 7,
      backupWindow: '03:00-04:00', maintenanceWindow: 'sun:07:00-sun:10:00', deletionProtection: true, name: 'venturenudge',
    });
  });

  test('start the cutover with all weight on Vercel and a 300 s TTL', () => {
    expect(production.cutover.stage).toBe('vercel');
    expect(cutoverWeights(production.cutover)).toEqual({ aws: 0, vercel: 100 });
    expect(production.cutover.ttl).toBe(300);
  });

  test('use the guide billing alert thresholds', () => {
    expect(production.budget.thresholdsUsd).toEqual([200, 400, 600]);
  });

  test('define a smaller staging environment', () => {
    const staging = config.environments.staging;
    expect(staging.database.multiAz).toBe(false);
    expect(staging.service.minTasks).toBe(1);
    expect(staging.service.maxTasks).toBe(2);
    expect(staging.service.logRetentionDays).toBeLessThan(production.service.logRetentionDays);
    expect(staging.network.natGatewayPerAz).toBe(false);
  });

  test('name the SSM path the env sync writes and the task reads', () => {
    expect(namesFor(config, 'production').ssmPath).toBe('/venture-nudge/production/');
    expect(namesFor(config, 'staging').ssmPath).toBe('/venture-nudge/staging/');
  });
});

describe('cutover stages', () => {
  test.each([
    ['vercel', 0, 100],
    ['canary', 10, 90],
    ['25', 25, 75],
    ['50', 50, 50],
    ['aws', 100, 0],
    ['rollback', 0, 100],
  ])('stage %s puts weight %i on AWS and %i on Vercel', (stage, aws, vercel) => {
    const c = resolveConfig(prod({ cutover: { stage } }));
    expect(cutoverWeights(c.environments.production.cutover)).toEqual({ aws, vercel });
  });

  test('explicit weights override the stage', () => {
    const c = resolveConfig(prod({ cutover: { stage: 'canary', weights: { aws: 1, vercel: 3 } } }));
    expect(cutoverWeights(c.environments.production.cutover)).toEqual({ aws: 1, vercel: 3 });
  });
});

describe('configuration validation names the field and the allowed values', () => {
  test('an invalid Fargate CPU/memory pair', () => {
    expect(errorOf(prod({ service: { cpu: 2048, memory: 2048 } }))).toMatch(/environments\.production\.service\.memory: 2048 MiB is not valid with cpu 2048; allowed: 4096\.\.16384/);
  });

  test('a CPU size Fargate does not offer', () => {
    expect(errorOf(prod({ service: { cpu: 3000 } }))).toMatch(new RegExp(`service\\.cpu: 3000 is not a Fargate CPU size; use one of ${Object.keys(FARGATE_SIZES).join(', ')}`));
  });

  test('minTasks greater than maxTasks', () => {
    expect(errorOf(prod({ service: { minTasks: 5, maxTasks: 3 } }))).toMatch(/service\.minTasks: minTasks \(5\) must not exceed maxTasks \(3\)/);
  });

  test('a weight above 255', () => {
    expect(errorOf(prod({ cutover: { weights: { aws: 256, vercel: 0 } } }))).toMatch(/cutover\.weights\.aws: Route 53 weights must be within 0\.\.255/);
  });

  test('a negative weight', () => {
    expect(errorOf(prod({ cutover: { weights: { aws: 10, vercel: -1 } } }))).toMatch(/cutover\.weights\.vercel: Route 53 weights must be within 0\.\.255/);
  });

  test('both weights zero', () => {
    expect(errorOf(prod({ cutover: { weights: { aws: 0, vercel: 0 } } }))).toMatch(/cutover\.weights: aws and vercel weights are both 0/);
  });

  test('a malformed domain', () => {
    expect(errorOf(prod({ domain: 'Venture Nudge.com' }))).toMatch(/environments\.production\.domain: must be a lower-case domain/);
  });

  test('an unknown cutover stage', () => {
    expect(errorOf(prod({ cutover: { stage: '75' } }))).toMatch(/cutover\.stage: must be one of vercel, canary, 25, 50, aws, ready, rds, rds-only, rollback/);
  });

  test('a pinned minor engine version', () => {
    expect(errorOf(prod({ database: { engineVersion: '16.1' } }))).toMatch(/database\.engineVersion: must be a major version/);
  });

  test('an availability zone outside the region', () => {
    expect(errorOf(prod({ network: { availabilityZones: ['us-east-1a', 'us-west-2b'] } }))).toMatch(/network\.availabilityZones: us-west-2b is not in region us-east-1/);
  });

  test('a single availability zone', () => {
    expect(errorOf(prod({ network: { availabilityZones: ['us-east-1a'] } }))).toMatch(/network\.availabilityZones: needs at least 2 availability zones/);
  });

  test('a database variable set by hand that the stack derives from RDS', () => {
    expect(errorOf(prod({ service: { environment: { PGPASSWORD: 'x' } } }))).toMatch(/service\.environment: PGPASSWORD is set by the stack/);
  });

  test('an unknown field (typo) instead of silently ignoring it', () => {
    expect(errorOf(prod({ service: { maxTask: 4 } }))).toMatch(/environments\.production\.service: Unrecognized key.*maxTask/);
  });

  test('every problem at once, one line each', () => {
    const message = errorOf(prod({ service: { minTasks: 9, maxTasks: 2 }, cutover: { stage: 'nope' } }));
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(2);
  });
});

describe('environments and domains', () => {
  test('a misspelt environment name is rejected instead of synthesizing a third stack', () => {
    expect(errorOf({ environments: { prodution: { cutover: { stage: 'aws' } } } } as ConfigInput)).toMatch(/environments\.prodution: unknown environment \(known: production, staging; did you mean production\?\); to add a new one, set "new": true/);
  });

  test('an environment declared new starts from the production defaults under <name>.<production domain>', () => {
    const c = resolveConfig({ environments: { qa: { new: true, network: { cidr: '10.2.0.0/16' } } } } as ConfigInput);
    expect(Object.keys(c.environments).sort()).toEqual(['production', 'qa', 'staging']);
    expect(c.environments.qa.domain).toBe('qa.venturenudge.com');
    expect(c.environments.qa.service.cpu).toBe(2048);
  });

  test('staging\'s domain derives from production\'s', () => {
    const c = resolveConfig(prod({ domain: 'example.org' }));
    expect(c.environments.staging.domain).toBe('staging.example.org');
  });

  test('an explicit staging domain still wins', () => {
    const c = resolveConfig({ environments: { production: { domain: 'example.org' }, staging: { domain: 'preview.example.net' } } } as ConfigInput);
    expect(c.environments.staging.domain).toBe('preview.example.net');
  });

  test('an appName that makes a load balancer name longer than 32 characters fails at synth', () => {
    expect(errorOf({ appName: 'venture-nudge-platform' })).toMatch(/appName: with environment "production" the load balancer would be named venture-nudge-platform-production-alb \(37 characters; ELB allows 32\)/);
  });
});

describe('dns records the domain already has', () => {
  const withRecords = (records: unknown[]) => prod({ dns: { records } });

  test('default to none, with a TTL of 300 when one is given without', () => {
    expect(resolveConfig().environments.production.dns).toEqual({ records: [], nameServers: [], delegated: false });
    const c = resolveConfig(withRecords([{ name: '@', type: 'MX', values: ['10 mx.example.net.'] }]));
    expect(c.environments.production.dns.records).toEqual([{ name: '@', type: 'MX', ttl: 300, values: ['10 mx.example.net.'] }]);
  });

  test('a CNAME at the apex is rejected', () => {
    expect(errorOf(withRecords([{ name: '@', type: 'CNAME', values: ['x.example.net.'] }]))).toMatch(/dns\.records\.0\.name: a CNAME at the apex is invalid DNS/);
  });

  test('a record at a name the stack manages is rejected, naming the owner', () => {
    expect(errorOf(withRecords([{ name: 'www', type: 'TXT', values: ['x'] }]))).toMatch(/dns\.records\.0\.name: www TXT is managed by the stack \(www \(cutover CNAMEs\)\)/);
    expect(errorOf(withRecords([{ name: '@', type: 'A', values: ['192.0.2.1'] }]))).toMatch(/@ A is managed by the stack/);
  });

  test('apex MX and TXT records are accepted', () => {
    expect(() => resolveConfig(withRecords([{ name: '@', type: 'TXT', values: ['v=spf1 include:_spf.google.com ~all'] }, { name: '@', type: 'MX', values: ['1 smtp.google.com.'] }]))).not.toThrow();
  });

  test('a record type Route 53 records here do not carry is rejected', () => {
    expect(errorOf(withRecords([{ name: 'x', type: 'PTR', values: ['y'] }]))).toMatch(/dns\.records\.0\.type: must be one of A, AAAA, CNAME, MX, TXT, CAA, SRV, NS/);
  });
});

describe('database sizes', () => {
  test('a mistyped instance class is named as unknown with the class it is closest to', () => {
    expect(errorOf(prod({ database: { instanceClass: 'db.t3.mediun' } }))).toMatch(/database\.instanceClass: unknown instance class db\.t3\.mediun; did you mean db\.t3\.medium\?/);
  });

  test('an instance class whose memory is unknown needs database.maxConnections', () => {
    expect(errorOf(prod({ database: { instanceClass: 'db.q9.huge' } }))).toMatch(/database\.instanceClass: cannot tell the memory .* set database\.maxConnections/);
    expect(() => resolveConfig(prod({ database: { instanceClass: 'db.q9.huge', maxConnections: 500 } }))).not.toThrow();
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vn-config-'));

  test('merges the JSON file named by VN_CONFIG onto the defaults', () => {
    const file = join(dir, 'canary.json');
    writeFileSync(file, JSON.stringify({ environments: { production: { cutover: { stage: 'canary' } } } }));
    const c = loadConfig({ VN_CONFIG: file }, dir);
    expect(c.environments.production.cutover.stage).toBe('canary');
    expect(c.environments.production.service.cpu).toBe(2048);
  });

  test('takes the image tag from IMAGE_TAG for every environment', () => {
    const c = loadConfig({ IMAGE_TAG: 'abc123' }, dir);
    expect(c.environments.production.service.imageTag).toBe('abc123');
    expect(c.environments.staging.service.imageTag).toBe('abc123');
  });

  test('reports an unreadable config file by name', () => {
    expect(() => loadConfig({ VN_CONFIG: join(dir, 'missing.json') }, dir)).toThrow(/missing\.json: cannot read config file/);
  });

  test('drops an environment set to null', () => {
    const c = resolveConfig({ environments: { staging: null } } as unknown as ConfigInput);
    expect(Object.keys(c.environments)).toEqual(['production']);
  });
});

describe('synth with an invalid configuration', () => {
  test('exits non-zero with the field named and writes no stack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vn-synth-bad-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ environments: { production: { service: { minTasks: 4, maxTasks: 2 } } } }));
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'main.ts'], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, VN_CONFIG: file, CDKTF_OUTDIR: out },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/synth failed: Invalid configuration:\n\s+- environments\.production\.service\.minTasks/);
    expect(r.stderr).not.toMatch(/at resolveConfig/);
    expect(() => require('fs').statSync(join(out, 'stacks'))).toThrow();
  });
});
