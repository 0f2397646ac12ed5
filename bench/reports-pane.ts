// The Reports panel's figures (issue #14): 100,000 report rows inserted into a sheet through the
// fake Excel (tests/support/fake-excel.ts, which measures every request as Excel on the web limits
// them) by the pane's own code (addin/features/reports/report-runner.ts over addin/excel/office-tables.ts),
// against a baseline in the same run: the same cells written with one plain chunked range write
// (the port's writeCells). Requests to Excel, their bytes (the fake's own measure of each request
// and response) and the time are given for both, and as ratios. Then a Refresh of the same sheet
// (the table's 100,000 rows rewritten in place), and the same report grown from half its rows.
//
// The report is stock on hand, built set-based in the bench's own PostgreSQL database: 10,000
// products (SKUs with leading zeros, kept as text) in 10 bays, one level each (not measured). Its
// pages are fetched from the server over HTTP, 5,000 rows a request as the pane fetches them, and
// timed apart; the insert and refresh then replay those pages from memory, so their time is the
// pane's work and the fake's (the fake answers at once: Excel's own time is not in it, so the
// request and byte counts are the figures to compare; the time ratio says what the table costs
// the pane over a bare write).
//
//   BENCH_DATABASE_URL   PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres).
//   BENCH_PANE_ROWS      report rows (default 100000; a multiple of 10).
//
// Alone: npx tsx bench/reports-pane.ts
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import type { CellValue, WorkbookPort } from '../addin/excel/port.ts';
import {
  fetchAllRows,
  insertReport,
  refreshReportSheet,
  type ReportPage,
  type ReportSummary,
  type RunPage,
} from '../addin/features/reports/report-runner.ts';
import { tableRows } from '../addin/features/reports/report-values.ts';
import { startApp } from '../server/app.ts';
import { apiClient } from '../tests/helpers/api-client.ts';
import { createFakeExcel, type SyncRecord } from '../tests/support/fake-excel.ts';
import { freshDatabaseOn } from './fresh-database.ts';

// The pane's Office.js layer, loaded by its path: the bench is type-checked with the server
// (tsconfig.server.json, no Office types) and that layer is the one part of the pane that needs them.
const OFFICE_WORKBOOK = '../addin/excel/office-workbook.ts';
const { createOfficeWorkbook } = (await import(OFFICE_WORKBOOK)) as { createOfficeWorkbook: () => WorkbookPort };

const ROWS = Number(process.env.BENCH_PANE_ROWS ?? 100_000);
const BAYS = 10;
const ADMIN_TOKEN = 'bench-reports-pane-admin-token-0123456789';
const REPORT = 'stockOnHand';
const CONTEXT = { serverUrl: 'bench', user: { name: 'bench', role: 'admin' }, timeZone: 'UTC' };

/** Requests to Excel, their bytes and the time of one piece of work on a fresh fake workbook. */
export interface ExcelWork {
  requests: number;
  requestBytes: number;
  responseBytes: number;
  largestRequestBytes: number;
  seconds: number;
}

export interface ReportsPaneBench {
  rows: number;
  columns: number;
  fetch: { pages: number; seconds: number };
  insert: ExcelWork;
  baseline: ExcelWork;
  refresh: ExcelWork;
  grow: ExcelWork & { from: number };
}

function measured(syncs: SyncRecord[], seconds: number): ExcelWork {
  return {
    requests: syncs.length,
    requestBytes: syncs.reduce((sum, s) => sum + s.requestBytes, 0),
    responseBytes: syncs.reduce((sum, s) => sum + s.responseBytes, 0),
    largestRequestBytes: Math.max(0, ...syncs.map((s) => s.requestBytes)),
    seconds,
  };
}

/** Work on a fresh fake Excel installed as the globals, measured from its syncs alone (syncs made setting up are not counted). */
async function onFakeExcel(setUp: (port: WorkbookPort) => Promise<void>, work: (port: WorkbookPort) => Promise<void>) {
  const fake = createFakeExcel();
  const uninstall = fake.install(globalThis);
  try {
    const port = createOfficeWorkbook();
    await setUp(port);
    const before = fake.syncs.length;
    global.gc?.();
    const started = performance.now();
    await work(port);
    const seconds = (performance.now() - started) / 1000;
    const failed = fake.syncs.filter((s) => s.error);
    if (failed.length > 0) throw new Error(`a request to the fake Excel failed: ${failed[0]!.error}`);
    return { fake, work: measured(fake.syncs.slice(before), seconds) };
  } finally {
    uninstall();
  }
}

