/** RDS PostgreSQL: instance class, Multi-AZ and storage from the instance (and its managed master-password secret). */
import { Pricer } from './pricer';
import { asList, instances, num, usd } from './util';

export const RdsPricer: Pricer = {
  family: 'RDS',
  types: ['aws_db_instance'],
  price({ prices, H, all, add, skip, note }) {
    for (const [id, db] of all('aws_db_instance')) {
      const { n } = instances(db);
      const cls = String(db.instance_class ?? '');
      const hourly = (prices.rds.instanceHourly as Record<string, number>)[cls];
      const multiAz = db.multi_az === true;
      if (db.engine !== prices.rds.engine) {
        skip('aws_db_instance', n, `${id}: engine ${String(db.engine)} is not in the price table (PostgreSQL only)`);
        continue;
      }
      if (hourly === undefined) skip('aws_db_instance', n, `${id}: instance class ${cls} is not in the price table; add it to prices-us-east-1.json`);
      else {
        const m = multiAz ? prices.rds.multiAzInstanceMultiplier : 1;
        add({ type: 'aws_db_instance', item: `${cls} instance hours${multiAz ? ' (Multi-AZ)' : ''}`, count: n, monthlyUsd: n * hourly * m * H, basis: `${n} x $${hourly}/h${multiAz ? ` x ${m} (Multi-AZ)` : ''} x ${H} h`, usageAssumption: false, guide: 'database' });
      }
      const storageType = String(db.storage_type ?? 'gp2');
      const gbMonth = (prices.rds.storageGbMonth as Record<string, number>)[storageType];
      const gbs = num(db.allocated_storage, 0);
      if (gbMonth === undefined) skip('aws_db_instance', n, `${id}: storage type ${storageType} not in the price table`);
      else {
        const m = multiAz ? prices.rds.multiAzStorageMultiplier : 1;
        add({ type: 'aws_db_instance', item: `${storageType} storage ${gbs} GB${multiAz ? ' (Multi-AZ)' : ''}`, count: n, monthlyUsd: n * gbs * gbMonth * m, basis: `${n} x ${gbs} GB x $${gbMonth}${multiAz ? ` x ${m}` : ''}`, usageAssumption: false, guide: 'database' });
        const max = num(db.max_allocated_storage, 0);
        if (max > gbs) note(`Storage autoscaling: ${id} may grow to ${max} GB (+${usd(n * (max - gbs) * gbMonth * m)}/month at the ceiling)`);
      }
      if (db.iops !== undefined || db.storage_throughput !== undefined) skip('aws_db_instance', n, `${id}: provisioned IOPS/throughput above the gp3 baseline`);
      if (/^db\.t/.test(cls)) note(`${id}: burstable ${cls} runs in unlimited mode on RDS; sustained CPU above baseline is billed as CPU credits (not priced)`);
      if (num(db.performance_insights_retention_period, 7) > 7) skip('aws_db_instance', n, `${id}: Performance Insights retention beyond the free 7 days`);
      if (num(db.monitoring_interval, 0) > 0 || asList(db.enabled_cloudwatch_logs_exports).length) note(`${id}: Enhanced Monitoring and exported PostgreSQL logs are CloudWatch Logs ingestion (not priced; usually a few dollars)`);
      note(`${id}: backup storage up to the allocated size is free; beyond that and snapshots kept after deletion are not priced`);
      if (db.manage_master_user_password === true) add({ type: 'aws_secretsmanager_secret', item: `RDS-managed master password secret (${id})`, count: n, monthlyUsd: n * prices.secretsManager.secretMonth, basis: `${n} x $${prices.secretsManager.secretMonth}`, usageAssumption: false });
    }
  },
};
