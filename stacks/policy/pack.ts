/** The Venture Nudge policy pack: every rule, in report order. */
import { PolicyRule } from './rule';
import { AlbAccessLogsEnabled } from './rules/alb-access-logs-enabled';
import { AlbDropsInvalidHeaders } from './rules/alb-drops-invalid-headers';
import { AlbHttpRedirectsToHttps } from './rules/alb-http-redirects-to-https';
import { AlbIngressFromCloudFrontOnly } from './rules/alb-ingress-from-cloudfront-only';
import { AlbListenerTls13Policy } from './rules/alb-listener-tls13-policy';
import { ElbNameLength } from './rules/elb-name-length';
import { SecurityGroupRuleWeight } from './rules/security-group-rule-weight';
import { CloudFrontTlsMinimum } from './rules/cloudfront-tls-minimum';
import { CloudFrontViewerHttps } from './rules/cloudfront-viewer-https';
import { CloudFrontWafAttached } from './rules/cloudfront-waf-attached';
import { EcrImmutableTags } from './rules/ecr-immutable-tags';
import { EcrScanOnPush } from './rules/ecr-scan-on-push';
import { EcsClusterContainerInsights } from './rules/ecs-cluster-container-insights';
import { EcsTaskReadonlyRootFilesystem } from './rules/ecs-task-readonly-root-filesystem';
import { EcsTaskReachesDatabase } from './rules/ecs-task-reaches-database';
import { LogGroupKmsEncrypted } from './rules/log-group-kms-encrypted';
import { NoOpenIngress } from './rules/no-open-ingress';
import { RdsAutoMinorVersionUpgrade } from './rules/rds-auto-minor-version-upgrade';
import { RdsBackupRetention } from './rules/rds-backup-retention';
import { RdsDeletionProtection } from './rules/rds-deletion-protection';
import { RdsDeletionProtectionEverywhere } from './rules/rds-deletion-protection-everywhere';
import { RdsIamAuthentication } from './rules/rds-iam-authentication';
import { SecretKmsEncrypted } from './rules/secret-kms-encrypted';
import { RdsEngineVersionMajorOnly } from './rules/rds-engine-version-major-only';
import { RdsMultiAz } from './rules/rds-multi-az';
import { RdsNotPubliclyAccessible } from './rules/rds-not-publicly-accessible';
import { RdsStorageEncrypted } from './rules/rds-storage-encrypted';
import { S3BucketEncryptionConfigured } from './rules/s3-bucket-encryption-configured';
import { S3BucketPublicAccessBlocked } from './rules/s3-bucket-public-access-blocked';
import { SsmParameterSecureString } from './rules/ssm-parameter-secure-string';
import { VpcFlowLogsEnabled } from './rules/vpc-flow-logs-enabled';

export const POLICY_RULES: readonly PolicyRule[] = [
  RdsStorageEncrypted,
  RdsNotPubliclyAccessible,
  RdsBackupRetention,
  RdsMultiAz,
  RdsDeletionProtection,
  RdsAutoMinorVersionUpgrade,
  RdsEngineVersionMajorOnly,
  RdsIamAuthentication,
  RdsDeletionProtectionEverywhere,
  S3BucketEncryptionConfigured,
  S3BucketPublicAccessBlocked,
  LogGroupKmsEncrypted,
  SsmParameterSecureString,
  SecretKmsEncrypted,
  NoOpenIngress,
  AlbIngressFromCloudFrontOnly,
  SecurityGroupRuleWeight,
  AlbListenerTls13Policy,
  AlbHttpRedirectsToHttps,
  AlbDropsInvalidHeaders,
  AlbAccessLogsEnabled,
  ElbNameLength,
  EcsClusterContainerInsights,
  EcsTaskReadonlyRootFilesystem,
  EcsTaskReachesDatabase,
  EcrScanOnPush,
  EcrImmutableTags,
  CloudFrontTlsMinimum,
  CloudFrontWafAttached,
  CloudFrontViewerHttps,
  VpcFlowLogsEnabled,
];

export {
  AlbAccessLogsEnabled,
  AlbDropsInvalidHeaders,
  AlbHttpRedirectsToHttps,
  AlbIngressFromCloudFrontOnly,
  AlbListenerTls13Policy,
  CloudFrontTlsMinimum,
  CloudFrontViewerHttps,
  CloudFrontWafAttached,
  EcrImmutableTags,
  EcrScanOnPush,
  EcsClusterContainerInsights,
  ElbNameLength,
  EcsTaskReadonlyRootFilesystem,
  EcsTaskReachesDatabase,
  LogGroupKmsEncrypted,
  NoOpenIngress,
  RdsAutoMinorVersionUpgrade,
  RdsBackupRetention,
  RdsDeletionProtection,
  RdsDeletionProtectionEverywhere,
  RdsEngineVersionMajorOnly,
  RdsIamAuthentication,
  RdsMultiAz,
  RdsNotPubliclyAccessible,
  RdsStorageEncrypted,
  S3BucketEncryptionConfigured,
  S3BucketPublicAccessBlocked,
  SecretKmsEncrypted,
  SecurityGroupRuleWeight,
  SsmParameterSecureString,
  VpcFlowLogsEnabled,
};
