/**
 * The dashboard's business row (the guide's "Custom Metrics: plans created, chat sessions,
 * revenue"), read from the namespace the app writes with the embedded metric format.
 */
import { ConfigError, resolveConfig } from '../../stacks/config';
import { BUSINESS_METRICS } from '../../stacks/observability';
import { onlyResource, parseJsonAttr, resourcesOf, synthEnvironment } from '../support/synth';

function dashboardOf(json: ReturnType<typeof synthEnvironment>) {
  return parseJsonAttr(onlyResource(json, 'aws_cloudwatch_dashboard').dashboard_body);
}

function containerEnv(json: ReturnType<typeof synthEnvironment>): Record<string, string> {
  // The app's task definition (family <app>-<env>-task), not the migration runner's.
  const task = Object.values(resourcesOf(json, 'aws_ecs_task_definition')).find((t: any) => /-task$/.test(t.family));
  const [container] = JSON.parse(task.container_definitions);
  return Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
}

describe('business metrics row', () => {
  const json = synthEnvironment();

  test('reads plans created, chat sessions and revenue as 5-minute sums from VentureNudge/<env> by default', () => {
    const widgets = dashboardOf(json).widgets.filter((w: any) => w.type === 'metric' && w.properties.metrics.some((m: string[]) => m[0] === 'VentureNudge/production'));
    expect(widgets.map((w: any) => w.properties.metrics)).toEqual([[['VentureNudge/production', 'PlansCreated']], [['VentureNudge/production', 'ChatSessions']], [['VentureNudge/production', 'Revenue']]]);
    for (const w of widgets) expect(w.properties).toMatchObject({ stat: 'Sum', period: 300, region: 'us-east-1' });
  });

  test('is one full row: a full-width heading then three widgets filling 24 columns', () => {
    const widgets = dashboardOf(json).widgets;
    const heading = widgets.findIndex((w: any) => w.type === 'text' && /Business metrics/.test(w.properties.markdown));
    expect(heading).toBeGreaterThanOrEqual(0);
    expect(widgets[heading].width).toBe(24);
    const row = widgets.slice(heading + 1, heading + 1 + BUSINESS_METRICS.length);
    expect(row.reduce((sum: number, w: any) => sum + w.width, 0)).toBe(24);
  });

  test('follows a configured namespace, and the task is told the same namespace', () => {
    const custom = synthEnvironment({ environments: { production: { businessMetricsNamespace: 'Acme/KPIs' } } } as any);
    const metrics = dashboardOf(custom).widgets.flatMap((w: any) => w.properties.metrics ?? []).filter((m: string[]) => m[0] === 'Acme/KPIs');
    expect(metrics.map((m: string[]) => m[1])).toEqual(['PlansCreated', 'ChatSessions', 'Revenue']);
    expect(containerEnv(custom).METRICS_NAMESPACE).toBe('Acme/KPIs');
    expect(containerEnv(json).METRICS_NAMESPACE).toBe('VentureNudge/production');
  });

  test('staging reads its own namespace', () => {
    const staging = synthEnvironment({}, 'staging');
    expect(dashboardOf(staging).widgets.flatMap((w: any) => w.properties.metrics ?? []).some((m: string[]) => m[0] === 'VentureNudge/staging')).toBe(true);
  });

  test('a namespace in AWS/ is rejected naming the field', () => {
    expect(() => resolveConfig({ environments: { production: { businessMetricsNamespace: 'AWS/Mine' } } } as any)).toThrow(ConfigError);
    expect(() => resolveConfig({ environments: { production: { businessMetricsNamespace: 'AWS/Mine' } } } as any)).toThrow(/environments\.production\.businessMetricsNamespace: must be 1-255 of .* not starting with AWS\//);
  });
});
