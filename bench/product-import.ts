// Products from a sheet (issue #15): 10,000 rows checked (products.previewImport) and applied
// (products.import) through the server over HTTP, as the pane sends them, first as new products and
// then as changes to every one of them (a new name, GL codes, a barcode each), against a set-based
// INSERT of the same 10,000 rows (one unnest statement, no checks) in the same run. On PostgreSQL
// and on the embedded PGlite the server uses by default; median of 3 rounds, each with its own SKUs.
//
//   BENCH_PRODUCT_ROWS  rows per request (default 10000). Alone: npx tsx bench/product-import.ts
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startApp } from '../server/app.ts';
import { withCheckDigit } from '../server/domain/barcode.ts';
import { apiClient } from '../tests/helpers/api-client.ts';
import { freshDatabaseOn } from './fresh-database.ts';

const ADMIN_TOKEN = 'bench-products-admin-token-0123456789';
const ROUNDS = 3;

export interface ProductImportFigures {
  database: 'postgresql' | 'pglite';
  rows: number;
  baselineInsert: number;
  checkCreates: number;
  applyCreates: number;
  checkUpdates: number;
  applyUpdates: number;
}

const seconds = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function measure(database: 'postgresql' | 'pglite', serverUrl: string, rows: number): Promise<ProductImportFigures> {
  const postgres = database === 'postgresql' ? await freshDatabaseOn(serverUrl) : null;
  const dataDir = postgres?.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'stocksheet-bench-products-'));
  const app = await startApp(
    { port: 0, dataDir, databaseUrl: postgres?.url, tls: false, adminToken: ADMIN_TOKEN, logLevel: 'silent' },
    pino({ level: 'silent' }),
  );
  const api = apiClient(app.url, ADMIN_TOKEN, { batch: false });
  const times = { baselineInsert: [] as number[], checkCreates: [] as number[], applyCreates: [] as number[] };
  const updates = { check: [] as number[], apply: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const sheet = (prefix: string, gtinBase: number) =>
        Array.from({ length: rows }, (_, i) => ({
          sku: `${prefix}-${String(i).padStart(6, '0')}`,
          name: `Bench product ${i}`,
          stockTracked: i % 3 !== 0,
          serialised: i % 3 === 1,
          batchTracked: false,
          sellable: true,
          purchasable: true,
          active: true,
          saleGlCode: '200',
          sellingTaxRate: 'GST on Income',
          purchaseGlCode: '300',
          purchaseTaxRate: 'GST on Expenses',
          assetGlCode: '630',
          cogsGlCode: '500',
          barcode: withCheckDigit(`93${String(gtinBase + i).padStart(10, '0')}`),
          unitCost: 10 + (i % 100) / 4,
        }));

      // Baseline: the same rows into the same table with one set-based statement, no checks.
      const raw = sheet(`RAW${round}`, 1_000_000 * (round * 2 + 1));
      const column = <K extends keyof (typeof raw)[number]>(k: K) => raw.map((r) => r[k]);
      times.baselineInsert.push(
        await seconds(
          () => app.db.prisma.$executeRaw`
            INSERT INTO product (sku, name, sellable, purchasable, stock_tracked, serialised, batch_tracked, active, sale_gl_code,
                                 selling_tax_rate, purchase_gl_code, purchase_tax_rate, asset_gl_code, cogs_gl_code, barcode,
                                 average_cost, updated_at)
            SELECT *, now() FROM unnest(
              ${column('sku')}::text[], ${column('name')}::text[], ${column('sellable')}::boolean[], ${column('purchasable')}::boolean[],
              ${column('stockTracked')}::boolean[], ${column('serialised')}::boolean[], ${column('batchTracked')}::boolean[],
              ${column('active')}::boolean[], ${column('saleGlCode')}::text[], ${column('sellingTaxRate')}::text[],
              ${column('purchaseGlCode')}::text[], ${column('purchaseTaxRate')}::text[], ${column('assetGlCode')}::text[],
              ${column('cogsGlCode')}::text[], ${column('barcode')}::text[], ${raw.map((r) => String(r.unitCost))}::numeric[])`,
        ),
      );

      const rowsIn = sheet(`IMP${round}`, 1_000_000 * (round * 2 + 2));
      let preview: Awaited<ReturnType<typeof api.products.previewImport.query>> | undefined;
      times.checkCreates.push(await seconds(async () => (preview = await api.products.previewImport.query({ rows: rowsIn }))));
      if (preview!.problems.length > 0 || preview!.creates !== rows)
        throw new Error(`check of new rows: ${JSON.stringify(preview!.problems[0])}`);
      let applied: Awaited<ReturnType<typeof api.products.import.mutate>> | undefined;
      times.applyCreates.push(
        await seconds(async () => (applied = await api.products.import.mutate({ rows: rowsIn, idempotencyKey: randomUUID() }))),
      );
      if (applied!.created !== rows) throw new Error(`expected ${rows} created, got ${applied!.created}`);

      // Every product changed: a new name, other GL codes, and a new barcode each.
      const changed = rowsIn.map((r, i) => ({
        ...r,
        name: `${r.name} (renamed)`,
        saleGlCode: '210',
        barcode: withCheckDigit(`94${String(1_000_000 * round + i).padStart(10, '0')}`),
      }));
      updates.check.push(await seconds(async () => (preview = await api.products.previewImport.query({ rows: changed }))));
      if (preview!.problems.length > 0 || preview!.updates !== rows)
        throw new Error(`check of changes: ${JSON.stringify(preview!.problems[0])}`);
      updates.apply.push(
        await seconds(async () => (applied = await api.products.import.mutate({ rows: changed, idempotencyKey: randomUUID() }))),
      );
      if (applied!.updated !== rows) throw new Error(`expected ${rows} updated, got ${applied!.updated}`);
    }
  } finally {
    await app.stop();
    if (postgres) await postgres.drop();
    else rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    database,
    rows,
    baselineInsert: median(times.baselineInsert),
    checkCreates: median(times.checkCreates),
    applyCreates: median(times.applyCreates),
    checkUpdates: median(updates.check),
    applyUpdates: median(updates.apply),
  };
}

