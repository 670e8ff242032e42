/** Validators more than one area of the config uses: name patterns, CIDRs, log retention, Route 53 weights. */
import { z } from 'zod';

export const HOSTNAME = /^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$/;
export const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
export const AZ = /^[a-z]{2}-[a-z]+-\d[a-z]$/;
export const REGION = /^[a-z]{2}-[a-z]+-\d$/;
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
export const WINDOW = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/;
export const MAINT_WINDOW = /^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/;
export const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
export const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(\d|[12]\d|3[0-2])$/;
const LOG_RETENTION = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const weight = z
  .number()
  .int('must be a whole number')
  .min(0, 'Route 53 weights must be within 0..255')
  .max(255, 'Route 53 weights must be within 0..255');

export const retention = z
  .number()
  .int()
  .refine((d) => LOG_RETENTION.includes(d), `must be one of CloudWatch's retention periods: ${LOG_RETENTION.join(', ')}`);

/** Numeric value of a dotted IPv4 address. */
function ipv4Value(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** True when IPv4 CIDR `outer` contains every address of `inner` (e.g. 0.0.0.0/0 contains 203.0.113.0/24). */
export function cidrContains(outer: string, inner: string): boolean {
  const [oIp, oBits] = outer.split('/');
  const [iIp, iBits] = inner.split('/');
  const ob = Number(oBits);
  if (Number(iBits) < ob) return false;
  const size = 2 ** (32 - ob);
  return Math.floor(ipv4Value(oIp) / size) === Math.floor(ipv4Value(iIp) / size);
}
