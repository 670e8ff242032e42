/** VPC flow logs (vended-log rate) and log groups (ingestion + storage over the retention); Container Insights is listed as not priced. */
import { Pricer } from './pricer';
import { asList, num, references, round2 } from './util';

export const LogsPricer: Pricer = {
  family: 'logs',
  types: ['aws_flow_log', 'aws_cloudwatch_log_group'],
  price({ prices, A, all, add, skip }) {
    const cw = prices.cloudwatch;
    // Flow logs first: their destination log group is priced by the flow log (vended-log rate), not the generic assumption.
    const flowLogGroups = new Set<string>();
    for (const [id, fl] of all('aws_flow_log')) {
      const dest = String(fl.log_destination_type ?? 'cloud-watch-logs');
      const rate = dest === 's3' ? cw.vendedLogsToS3Gb : dest === 'cloud-watch-logs' ? cw.vendedLogsToCloudWatchGb : undefined;
      for (const r of [...references(fl.log_destination), ...references(fl.log_group_name)]) if (r.type === 'aws_cloudwatch_log_group') flowLogGroups.add(r.id);
      if (rate === undefined) skip('aws_flow_log', 1, `${id}: destination ${dest} not in the price table`);
      else add({ type: 'aws_flow_log', item: `flow-log delivery to ${dest} (assumed ${A.flowLogGbPerMonth} GB)`, count: 1, monthlyUsd: A.flowLogGbPerMonth * rate, basis: `${A.flowLogGbPerMonth} GB x $${rate}`, usageAssumption: true, guide: 'monitoring' });
    }
    for (const [id, lg] of all('aws_cloudwatch_log_group')) {
      const retentionDays = num(lg.retention_in_days, 0);
      const months = retentionDays > 0 ? retentionDays / 30.4 : A.logRetentionMonthsWhenUnlimited;
      const ingest = flowLogGroups.has(id) ? A.flowLogGbPerMonth : A.logIngestGbPerGroup;
      const stored = ingest * months;
      const storage = stored * cw.logsStorageGbMonth;
      const ingestion = flowLogGroups.has(id) ? 0 : ingest * cw.logsIngestGb;
      add({ type: 'aws_cloudwatch_log_group', item: `${String(lg.name ?? id)} (${flowLogGroups.has(id) ? 'storage only' : 'ingestion + storage'}, ${retentionDays ? `${retentionDays} d` : 'never expires'})`, count: 1, monthlyUsd: ingestion + storage, basis: `${flowLogGroups.has(id) ? '' : `${ingest} GB x $${cw.logsIngestGb} + `}${round2(stored)} GB stored x $${cw.logsStorageGbMonth}`, usageAssumption: true, guide: 'monitoring' });
    }
    const insights = all('aws_ecs_cluster').filter(([, c]) => asList<{ name?: string; value?: string }>(c.setting).some((s) => s.name === 'containerInsights' && s.value !== 'disabled'));
    if (insights.length) skip('aws_ecs_cluster', insights.length, 'Container Insights metrics and performance logs (billed as custom metrics and log ingestion)');
  },
};
