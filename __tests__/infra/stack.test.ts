import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { resourcesOf, synthEnvironment } from '../support/synth';

const ROOT = join(__dirname, '..', '..');

describe('EnvironmentStack', () => {
  const json = synthEnvironment();

  test.each([
    'alb_dns_name', 'cloudfront_domain_name', 'cloudfront_distribution_id', 'rds_endpoint', 'ecr_repository_url',
    'ecs_cluster_name', 'ecs_service_name', 'hosted_zone_id', 'name_servers', 'cutover_weights', 'ssm_path',
  ])('outputs %s with a description', (name) => {
    expect(json.output[name]).toBeDefined();
    expect(json.output[name].description).toEqual(expect.any(String));
  });

  test('with the local backend, stores state in a relative path so the JSON is machine-independent', () => {
    const local = synthEnvironment({ environments: { production: { backend: { type: 'local' } } } } as any);
    expect(local.terraform.backend).toEqual({ local: { path: '../../../terraform-state/production.tfstate' } });
    expect(JSON.stringify(json)).not.toContain(ROOT);
  });

  test("uses an S3 backend with Terraform's lock file when configured", () => {
    const s3 = synthEnvironment({ environments: { production: { backend: { type: 's3', bucket: 'vn-state', region: 'us-east-1' } } } } as any);
    expect(s3.terraform.backend.s3).toMatchObject({ bucket: 'vn-state', key: 'venture-nudge/production.tfstate', use_lockfile: true, encrypt: true });
  });

  test('has a default provider in the configured region and a us-east-1 alias', () => {
    expect(json.provider.aws.map((p: any) => [p.alias ?? 'default', p.region])).toEqual([['default', 'us-east-1'], ['us_east_1', 'us-east-1']]);
  });

  test('needs no data source, so terraform plan makes no AWS look-up', () => {
    expect(json.data ?? {}).toEqual({});
  });

  test('pins no credentials, endpoints or skip flags in the normal provider block', () => {
    for (const p of json.provider.aws) {
      expect(Object.keys(p).sort()).toEqual(['default_tags', 'region', ...(p.alias ? ['alias'] : [])].sort());
    }
  });

  test('adds only the skip flags in offline mode', () => {
    const offline = synthEnvironment({}, 'production', { kind: 'offline' });
    expect(offline.provider.aws[0]).toMatchObject({ skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: 'true' });
    expect(offline.provider.aws[0]).not.toHaveProperty('access_key');
    expect({ ...offline, provider: undefined }).toEqual({ ...json, provider: undefined });
  });

  test('tags every resource with project, environment and owner through default tags', () => {
    expect(json.provider.aws[0].default_tags).toEqual([{ tags: { Project: 'venture-nudge', Environment: 'production', ManagedBy: 'cdktf' } }]);
  });

  test('contains no secret value: no password attribute and no literal origin secret', () => {
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/"(password|master_password|secret_string)"\s*:/);
    expect(text).toContain('{"name":"X-Origin-Verify","value":"${var.origin_verify_secret}"}');
    expect(text).toContain('"http_header_name":"X-Origin-Verify","values":"${concat([var.origin_verify_secret], var.origin_verify_secret_previous)}"');
  });

  test('keeps all resource names of both environments distinct (both can live in one account)', () => {
    const staging = synthEnvironment({}, 'staging');
    const named = (j: typeof json) =>
      ['aws_ecs_cluster', 'aws_ecr_repository', 'aws_lb', 'aws_lb_target_group', 'aws_db_instance', 'aws_iam_role', 'aws_cloudwatch_log_group', 'aws_sns_topic', 'aws_wafv2_web_acl'].flatMap((t) =>
        Object.values(resourcesOf(j, t)).map((r) => `${t}:${r.name ?? r.identifier ?? r.tags?.Name}`), // target groups: name_prefix (issue 19), their Name tag
      );
    const prodNames = new Set(named(json));
    expect(named(staging).filter((n) => prodNames.has(n))).toEqual([]);
  });

  test('imports provider classes per resource, never from the package root (synth speed)', () => {
    const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const offenders = files.filter((f) => /from ['"]@cdktf\/provider-aws['"]|require\(['"]@cdktf\/provider-aws['"]\)/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