export async function reportsPaneBench(serverUrl: string, rows = ROWS): Promise<ReportsPaneBench> {
  if (rows % BAYS !== 0) throw new Error(`BENCH_PANE_ROWS must be a multiple of ${BAYS}`);
  const database = await freshDatabaseOn(serverUrl);
  const app = await startApp(
    { port: 0, dataDir: database.dataDir, databaseUrl: database.url, tls: false, adminToken: ADMIN_TOKEN, logLevel: 'silent' },
    pino({ level: 'silent' }),
  );
  try {
    const api = apiClient(app.url, ADMIN_TOKEN, { batch: false });
    // Set-based setup (not measured): products in one statement, one level per product and bay in another.
    const location = await api.locations.create.mutate({ name: 'Pane bench' });
    const bays: number[] = [];
    for (let b = 0; b < BAYS; b++) bays.push((await api.locations.addBay.mutate({ locationId: location.id, name: `Bay ${b + 1}` })).id);
    const products = rows / BAYS;
    await app.db.prisma.product.createMany({
      data: Array.from({ length: products }, (_, i) => ({
        sku: `0${String(i).padStart(6, '0')}`,
        name: `Pane bench item ${i}`,
        stockTracked: true,
        averageCost: 1 + (i % 17) / 4,
      })),
    });
    await app.db.prisma.$executeRaw`
      INSERT INTO stock_level (product_id, location_id, bay_id, quantity)
      SELECT p.id, ${location.id}, b, 1 + (p.id % 50) FROM product p, unnest(${bays}::int[]) AS b WHERE p.sku LIKE '0%'`;

    const reports = (await api.reports.list.query()) as ReportSummary[];
    const summary = reports.find((r) => r.id === REPORT);
    if (!summary) throw new Error(`the server has no ${REPORT} report`);

    // The pages over HTTP, as the pane fetches them; kept to replay.
    const pages: ReportPage[] = [];
    const fetchRun: RunPage = async (input) => {
      const page = await api.reports.run.query(input);
      pages.push(page);
      return page;
    };
    const fetchStarted = performance.now();
    const fetched = await fetchAllRows(fetchRun, REPORT, {});
    const fetchSeconds = (performance.now() - fetchStarted) / 1000;
    if (fetched.rows.length !== rows) throw new Error(`expected ${rows} rows, the report gave ${fetched.rows.length}`);

    /** The fetched pages again, from memory (the first `limit` rows when smaller). */
    const replay = (limit = rows): RunPage => {
      let index = 0;
      const cut = pages.flatMap((p) => p.rows).slice(0, limit);
      return async ({ cursor }) => {
        index = cursor ? Number(cursor) : 0;
        const page = pages[0]!;
        const next = index + 5000;
        return {
          ...page,
          rows: cut.slice(index, next),
          totals: index === 0 ? page.totals : null,
          nextCursor: next < cut.length ? String(next) : null,
        };
      };
    };
    const input = { report: summary, params: {}, shown: {} };

    const insert = await onFakeExcel(
      async () => undefined,
      async (port) => void (await insertReport(port, replay(), input, CONTEXT)),
    );
    const table = insert.fake.workbook.tables()[0];
    if (!table || table.bodyRows !== rows) throw new Error(`the inserted table has ${table?.bodyRows} rows, not ${rows}`);

    // Baseline: the header and the same cells, one plain chunked range write.
    const cells: CellValue[][] = [
      fetched.first.columns.map((c) => c.label),
      ...tableRows(fetched.first.columns, fetched.rows, { dateSystem: '1900', timeZone: 'UTC' }),
    ];
    const baseline = await onFakeExcel(
      async () => undefined,
      async (port) => port.writeCells('Sheet1', 0, 0, cells),
    );

    // Refresh: the same rows rewritten into the same table.
    const refresh = await onFakeExcel(
      async (port) => void (await insertReport(port, replay(), input, CONTEXT)),
      async (port) => void (await refreshReportSheet(port, replay(), reports, 'Stock on hand', CONTEXT)),
    );
    // Grown: inserted with half the rows, refreshed with all of them (rows added to the table).
    const half = rows / 2;
    const grow = await onFakeExcel(
      async (port) => void (await insertReport(port, replay(half), input, CONTEXT)),
      async (port) => void (await refreshReportSheet(port, replay(), reports, 'Stock on hand', CONTEXT)),
    );
    if (grow.fake.workbook.tables()[0]!.bodyRows !== rows) throw new Error('the grown table does not hold every row');

    return {
      rows,
      columns: fetched.first.columns.length,
      fetch: { pages: pages.length, seconds: fetchSeconds },
      insert: insert.work,
      baseline: baseline.work,
      refresh: refresh.work,
      grow: { ...grow.work, from: half },
    };
  } finally {
    await app.stop();
    await database.drop();
  }
}

export function printReportsPaneBench(f: ReportsPaneBench) {
  const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
  const ratio = (a: number, b: number) => +(a / b).toFixed(2);
  const row = (w: ExcelWork) => ({
    requests: w.requests,
    'request bytes': mb(w.requestBytes),
    'largest request': mb(w.largestRequestBytes),
    time: `${w.seconds.toFixed(2)} s`,
    'x requests': ratio(w.requests, f.baseline.requests),
    'x bytes': ratio(w.requestBytes, f.baseline.requestBytes),
    'x time': ratio(w.seconds, f.baseline.seconds),
  });
  console.log(
    `\nReports panel: ${f.rows.toLocaleString('en')} stock-on-hand rows × ${f.columns} columns into a sheet through the fake Excel ` +
      `(5 MB request limit); fetched first over HTTP in ${f.fetch.pages} pages, ${f.fetch.seconds.toFixed(2)} s (not in the times below)`,
  );
  console.table({
    'plain chunked range write (baseline)': row(f.baseline),
    'Insert into sheet: table, formats, totals': row(f.insert),
    'Refresh in place (same rows)': row(f.refresh),
    [`Refresh growing ${f.grow.from.toLocaleString('en')} → ${f.rows.toLocaleString('en')} rows`]: row(f.grow),
  });
  console.log(
    `reports pane insert = ${ratio(f.insert.requests, f.baseline.requests)}x requests, ${ratio(f.insert.requestBytes, f.baseline.requestBytes)}x bytes, ` +
      `${ratio(f.insert.seconds, f.baseline.seconds)}x time of a plain chunked write; largest request ${mb(f.insert.largestRequestBytes)} (limit 5 MB)`,
  );
}

// `npx tsx bench/reports-pane.ts`: this bench alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printReportsPaneBench(await reportsPaneBench(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'));
}
