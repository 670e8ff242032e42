import { delegated, onlyResource, parseJsonAttr, resourcesOf, synthEnvironment } from '../support/synth';

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

  test('alarms on free storage below autoscaling\'s own trigger (10% of the allocated size), naming the ceiling', () => {
    const storage = metric('AWS/RDS', 'FreeStorageSpace');
    expect(storage.threshold).toBeLessThan(0.1 * 100 * 1024 ** 3);
    expect(storage.threshold).toBeGreaterThan(0);
    expect(storage.alarm_description).toContain('ceiling 200 GiB');
  });

  test('alarms on 10% of the storage free when storage autoscaling is off', () => {
    const fixed = synthEnvironment({ environments: { production: { database: { maxAllocatedStorage: 0 } } } });
    const storage = Object.values(resourcesOf(fixed, 'aws_cloudwatch_metric_alarm')).find((a) => a.metric_name === 'FreeStorageSpace');
    expect(storage.threshold).toBe(0.1 * 100 * 1024 ** 3);
  });

  test('alarms on connections below the instance class\'s max_connections, so it can fire on db.t3.small', () => {
    const { defaultMaxConnections } = require('../../stacks/rds-sizes') as typeof import('../../stacks/rds-sizes');
    const staging = synthEnvironment({}, 'staging');
    const conn = Object.values(resourcesOf(staging, 'aws_cloudwatch_metric_alarm')).find((a) => a.metric_name === 'DatabaseConnections');
    const max = defaultMaxConnections('db.t3.small')!;
    expect(max).toBeGreaterThan(150);
    expect(max).toBeLessThan(250);
    expect(conn.threshold).toBeLessThan(max);
    expect(conn.threshold).toBe(Math.floor(max * 0.8));
  });

  test('takes max_connections from the config when it is set (e.g. a parameter group that changes it)', () => {
    const custom = synthEnvironment({ environments: { production: { database: { maxConnections: 1000 } } } });
    const conn = Object.values(resourcesOf(custom, 'aws_cloudwatch_metric_alarm')).find((a) => a.metric_name === 'DatabaseConnections');
    expect(conn.threshold).toBe(800);
  });

  test('lets only this account\'s alarms and budgets publish to the topic', () => {
    const policy = parseJsonAttr(onlyResource(json, 'aws_sns_topic_policy').policy);
    for (const st of policy.Statement) {
      expect(st.Condition.StringEquals['aws:SourceAccount']).toMatch(/aws_kms_key\.encryption_key/);
      expect(st.Condition.ArnLike['aws:SourceArn']).toMatch(/^arn:aws:(cloudwatch:us-east-1|budgets:):.*:(alarm:)?\*$/);
    }
  });

  test('puts CloudFront alarms in us-east-1, where CloudFront metrics live', () => {
    expect(metric('AWS/CloudFront', 'Requests').provider).toBe('aws.us_east_1');
  });

  describe('in a stack outside us-east-1', () => {
    const eu = synthEnvironment({ region: 'eu-west-1', environments: { production: { edge: { cloudfrontPrefixListId: 'pl-4fa04526' }, budget: { alertEmails: ['ops@venturenudge.com'] } }, staging: { edge: { cloudfrontPrefixListId: 'pl-4fa04526' } } } } as any);
    const topics = resourcesOf(eu, 'aws_sns_topic');
    const [edgeId, edgeTopic] = Object.entries(topics).find(([, t]) => t.provider === 'aws.us_east_1')!;

    test('CloudFront alarms notify a us-east-1 topic that has the same subscribers', () => {
      const cf = Object.values(resourcesOf(eu, 'aws_cloudwatch_metric_alarm')).find((a) => a.namespace === 'AWS/CloudFront');
      expect(cf.alarm_actions).toEqual([`\${aws_sns_topic.${edgeId}.arn}`]);
      const subs = Object.values(resourcesOf(eu, 'aws_sns_topic_subscription')).filter((x) => x.topic_arn.includes(edgeId));
      expect(subs).toEqual([expect.objectContaining({ endpoint: 'ops@venturenudge.com', provider: 'aws.us_east_1' })]);
    });

    test('that topic is encrypted with a us-east-1 customer-managed key CloudWatch may use, not alias/aws/sns', () => {
      expect(edgeTopic.kms_master_key_id).not.toBe('alias/aws/sns');
      const [keyId] = /aws_kms_key\.([^.]+)\.arn/.exec(edgeTopic.kms_master_key_id)!.slice(1);
      expect(resourcesOf(eu, 'aws_kms_key')[keyId].provider).toBe('aws.us_east_1');
      const policy = Object.values(resourcesOf(eu, 'aws_kms_key_policy')).find((k) => k.key_id.includes(keyId));
      const alarms = parseJsonAttr(policy.policy).Statement.find((x: any) => x.Sid === 'AlarmNotifications');
      expect(alarms.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
      expect(alarms.Condition.ArnLike['aws:SourceArn']).toMatch(/^arn:aws:cloudwatch:us-east-1:/);
    });
  });

  test('warns at synth when alarms and budgets have no subscriber, and not when they have', () => {
    const { Testing } = require('cdktf') as typeof import('cdktf');
    const { EnvironmentStack } = require('../../stacks/environment-stack') as typeof import('../../stacks/environment-stack');
    const { resolveConfig } = require('../../stacks/config') as typeof import('../../stacks/config');
    const stackWith = (alertEmails: string[]) => new EnvironmentStack(Testing.app(), 'production', { config: resolveConfig(delegated({ environments: { production: { budget: { alertEmails } } } })), environment: 'production' });
    expect(stackWith([]).warnings.join('\n')).toMatch(/no alert recipients.*environments\.production\.budget\.alertEmails/);
    expect(stackWith(['ops@venturenudge.com']).warnings.filter((w) => /alert recipients/.test(w))).toEqual([]);
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

  // Was: fixed $200/$400/$600, the first two below the stack's own estimate (issue 19): see __tests__/infra/budgets.test.ts.
  test('alerts on monthly cost at three thresholds plus a forecast over the limit, the limit being the highest', () => {
    const budget = onlyResource(json, 'aws_budgets_budget');
    expect(budget).toMatchObject({ budget_type: 'COST', time_unit: 'MONTHLY', limit_unit: 'USD' });
    const actual = budget.notification.filter((n: any) => n.notification_type === 'ACTUAL').map((n: any) => n.threshold);
    expect(actual).toHaveLength(3);
    expect(budget.limit_amount).toBe(String(actual[2]));
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
    // Service principals are bound to this account (confused deputy).
    for (const st of policy.Statement.filter((x: any) => x.Principal.Service)) expect(st.Condition).toBeDefined();
    for (const sid of ['AlarmNotifications', 'BudgetNotifications']) {
      expect(policy.Statement.find((x: any) => x.Sid === sid).Condition.StringEquals['aws:SourceAccount']).toBeDefined();
    }
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

  test.each([
    ['eu-west-2', { AWS: 'arn:aws:iam::652711504416:root' }],
    ['ap-southeast-1', { AWS: 'arn:aws:iam::114774131450:root' }],
    ['sa-east-1', { AWS: 'arn:aws:iam::507241528517:root' }],
    ['ap-south-2', { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' }],
  ])('in %s lets that region\'s ELB log delivery write ALB access logs', (region, principal) => {
    const { albLogDeliveryStatement } = require('../../stacks/storage') as typeof import('../../stacks/storage');
    expect(albLogDeliveryStatement(region, 'arn:aws:s3:::logs', 'alb').Principal).toEqual(principal);
  });

  test('knows the ELB log account of every region opened before August 2022', () => {
    const { ELB_LOG_ACCOUNTS } = require('../../stacks/storage') as typeof import('../../stacks/storage');
    const before2022 = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ca-central-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-north-1', 'me-south-1', 'sa-east-1'];
    expect(Object.keys(ELB_LOG_ACCOUNTS).sort()).toEqual(before2022.sort());
    for (const account of Object.values(ELB_LOG_ACCOUNTS)) expect(account).toMatch(/^\d{12}$/);
  });
});
