/** S3 buckets: assumed Standard storage. */
import { Pricer } from './pricer';

export const S3Pricer: Pricer = {
  family: 'S3',
  types: ['aws_s3_bucket'],
  price({ prices, A, all, add, note }) {
    const buckets = all('aws_s3_bucket').length;
    if (buckets) {
      add({ type: 'aws_s3_bucket', item: `Standard storage (assumed ${A.s3GbPerBucket} GB per bucket)`, count: buckets, monthlyUsd: buckets * A.s3GbPerBucket * prices.s3.standardGbMonth, basis: `${buckets} x ${A.s3GbPerBucket} GB x $${prices.s3.standardGbMonth}`, usageAssumption: true, guide: 's3' });
      note('S3: request charges (PUT/GET) are not priced; log delivery PUTs are small');
    }
  },
};
