import { Construct } from 'constructs';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { jsonDocument } from './json-document';

export interface ContainerRepositoryProps {
  /** Repository name, e.g. `venture-nudge-production`. */
  readonly name: string;
  /** KMS key for image encryption. @default AES256 (S3-managed keys) */
  readonly kmsKeyArn?: string;
  /** Untagged images expire this many days after push. @default 7 */
  readonly untaggedExpiryDays?: number;
  /** Images kept; older ones expire. @default 30 */
  readonly keepImages?: number;
  /**
   * Terraform addresses these resources had before (e.g. when the repository
   * lived inside the service construct): written as `moved` blocks so an
   * applied stack keeps its repository and images. @default none
   */
  readonly movedFrom?: { readonly repository: string; readonly lifecycle: string };
  /** Let `terraform destroy` delete the repository with its images (teardown only). @default false */
  readonly forceDelete?: boolean;
}

/** ECR repository: immutable tags, scan on push, a lifecycle that expires untagged and old images. */
export class ContainerRepository extends Construct {
  readonly repositoryUrl: string;
  readonly repositoryArn: string;
  /** The registry id is the account id: no caller-identity look-up needed at plan. */
  readonly accountId: string;

  constructor(scope: Construct, id: string, props: ContainerRepositoryProps) {
    super(scope, id);
    const untaggedDays = props.untaggedExpiryDays ?? 7;
    const keep = props.keepImages ?? 30;
    const repo = new EcrRepository(this, 'repository', {
      name: props.name,
      imageTagMutability: 'IMMUTABLE',
      forceDelete: props.forceDelete ?? false,
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: props.kmsKeyArn ? 'KMS' : 'AES256', kmsKey: props.kmsKeyArn }],
    });
    const lifecycle = new EcrLifecyclePolicy(this, 'lifecycle', {
      repository: repo.name,
      policy: jsonDocument(this, {
        rules: [
          { rulePriority: 1, description: `Expire untagged images after ${untaggedDays} days`, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: untaggedDays }, action: { type: 'expire' } },
          { rulePriority: 2, description: `Keep the last ${keep} images`, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep }, action: { type: 'expire' } },
        ],
      }),
    });
    if (props.movedFrom) {
      repo.moveFromId(props.movedFrom.repository);
      lifecycle.moveFromId(props.movedFrom.lifecycle);
    }
    this.repositoryUrl = repo.repositoryUrl;
    this.repositoryArn = repo.arn;
    this.accountId = repo.registryId;
  }
}
