import { blocks, boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Known CVEs in a pushed image are reported before it is deployed. */
export const EcrScanOnPush: PolicyRule = {
  id: 'VN-ECR-1',
  level: 'error',
  description: 'ECR repositories scan images on push (or the registry scanning configuration does).',
  fix: 'Set `imageScanningConfiguration: { scanOnPush: true }` on the `EcrRepository`, or add an `EcrRegistryScanningConfiguration` with a SCAN_ON_PUSH or CONTINUOUS_SCAN rule.',
  appliesTo: ofTypes('aws_ecr_repository'),
  check(repo, context) {
    const v = boolOf(blocks(repo.config.image_scanning_configuration)[0]?.scan_on_push);
    if (v === true || v === 'unknown') return 'compliant';
    const registry = context
      .ofType('aws_ecr_registry_scanning_configuration')
      .some((c) => blocks(c.config.rule).some((r) => ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'].includes(r.scan_frequency)));
    return registry ? 'compliant' : nonCompliant('image_scanning_configuration.scan_on_push is not true');
  },
};
