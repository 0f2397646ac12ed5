// Reports over a large ledger (issue #14), on PostgreSQL: 1,000,000 stock movements written set-based,
// then through the server over HTTP: the movements report's first page (reports.run) and its whole
// result streamed as CSV and as .xlsx, against baselines in the same run: the bare first-page
// SELECT, and the same rows read in one go through the same driver (all held in memory). The
// stream's memory is sampled while it runs, to show it holds a page and not the result. Also the
// first page of the valuation at today (one aggregate over every movement).
//
//   BENCH_REPORT_ROWS  ledger rows (default 1000000). Alone: npx tsx bench/reports.ts
import pino from 'pino';
import { startApp } from '../server/app.ts';
import { apiClient } from '../tests/helpers/api-client.ts';
import { freshDatabaseOn } from './fresh-database.ts';

const ADMIN_TOKEN = 'bench-reports-admin-token-0123456789';

export interface ReportsBench {
  rows: number;
  firstPage: { report: number; baseline: number };
  valuationFirstPage: number;
  csv: { seconds: number; bytes: number; peakRssGrowthMb: number };
  xlsx: { seconds: number; bytes: number; peakRssGrowthMb: number };
  readAllBaseline: { seconds: number; rssGrowthMb: number };
}

const seconds = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};
const median3 = async (work: () => Promise<unknown>) => {
  const times = [await seconds(work), await seconds(work), await seconds(work)];
  return times.sort((a, b) => a - b)[1]!;
};
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Downloads a report, sampling this process's memory (the server runs in it) while the body streams. */
async function streamed(url: string): Promise<{ seconds: number; bytes: number; peakRssGrowthMb: number }> {
  global.gc?.();
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  let bytes = 0;
  const time = await seconds(async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    const reader = res.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) bytes += read.value.length;
  });
  clearInterval(timer);
  return { seconds: time, bytes, peakRssGrowthMb: mb(peak - start) };
}

export async function reportsBench(serverUrl: string, rows = Number(process.env.BENCH_REPORT_ROWS ?? 1_000_000)): Promise<ReportsBench> {
  const database = await freshDatabaseOn(serverUrl);
  const app = await startApp(
    { port: 0, dataDir: database.dataDir, databaseUrl: database.url, tls: false, adminToken: ADMIN_TOKEN, logLevel: 'silent' },
    pino({ level: 'silent' }),
  );
  try {
    const api = apiClient(app.url, ADMIN_TOKEN, { batch: false });
    const locations = [
      await api.locations.create.mutate({ name: 'Bench north' }),
      await api.locations.create.mutate({ name: 'Bench south' }),
    ];
    const products = [];
    for (let i = 0; i < 100; i++)
      products.push(
        await api.products.create.mutate({ sku: `REP-${String(i).padStart(3, '0')}`, name: `Report product ${i}`, stockTracked: true }),
      );
    const [{ id: userId }] = await app.db.prisma.$queryRaw<[{ id: number }]>`SELECT id FROM "user" ORDER BY id LIMIT 1`;
    // Set-based setup (not measured): adjustments spread over products and locations, in 10 statements.
    const productIds = products.map((p) => p.id);
    const locationIds = locations.map((l) => l.id);
    for (let start = 0; start < rows; start += rows / 10) {
      await app.db.prisma.$executeRaw`
        INSERT INTO stock_movement (kind, product_id, location_id, quantity, unit_cost, gl_code, narrative, user_id)
        SELECT 'adjustment', (${productIds}::int[])[1 + g % 100], (${locationIds}::int[])[1 + g % 2],
               CASE WHEN g % 3 = 0 THEN -1 ELSE 2 END, 1.25 + (g % 7), '5150', 'bench', ${userId}
        FROM generate_series(${start}::int, ${start + rows / 10 - 1}::int) AS g`;
    }
    await app.db.prisma.$executeRawUnsafe('ANALYZE stock_movement');

    const firstPage = {
      report: await median3(() => api.reports.run.query({ report: 'movements', limit: 200 })),
      baseline: await median3(() => app.db.prisma.$queryRaw`SELECT * FROM stock_movement ORDER BY id LIMIT 200`),
    };
    const valuationFirstPage = await median3(() => api.reports.run.query({ report: 'valuation', limit: 200 }));

    global.gc?.();
    const before = process.memoryUsage().rss;
    const readAll = await seconds(
      () => app.db.prisma.$queryRaw`
        SELECT m.id, m.created_at, m.kind, p.sku, p.name, l.name AS location, m.quantity, m.unit_cost, m.gl_code, m.narrative
        FROM stock_movement m JOIN product p ON p.id = m.product_id JOIN location l ON l.id = m.location_id`,
    );
    const readAllBaseline = { seconds: readAll, rssGrowthMb: mb(process.memoryUsage().rss - before) };
    const csv = await streamed(`${app.url}/reports/movements.csv`);
    const xlsx = await streamed(`${app.url}/reports/movements.xlsx`);
    return { rows, firstPage, valuationFirstPage, csv, xlsx, readAllBaseline };
  } finally {
    await app.stop();
    await database.drop();
  }
}

export function printReportsBench(r: ReportsBench) {
  const fmt = (s: number) => `${s.toFixed(3)} s`;
  console.log(`\nreports over ${r.rows.toLocaleString('en')} ledger rows (PostgreSQL; first pages median of 3)`);
  console.table({
    'bare SELECT … ORDER BY id LIMIT 200 (baseline)': { time: fmt(r.firstPage.baseline) },
    'reports.run movements, first 200 rows': {
      time: fmt(r.firstPage.report),
      'x baseline': +(r.firstPage.report / r.firstPage.baseline).toFixed(1),
    },
    'reports.run valuation at today, first page': { time: fmt(r.valuationFirstPage) },
    'all rows in one SELECT, held in memory (baseline)': {
      time: fmt(r.readAllBaseline.seconds),
      'memory +MB': r.readAllBaseline.rssGrowthMb,
    },
    'movements.csv streamed': {
      time: fmt(r.csv.seconds),
      'x baseline': +(r.csv.seconds / r.readAllBaseline.seconds).toFixed(2),
      MB: mb(r.csv.bytes),
      'memory +MB': r.csv.peakRssGrowthMb,
    },
    'movements.xlsx streamed': {
      time: fmt(r.xlsx.seconds),
      'x baseline': +(r.xlsx.seconds / r.readAllBaseline.seconds).toFixed(2),
      MB: mb(r.xlsx.bytes),
      'memory +MB': r.xlsx.peakRssGrowthMb,
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printReportsBench(await reportsBench(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'));
}
