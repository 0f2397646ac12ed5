// Issue 13's accounting figures: how many requests the relay makes to post a 50,000-line stocktake,
// 1,000 shipments and 10,000 adjustments to Xero, and how long it takes to drain them under Xero's
// limits, against the floor: one request per batch the API accepts (ceil(postings / 50)) and, at 60
// requests a minute, ceil(floor / 60) minutes. Against the Xero stand-in (tests/support/xero), which
// counts Xero's limits on its own clock, with the server's relay (startRelay, one process) on a fresh
// PostgreSQL database.
//
// The stand-in's clock is the relay's (`now`). By default every wait of the relay (`sleep`: for the
// minute window, a Retry-After) moves that clock on at once instead of being slept, so the relay's
// work counts at its real duration and its waits in full, and a drain of many Xero minutes takes the
// work's real time only. A clock scaled N times (waits slept for ms / N) would count every real
// second of the relay's work as N Xero seconds, and that work, about a second per batch of 50 here,
// is as slow as Xero's 60 a minute: BENCH_ACCOUNTING_SCALE=N runs it so, for comparison.
//
// Setup, not measured: the stocktake through the API (bench/stocktake.ts); the shipments with the
// procedures' service functions (createDocument, deliverDocument) without HTTP, and the adjustments
// with the ledger's moveStock, each in its own transaction as stock.adjust makes it (through the API
// they took about 20 ms each here, 10,000 over 3 minutes); all on a connection that does not wait for
// the disk at commit. The relay has its own, ordinary connection to the same database.
//
//   BENCH_DATABASE_URL           PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres).
//   BENCH_ACCOUNTING_SCALE       a clock scaled this many times instead of waits skipped (unset).
//   BENCH_ACCOUNTING_SHIPMENTS   shipments (1000); BENCH_ACCOUNTING_ADJUSTMENTS adjustments (10000).
//   BENCH_ACCOUNTING_CLIENTS     how many of them are created at once (4).
//   BENCH_ACCOUNTING_ITEMS=1     also push the stocktake's 5,000 new products as items and report it (by
//                                default their item postings are skipped: not one of the figures, and
//                                about 2.5 minutes of the relay's work).
//
// Alone: npx tsx bench/accounting.ts
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { databaseTarget, openDatabase, type Database } from '../server/db/database.ts';
import { inTransaction } from '../server/db/transaction.ts';
import { moveStock } from '../server/ledger/index.ts';
import { applyMigrations } from '../server/db/migrate.ts';
import { createServer } from '../server/http/server.ts';
import { PROVIDERS } from '../server/modules/accounting/providers.ts';
import { startRelay } from '../server/modules/accounting/runner.ts';
import { accountingFor, endpointsFrom } from '../server/modules/accounting/runtime.ts';
import { skip } from '../server/modules/accounting/service.ts';
import { createDocument, deliverDocument } from '../server/modules/sales/fulfilment.ts';
import { ensureAdmin } from '../server/modules/users/service.ts';
import { apiClient } from '../tests/helpers/api-client.ts';
import { createClock, startXeroStandIn, type XeroCall, type XeroStandIn } from '../tests/support/xero/index.ts';
import { STAND_IN_MAPPING } from '../tests/support/xero/stocksheet.ts';
import { freshDatabaseOn } from './fresh-database.ts';
import { stocktakeBench } from './stocktake.ts';

const SCALE = process.env.BENCH_ACCOUNTING_SCALE ? Number(process.env.BENCH_ACCOUNTING_SCALE) : null;
const SHIPMENTS = Number(process.env.BENCH_ACCOUNTING_SHIPMENTS ?? 1_000);
const ADJUSTMENTS = Number(process.env.BENCH_ACCOUNTING_ADJUSTMENTS ?? 10_000);
const CLIENTS = Number(process.env.BENCH_ACCOUNTING_CLIENTS ?? 4);
const PUSH_ITEMS = process.env.BENCH_ACCOUNTING_ITEMS === '1';
/** Products the shipments and adjustments are spread over. */
const PRODUCTS = 10;
/** The relay's tick (the server's default), on the relay's clock. */
const RELAY_INTERVAL_MS = 5000;
const ADMIN_TOKEN = 'bench-accounting-admin-token-0123456789abcdef';
/** The reason the stocktake's item postings are skipped with (unless BENCH_ACCOUNTING_ITEMS=1). */
const BENCH_SKIP = 'bench: the stocktake products’ items are not measured';
const XERO = PROVIDERS.xero;
const MAPPING = STAND_IN_MAPPING;

