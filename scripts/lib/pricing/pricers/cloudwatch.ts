/** CloudWatch dashboards, metric alarms (standard / high resolution, anomaly bands) and composite alarms. */
import { Pricer } from './pricer';
import { asList, num } from './util';

export const CloudWatchPricer: Pricer = {
  family: 'CloudWatch',
  types: ['aws_cloudwatch_dashboard', 'aws_cloudwatch_metric_alarm', 'aws_cloudwatch_composite_alarm'],
  price({ prices, all, add }) {
    const cw = prices.cloudwatch;
    const dashboards = all('aws_cloudwatch_dashboard').length;
    if (dashboards) add({ type: 'aws_cloudwatch_dashboard', item: 'dashboards', count: dashboards, monthlyUsd: dashboards * cw.dashboardMonth, basis: `${dashboards} x $${cw.dashboardMonth}`, usageAssumption: false, guide: 'monitoring' });
    const alarms = all('aws_cloudwatch_metric_alarm');
    if (alarms.length) {
      let standard = 0;
      let highRes = 0;
      for (const [, a] of alarms) {
        const queries = asList<{ metric?: { period?: number } }>(a.metric_query);
        const metrics = queries.length ? queries.filter((q) => q.metric).length || 1 : 1;
        const anomaly = JSON.stringify(a.metric_query ?? '').includes('ANOMALY_DETECTION_BAND') ? 2 : 0; // a band is billed as 3 metrics
        const period = num(a.period, queries[0]?.metric?.period ?? 60);
        if (period < 60) highRes += metrics + anomaly;
        else standard += metrics + anomaly;
      }
      add({ type: 'aws_cloudwatch_metric_alarm', item: `alarms (${alarms.length}: ${standard} standard, ${highRes} high-resolution alarm metrics)`, count: alarms.length, monthlyUsd: standard * cw.standardAlarmMetricMonth + highRes * cw.highResolutionAlarmMetricMonth, basis: `${standard} x $${cw.standardAlarmMetricMonth} + ${highRes} x $${cw.highResolutionAlarmMetricMonth}`, usageAssumption: false, guide: 'monitoring' });
    }
    const composite = all('aws_cloudwatch_composite_alarm').length;
    if (composite) add({ type: 'aws_cloudwatch_composite_alarm', item: 'composite alarms', count: composite, monthlyUsd: composite * cw.compositeAlarmMonth, basis: `${composite} x $${cw.compositeAlarmMonth}`, usageAssumption: false, guide: 'monitoring' });
  },
};
