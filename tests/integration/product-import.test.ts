// Product barcodes, and products from sheets: products.previewImport and products.import judge every
// row with the rules products.create and products.update apply (each refused at its row and column,
// all at once), apply all or nothing, once per key; and the .xlsx download and upload round trip
// through LibreOffice. On PGlite (npx vitest run) and PostgreSQL (npm run test:pg).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../server/app.ts';
import { withCheckDigit } from '../../server/domain/barcode.ts';
import { productSheetHeader } from '../../server/domain/product-sheet.ts';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { apiClient } from '../helpers/api-client.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { location, purchasableCodes, sellableCodes } from '../helpers/fixtures.ts';
import { convert, CSV_FILTER, LIBREOFFICE_TIMEOUT, parseCsv, SOFFICE } from '../helpers/libreoffice.ts';

const app = useTestApp();
const admin = app.as('admin');

let counter = 0;
const tag = Math.random().toString(36).slice(2, 7).toUpperCase();
/** An SKU no other test uses. */
const sku = (prefix = 'IMP') => `${prefix}-${tag}-${++counter}`;
/** Australian GTIN-13s (GS1 Australia's 93 prefix), each with its check digit computed: a new one per call. */
let gtinCounter = 0;
const auGtin = () => withCheckDigit(`9300601${String(++gtinCounter).padStart(5, '0')}`);
/** The same GTIN with its last digit wrong. */
const wrongCheck = (gtin: string) => `${gtin.slice(0, -1)}${(Number(gtin.at(-1)) + 1) % 10}`;

type Row = Parameters<typeof admin.products.import>[0]['rows'][number];
/** A full row as the sheet carries one: a plain product with every flag and code given. */
const row = (s: string, extra: Partial<Row> = {}): Row => ({
  sku: s,
  name: `Product ${s}`,
  stockTracked: false,
  serialised: false,
  batchTracked: false,
  sellable: false,
  purchasable: false,
  active: true,
  saleGlCode: null,
  sellingTaxRate: null,
  purchaseGlCode: null,
  purchaseTaxRate: null,
  assetGlCode: null,
  cogsGlCode: null,
  barcode: null,
  ...extra,
});

const bySku = async (s: string) => {
  const { items } = await admin.products.list({ search: s, includeInactive: true, limit: 10 });
  return items.find((p) => p.sku === s) ?? null;
};

/** The problems of a preview, as [row, column, reason] for comparing. */
const where = (problems: { row: number; column: string; reason: string }[]) => problems.map((p) => [p.row, p.column, p.reason]);

async function withAccountingConnected<T>(work: () => Promise<T>): Promise<T> {
  await admin.settings.update({ accountingProvider: 'xero' });
  try {
    return await work();
  } finally {
    await admin.settings.update({ accountingProvider: null });
  }
}

