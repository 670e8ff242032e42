/** The pricers `estimateCost` runs, in report order (a resource family per file, like the policy rules). */
import { Pricer } from './pricer';
import { FargatePricer } from './fargate';
import { RdsPricer } from './rds';
import { LoadBalancerPricer } from './load-balancer';
import { NatPricer } from './nat';
import { CloudFrontPricer } from './cloudfront';
import { WafPricer } from './waf';
import { CloudWatchPricer } from './cloudwatch';
import { LogsPricer } from './logs';
import { SecretsAndKeysPricer } from './secrets-and-keys';
import { S3Pricer } from './s3';
import { EcrPricer } from './ecr';
import { Route53Pricer } from './route53';
import { BudgetsPricer } from './budgets';

export const PRICERS: readonly Pricer[] = [
  FargatePricer,
  RdsPricer,
  LoadBalancerPricer,
  NatPricer,
  CloudFrontPricer,
  WafPricer,
  CloudWatchPricer,
  LogsPricer,
  SecretsAndKeysPricer,
  S3Pricer,
  EcrPricer,
  Route53Pricer,
  BudgetsPricer,
];
