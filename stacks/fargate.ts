/**
 * Fargate task sizes: the one validator that both the config schema
 * (stacks/config/service.ts, runner.ts) and the service construct (stacks/service.ts) use.
 */

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Valid Fargate task sizes: CPU units -> allowed memory (MiB). */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** What is wrong with a CPU/memory pair, naming the field (`cpu` or `memory`); undefined when Fargate accepts it. */
export function fargateSizeProblem(cpu: number, memory: number): { field: 'cpu' | 'memory'; message: string } | undefined {
  const allowed = FARGATE_SIZES[cpu];
  if (!allowed) return { field: 'cpu', message: `${cpu} is not a Fargate CPU size; use one of ${Object.keys(FARGATE_SIZES).join(', ')}` };
  if (!allowed.includes(memory)) {
    const step = allowed.length > 1 ? allowed[1] - allowed[0] : allowed[0];
    return { field: 'memory', message: `${memory} MiB is not valid with cpu ${cpu}; allowed: ${allowed[0]}..${allowed[allowed.length - 1]} in steps of ${step}` };
  }
  return undefined;
}
