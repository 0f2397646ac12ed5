// npm run bench: 100,000 serials through the API against a plain INSERT of the same rows, on
// PostgreSQL, in the same run (the machines are shared and noisy: the ratio is the figure):
// serials.add in add-in sized requests, and a purchase order line's serials set and received.
// Then a 50,000-line stocktake, and allocation (bench/allocation.ts): 8 clients allocating serials
// at once against bare one-UPDATE transactions, and one 10,000-serial line suggested and allocated
// against one set-based UPDATE. Last, reads and short writes answered while one request writes
// 100,000 serials, on PGlite and on PostgreSQL (bench/embedded-load.ts; alone: npx tsx bench/embedded-load.ts).
// Then the accounting figures (bench/accounting.ts; alone: npx tsx bench/accounting.ts): the requests and
// the time to post a 50,000-line stocktake, 1,000 shipments and 10,000 adjustments to the Xero stand-in
// under Xero's limits, against one request per batch of 50 and 60 requests a minute.
// Then reports over 1,000,000 ledger rows (bench/reports.ts; alone: npx tsx bench/reports.ts): the movements
// report's first page and its whole result streamed as CSV and .xlsx, against the bare SELECTs.
//
//   BENCH_DATABASE_URL  PostgreSQL server to use (default postgresql://postgres@127.0.0.1:5432/postgres);
//                       a fresh database is created and dropped.
//   BENCH_SERIALS       how many serials (default 100000); BENCH_CHUNK serials per request (default 10000).
//   BENCH_ALLOC_WORKERS, BENCH_ALLOC_REQUESTS, BENCH_ALLOC_QUANTITY, BENCH_ALLOC_STOCK, BENCH_ALLOC_LINE
//                       clients (8), requests per client (30), serials per request (5), serials in stock
//                       (100000), serials on the one big line (10000).
//   BENCH_LOAD_SERIALS, BENCH_LOAD_READERS, BENCH_LOAD_WRITERS, BENCH_LOAD_PAUSE_MS
//                       the big write (100000 serials), reading clients (4), short-writing clients (4),
//                       pause between a client's requests (50 ms).
//   BENCH_ACCOUNTING_SHIPMENTS, BENCH_ACCOUNTING_ADJUSTMENTS, BENCH_ACCOUNTING_SCALE, BENCH_ACCOUNTING_ITEMS
//                       see bench/accounting.ts.
//   BENCH_REPORT_ROWS   ledger rows for the reports figures (default 1000000).
//   BENCH_PANE_ROWS     report rows the Reports panel inserts into a sheet through the fake Excel (default 100000;
//                       bench/reports-pane.ts, alone: npx tsx bench/reports-pane.ts).
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { startApp } from '../server/app.ts';
import { accountingBench, printAccountingBench } from './accounting.ts';
import { printReportsBench, reportsBench } from './reports.ts';
import { printReportsPaneBench, reportsPaneBench } from './reports-pane.ts';
import { allocationBench } from './allocation.ts';
import { printLoadBench } from './embedded-load.ts';
import { freshDatabaseOn } from './fresh-database.ts';
import { stocktakeBench } from './stocktake.ts';
import { apiClient } from '../tests/helpers/api-client.ts';

const TOTAL = Number(process.env.BENCH_SERIALS ?? 100_000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 10_000);
const ROUNDS = 3;
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = await freshDatabaseOn(serverUrl);
const app = await startApp(
  { port: 0, dataDir: database.dataDir, databaseUrl: database.url, tls: false, adminToken: ADMIN_TOKEN, logLevel: 'silent' },
  pino({ level: 'silent' }),
);
const api = apiClient(app.url, ADMIN_TOKEN, { batch: false });

