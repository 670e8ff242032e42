import { blocks, boolOf, isUnknown, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** Viewer security policies that accept nothing older than TLS 1.2 with modern ciphers only. */
export const CLOUDFRONT_ACCEPTED_PROTOCOL_VERSIONS = ['TLSv1.2_2021', 'TLSv1.2_2025', 'TLSv1.3_2025'];

/** Browsers reach the CDN over TLS 1.2+ with forward-secret ciphers only. */
export const CloudFrontTlsMinimum: PolicyRule = {
  id: 'VN-CF-1',
  level: 'error',
  description: `CloudFront distributions use a custom certificate with minimum_protocol_version ${CLOUDFRONT_ACCEPTED_PROTOCOL_VERSIONS.join(' / ')}.`,
  fix: 'Set `viewerCertificate: { acmCertificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }` (config: environments.<env>.edge.minimumProtocolVersion).',
  appliesTo: ofTypes('aws_cloudfront_distribution'),
  check(r) {
    const cert = blocks(r.config.viewer_certificate)[0];
    if (!cert) return nonCompliant('viewer_certificate is missing');
    if (boolOf(cert.cloudfront_default_certificate) === true) return nonCompliant('uses the default *.cloudfront.net certificate, which allows TLSv1');
    const v = cert.minimum_protocol_version;
    if (isUnknown(v) || CLOUDFRONT_ACCEPTED_PROTOCOL_VERSIONS.includes(v)) return 'compliant';
    return nonCompliant(`minimum_protocol_version is ${v === undefined ? 'not set (the default is TLSv1)' : `"${v}"`}`);
  },
};
