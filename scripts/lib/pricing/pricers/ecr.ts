/** ECR repositories: images kept (from the lifecycle policy) x assumed image size. */
import { Pricer } from './pricer';
import { references } from './util';

function parseJsonOrUndefined(text: string): { rules?: unknown[] } | undefined {
  try {
    return JSON.parse(text) as { rules?: unknown[] };
  } catch {
    return undefined;
  }
}

export const EcrPricer: Pricer = {
  family: 'ECR',
  types: ['aws_ecr_repository'],
  price({ prices, A, all, add }) {
    for (const [id] of all('aws_ecr_repository')) {
      const policy = all('aws_ecr_lifecycle_policy').find(([, p]) => references(p.repository).some((r) => r.type === 'aws_ecr_repository' && r.id === id));
      let kept = A.ecrImagesKept;
      // HCL output writes the policy as a `${jsonencode(...)}` expression: no count to read, keep the assumption.
      const doc = policy && typeof policy[1].policy === 'string' ? parseJsonOrUndefined(policy[1].policy) : undefined;
      if (doc) {
        const rules = (doc.rules ?? []) as { selection?: { countType?: string; countNumber?: number; tagStatus?: string } }[];
        const byCount = rules.map((r) => r.selection).filter((s) => s?.countType === 'imageCountMoreThan').map((s) => s!.countNumber ?? kept);
        if (byCount.length) kept = Math.max(...byCount);
      }
      add({ type: 'aws_ecr_repository', item: `${kept} images kept${policy ? ' (lifecycle policy)' : ' (assumed)'} x ${A.ecrImageGb} GB`, count: 1, monthlyUsd: kept * A.ecrImageGb * prices.ecr.storageGbMonth, basis: `${kept} x ${A.ecrImageGb} GB x $${prices.ecr.storageGbMonth}`, usageAssumption: true, guide: 'ecr' });
    }
  },
};
