/**
 * What an RDS PostgreSQL instance class can hold, for alarm thresholds derived
 * from the configuration (stacks/observability.ts) instead of fixed numbers.
 */

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
