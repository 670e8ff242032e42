/**
 * What one machine can do as a load generator: the open-file limit (every connection is
 * a file descriptor), the ephemeral port range (one source IP can hold at most that many
 * connections to one destination), and how busy the generator itself was during a run.
 */
import { readdirSync, readFileSync, readlinkSync } from 'fs';
import { cpus, loadavg } from 'os';
import { monitorEventLoopDelay, performance } from 'perf_hooks';

/** Descriptors kept free for the process itself (stdio, DNS, log files, ...). */
export const FD_HEADROOM = 64;

export interface FdLimit {
  readonly soft: number;
  readonly hard: number;
  /** Why the limit is too low for the connections asked for. */
  readonly problem?: string;
}

/** Soft and hard RLIMIT_NOFILE of `pid` from /proc (Linux); undefined elsewhere. */
export function readFdLimit(pid: number | 'self' = 'self'): { soft: number; hard: number } | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const m = line?.match(/Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/);
    if (!m) return undefined;
    const n = (s: string) => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
    return { soft: n(m[1]), hard: n(m[2]) };
  } catch {
    return undefined;
  }
}

/**
 * Checks that `connections` sockets fit under this process's open-file limit. Node itself
 * raises its soft RLIMIT_NOFILE to the hard limit at start-up (on Linux and macOS), so the
 * soft limit is already as high as an unprivileged process can make it; when the hard
 * limit is too low, the problem says what to raise.
 */
export function ensureFdLimit(connections: number): FdLimit {
  const needed = connections + FD_HEADROOM;
  const limit = readFdLimit();
  if (!limit) return { soft: NaN, hard: NaN, problem: 'open-file limit unknown (no /proc): check `ulimit -n` is above the connection count' };
  if (limit.soft >= needed) return limit;
  const why = limit.hard < needed ? `the hard limit is ${limit.hard}` : `the hard limit is ${limit.hard}, but the soft limit was not raised`;
  return { ...limit, problem: `${connections} connections need ${needed} open files but the soft limit is ${limit.soft} (${why}); raise it before running: \`ulimit -n ${needed}\` (as root, or the hard limit in /etc/security/limits.conf or the container's --ulimit nofile)` };
}

/** Size of the local ephemeral port range (Linux), or undefined. */
export function ephemeralPorts(): number | undefined {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return hi - lo + 1;
  } catch {
    return undefined;
  }
}

export interface GeneratorUsage {
  /** CPU time of this process over wall time, in % of one core (the generator runs on one thread). */
  readonly cpuPercent: number;
  /** 99th percentile of the event-loop delay, ms: high means the generator fell behind its own timers. Undefined when no sample was taken. */
  readonly eventLoopDelayP99Ms?: number;
  /** Peak resident memory, MiB. */
  readonly rssMiB: number;
  /** 1-minute load average at the end and the machine's core count: a load above the cores means the generator was starved of CPU by other processes. */
  readonly loadAverage: number;
  readonly cores: number;
}

export interface GeneratorMeter {
  /** Restarts the CPU and event-loop figures (called when full load begins, so set-up does not count). */
  reset(): void;
  stop(): GeneratorUsage;
}

/** Starts measuring this process. */
export function measureGenerator(): GeneratorMeter {
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let rss = process.memoryUsage().rss;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 500);
  sampler.unref();
  return {
    reset: () => {
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      loop.reset();
    },
    stop: () => {
      clearInterval(sampler);
      loop.disable();
      const cpu = process.cpuUsage(cpu0);
      const wall = performance.now() - t0;
      return {
        cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(wall, 1)) * 100),
        ...(loop.count > 0 ? { eventLoopDelayP99Ms: Math.round(loop.percentile(99) / 1e5) / 10 } : {}),
        rssMiB: Math.round(Math.max(rss, process.memoryUsage().rss) / 1048576),
        loadAverage: Math.round(loadavg()[0] * 10) / 10,
        cores: cpus().length,
      };
    },
  };
}

/** Socket inodes of this process (Linux /proc/self/fd), or undefined off Linux. */
function ownSocketInodes(): Set<string> | undefined {
  try {
    const inodes = new Set<string>();
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        /* closed meanwhile */
      }
    }
    return inodes;
  } catch {
    return undefined;
  }
}

/**
 * TCP connections of this process in state ESTABLISHED to `port` (remote), counted by
 * the kernel (/proc/net/tcp and tcp6): the concurrency the generator really holds,
 * whether or not the server has accepted and answered them yet. Undefined off Linux.
 */
export function establishedTo(port: number): number | undefined {
  const inodes = ownSocketInodes();
  if (!inodes) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length > 9 && f[3] === '01' && f[2].endsWith(`:${hexPort}`) && inodes.has(f[9])) count++;
    }
  }
  return count;
}
