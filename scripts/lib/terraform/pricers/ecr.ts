/** ECR repositories: images kept (from the lifecycle policy) x assumed image size. */
import { Pricer } from './pricer';
import { references } from './util';

export const EcrPricer: Pricer = {
  family: 'ECR',
  types: ['aws_ecr_repository'],
  price({ prices, A, all, add }) {
    for (const [id] of all('aws_ecr_repository')) {
      const policy = all('aws_ecr_lifecycle_policy').find(([, p]) => references(p.repository).some((r) => r.type === 'aws_ecr_repository' && r.id === id));
      let kept = A.ecrImagesKept;
      if (policy && typeof policy[1].policy === 'string') {
        const rules = (JSON.parse(policy[1].policy).rules ?? []) as { selection?: { countType?: string; countNumber?: number; tagStatus?: string } }[];
        const byCount = rules.map((r) => r.selection).filter((s) => s?.countType === 'imageCountMoreThan').map((s) => s!.countNumber ?? kept);
        if (byCount.length) kept = Math.max(...byCount);
      }
      add({ type: 'aws_ecr_repository', item: `${kept} images kept${policy ? ' (lifecycle policy)' : ' (assumed)'} x ${A.ecrImageGb} GB`, count: 1, monthlyUsd: kept * A.ecrImageGb * prices.ecr.storageGbMonth, basis: `${kept} x ${A.ecrImageGb} GB x $${prices.ecr.storageGbMonth}`, usageAssumption: true, guide: 'ecr' });
    }
  },
};