const serials = (prefix: string) => Array.from({ length: TOTAL }, (_, i) => `${prefix}${String(i + 1).padStart(6, '0')}`);
const seconds = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const location = await api.locations.create.mutate({ name: 'Bench warehouse' });
const raw: number[] = [];
const viaApi: number[] = [];
const previewText: number[] = [];
const previewList: number[] = [];
const purchase: number[] = [];
const purchaseSet: number[] = [];
const supplier = await api.suppliers.create.mutate({ name: 'Bench supplier' });
for (let round = 0; round < ROUNDS; round++) {
  // Baseline: the same rows into the same table with one set-based statement, no checks, no ledger.
  const rawProduct = await api.products.create.mutate({ sku: `RAW-${round}`, name: 'raw', serialised: true });
  const rawSerials = serials('SN');
  raw.push(
    await seconds(
      () =>
        app.db.prisma.$executeRaw`
        INSERT INTO serial_number (product_id, serial, status, location_id, unit_cost)
        SELECT ${rawProduct.id}, s, 'in_stock', ${location.id}, 0 FROM unnest(${rawSerials}::text[]) AS s`,
    ),
  );

  const product = await api.products.create.mutate({ sku: `API-${round}`, name: 'api', serialised: true });
  const all = serials('SN');
  previewList.push(await seconds(() => api.serials.preview.query({ productId: product.id, serials: all })));
  previewText.push(
    await seconds(() => api.serials.preview.query({ productId: product.id, text: `SN000001-SN${String(TOTAL).padStart(6, '0')}` })),
  );
  viaApi.push(
    await seconds(async () => {
      for (let i = 0; i < all.length; i += CHUNK) {
        await api.serials.add.mutate({
          productId: product.id,
          locationId: location.id,
          serials: all.slice(i, i + CHUNK),
          unitCost: 12.5,
          idempotencyKey: randomUUID(),
        });
      }
    }),
  );

  // Purchasing: the whole list set on one order line in one request (as the add-in saves a table),
  // then received: checks, pending rows, serials, stock level, ledger rows, order status.
  const bought = await api.products.create.mutate({
    sku: `PO-${round}`,
    name: 'po',
    serialised: true,
    purchasable: true,
    purchaseGlCode: '310',
    purchaseTaxRate: 'GST on Expenses',
  });
  const order = await api.purchaseOrders.create.mutate({
    supplierId: supplier.id,
    locationId: location.id,
    currency: 'USD',
    exchangeRate: 1.5,
    lines: [{ productId: bought.id, quantity: TOTAL, unitCost: 10 }],
  });
  await api.purchaseOrders.issue.mutate({ id: order.id });
  const lineId = order.lines[0]!.id;
  const set = await seconds(() => api.purchaseOrders.setLineSerials.mutate({ lineId, serials: all, idempotencyKey: randomUUID() }));
  const received = await seconds(() =>
    api.purchaseOrders.receive.mutate({ purchaseOrderId: order.id, lines: [{ lineId, quantity: TOTAL }], idempotencyKey: randomUUID() }),
  );
  purchaseSet.push(set);
  purchase.push(set + received);
}

// One stocktake run (its setup is large): a 50,000-line count end to end.
const stocktake = await stocktakeBench(api, app.db.prisma, seconds);

const [{ count }] = await app.db.prisma.$queryRaw<
  [{ count: number }]
>`SELECT COUNT(*)::int AS count FROM serial_number WHERE status = 'in_stock'`;
if (count !== TOTAL * ROUNDS * 3) throw new Error(`expected ${TOTAL * ROUNDS * 3} serials in stock, found ${count}`);

// Allocation (after the count above: it leaves serials of its own in stock): 8 clients at once, and
// one 10,000-serial line.
const allocation = await allocationBench(api, app.db.prisma, seconds);
await app.stop();
await database.drop();