export async function productImportBench(serverUrl: string, rows = Number(process.env.BENCH_PRODUCT_ROWS ?? 10_000)) {
  return [await measure('postgresql', serverUrl, rows), await measure('pglite', serverUrl, rows)];
}

export function printProductImportBench(figures: ProductImportFigures[]) {
  const fmt = (s: number) => `${s.toFixed(3)} s`;
  for (const f of figures) {
    const x = (s: number) => +(s / f.baselineInsert).toFixed(1);
    console.log(`\nproducts from a sheet: ${f.rows.toLocaleString('en')} rows per request over HTTP (${f.database}; median of ${ROUNDS})`);
    console.table({
      'raw INSERT ... SELECT unnest, same rows (baseline)': { time: fmt(f.baselineInsert) },
      'products.previewImport, all new': { time: fmt(f.checkCreates), 'x baseline': x(f.checkCreates) },
      'products.import, all new': { time: fmt(f.applyCreates), 'x baseline': x(f.applyCreates) },
      'products.previewImport, every one changed': { time: fmt(f.checkUpdates), 'x baseline': x(f.checkUpdates) },
      'products.import, every one changed': { time: fmt(f.applyUpdates), 'x baseline': x(f.applyUpdates) },
    });
  }
  for (const f of figures) {
    console.log(
      `product import (${f.database}): check ${f.rows.toLocaleString('en')} rows = ${f.checkCreates.toFixed(3)} s new / ${f.checkUpdates.toFixed(3)} s changed (target ~1 s); ` +
        `apply = ${f.applyCreates.toFixed(3)} s new / ${f.applyUpdates.toFixed(3)} s changed (${(f.applyCreates / f.baselineInsert).toFixed(1)}x the raw INSERT)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printProductImportBench(await productImportBench(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'));
}
