/**
 * Operations defects real AWS would show and moto does not (issue 19): bootstrap at 0 tasks,
 * target-group replacement, service-role trust, teardown.
 */
import { onlyResource, parseJsonAttr, resourceNamed, resourcesOf, synthEnvironment } from '../support/synth';

describe('bootstrap (no image tag yet)', () => {
  const json = synthEnvironment();
  const defs = parseJsonAttr(resourceNamed(json, 'aws_ecs_task_definition', 'service').container_definitions);

  test('the service is created with 0 tasks', () => {
    expect(onlyResource(json, 'aws_ecs_service').desired_count).toBe(0);
  });

  test('no autoscaling target is registered, so nothing raises the count to a minimum', () => {
    expect(resourcesOf(json, 'aws_appautoscaling_target')).toEqual({});
    expect(resourcesOf(json, 'aws_appautoscaling_policy')).toEqual({});
  });

  test('every container names the never-pulled bootstrap tag, none ":undefined"', () => {
    expect(defs.map((d: any) => d.image.replace(/^.*:/, ''))).toEqual(['bootstrap', 'bootstrap']);
    expect(JSON.stringify(json)).not.toContain(':undefined');
  });

  test('the first apply with a tag registers the target with the floor (which then sets the count)', () => {
    const tagged = synthEnvironment({ environments: { production: { service: { imageTag: 'abc123' } } } });
    expect(onlyResource(tagged, 'aws_appautoscaling_target')).toMatchObject({ min_capacity: 2, max_capacity: 10 });
    expect(parseJsonAttr(resourceNamed(tagged, 'aws_ecs_task_definition', 'service').container_definitions).map((d: any) => d.image.replace(/^.*:/, ''))).toEqual(['abc123', 'abc123']);
  });
});

describe('target group', () => {
  const tg = onlyResource(synthEnvironment(), 'aws_lb_target_group');

  test('has a name prefix and is created before the old one is destroyed, so a replacement does not collide', () => {
    expect(tg).not.toHaveProperty('name');
    expect(tg).toMatchObject({ name_prefix: 'vn-tg-', lifecycle: { create_before_destroy: true } });
    expect(tg.name_prefix.length).toBeLessThanOrEqual(6);
  });

  test('keeps its readable name as a tag', () => {
    expect(tg.tags).toEqual({ Name: 'venture-nudge-production-tg' });
  });
});

describe('service-role trust policies', () => {
  const json = synthEnvironment({ environments: { production: { service: { imageTag: 'abc123' } } } });
  const roles = Object.entries(resourcesOf(json, 'aws_iam_role'))
    .map(([id, r]) => ({ id, trust: parseJsonAttr(r.assume_role_policy) }))
    .filter((r) => r.trust.Statement.some((s: any) => s.Principal.Service));
  const expected: Record<string, RegExp> = {
    'ecs-tasks.amazonaws.com': /^arn:aws:ecs:us-east-1:\$\{.*\}:\*$/,
    'vpc-flow-logs.amazonaws.com': /^arn:aws:ec2:us-east-1:\$\{.*\}:vpc-flow-log\/\*$/,
    'monitoring.rds.amazonaws.com': /^arn:aws:rds:us-east-1:\$\{.*\}:db:venture-nudge-production-db$/,
  };

  test('every role a service assumes is one of the known services (the test covers them all)', () => {
    const services = new Set(roles.flatMap((r) => r.trust.Statement.map((s: any) => s.Principal.Service)));
    expect([...services].sort()).toEqual(Object.keys(expected).sort());
    expect(roles.length).toBeGreaterThanOrEqual(6);
  });

  test.each(Object.keys(expected))('%s may assume them only for this account (aws:SourceAccount) and its resources (aws:SourceArn)', (service) => {
    for (const r of roles) {
      for (const s of r.trust.Statement.filter((st: any) => st.Principal.Service === service)) {
        // the account id as the stack knows it (a KMS key ARN or the ECR registry id), never a literal
        expect([r.id, s.Condition.StringEquals['aws:SourceAccount']]).toEqual([r.id, expect.stringMatching(/^\$\{(element\(split\(':', aws_kms_key\.encryption_key.*|aws_ecr_repository\.repository_[0-9A-F]{8}\.registry_id)\}$/)]);
        expect([r.id, s.Condition.ArnLike['aws:SourceArn']]).toEqual([r.id, expect.stringMatching(expected[service])]);
      }
    }
  });
});

describe('teardown (forceDestroy)', () => {
  const logBuckets = (json: ReturnType<typeof synthEnvironment>) =>
    Object.entries(resourcesOf(json, 'aws_s3_bucket')).filter(([id]) => /alb-logs|cdn-logs/.test(id)).map(([, b]) => b.force_destroy);
  const repositories = (json: ReturnType<typeof synthEnvironment>) => Object.values(resourcesOf(json, 'aws_ecr_repository')).map((r) => r.force_delete);
  const assets = (json: ReturnType<typeof synthEnvironment>) => resourceNamed(json, 'aws_s3_bucket', 'assets').force_destroy;

  test('is off by default: destroy keeps non-empty log buckets and repositories', () => {
    const json = synthEnvironment();
    expect([logBuckets(json), repositories(json)]).toEqual([[false, false], [false, false]]);
  });

  test('forceDestroy: true lets destroy empty the log buckets and the repositories, never the assets bucket', () => {
    const json = synthEnvironment({ environments: { production: { forceDestroy: true } } });
    expect([logBuckets(json), repositories(json), assets(json)]).toEqual([[true, true], [true, true], false]);
  });
});
