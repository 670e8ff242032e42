/** Secrets Manager secrets and KMS customer managed keys (+ assumed requests). */
import { Pricer } from './pricer';

export const SecretsAndKeysPricer: Pricer = {
  family: 'secrets and keys',
  types: ['aws_secretsmanager_secret', 'aws_kms_key'],
  price({ prices, A, all, add, note }) {
    const secrets = all('aws_secretsmanager_secret').length;
    if (secrets) add({ type: 'aws_secretsmanager_secret', item: 'secrets', count: secrets, monthlyUsd: secrets * prices.secretsManager.secretMonth, basis: `${secrets} x $${prices.secretsManager.secretMonth}`, usageAssumption: false });
    const keys = all('aws_kms_key');
    if (keys.length) {
      add({ type: 'aws_kms_key', item: 'customer managed keys', count: keys.length, monthlyUsd: keys.length * prices.kms.keyMonth, basis: `${keys.length} x $${prices.kms.keyMonth}`, usageAssumption: false });
      add({ type: 'aws_kms_key', item: `requests (assumed ${A.kmsRequestsPerKey} per key)`, count: keys.length, monthlyUsd: (keys.length * A.kmsRequestsPerKey * prices.kms.requestsPer10k) / 10000, basis: `${keys.length} x ${A.kmsRequestsPerKey} / 10k x $${prices.kms.requestsPer10k}`, usageAssumption: true });
      if (keys.some(([, k]) => k.enable_key_rotation === true)) note('KMS: each of the first two automatic rotations adds $1/month per key (not priced)');
    }
  },
};
