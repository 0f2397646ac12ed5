import type { Logger } from 'pino';
import { releaseOrphans } from './claims.ts';
import { drainOnce } from './relay.ts';
import type { Accounting } from './runtime.ts';

export interface RunningRelay {
  /** Something was enqueued or retried: drain now rather than at the next tick. */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * The relay of one server process: drains the outbox every `intervalMs` (and when woken). Every
 * process runs one; they share the queue and the rate limits through the database.
 */
export function startRelay(accounting: Accounting, log: Logger, intervalMs = 5000): RunningRelay {
  let running = true;
  let wakeUp: (() => void) | null = null;
  const wake = () => wakeUp?.();
  accounting.wake = wake;
  const loop = (async () => {
    if (accounting.db.kind === 'pglite') {
      const orphans = await releaseOrphans(accounting).catch(() => 0);
      if (orphans > 0)
        log.warn({ orphans }, 'accounting postings left in flight by a stopped server are looked up before anything is sent again');
    }
    while (running) {
      try {
        const result = await drainOnce(accounting, log);
        if (result.sent > 0) log.info({ sent: result.sent }, 'accounting postings sent');
      } catch (error) {
        log.error({ err: error }, 'the accounting relay failed; it tries again');
      }
      if (!running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = null;
    }
  })();
  return {
    wake,
    async stop() {
      running = false;
      wake();
      await loop;
    },
  };
}