describe('product barcodes', () => {
  it('stores a GTIN with its check digit verified, as typed, and shows it in get and list', async () => {
    const upc = '036000291452'; // a real UPC-A: its leading zero is part of it
    const created = await admin.products.create({ sku: sku(), name: 'Gum', barcode: upc });
    expect(created.barcode).toBe(upc);
    expect((await admin.products.get({ id: created.id })).barcode).toBe(upc);
    expect((await admin.products.list({ barcode: upc })).items.map((p) => p.id)).toEqual([created.id]);
    const au = auGtin();
    const updated = await admin.products.update({ id: created.id, barcode: au });
    expect(updated.barcode).toBe(au);
    expect((await admin.products.update({ id: created.id, barcode: null })).barcode).toBeNull();
    expect((await admin.products.update({ id: created.id, barcode: au })).barcode).toBe(au);
    expect((await admin.products.update({ id: created.id, barcode: '' })).barcode).toBeNull();
  });

  it('refuses a wrong check digit with BARCODE_INVALID naming the digit expected, and stores nothing', async () => {
    const good = auGtin();
    const s = sku();
    const r = await refusal(admin.products.create({ sku: s, name: 'Typo', barcode: wrongCheck(good) }));
    expect(r.reason).toBe('BARCODE_INVALID');
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain(`should be ${good.at(-1)}`);
    expect(await bySku(s)).toBeNull();
    const p = await admin.products.create({ sku: s, name: 'Typo fixed' });
    expect((await refusal(admin.products.update({ id: p.id, barcode: '12345' }))).reason).toBe('BARCODE_INVALID');
    expect((await admin.products.get({ id: p.id })).barcode).toBeNull();
  });

  it('refuses a barcode another product has with BARCODE_TAKEN naming it, in any spelling of the GTIN', async () => {
    const owner = await admin.products.create({ sku: sku('OWN'), name: 'Owner', barcode: '036000291452' });
    try {
      const s = sku();
      const same = await refusal(admin.products.create({ sku: s, name: 'Same', barcode: '036000291452' }));
      expect(same.reason).toBe('BARCODE_TAKEN');
      expect(same.code).toBe('CONFLICT');
      expect(same.message).toContain(owner.sku);
      // The EAN-13 spelling of that UPC-A is the same GTIN.
      const ean = await refusal(admin.products.create({ sku: s, name: 'Same as EAN', barcode: '0036000291452' }));
      expect(ean.reason).toBe('BARCODE_TAKEN');
      expect(ean.message).toContain(owner.sku);
      const other = await admin.products.create({ sku: s, name: 'Other' });
      expect((await refusal(admin.products.update({ id: other.id, barcode: '00036000291452' }))).reason).toBe('BARCODE_TAKEN');
      // Its own barcode again is no conflict.
      expect((await admin.products.update({ id: owner.id, barcode: '036000291452', name: 'Owner again' })).name).toBe('Owner again');
    } finally {
      await admin.products.update({ id: owner.id, barcode: null });
    }
  });

  it('two requests taking one GTIN at the same moment (in two spellings) give it to one product', async () => {
    const gtin = auGtin();
    const results = await Promise.allSettled([
      admin.products.create({ sku: sku('RACE'), name: 'A', barcode: gtin }),
      admin.products.create({ sku: sku('RACE'), name: 'B', barcode: `0${gtin}` }),
      admin.products.create({ sku: sku('RACE'), name: 'C', barcode: gtin }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((await refusal(Promise.reject(r.reason))).reason).toBe('BARCODE_TAKEN');
  });

  it('products.byBarcode picks the product a scan names, in either spelling; a misread and an unknown GTIN say so', async () => {
    const gtin = auGtin();
    const p = await admin.products.create({ sku: sku(), name: 'Scanned', barcode: gtin });
    expect((await app.as('viewer').products.byBarcode({ barcode: gtin })).id).toBe(p.id);
    expect((await admin.products.byBarcode({ barcode: `0${gtin}` })).id).toBe(p.id);
    expect((await admin.products.byBarcode({ barcode: ` ${gtin}\n` })).id).toBe(p.id);
    const misread = await refusal(admin.products.byBarcode({ barcode: wrongCheck(gtin) }));
    expect(misread.reason).toBe('BARCODE_INVALID');
    const unknown = await refusal(admin.products.byBarcode({ barcode: auGtin() }));
    expect(unknown.reason).toBe('NOT_FOUND');
  });
});

describe('products.previewImport', () => {
  it('says what each row would do: create, update with the fields changed, or unchanged; writes nothing', async () => {
    const kept = await admin.products.create({ sku: sku(), name: 'Kept' });
    const changed = await admin.products.create({ sku: sku(), name: 'Old name' });
    const fresh = sku('NEW');
    const gtin = auGtin();
    const preview = await admin.products.previewImport({
      rows: [
        row(kept.sku, { name: 'Kept' }),
        row(changed.sku, { name: 'New name', ...sellableCodes, barcode: gtin, cogsGlCode: '500' }),
        row(fresh, { stockTracked: true, unitCost: 4.25 }),
      ],
    });
    expect(preview.problems).toEqual([]);
    expect({ creates: preview.creates, updates: preview.updates, unchanged: preview.unchanged, rows: preview.rows }).toEqual({
      creates: 1,
      updates: 1,
      unchanged: 1,
      rows: 3,
    });
    expect(preview.plan).toEqual([
      { row: 0, sku: kept.sku, action: 'unchanged', id: kept.id },
      {
        row: 1,
        sku: changed.sku,
        action: 'update',
        id: changed.id,
        changed: ['name', 'sellable', 'saleGlCode', 'sellingTaxRate', 'cogsGlCode', 'barcode'],
      },
      { row: 2, sku: fresh, action: 'create' },
    ]);
    expect(await bySku(fresh)).toBeNull();
    expect((await admin.products.get({ id: changed.id })).name).toBe('Old name');
  });

  it('refuses every product rule at its row and column, all in one answer', async () => {
    const loc = await location(admin);
    // Stock on hand (and so history): tracking may not change, nor stock tracking be switched off.
    const stocked = await admin.products.create({ sku: sku('STK'), name: 'Stocked', stockTracked: true });
    await admin.stock.adjust({ productId: stocked.id, locationId: loc.id, quantity: 3, glCode: '630', unitCost: 2, idempotencyKey: key() });
    const stocked2 = await admin.products.create({ sku: sku('STK'), name: 'Stocked too', stockTracked: true });
    await admin.stock.adjust({
      productId: stocked2.id,
      locationId: loc.id,
      quantity: 1,
      glCode: '630',
      unitCost: 2,
      idempotencyKey: key(),
    });
    const synced = await admin.products.create({ sku: sku('SYN'), name: 'Synced', serialised: true, assetGlCode: '630' });
    await app.as('accountant').products.linkAccounting({ id: synced.id, provider: 'xero', externalId: `x-${synced.sku}` });
    const onOrder = await admin.products.create({ sku: sku('ORD'), name: 'On order', serialised: true, ...purchasableCodes });
    const supplier = await admin.suppliers.create({ name: `Supplier ${tag}` });
    const order = await admin.purchaseOrders.create({
      supplierId: supplier.id,
      locationId: loc.id,
      currency: 'AUD',
      exchangeRate: 1,
      lines: [{ productId: onOrder.id, quantity: 1, unitCost: 5 }],
    });
    await admin.purchaseOrders.setLineSerials({ lineId: order.lines[0]!.id, serials: [`W-${tag}`], idempotencyKey: key() });
    const allocated = await admin.products.create({ sku: sku('ALC'), name: 'Allocated', serialised: true, ...sellableCodes });
    await admin.serials.add({ productId: allocated.id, locationId: loc.id, serials: [`A-${tag}`], idempotencyKey: key() });
    const customer = await admin.customers.create({ name: `Customer ${tag}` });
    const so = await admin.salesOrders.create({
      customerId: customer.id,
      locationId: loc.id,
      lines: [{ productId: allocated.id, quantity: 1, unitPrice: 9 }],
    });
    await admin.salesOrders.allocateSerials({ lineId: so.lines[0]!.id, serials: [`A-${tag}`], idempotencyKey: key() });

    const rows: Row[] = [
      /* 0 */ row(sku(), { stockTracked: true, serialised: true, batchTracked: true }),
      /* 1 */ row(sku(), { serialised: true, stockTracked: false }),
      /* 2 */ row(sku(), { sellable: true }),
      /* 3 */ row(sku(), { purchasable: true, purchaseGlCode: '300' }),
      /* 4 */ row(synced.sku, { name: 'Synced', stockTracked: true, serialised: false, assetGlCode: '630' }),
      /* 5 */ row(stocked.sku, { name: 'Stocked', stockTracked: false }),
      /* 6 */ row(sku(), { name: '' }),
      /* 7 */ row(sku(), { name: undefined }),
      /* 8 */ row(onOrder.sku, { name: 'On order', stockTracked: true, ...purchasableCodes }),
      /* 9 */ row(allocated.sku, { name: 'Allocated', stockTracked: true, ...sellableCodes }),
      /* 10 */ row(sku(), { barcode: wrongCheck(auGtin()) }),
      /* 11 */ row(sku(), { name: 'Hidden\u200bspace', saleGlCode: 'x'.repeat(40) }),
      /* 12 */ row(stocked2.sku, { name: 'Stocked too', stockTracked: true, batchTracked: true, unitCost: 99 }),
    ];
    const preview = await admin.products.previewImport({ rows });
    expect(where(preview.problems)).toEqual([
      [0, 'batchTracked', 'TRACKING_CONFLICT'],
      [1, 'stockTracked', 'TRACKING_CONFLICT'],
      [2, 'saleGlCode', 'ACCOUNTING_DETAILS_REQUIRED'],
      [2, 'sellingTaxRate', 'ACCOUNTING_DETAILS_REQUIRED'],
      [3, 'purchaseTaxRate', 'ACCOUNTING_DETAILS_REQUIRED'],
      [4, 'serialised', 'SERIALISATION_LOCKED'],
      [5, 'stockTracked', 'STOCK_TRACKING_LOCKED'],
      [6, 'name', 'INVALID_INPUT'],
      [7, 'name', 'INVALID_INPUT'],
      [8, 'serialised', 'SERIALS_ON_ORDERS'],
      [9, 'serialised', 'SERIALS_ALLOCATED'],
      [10, 'barcode', 'BARCODE_INVALID'],
      [11, 'name', 'INVALID_CHARACTERS'],
      [11, 'saleGlCode', 'INVALID_INPUT'],
      [12, 'batchTracked', 'STOCK_ON_HAND'],
      [12, 'unitCost', 'UNIT_COST_LOCKED'],
    ]);
    // Each with the words products.create / update would use.
    const at = (r: number, column: string) => preview.problems.find((p) => p.row === r && p.column === column)!.message;
    expect(at(0, 'batchTracked')).toMatch(/either serialised or batch tracked/);
    expect(at(2, 'saleGlCode')).toMatch(/sale GL code/);
    expect(at(4, 'serialised')).toMatch(/synced to Xero/);
    expect(at(5, 'stockTracked')).toMatch(/already has stock movements/);
    expect(at(10, 'barcode')).toMatch(/check digit/);
    expect(at(11, 'name')).toMatch(/zero-width space/);
    expect(at(11, 'saleGlCode')).toMatch(/^Sale GL code must be at most 32 characters/);
    expect(at(12, 'unitCost')).toMatch(/stock on hand/);

    // The same rules one product at a time: the same reasons.
    expect((await refusal(admin.products.update({ id: synced.id, serialised: false }))).reason).toBe('SERIALISATION_LOCKED');
    expect((await refusal(admin.products.update({ id: stocked.id, stockTracked: false }))).reason).toBe('STOCK_TRACKING_LOCKED');
    expect((await refusal(admin.products.create({ sku: sku(), name: 'x', sellable: true }))).reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
  });

  it('requires the asset GL code of a stock-tracked row when an accounting system is connected, unless a default stock account is mapped', async () => {
    await withAccountingConnected(async () => {
      const s = sku();
      const preview = await admin.products.previewImport({ rows: [row(s, { stockTracked: true })] });
      expect(where(preview.problems)).toEqual([[0, 'assetGlCode', 'ACCOUNTING_DETAILS_REQUIRED']]);
      expect((await admin.products.previewImport({ rows: [row(s, { stockTracked: true, assetGlCode: '630' })] })).problems).toEqual([]);
    });
  });

  it('refuses an SKU or a barcode on two rows, pointing at the first', async () => {
    const s = sku();
    const gtin = auGtin();
    const preview = await admin.products.previewImport({
      rows: [row(s), row(sku(), { barcode: gtin }), row(s, { name: 'again' }), row(sku(), { barcode: `0${gtin}` })],
    });
    expect(preview.problems.map((p) => [p.row, p.column, p.reason, p.firstRow])).toEqual([
      [2, 'sku', 'DUPLICATE_SKU', 0],
      [3, 'barcode', 'DUPLICATE_BARCODE', 1],
    ]);
    expect(preview.plan[2]).toBeNull();
  });

  it('refuses a barcode another product has, naming it; a barcode moving between two products of the sheet is fine', async () => {
    const gtin = auGtin();
    const other = auGtin();
    const holder = await admin.products.create({ sku: sku('HLD'), name: 'Holder', barcode: gtin });
    const second = await admin.products.create({ sku: sku('HLD'), name: 'Second', barcode: other });
    const taken = await admin.products.previewImport({ rows: [row(sku(), { barcode: gtin })] });
    expect(where(taken.problems)).toEqual([[0, 'barcode', 'BARCODE_TAKEN']]);
    expect(taken.problems[0]!.message).toContain(holder.sku);
    // Swapped in one sheet: each ends with one product, so both apply.
    const swap = [row(holder.sku, { name: 'Holder', barcode: other }), row(second.sku, { name: 'Second', barcode: gtin })];
    expect((await admin.products.previewImport({ rows: swap })).problems).toEqual([]);
    const applied = await admin.products.import({ rows: swap, idempotencyKey: key() });
    expect(applied.updated).toBe(2);
    expect((await admin.products.get({ id: holder.id })).barcode).toBe(other);
    expect((await admin.products.get({ id: second.id })).barcode).toBe(gtin);
    // A row leaving its barcode out keeps it, and its GTIN stays taken.
    const kept = await admin.products.previewImport({
      rows: [row(holder.sku, { name: 'Holder', barcode: undefined }), row(sku(), { barcode: other })],
    });
    expect(where(kept.problems)).toEqual([[1, 'barcode', 'BARCODE_TAKEN']]);
  });

  it('lets unit cost set a new product or one without stock, not one with stock on hand (unless unchanged)', async () => {
    const loc = await location(admin);
    const stocked = await admin.products.create({ sku: sku('UC'), name: 'Costed', stockTracked: true });
    await admin.stock.adjust({
      productId: stocked.id,
      locationId: loc.id,
      quantity: 2,
      glCode: '630',
      unitCost: 7.5,
      idempotencyKey: key(),
    });
    const empty = await admin.products.create({ sku: sku('UC'), name: 'Empty', stockTracked: true });
    const s = sku('UC');
    const rows = [
      row(stocked.sku, { name: 'Costed', stockTracked: true, unitCost: 7.5 }),
      row(empty.sku, { name: 'Empty', stockTracked: true, unitCost: 3.125 }),
      row(s, { stockTracked: true, unitCost: 1.5 }),
      row(sku('UC'), { unitCost: -1 }),
    ];
    const preview = await admin.products.previewImport({ rows });
    expect(where(preview.problems)).toEqual([[3, 'unitCost', 'INVALID_INPUT']]);
    expect(preview.plan.map((p) => p?.action)).toEqual(['unchanged', 'update', 'create', 'create']);
    const applied = await admin.products.import({ rows: rows.slice(0, 3), idempotencyKey: key() });
    expect(applied).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect((await admin.products.get({ id: empty.id })).averageCost).toBe(3.125);
    expect((await bySku(s))!.averageCost).toBe(1.5);
    expect((await admin.products.get({ id: stocked.id })).averageCost).toBe(7.5);
  });

  it('takes up to 10,000 rows and refuses more before judging any', async () => {
    const rows = Array.from({ length: 10_001 }, (_, i) => row(`BULK-${tag}-${i}`));
    const r = await refusal(admin.products.previewImport({ rows }));
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toMatch(/at most 10,000 rows/);
  });

  it('is for those who may edit products', async () => {
    expect((await refusal(app.as('warehouse').products.previewImport({ rows: [row(sku())] }))).reason).toBe('FORBIDDEN');
    expect((await refusal(app.as('viewer').products.import({ rows: [row(sku())], idempotencyKey: key() }))).reason).toBe('FORBIDDEN');
  });
});

describe('products.import', () => {
  it('creates and updates in one go, reporting what changed', async () => {
    const existing = await admin.products.create({ sku: sku(), name: 'Before', ...purchasableCodes });
    const unchanged = await admin.products.create({ sku: sku(), name: 'Same' });
    const fresh = sku('NEW');
    const gtin = auGtin();
    const result = await admin.products.import({
      rows: [
        row(existing.sku, { name: 'After', ...purchasableCodes, stockTracked: true, serialised: true, barcode: gtin, active: false }),
        row(unchanged.sku, { name: 'Same' }),
        row(fresh, { ...sellableCodes, stockTracked: true, batchTracked: true, cogsGlCode: '510', barcode: '036000291452', unitCost: 12 }),
      ],
      idempotencyKey: key(),
    });
    expect(result.created).toBe(1);
    expect(result.updated).toBe(1);
    expect(result.unchanged).toBe(1);
    const made = (await bySku(fresh))!;
    expect(result.changes).toEqual([
      {
        row: 0,
        sku: existing.sku,
        id: existing.id,
        action: 'update',
        changed: ['name', 'stockTracked', 'serialised', 'active', 'barcode'],
      },
      { row: 2, sku: fresh, id: made.id, action: 'create' },
    ]);
    expect(await admin.products.get({ id: existing.id })).toMatchObject({
      name: 'After',
      serialised: true,
      stockTracked: true,
      active: false,
      barcode: gtin,
      ...purchasableCodes,
    });
    expect(made).toMatchObject({
      name: `Product ${fresh}`,
      batchTracked: true,
      stockTracked: true,
      cogsGlCode: '510',
      barcode: '036000291452',
      averageCost: 12,
      ...sellableCodes,
    });
  });

  it('serialising a row that leaves stock tracking out turns it on, as products.update does', async () => {
    const p = await admin.products.create({ sku: sku(), name: 'Plain' });
    const result = await admin.products.import({ rows: [{ sku: p.sku, serialised: true }], idempotencyKey: key() });
    expect(result.changes).toEqual([{ row: 0, sku: p.sku, id: p.id, action: 'update', changed: ['stockTracked', 'serialised'] }]);
    expect(await admin.products.get({ id: p.id })).toMatchObject({ serialised: true, stockTracked: true });
  });

  it('leaves out fields not sent: an existing product keeps them, a new one gets the defaults', async () => {
    const existing = await admin.products.create({ sku: sku(), name: 'Keep', ...sellableCodes, barcode: auGtin() });
    const fresh = sku();
    await admin.products.import({
      rows: [
        { sku: existing.sku, active: false },
        { sku: fresh, name: 'Bare' },
      ],
      idempotencyKey: key(),
    });
    const after = await admin.products.get({ id: existing.id });
    expect(after).toMatchObject({ name: 'Keep', active: false, ...sellableCodes, barcode: existing.barcode });
    expect(await bySku(fresh)).toMatchObject({
      name: 'Bare',
      active: true,
      sellable: false,
      stockTracked: false,
      barcode: null,
      averageCost: 0,
    });
  });

  it('writes nothing when one row breaks a rule, and refuses with every problem by row and column', async () => {
    const existing = await admin.products.create({ sku: sku(), name: 'Untouched' });
    const fresh = sku('NEW');
    const rows = [
      row(fresh),
      row(existing.sku, { name: 'Changed' }),
      row(sku(), { sellable: true, saleGlCode: '200' }),
      row(sku(), { barcode: wrongCheck(auGtin()) }),
    ];
    const r = await refusal(admin.products.import({ rows, idempotencyKey: key() }));
    expect(r.reason).toBe('INVALID_ROWS');
    expect(r.message).toMatch(/^Nothing was imported/);
    expect(r.problems.map((p) => [p.index, p.field, p.reason])).toEqual([
      [2, 'sellingTaxRate', 'ACCOUNTING_DETAILS_REQUIRED'],
      [3, 'barcode', 'BARCODE_INVALID'],
    ]);
    expect(await bySku(fresh)).toBeNull();
    expect((await admin.products.get({ id: existing.id })).name).toBe('Untouched');
    // One reason only: that reason.
    const one = await refusal(admin.products.import({ rows: [row(fresh), row(fresh)], idempotencyKey: key() }));
    expect(one.reason).toBe('DUPLICATE_SKU');
    expect(one.problems).toEqual([expect.objectContaining({ index: 1, field: 'sku', firstIndex: 0 })]);
    expect(await bySku(fresh)).toBeNull();
  });

  it('applies once per idempotency key: a retry answers the first result and changes nothing more', async () => {
    const fresh = sku('IDEM');
    const k = key();
    const rows = [row(fresh, { name: 'Once' })];
    const first = await admin.products.import({ rows, idempotencyKey: k });
    expect(first.created).toBe(1);
    const again = await admin.products.import({ rows, idempotencyKey: k });
    expect(again).toEqual(first);
    const { items } = await admin.products.list({ search: fresh, limit: 10 });
    expect(items).toHaveLength(1);
    // Without the key, the same sheet is now all unchanged.
    expect(await admin.products.import({ rows, idempotencyKey: key() })).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    // The same key with other rows is refused rather than answered with the first result.
    expect((await refusal(admin.products.import({ rows: [row(sku())], idempotencyKey: k }))).reason).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a refused import leaves its key unused: fixed and sent again with the key, it applies', async () => {
    const fresh = sku();
    const k = key();
    const bad = await refusal(admin.products.import({ rows: [row(fresh, { sellable: true })], idempotencyKey: k }));
    expect(bad.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    // A different request under the key: the key was never stored, so it is not "reused".
    const good = await admin.products.import({ rows: [row(fresh, { ...sellableCodes })], idempotencyKey: k });
    expect(good.created).toBe(1);
  });

  it('refuses to switch stock tracking after a purchase, and to un-serialise a synced product, writing nothing', async () => {
    const loc = await location(admin);
    const bought = await admin.products.create({ sku: sku('BUY'), name: 'Bought', stockTracked: true, ...purchasableCodes });
    const supplier = await admin.suppliers.create({ name: `Seller ${tag}` });
    const order = await admin.purchaseOrders.create({
      supplierId: supplier.id,
      locationId: loc.id,
      currency: 'AUD',
      exchangeRate: 1,
      lines: [{ productId: bought.id, quantity: 2, unitCost: 5 }],
    });
    await admin.purchaseOrders.issue({ id: order.id });
    await admin.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 2 }],
      idempotencyKey: key(),
    });
    // Sold out again: nothing on hand, but it has history.
    await admin.stock.adjust({ productId: bought.id, locationId: loc.id, quantity: -2, glCode: '630', unitCost: 5, idempotencyKey: key() });
    const synced = await admin.products.create({ sku: sku('SYN'), name: 'Synced', serialised: true, assetGlCode: '630' });
    await app.as('accountant').products.linkAccounting({ id: synced.id, provider: 'myob', externalId: `m-${synced.sku}` });
    const fresh = sku();

    const r = await refusal(
      admin.products.import({
        rows: [
          row(fresh),
          row(bought.sku, { name: 'Bought', stockTracked: false, ...purchasableCodes }),
          row(synced.sku, { name: 'Synced', stockTracked: true, serialised: false, assetGlCode: '630' }),
        ],
        idempotencyKey: key(),
      }),
    );
    expect(r.problems.map((p) => [p.index, p.field, p.reason])).toEqual([
      [1, 'stockTracked', 'STOCK_TRACKING_LOCKED'],
      [2, 'serialised', 'SERIALISATION_LOCKED'],
    ]);
    expect(r.problems[1]!.message).toMatch(/synced to MYOB/);
    expect(await bySku(fresh)).toBeNull();
    expect((await admin.products.get({ id: bought.id })).stockTracked).toBe(true);
    expect((await admin.products.get({ id: synced.id })).serialised).toBe(true);
  });

  it('un-serialises a product that is not synced, retiring its serials as updateProduct does', async () => {
    const loc = await location(admin);
    const p = await admin.products.create({ sku: sku('UNS'), name: 'Unserialise', serialised: true });
    await admin.serials.add({ productId: p.id, locationId: loc.id, serials: [`U1-${tag}`, `U2-${tag}`], idempotencyKey: key() });
    const result = await admin.products.import({
      rows: [row(p.sku, { name: 'Unserialise', stockTracked: true, serialised: false })],
      idempotencyKey: key(),
    });
    expect(result.changes).toEqual([{ row: 0, sku: p.sku, id: p.id, action: 'update', changed: ['serialised'] }]);
    const { items } = await admin.serials.list({ productId: p.id, limit: 10 });
    expect(items.map((s) => s.status)).toEqual(['retired', 'retired']);
    const levels = await admin.stock.levels({ productId: p.id, limit: 10 });
    expect(levels.items.reduce((sum, l) => sum + l.quantity, 0)).toBe(2);
  });

  it('queues synced products changed by the import for the accounting system, as one product at a time does', async () => {
    const p = await admin.products.create({ sku: sku('Q'), name: 'Queued' });
    await app.as('accountant').products.linkAccounting({ id: p.id, provider: 'xero', externalId: `x-${p.sku}` });
    const pending = async () =>
      (
        await app.db.prisma.$queryRaw<{ n: number }[]>`
          SELECT COUNT(*)::int AS n FROM accounting_posting WHERE product_id = ${p.id} AND entity = 'item' AND state = 'pending'`
      )[0]!.n;
    await app.db.prisma.$executeRaw`UPDATE accounting_posting SET state = 'skipped' WHERE product_id = ${p.id} AND entity = 'item'`;
    expect(await pending()).toBe(0);
    await admin.products.import({ rows: [row(p.sku, { name: 'Queued, renamed' })], idempotencyKey: key() });
    expect(await pending()).toBe(1);
  });

  it('imports 2,000 rows, half new and half changed, in one transaction', async () => {
    const prefix = `MANY-${tag}`;
    const first = Array.from({ length: 1000 }, (_, i) => row(`${prefix}-${i}`, { barcode: auGtin() }));
    expect((await admin.products.import({ rows: first, idempotencyKey: key() })).created).toBe(1000);
    const second = [
      ...first.map((r) => ({ ...r, name: `${r.name} v2`, ...sellableCodes })),
      ...Array.from({ length: 1000 }, (_, i) => row(`${prefix}-new-${i}`, { stockTracked: true })),
    ];
    const result = await admin.products.import({ rows: second, idempotencyKey: key() });
    expect(result).toMatchObject({ created: 1000, updated: 1000, unchanged: 0 });
    expect(
      result.changes
        .filter((c) => c.action === 'update')
        .every((c) => 'changed' in c && c.changed.join() === 'name,sellable,saleGlCode,sellingTaxRate'),
    ).toBe(true);
    const exported = await admin.products.export();
    const mine = exported.products.filter((p) => p.sku.startsWith(prefix));
    expect(mine).toHaveLength(2000);
    expect(mine.find((p) => p.sku === `${prefix}-7`)).toMatchObject({ name: `Product ${prefix}-7 v2`, barcode: first[7]!.barcode });
  });
});

describe('products.export', () => {
  it('lists every product with the sheet fields, inactive ones too; the unit cost only for roles that may see costs', async () => {
    const p = await admin.products.create({ sku: sku('EXP'), name: 'Exported', active: false, barcode: auGtin(), cogsGlCode: '520' });
    const full = await admin.products.export();
    expect(full.withCost).toBe(true);
    expect(full.products.find((x) => x.sku === p.sku)).toEqual({
      sku: p.sku,
      name: 'Exported',
      stockTracked: false,
      serialised: false,
      batchTracked: false,
      sellable: false,
      purchasable: false,
      active: false,
      saleGlCode: null,
      sellingTaxRate: null,
      purchaseGlCode: null,
      purchaseTaxRate: null,
      assetGlCode: null,
      cogsGlCode: '520',
      barcode: p.barcode,
      unitCost: 0,
      accountingProvider: null,
    });
    const warehouse = await app.as('warehouse').products.export();
    expect(warehouse.withCost).toBe(false);
    expect(warehouse.products.find((x) => x.sku === p.sku)).not.toHaveProperty('unitCost');
  });
});

// ---------------------------------------------------------------------------------------------
// The .xlsx download and upload, over HTTP, with LibreOffice as the spreadsheet program.

if (!SOFFICE) console.warn('SKIPPED: the products .xlsx LibreOffice test needs LibreOffice (apt-get install libreoffice-calc-nogui).');

/** What POST /products.xlsx answers (or its refusal). */
interface UploadAnswer {
  applied?: boolean;
  problems?: { row: number; column: string; cell: string; reason: string; message: string }[];
  changes?: unknown[];
  note?: string;
  reason?: string;
  [field: string]: unknown;
}

describe.skipIf(!SOFFICE)('GET and POST /products.xlsx through LibreOffice', () => {
  const ADMIN_TOKEN = 'products-xlsx-admin-token-0123456789';
  let server: RunningApp;
  let database: TestDatabase | undefined;
  let dir: string;
  const url = () => `${server.url}/products.xlsx`;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-products-lo-'));
    if (onPostgres) database = await freshDatabase();
    server = await startApp(
      {
        port: 0,
        tls: false,
        adminToken: ADMIN_TOKEN,
        logLevel: 'silent',
        dataDir: path.join(dir, 'data'),
        databaseUrl: database?.url ?? undefined,
      },
      pino({ level: 'silent' }),
    );
    const api = apiClient(server.url, ADMIN_TOKEN);
    await api.products.create.mutate({ sku: '000123', name: '=2+3 plain', stockTracked: true, barcode: '036000291452' });
    await api.products.create.mutate({ sku: 'SER-1', name: 'Serialised, "quoted"', serialised: true, ...sellableCodes });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const download = async () => {
    const res = await fetch(url(), { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    return Buffer.from(await res.arrayBuffer());
  };
  const upload = async (body: Buffer, apply = false) => {
    const res = await fetch(`${url()}${apply ? '?apply=1' : ''}`, { method: 'POST', headers: auth, body: new Uint8Array(body) });
    return { status: res.status, body: (await res.json()) as UploadAnswer };
  };

  it(
    'downloads a workbook LibreOffice opens with every product: SKUs and barcodes as text, flags TRUE/FALSE',
    { timeout: LIBREOFFICE_TIMEOUT * 2 },
    async () => {
      const file = path.join(dir, 'products.xlsx');
      fs.writeFileSync(file, await download());
      const outdir = await convert(dir, file, CSV_FILTER);
      const csv = parseCsv(
        fs.readFileSync(
          path.join(
            outdir,
            fs.readdirSync(outdir).find((f) => f.endsWith('.csv'))!,
          ),
          'utf8',
        ),
      );
      expect(csv[0]).toEqual(productSheetHeader({ withCost: true }));
      expect(csv.slice(1)).toEqual([
        ['000123', '=2+3 plain', 'TRUE', 'FALSE', 'FALSE', 'FALSE', 'FALSE', 'TRUE', '', '', '', '', '', '', '036000291452', '0', ''],
        [
          'SER-1',
          'Serialised, "quoted"',
          'TRUE',
          'TRUE',
          'FALSE',
          'TRUE',
          'FALSE',
          'TRUE',
          '200',
          'GST on Income',
          '',
          '',
          '',
          '',
          '',
          '0',
          '',
        ],
      ]);
    },
  );

  it(
    'an edited workbook saved by LibreOffice: the preview marks the bad cells by sheet row and column; fixed, it applies once',
    { timeout: LIBREOFFICE_TIMEOUT * 3 },
    async () => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await download()) as unknown as ExcelJS.Buffer);
      const sheet = workbook.getWorksheet('Products')!;
      const col = (name: string) => productSheetHeader({ withCost: true }).indexOf(name) + 1;
      sheet.getCell(2, col('Name')).value = 'Plain, renamed';
      sheet.getCell(3, col('Batch tracked')).value = true; // serialised and batch tracked: refused
      const gtin = withCheckDigit('930060100099');
      sheet.getRow(4).values = [
        'NEW-1',
        'New thing',
        false,
        false,
        false,
        false,
        false,
        true,
        null,
        null,
        null,
        null,
        null,
        null,
        wrongCheck(gtin),
      ];
      sheet.getCell(4, col('Barcode')).numFmt = '@';
      const edited = path.join(dir, 'edited.xlsx');
      await workbook.xlsx.writeFile(edited);
      // Saved again by LibreOffice, as a person editing it there would.
      const resaved = fs.readFileSync(path.join(await convert(dir, edited, 'xlsx'), 'edited.xlsx'));

      const preview = await upload(resaved);
      expect(preview.status).toBe(200);
      expect(preview.body).toMatchObject({ applied: false, rows: 3, creates: 1, updates: 2, unchanged: 0 });
      expect(preview.body.problems!.map((p) => [p.cell, p.column, p.reason])).toEqual([
        ['E3', 'Batch tracked', 'TRACKING_CONFLICT'],
        ['O4', 'Barcode', 'BARCODE_INVALID'],
      ]);
      // Apply with problems: nothing imported.
      expect((await upload(resaved, true)).body).toMatchObject({ applied: false, note: expect.stringMatching(/Nothing was imported/) });
      const api = apiClient(server.url, ADMIN_TOKEN);
      expect((await api.products.export.query()).products.map((p) => p.name)).toEqual(['=2+3 plain', 'Serialised, "quoted"']);

      sheet.getCell(3, col('Batch tracked')).value = false;
      sheet.getCell(4, col('Barcode')).value = gtin;
      await workbook.xlsx.writeFile(edited);
      const fixed = fs.readFileSync(path.join(await convert(dir, edited, 'xlsx'), 'edited.xlsx'));
      const applied = await upload(fixed, true);
      expect(applied.body).toMatchObject({ applied: true, created: 1, updated: 1, unchanged: 1 });
      expect(applied.body.changes).toEqual([
        { row: 2, sku: '000123', id: expect.any(Number), action: 'update', changed: ['Name'] },
        { row: 4, sku: 'NEW-1', id: expect.any(Number), action: 'create' },
      ]);
      // The same file again: applied once, the same answer.
      expect((await upload(fixed, true)).body).toEqual(applied.body);
      const after = (await api.products.export.query()).products;
      expect(after.map((p) => [p.sku, p.name, p.barcode])).toEqual([
        ['000123', 'Plain, renamed', '036000291452'],
        ['NEW-1', 'New thing', gtin],
        ['SER-1', 'Serialised, "quoted"', null],
      ]);
    },
  );

  it('refuses without a token, to roles that may not edit products, and a body that is no workbook', async () => {
    expect((await fetch(url())).status).toBe(401);
    const api = apiClient(server.url, ADMIN_TOKEN);
    const { token } = await api.users.create.mutate({ name: 'counter', role: 'warehouse' });
    const refused = await fetch(url(), { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: 'x' });
    expect(refused.status).toBe(403);
    expect((await fetch(url(), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const notXlsx = await upload(Buffer.from('not a zip'));
    expect(notXlsx.status).toBe(400);
    expect(notXlsx.body.reason).toBe('INVALID_INPUT');
  });
});