const rawS = median(raw);
const apiS = median(viaApi);
const fmt = (s: number) => `${s.toFixed(3)} s`;
console.log(
  `\n${TOTAL.toLocaleString('en')} serials per measure; serials.add ${CHUNK.toLocaleString('en')} per request; PostgreSQL; median of ${ROUNDS}`,
);
console.table({
  'raw INSERT ... SELECT unnest (baseline)': { time: fmt(rawS) },
  'serials.add over HTTP (checks + ledger)': { time: fmt(apiS), 'x baseline': +(apiS / rawS).toFixed(2) },
  'serials.preview, list of serials': { time: fmt(median(previewList)) },
  'serials.preview, one range in text': { time: fmt(median(previewText)) },
  'PO line: setLineSerials + receive': { time: fmt(median(purchase)), 'x baseline': +(median(purchase) / rawS).toFixed(2) },
  '  of which setLineSerials': { time: fmt(median(purchaseSet)) },
});
console.log(`\nstocktake of ${stocktake.lines.toLocaleString('en')} lines (one run)`);
console.table({
  'start (freeze)': { time: fmt(stocktake.start) },
  'submit counts (10 sheets)': { time: fmt(stocktake.submit) },
  variances: { time: fmt(stocktake.variances) },
  'finalise (1% of lines adjusted)': { time: fmt(stocktake.finalise) },
  total: { time: fmt(stocktake.total) },
});
const a = allocation.throughput;
const perSecond = (n: number, s: number) => Math.round(n / s).toLocaleString('en');
console.log(
  `\nallocation: ${allocation.workers} clients at once, ${allocation.requestsPerWorker} requests each (${a.requests.toLocaleString('en')}), ` +
    `${allocation.perRequest} serials per request, ${allocation.stock.toLocaleString('en')} serials in stock; median of ${allocation.rounds}`,
);
console.table({
  'raw: 1 UPDATE per transaction (baseline)': {
    time: fmt(a.baseline),
    'requests/s': perSecond(a.requests, a.baseline),
    'serials/s': perSecond(a.requests * allocation.perRequest, a.baseline),
  },
  'allocateSerials, own serials': {
    time: fmt(a.disjoint),
    'requests/s': perSecond(a.requests, a.disjoint),
    'serials/s': perSecond(a.requests * allocation.perRequest, a.disjoint),
    'x baseline': +(a.disjoint / a.baseline).toFixed(2),
  },
  'allocateSerials, competing serials': {
    time: fmt(a.contended),
    'requests/s': perSecond(a.requests, a.contended),
    'serials/s': perSecond(a.wonSerials, a.contended),
    'x baseline': +(a.contended / a.baseline).toFixed(2),
    refused: `${a.refused} SERIAL_ALLOCATED`,
  },
});
const l = allocation.line;
console.log(`\none line of ${allocation.lineSerials.toLocaleString('en')} serials; median of ${allocation.lineRounds}`);
console.table({
  'raw UPDATE ... FROM unnest (baseline)': { time: fmt(l.baseline) },
  'salesOrders.suggestSerials': { time: fmt(l.suggest) },
  'salesOrders.allocateSerials (the suggestion)': { time: fmt(l.allocate), 'x baseline': +(l.allocate / l.baseline).toFixed(2) },
});
console.log(`ratio api/raw = ${(apiS / rawS).toFixed(2)} (target <= 3)`);
console.log(`ratio purchase/raw = ${(median(purchase) / rawS).toFixed(2)} (target <= 3)`);
console.log(`preview (list) = ${median(previewList).toFixed(3)} s (target < 1 s)`);
console.log(
  `allocation = ${perSecond(a.requests, a.disjoint)} requests/s with ${allocation.workers} clients (${(a.disjoint / a.baseline).toFixed(2)}x baseline)`,
);
console.log(
  `allocate ${allocation.lineSerials.toLocaleString('en')} serials on one line = ${l.allocate.toFixed(3)} s (${(l.allocate / l.baseline).toFixed(2)}x baseline; suggest ${l.suggest.toFixed(3)} s)`,
);

// Reads and short writes during a 100,000-serial write, on PGlite and on PostgreSQL (issue 11).
await printLoadBench(serverUrl);

// Requests and drain time of the accounting relay against the Xero stand-in (issue 13).
printAccountingBench(await accountingBench(serverUrl));

// Reports over a large ledger (issue 14).
printReportsBench(await reportsBench(serverUrl));

// The Reports panel inserting and refreshing 100,000 report rows through the fake Excel (issue 14).
printReportsPaneBench(await reportsPaneBench(serverUrl));

// Products from a sheet: 10,000 rows checked and applied, against a raw INSERT of the same rows (issue 15).
const { printProductImportBench, productImportBench } = await import('./product-import.ts');
printProductImportBench(await productImportBench(serverUrl));