/** What one drain of the queue took: the requests that reached the stand-in, by what they were. */
export interface Drain {
  workload: string;
  entity: 'journal' | 'item';
  /** Postings waiting when the relay started, all posted by the end. */
  postings: number;
  /** Requests to the stand-in (xero.calls: the API's and the identity service's). */
  requests: number;
  /** PUT ManualJournals or POST Items: the batches. */
  writes: number;
  /** GET ManualJournals: looking up postings of unknown outcome. */
  lookups: number;
  /** GET Accounts, TaxRates, Organisation: the chart, tax rates and lock date. */
  reads: number;
  /** Token refreshes at the identity service. */
  tokens: number;
  /** Answers that were 429. */
  limited: number;
  /** One request per batch the API accepts: ceil(postings / per request). */
  floor: number;
  /** From the relay's start to the last posting posted, on the relay's (and the stand-in's) clock. */
  drainMs: number;
  /** Of which the relay waited (slept, or skipped), on that clock. */
  waitedMs: number;
  /** Real time from the relay's start until nothing was left. */
  realMs: number;
  /** The stand-in's mean time to answer one write, on its clock: Xero's share of the drain. */
  writeMs: number;
  /** Most API requests started in any rolling minute, and in flight at once (from the call log). */
  maxPerMinute: number;
  maxConcurrent: number;
}

