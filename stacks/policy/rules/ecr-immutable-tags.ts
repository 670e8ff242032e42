import { isUnknown, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** A deployed tag always means the same image: rollbacks and audits are trustworthy. */
export const EcrImmutableTags: PolicyRule = {
  id: 'VN-ECR-2',
  level: 'error',
  description: 'ECR repositories have immutable image tags.',
  fix: 'Set `imageTagMutability: "IMMUTABLE"` on the `EcrRepository` and push a new tag (e.g. the git SHA) per build.',
  appliesTo: ofTypes('aws_ecr_repository'),
  check(repo) {
    const m = repo.config.image_tag_mutability;
    if (isUnknown(m) || (typeof m === 'string' && m.startsWith('IMMUTABLE'))) return 'compliant';
    return nonCompliant(`image_tag_mutability is ${m === undefined ? 'not set (the default is MUTABLE)' : `"${m}"`}`);
  },
};
