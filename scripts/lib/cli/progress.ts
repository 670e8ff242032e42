/**
 * Shows copy/verify events to a person: live bars (cli-progress) on an interactive terminal,
 * one quiet line per phase and table otherwise (CI, pipes). The engine only emits events;
 * this is the only place that decides how they look.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { CopyEvent } from '../db/copy/index';
import { isInteractive, type Logger } from './log';
import { formatBytes, formatMs } from '../text/units';

export interface ProgressReporter {
  readonly handle: (event: CopyEvent) => void;
  /** Removes the bars; call before printing the summary. */
  stop(): void;
}

const rate = (bytes: number, ms: number) => `${formatBytes(Math.round(bytes / Math.max(ms / 1000, 0.001)))}/s`;

/** Creates a reporter; `interactive` defaults to {@link isInteractive}. */
export function createProgress(log: Logger, interactive = isInteractive()): ProgressReporter {
  if (!interactive) {
    return {
      handle(e) {
        switch (e.type) {
          case 'phase':
            if (e.status === 'start') log.info(`[${e.phase}] started`);
            else log.info(`[${e.phase}] done in ${formatMs(e.ms ?? 0)}`);
            break;
          case 'table-end':
            log.info(`[data] ${e.table}: ${e.rows} rows, ${formatBytes(e.bytes)} in ${formatMs(e.ms)} (${rate(e.bytes, e.ms)})`);
            break;
          case 'verify-table':
            log.debug(`[verify] ${e.table}: ${e.match ? 'match' : 'MISMATCH'} (${formatMs(e.ms)})`);
            break;
          case 'statement':
            log.debug(`[${e.phase}] ${e.object}`);
            break;
          case 'warning':
            log.warn(e.message);
            break;
          default:
            break;
        }
      },
      stop() {},
    };
  }
  const multi = new MultiBar(
    {
      format: ' {table} |{bar}| {value_fmt} / ~{total_fmt}  {rows}  {rate}',
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      stream: process.stderr,
      barsize: 24,
      etaBuffer: 20,
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? formatBytes(v) : String(v)),
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, { bar: SingleBar; started: number; total: number }>();
  // multi.log only shows on the next redraw; with no bar on screen write directly
  const line = (text: string) => (bars.size ? multi.log(`${text}\n`) : process.stderr.write(`${text}\n`));
  return {
    handle(e) {
      switch (e.type) {
        case 'phase':
          line(e.status === 'start' ? `[${e.phase}] started` : `[${e.phase}] done in ${formatMs(e.ms ?? 0)}`);
          break;
        case 'table-start': {
          const total = Math.max(e.estimatedBytes, 1);
          bars.set(e.table, { bar: multi.create(total, 0, { table: e.table, rows: '', rate: '', value_fmt: '0 B', total_fmt: formatBytes(total) }), started: Date.now(), total });
          break;
        }
        case 'table-progress': {
          const b = bars.get(e.table);
          if (!b) break;
          if (e.bytes > b.total) {
            b.total = e.bytes;
            b.bar.setTotal(e.bytes);
          }
          b.bar.update(e.bytes, { value_fmt: formatBytes(e.bytes), total_fmt: formatBytes(b.total), rate: rate(e.bytes, Date.now() - b.started) });
          break;
        }
        case 'table-end': {
          const b = bars.get(e.table);
          if (b) {
            multi.remove(b.bar);
            bars.delete(e.table);
          }
          line(`[data] ${e.table}: ${e.rows} rows, ${formatBytes(e.bytes)} in ${formatMs(e.ms)} (${rate(e.bytes, e.ms)})`);
          break;
        }
        case 'warning':
          line(`warn: ${e.message}`);
          break;
        default:
          break;
      }
    },
    stop() {
      multi.stop();
    },
  };
}
