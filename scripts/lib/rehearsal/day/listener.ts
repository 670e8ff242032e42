/**
 * The ALB of the migration-day rehearsal, as moto holds it: which service's target group the
 * HTTPS listener's weighted forward sends requests to, read live while a `cutover` step runs, so
 * the stand-in traffic moves the moment the listener changes (as an ALB's does), not when the
 * command exits; and the RDS-side stand-in tasks registered in their target group once they
 * answer their health check (as ECS registers a task and the ALB checks it: moto reports every
 * registered target healthy, so the rehearsal registers only those that passed /api/health).
 */
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDS_TARGET_GROUP_PREFIX, TARGET_GROUP_PREFIX } from '../../../../stacks/config';

export interface ListenerWeights {
  readonly source: number;
  readonly rds: number;
}

export interface AlbView {
  /** The listener's weights now (one target group: all on the source side). */
  weights(): Promise<ListenerWeights>;
  /** Registers `ports` on 127.0.0.1 in one side's target group (what ECS does for a service's tasks; cutover's standby checks read them). */
  registerTargets(side: 'source' | 'rds', ports: readonly number[]): Promise<void>;
  close(): void;
}

interface Endpoint {
  readonly region: string;
  readonly endpoint: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Weights of the forward actions of a listener's rules and default actions, by target group side. */
export function forwardWeights(actions: readonly Action[], sideOf: (targetGroupArn: string) => 'source' | 'rds'): ListenerWeights | undefined {
  for (const a of actions) {
    if (a.Type !== 'forward') continue;
    const groups = a.ForwardConfig?.TargetGroups;
    if (groups?.length) {
      const w = { source: 0, rds: 0 };
      for (const g of groups) w[sideOf(g.TargetGroupArn ?? '')] += g.Weight ?? 1;
      return w;
    }
    if (a.TargetGroupArn) return sideOf(a.TargetGroupArn) === 'rds' ? { source: 0, rds: 100 } : { source: 100, rds: 0 };
  }
  return undefined;
}

export function albView(aws: Endpoint, loadBalancerName: string): AlbView {
  const client = new ElasticLoadBalancingV2Client(aws);
  let cached: { listeners: string[]; groups: Map<string, string> } | undefined;
  // The target groups the HTTPS listener forwards to, by name (moto links a weighted forward's
  // groups to no load balancer, so DescribeTargetGroups by LoadBalancerArn misses them; by ARN it does not).
  const lookup = async () => {
    const lb = (await client.send(new DescribeLoadBalancersCommand({ Names: [loadBalancerName] }))).LoadBalancers?.[0]?.LoadBalancerArn;
    if (!lb) throw new Error(`moto has no load balancer ${loadBalancerName}`);
    const listeners = ((await client.send(new DescribeListenersCommand({ LoadBalancerArn: lb }))).Listeners ?? []).filter((l) => l.Port === 443).map((l) => l.ListenerArn!);
    const arns = new Set<string>();
    for (const listener of listeners) {
      for (const r of (await client.send(new DescribeRulesCommand({ ListenerArn: listener }))).Rules ?? []) {
        for (const a of r.Actions ?? []) for (const arn of [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((g) => g.TargetGroupArn)]) if (arn) arns.add(arn);
      }
    }
    const found = arns.size ? (await client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [...arns] }))).TargetGroups ?? [] : [];
    return { listeners, groups: new Map(found.map((g) => [g.TargetGroupArn!, g.TargetGroupName ?? ''])) };
  };
  const sideOf = (groups: Map<string, string>) => (arn: string) => ((groups.get(arn) ?? '').startsWith(RDS_TARGET_GROUP_PREFIX) ? 'rds' : 'source');
  return {
    async weights() {
      // Target groups come and go with stage ready: looked up again when an ARN is unknown.
      cached ??= await lookup();
      for (let attempt = 0; attempt < 2; attempt++) {
        for (const listener of cached.listeners) {
          const rules = (await client.send(new DescribeRulesCommand({ ListenerArn: listener }))).Rules ?? [];
          // Rules by priority, the default rule last: the first forward is where requests go.
          const ordered = [...rules].sort((a, b) => (a.IsDefault ? 1 : 0) - (b.IsDefault ? 1 : 0) || Number(a.Priority) - Number(b.Priority));
          for (const r of ordered) {
            const arns = (r.Actions ?? []).flatMap((a) => [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((g) => g.TargetGroupArn)]).filter((x): x is string => Boolean(x));
            if (attempt === 0 && arns.some((a) => !cached!.groups.has(a))) break;
            const w = forwardWeights(r.Actions ?? [], sideOf(cached.groups));
            if (w) return w;
          }
        }
        cached = await lookup();
      }
      throw new Error(`moto's ${loadBalancerName} has no HTTPS listener rule that forwards`);
    },
    async registerTargets(side, ports) {
      cached = await lookup();
      const prefix = TARGET_GROUP_PREFIX[side];
      const group = [...cached.groups].find(([, name]) => name.startsWith(prefix))?.[0];
      if (!group) throw new Error(`moto's ${loadBalancerName} has no ${side}-side target group (${prefix}*)${side === 'rds' ? ': was stage ready applied?' : ''}`);
      await client.send(new RegisterTargetsCommand({ TargetGroupArn: group, Targets: ports.map((Port) => ({ Id: '127.0.0.1', Port })) }));
    },
    close: () => client.destroy(),
  };
}
