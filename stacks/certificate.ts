import { Construct } from 'constructs';
import { TerraformProvider } from 'cdktf';
import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';

export interface CertificateProps {
  /** Primary name, e.g. `venturenudge.com`. */
  readonly domainName: string;
  /** Extra names. @default ["*.<domainName>"] */
  readonly subjectAlternativeNames?: string[];
  /** Zone that receives the DNS validation records. */
  readonly zoneId: string;
  /** Provider (region) the certificate lives in; CloudFront needs us-east-1. @default the stack's default provider */
  readonly provider?: TerraformProvider;
}

/** A DNS-validated ACM certificate; `certificateArn` is usable only once validation has completed. */
export class Certificate extends Construct {
  /** ARN taken from the validation resource, so dependents wait for issuance. */
  readonly certificateArn: string;

  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id);
    const cert = new AcmCertificate(this, 'certificate', {
      provider: props.provider,
      domainName: props.domainName,
      subjectAlternativeNames: props.subjectAlternativeNames ?? [`*.${props.domainName}`],
      validationMethod: 'DNS',
      keyAlgorithm: 'RSA_2048',
      options: { certificateTransparencyLoggingPreference: 'ENABLED' },
      lifecycle: { createBeforeDestroy: true },
    });
    // ACM's validation record for `*.example.com` is the one for `example.com`, so one
    // record per base name suffices. Its name/value are picked with a static key, so
    // plan needs no apply-time key (a for_each over domain_validation_options cannot
    // be planned before the certificate exists).
    const baseNames = [...new Set([props.domainName, ...(props.subjectAlternativeNames ?? [`*.${props.domainName}`])].map((n) => n.replace(/^\*\./, '')))];
    const records = baseNames.map((name, i) => {
      const pick = (attr: string) => `\${one([for o in ${cert.fqn}.domain_validation_options : o.${attr} if o.domain_name == "${name}"])}`;
      return new Route53Record(this, `validation-${i}`, {
        zoneId: props.zoneId,
        name: pick('resource_record_name'),
        type: pick('resource_record_type'),
        records: [pick('resource_record_value')],
        ttl: 60,
        allowOverwrite: true,
      });
    });
    const validation = new AcmCertificateValidation(this, 'validation-wait', {
      provider: props.provider,
      certificateArn: cert.arn,
      validationRecordFqdns: records.map((r) => r.fqdn),
    });
    this.certificateArn = validation.certificateArn;
  }
}
