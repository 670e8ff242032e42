/** CloudFront distributions: assumed requests and data out. */
import { Pricer } from './pricer';

export const CloudFrontPricer: Pricer = {
  family: 'CloudFront',
  types: ['aws_cloudfront_distribution'],
  price({ prices, A, all, add, note }) {
    const dists = all('aws_cloudfront_distribution').length;
    if (dists) {
      add({ type: 'aws_cloudfront_distribution', item: `HTTPS requests (assumed ${A.cloudfrontRequestsMillions} M per distribution)`, count: dists, monthlyUsd: dists * A.cloudfrontRequestsMillions * 100 * prices.cloudfront.httpsRequestsPer10k, basis: `${dists} x ${A.cloudfrontRequestsMillions} M / 10k x $${prices.cloudfront.httpsRequestsPer10k}`, usageAssumption: true, guide: 'cdn' });
      add({ type: 'aws_cloudfront_distribution', item: `data transfer out (assumed ${A.cloudfrontDataOutGb} GB per distribution)`, count: dists, monthlyUsd: dists * A.cloudfrontDataOutGb * prices.cloudfront.dataOutGbFirst10Tb, basis: `${dists} x ${A.cloudfrontDataOutGb} GB x $${prices.cloudfront.dataOutGbFirst10Tb}`, usageAssumption: true, guide: 'dataTransfer' });
      note('CloudFront: the always-free tier (1 TB out, 10 M requests a month per account) is not deducted; origin fetches from the ALB are free');
    }
  },
};
