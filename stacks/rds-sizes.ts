/**
 * What an RDS PostgreSQL instance class can hold, for alarm thresholds derived
 * from the configuration (stacks/observability.ts) instead of fixed numbers.
 */

import { nearest } from '../scripts/lib/text/nearest';

/** Memory (GiB) of the burstable classes, which do not follow the per-vCPU ratio. */
const BURSTABLE_GIB: Readonly<Record<string, number>> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, '2xlarge': 32 };

/** GiB of memory per vCPU by family letter: general purpose (m), memory optimised (r, z), extra memory (x). */
const GIB_PER_VCPU: Readonly<Record<string, number>> = { m: 4, r: 8, z: 8, x: 16 };

/** Memory of an instance class in GiB, e.g. 4 for `db.t3.medium`; undefined when the class is not recognised. */
export function instanceMemoryGib(instanceClass: string): number | undefined {
  const m = /^db\.([a-z]+)(\d+)[a-z-]*\.([a-z0-9]+)$/.exec(instanceClass);
  if (!m) return undefined;
  const [, letters, , size] = m;
  if (letters === 't') return BURSTABLE_GIB[size];
  const perVcpu = GIB_PER_VCPU[letters[0]];
  const vcpus = size === 'large' ? 2 : size === 'xlarge' ? 4 : /^(\d+)xlarge$/.test(size) ? 4 * Number(size.replace('xlarge', '')) : undefined;
  return perVcpu && vcpus ? perVcpu * vcpus : undefined;
}

/**
 * RDS PostgreSQL's default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000),
 * where DBInstanceClassMemory is the class memory less what RDS reserves (about 256 MiB on
 * small classes, so db.t3.small gives about 197 and db.t3.medium about 422).
 */
export function defaultMaxConnections(instanceClass: string): number | undefined {
  const gib = instanceMemoryGib(instanceClass);
  if (gib === undefined) return undefined;
  const usable = (gib * 1024 - 256) * 1024 * 1024;
  return Math.min(Math.floor(usable / 9531392), 5000);
}

/** Sizes this table knows, per family kind: burstable (t) or by vCPU (m, r, x, z). */
const VCPU_SIZES = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'];

/**
 * The known class closest to a class this table does not recognise (`db.t3.mediun` -> `db.t3.medium`),
 * or undefined when nothing is close enough to be a typo of it.
 */
export function nearestInstanceClass(instanceClass: string): string | undefined {
  const m = /^db\.([a-z]+\d+[a-z-]*)\.([a-z0-9]+)$/.exec(instanceClass);
  const families = ['t3', 't4g', 'm5', 'm6g', 'm6i', 'm7g', 'r5', 'r6g', 'r6i', 'r7g', 'x2g', 'z1d'];
  const candidates = families.flatMap((f) => (f.startsWith('t') ? Object.keys(BURSTABLE_GIB) : VCPU_SIZES).map((size) => `db.${f}.${size}`));
  // Keep the family the user wrote when it is one we know: only the size was mistyped.
  const sameFamily = m ? candidates.filter((c) => c.startsWith(`db.${m[1]}.`)) : [];
  return nearest(instanceClass, sameFamily.length ? sameFamily : candidates);
}
