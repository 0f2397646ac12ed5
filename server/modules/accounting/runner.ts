import type { Logger } from 'pino';
import { releaseOrphans } from './claims.ts';
import { LEDGER_SYNC_INTERVAL_MS, syncLedgerIfDue } from './ledger-sync.ts';
import { drainOnce } from './relay.ts';
import type { Accounting } from './runtime.ts';

export interface RunningRelay {
  /** Something was enqueued or retried: drain now rather than at the next tick. */
  wake(): void;
  stop(): Promise<void>;
}

/**
 * The relay of one server process: drains the outbox every `intervalMs` (and when woken), and reads
 * the general ledger every `ledgerIntervalMs` (0: never) beside it, after a pass that left nothing
 * due, so postings go first. Every process runs one; they share the queue, the ledger read and the
 * rate limits through the database.
 */
export function startRelay(
  accounting: Accounting,
  log: Logger,
  intervalMs = 5000,
  ledgerIntervalMs = LEDGER_SYNC_INTERVAL_MS,
): RunningRelay {
  let running = true;
  let wakeUp: (() => void) | null = null;
  let ledgerRead: Promise<unknown> | null = null;
  /** A ledger read beside the relay, when one is due and none is running in this process. */
  const readLedger = () => {
    if (ledgerIntervalMs <= 0 || ledgerRead) return;
    ledgerRead = syncLedgerIfDue(accounting, log, ledgerIntervalMs).finally(() => {
      ledgerRead = null;
    });
  };
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
        // Nothing is due any more: the ledger's pages take their turn.
        if (result.state === 'idle') readLedger();
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
      await ledgerRead;
    },
  };
}
