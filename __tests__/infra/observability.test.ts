import { onlyResource, parseJsonAttr, resourcesOf, synthEnvironment } from '../support/synth';

describe('Observability', () => {
  const json = synthEnvironment({ environments: { production: { budget: { alertEmails: ['ops@venturenudge.com'] } } } } as any);
  const alarms = Object.values(resourcesOf(json, 'aws_cloudwatch_metric_alarm'));
  const metric = (ns: string, name: string) => alarms.find((a) => a.namespace === ns && a.metric_name === name);

  test.each([
    ['AWS/ECS', 'CPUUtilization'], ['AWS/ECS', 'MemoryUtilization'],
    ['AWS/ApplicationELB', 'RequestCount'], ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count'], ['AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count'],
    ['AWS/ApplicationELB', 'TargetResponseTime'], ['AWS/ApplicationELB', 'HealthyHostCount'],
    ['AWS/RDS', 'CPUUtilization'], ['AWS/RDS', 'DatabaseConnections'], ['AWS/RDS', 'FreeStorageSpace'], ['AWS/RDS', 'ReadLatency'], ['AWS/RDS', 'WriteLatency'],
    ['AWS/CloudFront', 'Requests'], ['AWS/CloudFront', '5xxErrorRate'],
  ])('alarms on %s %s and notifies the alerts topic', (ns, name) => {
    const a = metric(ns, name);
    expect(a).toBeDefined();
    expect(a.alarm_actions).toEqual([expect.stringMatching(/aws_sns_topic\.observability_alerts/)]);
  });

  test('alarms on p95 target response time, not the average', () => {
    expect(metric('AWS/ApplicationELB', 'TargetResponseTime')).toMatchObject({ extended_statistic: 'p95', threshold: 0.5 });
  });

  test('alarms when healthy tasks drop below the service minimum', () => {
    expect(metric('AWS/ApplicationELB', 'HealthyHostCount')).toMatchObject({ threshold: 2, comparison_operator: 'LessThanThreshold' });
  });

  test('alarms when less than 10% of the database storage is free', () => {
    expect(metric('AWS/RDS', 'FreeStorageSpace').threshold).toBe(10 * 1024 ** 3);
  });

  test('puts CloudFront alarms in us-east-1, where CloudFront metrics live', () => {
    expect(metric('AWS/CloudFront', 'Requests').provider).toBe('aws.us_east_1');
  });

  test('dashboard shows ECS, ALB, RDS and CloudFront metrics', () => {
    const body = parseJsonAttr(onlyResource(json, 'aws_cloudwatch_dashboard').dashboard_body);
    const shown = new Set(body.widgets.flatMap((w: any) => (w.properties.metrics ?? []).map((m: string[]) => `${m[0]} ${m[1]}`)));
    for (const m of ['AWS/ECS CPUUtilization', 'AWS/ECS MemoryUtilization', 'AWS/ApplicationELB RequestCount', 'AWS/ApplicationELB HTTPCode_Target_5XX_Count', 'AWS/ApplicationELB TargetResponseTime', 'AWS/ApplicationELB HealthyHostCount', 'AWS/RDS CPUUtilization', 'AWS/RDS DatabaseConnections', 'AWS/RDS FreeStorageSpace', 'AWS/RDS ReadLatency', 'AWS/RDS WriteLatency', 'AWS/CloudFront Requests', 'AWS/CloudFront 5xxErrorRate']) {
      expect(shown).toContain(m);
    }
  });

  test('subscribes the configured emails to the encrypted alerts topic', () => {
    expect(onlyResource(json, 'aws_sns_topic_subscription')).toMatchObject({ protocol: 'email', endpoint: 'ops@venturenudge.com' });
    expect(onlyResource(json, 'aws_sns_topic').kms_master_key_id).toMatch(/aws_kms_key/);
  });

  test('alerts on monthly cost at $200, $400 and $600 plus a forecast over the limit', () => {
    const budget = onlyResource(json, 'aws_budgets_budget');
    expect(budget).toMatchObject({ budget_type: 'COST', time_unit: 'MONTHLY', limit_amount: '600', limit_unit: 'USD' });
    const actual = budget.notification.filter((n: any) => n.notification_type === 'ACTUAL').map((n: any) => n.threshold);
    expect(actual).toEqual([200, 400, 600]);
    expect(budget.notification.some((n: any) => n.notification_type === 'FORECASTED')).toBe(true);
  });
});

describe('Encryption and storage', () => {
  const json = synthEnvironment();
  const buckets = Object.values(resourcesOf(json, 'aws_s3_bucket'));

  test('creates a rotating customer-managed KMS key whose policy lets CloudWatch Logs use it', () => {
    expect(onlyResource(json, 'aws_kms_key')).toMatchObject({ enable_key_rotation: true });
    const policy = parseJsonAttr(onlyResource(json, 'aws_kms_key_policy').policy);
    expect(policy.Statement.map((s: any) => s.Sid)).toContain('CloudWatchLogs');
    expect(onlyResource(json, 'aws_kms_alias').name).toBe('alias/venture-nudge-production');
  });

  test('encrypts every log group with the key', () => {
    for (const g of Object.values(resourcesOf(json, 'aws_cloudwatch_log_group'))) expect(g.kms_key_id).toMatch(/aws_kms_key/);
  });

  test('blocks public access on every bucket', () => {
    const blocks = Object.values(resourcesOf(json, 'aws_s3_bucket_public_access_block'));
    expect(blocks).toHaveLength(buckets.length);
    for (const b of blocks) expect(b).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
  });

  test('encrypts every bucket and denies non-TLS access', () => {
    expect(Object.keys(resourcesOf(json, 'aws_s3_bucket_server_side_encryption_configuration'))).toHaveLength(buckets.length);
    for (const p of Object.values(resourcesOf(json, 'aws_s3_bucket_policy'))) {
      expect(parseJsonAttr(p.policy).Statement[0]).toMatchObject({ Sid: 'TlsOnly', Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
  });

  test('versions the assets bucket and moves objects to Intelligent-Tiering', () => {
    const assets = Object.entries(resourcesOf(json, 'aws_s3_bucket_lifecycle_configuration')).find(([id]) => id.startsWith('assets'))![1];
    expect(assets.rule.map((r: any) => r.id)).toEqual(expect.arrayContaining(['intelligent-tiering', 'expire-noncurrent']));
    expect(Object.keys(resourcesOf(json, 'aws_s3_bucket_versioning')).some((id) => id.startsWith('assets'))).toBe(true);
  });

  test('lets the us-east-1 ELB account write ALB access logs under alb/', () => {
    const policy = Object.entries(resourcesOf(json, 'aws_s3_bucket_policy')).find(([id]) => id.startsWith('alb-logs'))![1];
    const stmt = parseJsonAttr(policy.policy).Statement.find((s: any) => s.Sid === 'AlbAccessLogs');
    expect(stmt).toMatchObject({ Principal: { AWS: 'arn:aws:iam::127311923021:root' }, Action: 's3:PutObject' });
    expect(stmt.Resource).toMatch(/\/alb\/\*$/);
  });
});
