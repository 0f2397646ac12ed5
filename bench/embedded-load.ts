import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TRPCClientError } from '@trpc/client';
import pino from 'pino';
import { startApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { DEFAULT_DATABASE_WAIT_MS } from '../server/db/database.ts';
import { freshDatabaseOn } from './fresh-database.ts';
import { apiClient } from '../tests/helpers/api-client.ts';

const SERIALS = Number(process.env.BENCH_LOAD_SERIALS ?? 100_000);
const READERS = Number(process.env.BENCH_LOAD_READERS ?? 4);
const WRITERS = Number(process.env.BENCH_LOAD_WRITERS ?? 4);
/** Each client's pause between its requests (people, not a loop). */
const PAUSE_MS = Number(process.env.BENCH_LOAD_PAUSE_MS ?? 50);
const ADMIN_TOKEN = 'bench-load-admin-token-0123456789abcdef';
/** The embedded database's wait bound, as the server would take it from STOCKSHEET_DB_WAIT_SECONDS. */
const WAIT_MS = loadConfig().databaseWaitMs ?? DEFAULT_DATABASE_WAIT_MS;

type Outcome = 'ok' | 'busy' | 'error';
interface Sample {
  ms: number;
  outcome: Outcome;
}

export interface LoadFigures {
  database: 'pglite' | 'postgresql';
  serials: number;
  /** How long the big write took, in seconds. */
  writeSeconds: number;
  reads: Sample[];
  writes: Sample[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issue 11's load figures: while one request writes SERIALS serials (serials.add with one range,
 * as a large paste does), READERS clients read (serials.list, 20 rows) and WRITERS clients make
 * short writes (serials.add of one serial), each waiting PAUSE_MS between its requests, until the
 * big write has answered. Every request's time is kept with how it ended: answered, refused
 * DATABASE_BUSY (PGlite's bounded wait, 503), or failed. Through the HTTP API, on PGlite (a
 * temp data folder) or on a fresh database of the PostgreSQL server at `serverUrl`.
 */
export async function embeddedLoadBench(database: 'pglite' | 'postgresql', serverUrl: string): Promise<LoadFigures> {
  const place =
    database === 'postgresql'
      ? await freshDatabaseOn(serverUrl)
      : (() => {
          const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stocksheet-bench-pglite-'));
          return { url: undefined, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
        })();
  const app = await startApp(
    {
      port: 0,
      dataDir: place.dataDir,
      databaseUrl: place.url,
      tls: false,
      adminToken: ADMIN_TOKEN,
      logLevel: 'silent',
      databaseWaitMs: WAIT_MS,
    },
    pino({ level: 'silent' }),
  );
  try {
    const api = apiClient(app.url, ADMIN_TOKEN, { batch: false });
    const location = await api.locations.create.mutate({ name: 'Load bench warehouse' });
    const big = await api.products.create.mutate({ sku: 'LOAD-BIG', name: 'load bench, big paste', serialised: true });
    const small = await api.products.create.mutate({ sku: 'LOAD-SMALL', name: 'load bench, short writes', serialised: true });
    // Something to read, and warm paths.
    await api.serials.add.mutate({ productId: small.id, locationId: location.id, text: 'WARM0001-WARM0100', idempotencyKey: randomUUID() });
    await api.serials.list.query({ productId: small.id, limit: 20 });

    const reads: Sample[] = [];
    const writes: Sample[] = [];
    let writing = true;
    let next = 0;
    const timed = async (into: Sample[], call: () => Promise<unknown>) => {
      const started = performance.now();
      let outcome: Outcome = 'ok';
      try {
        await call();
      } catch (error) {
        outcome =
          error instanceof TRPCClientError && (error.data as { reason?: string } | undefined)?.reason === 'DATABASE_BUSY'
            ? 'busy'
            : 'error';
        if (outcome === 'error') console.error(`load bench (${database}): ${(error as Error).message}`);
      }
      into.push({ ms: performance.now() - started, outcome });
    };
    const client = async (into: Sample[], call: () => Promise<unknown>) => {
      while (writing) {
        await timed(into, call);
        await sleep(PAUSE_MS);
      }
    };

    const started = performance.now();
    const bigWrite = api.serials.add
      .mutate({
        productId: big.id,
        locationId: location.id,
        text: `BIG${'1'.padStart(6, '0')}-BIG${String(SERIALS).padStart(6, '0')}`,
        idempotencyKey: randomUUID(),
      })
      .finally(() => (writing = false));
    await sleep(100); // the big write is on its way first
    const clients = [
      ...Array.from({ length: READERS }, () => client(reads, () => api.serials.list.query({ productId: small.id, limit: 20 }))),
      ...Array.from({ length: WRITERS }, (_, w) =>
        client(writes, () =>
          api.serials.add.mutate({
            productId: small.id,
            locationId: location.id,
            serials: [`W${w}-${++next}`],
            idempotencyKey: randomUUID(),
          }),
        ),
      ),
    ];
    const added = await bigWrite;
    const writeSeconds = (performance.now() - started) / 1000;
    await Promise.all(clients);
    if (added.added !== SERIALS) throw new Error(`load bench: expected ${SERIALS} serials added, got ${added.added}`);
    return { database, serials: SERIALS, writeSeconds, reads, writes };
  } finally {
    await app.stop();
    await place.drop();
  }
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** One row per database and kind of request: how many, how they ended, the 99th percentile and the longest wait. */
export function loadTable(figures: LoadFigures[]) {
  const ms = (value: number) => (Number.isNaN(value) ? '-' : `${Math.round(value).toLocaleString('en')} ms`);
  const rows: Record<string, Record<string, string | number>> = {};
  for (const f of figures) {
    for (const [kind, samples] of [
      ['reads', f.reads],
      ['short writes', f.writes],
    ] as const) {
      const times = samples.map((s) => s.ms);
      rows[`${f.database}: ${kind}`] = {
        requests: samples.length,
        answered: samples.filter((s) => s.outcome === 'ok').length,
        'busy (503)': samples.filter((s) => s.outcome === 'busy').length,
        failed: samples.filter((s) => s.outcome === 'error').length,
        p99: ms(percentile(times, 99)),
        longest: ms(Math.max(...times)),
        [`during the ${f.serials.toLocaleString('en')}-serial write`]: `${f.writeSeconds.toFixed(1)} s`,
      };
    }
  }
  return rows;
}

/** Both databases, one after the other, and their table. */
export async function printLoadBench(serverUrl: string) {
  const figures = [await embeddedLoadBench('pglite', serverUrl), await embeddedLoadBench('postgresql', serverUrl)];
  console.log(
    `\nreads and short writes while one request writes ${SERIALS.toLocaleString('en')} serials: ${READERS} readers, ${WRITERS} writers, ` +
      `${PAUSE_MS} ms between a client's requests; PGlite refuses a request after ${WAIT_MS / 1000} s in its queue (STOCKSHEET_DB_WAIT_SECONDS)`,
  );
  console.table(loadTable(figures));
  return figures;
}

// `npx tsx bench/embedded-load.ts`: this bench alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await printLoadBench(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
}
