import { setImmediate as nextTurn } from 'node:timers/promises';
import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlQuery,
  SqlResultSet,
  Transaction,
} from '@prisma/driver-adapter-utils';
import { DomainError } from '../domain/errors.ts';

/**
 * The embedded database has one connection, and PGlite runs each statement synchronously on the
 * JavaScript thread. Every use of the connection (a transaction from BEGIN to COMMIT, or one
 * statement outside a transaction) first takes its turn here:
 *
 * - turns are given in arrival order (a queue, handed from one holder straight to the next: nobody
 *   can overtake, so nobody is starved);
 * - a request that has not got its turn within `waitMs` is refused with DATABASE_BUSY (a 503 that
 *   says to retry) and leaves the queue: its work never starts, so nothing of it is written;
 * - a transaction that holds the connection yields to the event loop between its statements (at
 *   most every 20 ms), so the server keeps accepting requests and answering refusals on time while
 *   a long write runs.
 *
 * What the bound cannot do: a transaction that has started runs to its end (up to Prisma's
 * transaction timeout), and one statement cannot be interrupted (a 100,000-row INSERT holds the
 * thread for its whole run), so a refusal can come late by up to the statement running at the time.
 */
export class DatabaseBusyError extends DomainError {
  constructor(waitedMs: number, ahead: number) {
    super(
      'DATABASE_BUSY',
      `The embedded database is busy: this request waited ${(waitedMs / 1000).toFixed(1)} s for its turn ` +
        `(${ahead} ahead of it; a large paste or receipt holds it for a while) and did not start, so nothing was changed. ` +
        'Send it again in a few seconds. For many people at once, run Stocksheet on PostgreSQL (DATABASE_URL).',
    );
  }
}

interface Waiter {
  grant(): void;
  refuse(error: Error): void;
  enqueuedAt: number;
  deadline: number;
  ahead: number;
  timer: NodeJS.Timeout | undefined;
}

export class ConnectionQueue {
  /** The bound on a request's wait, in ms (Infinity: none). */
  readonly waitMs: number;
  #held = false;
  #waiters: Waiter[] = [];

  constructor(waitMs: number) {
    this.waitMs = waitMs;
  }

  /** Requests waiting for the connection (not counting the one using it). */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with a release function once it is this caller's turn, or rejects with DatabaseBusyError. */
  acquire(): Promise<() => void> {
    if (!this.#held && this.#waiters.length === 0) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const enqueuedAt = performance.now();
      const waiter: Waiter = {
        grant: () => resolve(this.#releaser()),
        refuse: reject,
        enqueuedAt,
        deadline: enqueuedAt + this.waitMs,
        ahead: this.#waiters.length + 1,
        // No bound (Infinity): wait however long it takes.
        timer: Number.isFinite(this.waitMs)
          ? setTimeout(() => {
              const at = this.#waiters.indexOf(waiter);
              if (at < 0) return;
              this.#waiters.splice(at, 1);
              reject(new DatabaseBusyError(performance.now() - enqueuedAt, waiter.ahead));
            }, this.waitMs).unref()
          : undefined,
      };
      this.#waiters.push(waiter);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#handOver();
    };
  }

  /** Gives the connection to the first waiter still within its bound (refusing those past it), or frees it. */
  #handOver() {
    for (let next = this.#waiters.shift(); next; next = this.#waiters.shift()) {
      clearTimeout(next.timer);
      const now = performance.now();
      // Its timer could not fire while a statement held the thread: the bound still holds.
      if (now > next.deadline) {
        next.refuse(new DatabaseBusyError(now - next.enqueuedAt, next.ahead));
        continue;
      }
      next.grant();
      return;
    }
    this.#held = false;
  }
}

const YIELD_EVERY_MS = 20;

/** A driver adapter factory whose connections take turns through `queue` (see ConnectionQueue). */
export function queuedAdapterFactory<F extends SqlDriverAdapterFactory>(inner: F, queue: ConnectionQueue): SqlDriverAdapterFactory {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => queuedAdapter(await inner.connect(), queue),
  };
}

function queuedAdapter(inner: SqlDriverAdapter, queue: ConnectionQueue): SqlDriverAdapter {
  const inTurn = async <T>(work: () => Promise<T>): Promise<T> => {
    const release = await queue.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  };
  const adapter: SqlDriverAdapter = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query: SqlQuery) => inTurn(() => inner.queryRaw(query)),
    executeRaw: (query: SqlQuery) => inTurn(() => inner.executeRaw(query)),
    executeScript: (script: string) => inTurn(() => inner.executeScript(script)),
    startTransaction: async (isolationLevel?: IsolationLevel) => {
      const release = await queue.acquire();
      try {
        return queuedTransaction(await inner.startTransaction(isolationLevel), release);
      } catch (error) {
        release();
        throw error;
      }
    },
    dispose: () => inner.dispose(),
  };
  if (inner.getConnectionInfo) adapter.getConnectionInfo = () => inner.getConnectionInfo!();
  return adapter;
}

function queuedTransaction(inner: Transaction, release: () => void): Transaction {
  let lastTurn = performance.now();
  // Lets the event loop run (new requests queue, overdue waiters are refused) between statements.
  const letOthersIn = async () => {
    if (performance.now() - lastTurn < YIELD_EVERY_MS) return;
    await nextTurn();
    lastTurn = performance.now();
  };
  const ending = async (end: () => Promise<void>) => {
    try {
      await end();
    } finally {
      release();
    }
  };
  const tx: Transaction = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    options: inner.options,
    queryRaw: async (query: SqlQuery): Promise<SqlResultSet> => {
      await letOthersIn();
      return inner.queryRaw(query);
    },
    executeRaw: async (query: SqlQuery): Promise<number> => {
      await letOthersIn();
      return inner.executeRaw(query);
    },
    commit: () => ending(() => inner.commit()),
    rollback: () => ending(() => inner.rollback()),
  };
  if (inner.createSavepoint) tx.createSavepoint = (name) => inner.createSavepoint!(name);
  if (inner.rollbackToSavepoint) tx.rollbackToSavepoint = (name) => inner.rollbackToSavepoint!(name);
  if (inner.releaseSavepoint) tx.releaseSavepoint = (name) => inner.releaseSavepoint!(name);
  return tx;
}