export interface AccountingFigures {
  /** null: waits skipped, work at its real duration; N: a clock N times real time. */
  scale: number | null;
  drains: Drain[];
  /** Real seconds creating the shipments and the adjustments (setup, not part of the figures). */
  createShipmentsS: number;
  createAdjustmentsS: number;
  /** Item postings of the stocktake's products skipped rather than pushed. */
  itemsSkipped: number;
  stats: ReturnType<XeroStandIn['stats']>;
  realS: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Most calls started within any rolling minute, and most in flight at once. */
function peaks(calls: XeroCall[]) {
  const starts = calls.map((c) => c.startedAt).sort((a, b) => a - b);
  let maxPerMinute = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[j]! <= starts[i]! - 60_000) j++;
    maxPerMinute = Math.max(maxPerMinute, i - j + 1);
  }
  const edges = calls.flatMap((c) => [
    { at: c.startedAt, d: 1 },
    { at: c.endedAt, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d); // an end before a start at the same instant
  let open = 0;
  let maxConcurrent = 0;
  for (const e of edges) maxConcurrent = Math.max(maxConcurrent, (open += e.d));
  return { maxPerMinute, maxConcurrent };
}

/** `count` calls of `work`, `clients` at a time. */
async function inParallel(count: number, clients: number, work: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** The same database with commits that do not wait for the disk: for setting the workloads up quickly. */
function withoutSyncCommit(url: string) {
  const u = new URL(url);
  u.searchParams.set('options', '-c synchronous_commit=off');
  return u.toString();
}

export async function accountingBench(serverUrl: string): Promise<AccountingFigures> {
  const realStart = performance.now();
  const place = await freshDatabaseOn(serverUrl);
  const setupDb: Database = await openDatabase(databaseTarget(withoutSyncCommit(place.url), place.dataDir));
  const db: Database = await openDatabase(databaseTarget(place.url, place.dataDir));
  const clock = createClock(SCALE ? { scale: SCALE } : {});
  const xero = await startXeroStandIn({ clock });
  const log = pino({ level: 'silent' });
  let waited = 0;
  // The relay's clock is the stand-in's; its waits are slept for ms / SCALE, or skipped (the clock moved on).
  const accounting = accountingFor(db, {
    now: () => clock.now(),
    sleep: async (ms) => {
      waited += ms;
      if (SCALE) await realSleep(ms / SCALE);
      else {
        clock.advance(ms);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    endpoints: endpointsFrom({ xero: { apiUrl: xero.apiUrl, identityUrl: xero.identityUrl } }),
  });
  // The server without a relay of its own (startApp's runs on the real clock): the bench starts the relay to drain.
  const server = createServer({ db: setupDb, log, tls: null, accounting });
  try {
    await applyMigrations(db.migrationAdapterFactory);
    await ensureAdmin(db.prisma, ADMIN_TOKEN);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, ADMIN_TOKEN, { batch: false });
    await api.accounting.connect.mutate({
      provider: 'xero',
      clientId: xero.clientId,
      clientSecret: xero.clientSecret,
      tenantId: xero.tenantId,
      refreshToken: xero.issueRefreshToken(),
    });
    await api.settings.update.mutate({ accounting: MAPPING });

    const drains: Drain[] = [];
    /** Runs the relay until nothing is pending, and describes what it sent. */
    const drain = async (workload: string, entity: 'journal' | 'item'): Promise<Drain> => {
      const postings = await db.prisma.accountingPosting.count({ where: { entity, state: 'pending' } });
      const firstCall = xero.calls.length;
      const stored = () => (entity === 'journal' ? xero.journals() : xero.items()).length;
      const storedBefore = stored();
      const clockStart = clock.now();
      const waitedBefore = waited;
      const started = performance.now();
      const relay = startRelay(accounting, log, SCALE ? RELAY_INTERVAL_MS / SCALE : RELAY_INTERVAL_MS);
      try {
        for (;;) {
          await realSleep(20);
          const open = await db.prisma.accountingPosting.count({ where: { state: { in: ['pending', 'in_flight'] } } });
          if (open === 0) break;
          if (performance.now() - started > 15 * 60_000) throw new Error(`accounting bench: ${workload}: not drained in 15 minutes`);
        }
      } finally {
        await relay.stop();
      }
      const realMs = performance.now() - started;
      const unposted = await db.prisma.accountingPosting.findMany({
        where: { OR: [{ state: { notIn: ['posted', 'skipped'] } }, { state: 'skipped', skippedReason: { not: BENCH_SKIP } }] },
        take: 3,
      });
      if (unposted.length > 0)
        throw new Error(
          `accounting bench: ${workload}: postings not posted: ${JSON.stringify(unposted.map((p) => [p.id, p.state, p.lastError ?? p.skippedReason]))}`,
        );
      // Exactly once: each posting is one journal (or item) at Xero.
      if (stored() - storedBefore !== postings)
        throw new Error(`accounting bench: ${workload}: ${postings} postings made ${stored() - storedBefore} ${entity}s at Xero`);
      const last = await db.prisma.accountingPosting.aggregate({ _max: { postedAt: true } });
      const calls = xero.calls.slice(firstCall);
      const apiCalls = calls.filter((c) => c.path.startsWith('/api.xro/'));
      const is = (method: string, tail: string) => (c: XeroCall) => c.method === method && c.path.endsWith(tail);
      const writes = apiCalls.filter(entity === 'journal' ? is('PUT', '/ManualJournals') : is('POST', '/Items'));
      const d: Drain = {
        workload,
        entity,
        postings,
        requests: calls.length,
        writes: writes.length,
        lookups: apiCalls.filter(is('GET', '/ManualJournals')).length,
        reads: apiCalls.filter((c) => c.method === 'GET' && /\/(Accounts|TaxRates|Organisation)$/.test(c.path)).length,
        tokens: calls.filter((c) => c.path.endsWith('/connect/token')).length,
        limited: calls.filter((c) => c.answeredStatus === 429).length,
        floor: Math.ceil(postings / (entity === 'journal' ? XERO.journalsPerRequest : XERO.itemsPerRequest)),
        drainMs: Math.max(0, (last._max.postedAt?.getTime() ?? clockStart) - clockStart),
        waitedMs: waited - waitedBefore,
        realMs,
        writeMs: writes.reduce((sum, c) => sum + c.endedAt - c.startedAt, 0) / Math.max(1, writes.length),
        ...peaks(apiCalls),
      };
      drains.push(d);
      return d;
    };

    // 1. A 50,000-line stocktake. Its 5,000 products are new, so each has an item posting; they are
    // pushed (or skipped) before finalising, which makes one posting: one journal netted per account.
    let itemsSkipped = 0;
    const stocktake = await stocktakeBench(api, setupDb.prisma, async (work) => (await work(), 0), {
      beforeFinalise: async () => {
        if (PUSH_ITEMS) return drain('items: the stocktake’s products', 'item');
        const items = await db.prisma.accountingPosting.findMany({ where: { entity: 'item', state: 'pending' }, select: { id: true } });
        const ids = items.map((p) => p.id);
        itemsSkipped = (await skip(accounting, ids, BENCH_SKIP)).changed;
      },
    });
    await drain(`${stocktake.lines.toLocaleString('en')}-line stocktake, finalised`, 'journal');

    // The shipments' and adjustments' products, in stock (set up in the tables: no postings), pushed as items.
    const location = await api.locations.create.mutate({ name: 'Accounting bench warehouse' });
    const customer = await api.customers.create.mutate({ name: 'Accounting bench customer' });
    const products: number[] = [];
    for (let i = 0; i < PRODUCTS; i++) {
      const p = await api.products.create.mutate({
        sku: `ACC-${i}`,
        name: 'Accounting bench item',
        stockTracked: true,
        sellable: true,
        saleGlCode: '200',
        sellingTaxRate: 'GST on Income',
      });
      products.push(p.id);
    }
    await db.prisma.product.updateMany({ where: { id: { in: products } }, data: { averageCost: 3 } });
    await db.prisma.$executeRaw`
      INSERT INTO stock_level (product_id, location_id, bay_id, quantity)
      SELECT p, ${location.id}, NULL, 1000000 FROM unnest(${products}::int[]) AS p`;
    await drain(`items: ${PRODUCTS} products`, 'item');

    // 2. Shipments of one line each, created and shipped (the procedures' service functions, without HTTP): one posting each.
    const userId = (await db.prisma.user.findFirstOrThrow({ where: { role: 'admin' } })).id;
    let t = performance.now();
    await inParallel(SHIPMENTS, CLIENTS, async (i) => {
      const shipment = await createDocument(setupDb.prisma, userId, 'shipment', {
        customerId: customer.id,
        locationId: location.id,
        lines: [{ productId: products[i % PRODUCTS]!, quantity: 1 + (i % 3), unitPrice: 9.5 }],
      });
      await deliverDocument(setupDb.prisma, userId, 'shipment', { id: shipment.id, idempotencyKey: randomUUID() });
    });
    const createShipmentsS = (performance.now() - t) / 1000;
    await drain(`${SHIPMENTS.toLocaleString('en')} shipments`, 'journal');

    // 3. Adjustments, each in its own transaction as stock.adjust makes them (one posting each), by the
    // ledger's moveStock without the procedure's checks and idempotency row: the same queue, quicker.
    t = performance.now();
    await inParallel(ADJUSTMENTS, CLIENTS, (i) =>
      inTransaction(setupDb.prisma, (tx) =>
        moveStock(
          tx,
          { productId: products[i % PRODUCTS]!, locationId: location.id, bayId: null, batchId: null },
          { kind: 'adjustment', quantity: i % 2 === 0 ? 2 : -1, unitCost: 3, userId, glCode: MAPPING.adjustmentAccount },
        ),
      ),
    );
    const createAdjustmentsS = (performance.now() - t) / 1000;
    await drain(`${ADJUSTMENTS.toLocaleString('en')} adjustments`, 'journal');

    const figures: AccountingFigures = {
      scale: SCALE,
      drains,
      createShipmentsS,
      createAdjustmentsS,
      itemsSkipped,
      stats: xero.stats(),
      realS: (performance.now() - realStart) / 1000,
    };
    checkLimits(figures);
    return figures;
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await xero.close();
    await setupDb.close();
    await db.close();
    await place.drop();
  }
}

/** Xero's limits held, by the stand-in's count and by the call log; any 429 means they did not. Else the bench fails. */
function checkLimits(figures: AccountingFigures) {
  const { perMinute, concurrent } = XERO.limits;
  const broken = [
    figures.stats.maxPerMinute > perMinute! && `${figures.stats.maxPerMinute} requests reached the stand-in within a minute`,
    figures.stats.maxConcurrent > concurrent! && `${figures.stats.maxConcurrent} requests were at the stand-in at once`,
    ...figures.drains.map((d) => d.limited > 0 && `${d.workload}: ${d.limited} answers were 429`),
  ].filter(Boolean);
  if (broken.length > 0) throw new Error(`accounting bench: Xero's limits were not held: ${broken.join('; ')}`);
}

const minutes = (ms: number) => ms / 60_000;

export function printAccountingBench(f: AccountingFigures) {
  const clock = f.scale
    ? `a clock ${f.scale} times real time (a Xero minute in ${(60 / f.scale).toFixed(1)} s; the relay's work counts ${f.scale} times)`
    : `the relay's work at its real duration and its waits skipped on the clock (counted, not slept)`;
  console.log(
    `\naccounting: one relay posting to the Xero stand-in, ${clock}; ${XERO.journalsPerRequest} journals or items a request, ` +
      `${XERO.limits.perMinute} requests a minute, ${XERO.limits.concurrent} at once`,
  );
  console.table(
    Object.fromEntries(
      f.drains.map((d) => {
        // 60 a minute: ceil(n / 60) minutes for n batches. Xero's minute is a rolling window, so the
        // first 60 may go at once and the last of n can start at floor((n - 1) / 60) minutes.
        const floorMinutes = Math.ceil(d.floor / XERO.limits.perMinute!);
        return [
          d.workload,
          {
            postings: d.postings,
            requests: d.requests,
            'floor (1 a batch)': d.floor,
            'x floor': +(d.requests / d.floor).toFixed(2),
            'writes/lookups/reads/tokens': `${d.writes}/${d.lookups}/${d.reads}/${d.tokens}`,
            'drain, min': +minutes(d.drainMs).toFixed(2),
            'floor, min': floorMinutes,
            'x floor min': +(minutes(d.drainMs) / floorMinutes).toFixed(2),
            'last batch not before, min': Math.floor((d.floor - 1) / XERO.limits.perMinute!),
            'waited, min': +minutes(d.waitedMs).toFixed(2),
            'Xero ms/write': Math.round(d.writeMs),
            'max a minute': d.maxPerMinute,
            'max at once': d.maxConcurrent,
            'real s': +(d.realMs / 1000).toFixed(1),
          },
        ];
      }),
    ),
  );
  console.log(
    `stand-in: ${f.stats.requests} API requests, at most ${f.stats.maxPerMinute} in a minute (limit ${XERO.limits.perMinute}) and ` +
      `${f.stats.maxConcurrent} at once (limit ${XERO.limits.concurrent}). Setup: ${SHIPMENTS.toLocaleString('en')} shipments in ` +
      `${f.createShipmentsS.toFixed(1)} s (createDocument + deliverDocument) and ${ADJUSTMENTS.toLocaleString('en')} adjustments in ` +
      `${f.createAdjustmentsS.toFixed(1)} s (a transaction of moveStock each), ${CLIENTS} at a time` +
      (f.itemsSkipped
        ? `; the stocktake's ${f.itemsSkipped.toLocaleString('en')} item postings skipped (BENCH_ACCOUNTING_ITEMS=1 pushes them)`
        : '') +
      `. The accounting bench took ${f.realS.toFixed(0)} s.`,
  );
}

// `npx tsx bench/accounting.ts`: this bench alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printAccountingBench(await accountingBench(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'));
}
