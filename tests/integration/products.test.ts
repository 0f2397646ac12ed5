import { describe, expect, it } from 'vitest';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { batchProduct, location, plainProduct, purchasableCodes, sellableCodes, serialisedProduct } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');

let skuCounter = 0;
/** A SKU no other test in this file uses. */
const sku = (prefix = 'P') => `${prefix}-${++skuCounter}-${Math.random().toString(36).slice(2, 7)}`;

/** Stock on hand per location (all bays and batches added up), as stock.levels reports it. */
async function stockByLocation(productId: number): Promise<Record<number, number>> {
  const { items, nextCursor } = await admin.stock.levels({ productId, limit: 1000 });
  expect(nextCursor).toBeNull();
  const totals: Record<number, number> = {};
  for (const level of items) totals[level.locationId] = (totals[level.locationId] ?? 0) + level.quantity;
  return totals;
}

/** Every serial of a product with its status and place. */
async function serialsOf(productId: number) {
  const { items, nextCursor } = await admin.serials.list({ productId, limit: 1000 });
  expect(nextCursor).toBeNull();
  return Object.fromEntries(
    items.map((s) => [s.serial, { status: s.status, locationId: s.locationId, bayId: s.bayId, unitCost: s.unitCost }]),
  );
}

async function addSerials(productId: number, locationId: number, serials: string[], extra: { bayId?: number; unitCost?: number } = {}) {
  return admin.serials.add({ productId, locationId, serials, idempotencyKey: key(), ...extra });
}

async function adjust(productId: number, locationId: number, quantity: number, extra: { bayId?: number; batchNumber?: string } = {}) {
  return admin.stock.adjust({ productId, locationId, quantity, glCode: '630', unitCost: 5, idempotencyKey: key(), ...extra });
}

/** Runs `work` with an accounting system connected, then disconnects it again (settings are shared by the file). */
async function withAccountingConnected<T>(work: () => Promise<T>): Promise<T> {
  await admin.settings.update({ accountingProvider: 'xero' });
  try {
    return await work();
  } finally {
    await admin.settings.update({ accountingProvider: null });
  }
}

/** Products whose SKU or name contains the text, across every page. */
async function allMatching(search: string, limit = 100) {
  const seen: { id: number; sku: string }[] = [];
  let cursor: number | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await admin.products.list({ search, limit, cursor });
    seen.push(...page.items);
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('products.list never ended');
}

describe('products.create', () => {
  it('defaults every flag to false (active on) and stores what was sent', async () => {
    const s = sku();
    const created = await admin.products.create({ sku: s, name: 'Cable' });
    expect(created).toMatchObject({
      sku: s,
      name: 'Cable',
      sellable: false,
      purchasable: false,
      stockTracked: false,
      serialised: false,
      batchTracked: false,
      active: true,
      saleGlCode: null,
      sellingTaxRate: null,
      purchaseGlCode: null,
      purchaseTaxRate: null,
      assetGlCode: null,
      accountingProvider: null,
      accountingExternalId: null,
    });
    expect(created.id).toBeGreaterThan(0);
    expect(await admin.products.get({ id: created.id })).toEqual(created);
  });

  it('stores GL codes and tax rates', async () => {
    const created = await admin.products.create({
      sku: sku(),
      name: 'Coded',
      ...sellableCodes,
      ...purchasableCodes,
      stockTracked: true,
      assetGlCode: '630',
    });
    expect(await admin.products.get({ id: created.id })).toMatchObject({
      ...sellableCodes,
      ...purchasableCodes,
      stockTracked: true,
      assetGlCode: '630',
    });
  });

  it('refuses a SKU that is taken, naming it, and creates nothing', async () => {
    const s = sku('DUP');
    const first = await admin.products.create({ sku: s, name: 'First' });
    const r = await refusal(admin.products.create({ sku: s, name: 'Second' }));
    expect(r.reason).toBe('SKU_TAKEN');
    expect(r.code).toBe('CONFLICT');
    expect(r.message).toContain(s);
    const matching = await allMatching(s);
    expect(matching.map((p) => p.id)).toEqual([first.id]);
    expect(await admin.products.get({ id: first.id })).toEqual(first);
  });

  it('two requests creating one SKU at the same moment make one product', async () => {
    const s = sku('RACE');
    const results = await Promise.allSettled([1, 2, 3].map((n) => admin.products.create({ sku: s, name: `Racer ${n}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((await refusal(Promise.reject(r.reason))).reason).toBe('SKU_TAKEN');
    }
    expect(await allMatching(s)).toHaveLength(1);
  });

  it('trims the SKU, so padding does not make a second product', async () => {
    const s = sku('TRIM');
    const first = await admin.products.create({ sku: `  ${s}  `, name: 'Padded' });
    expect(first.sku).toBe(s);
    expect((await refusal(admin.products.create({ sku: s, name: 'Again' }))).reason).toBe('SKU_TAKEN');
  });

  it('turns stock tracking on for a serialised or batch-tracked product', async () => {
    const serialised = await admin.products.create({ sku: sku(), name: 'S', serialised: true });
    expect(serialised).toMatchObject({ serialised: true, stockTracked: true, batchTracked: false });
    const batch = await admin.products.create({ sku: sku(), name: 'B', batchTracked: true });
    expect(batch).toMatchObject({ batchTracked: true, stockTracked: true, serialised: false });
    expect(await admin.products.get({ id: serialised.id })).toMatchObject({ serialised: true, stockTracked: true });
  });

  it('refuses serialised and batch tracked together, and serialised without stock tracking (TRACKING_CONFLICT)', async () => {
    const both = sku('BOTH');
    const r = await refusal(admin.products.create({ sku: both, name: 'Both', serialised: true, batchTracked: true }));
    expect(r.reason).toBe('TRACKING_CONFLICT');
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain(both);
    const untracked = sku('UNTR');
    const u = await refusal(admin.products.create({ sku: untracked, name: 'Untracked', serialised: true, stockTracked: false }));
    expect(u.reason).toBe('TRACKING_CONFLICT');
    expect(u.message).toContain(untracked);
    const b = await refusal(admin.products.create({ sku: sku(), name: 'Untracked batch', batchTracked: true, stockTracked: false }));
    expect(b.reason).toBe('TRACKING_CONFLICT');
    expect(await allMatching(both)).toEqual([]);
    expect(await allMatching(untracked)).toEqual([]);
  });

  it('a sellable product needs the sale GL code and selling tax rate; the message lists exactly what is missing', async () => {
    const s = sku('SELL');
    const r = await refusal(admin.products.create({ sku: s, name: 'Sellable', sellable: true }));
    expect(r.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain(s);
    expect(r.message).toContain('sale GL code');
    expect(r.message).toContain('selling tax rate');
    expect(r.message).not.toMatch(/purchase|asset/);

    const one = await refusal(admin.products.create({ sku: s, name: 'Sellable', sellable: true, saleGlCode: '200' }));
    expect(one.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(one.message).toContain('selling tax rate');
    expect(one.message).not.toContain('sale GL code');

    // An empty string is no code.
    const blank = await refusal(admin.products.create({ sku: s, name: 'Sellable', sellable: true, saleGlCode: '', sellingTaxRate: 'GST' }));
    expect(blank.message).toContain('sale GL code');
    expect(await allMatching(s)).toEqual([]);
  });

  it('a purchasable product needs the purchase GL code and purchase tax rate', async () => {
    const s = sku('BUY');
    const r = await refusal(admin.products.create({ sku: s, name: 'Purchasable', purchasable: true }));
    expect(r.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(r.message).toContain('purchase GL code');
    expect(r.message).toContain('purchase tax rate');
    expect(r.message).not.toMatch(/sale GL code|selling tax rate|asset/);
    const both = await refusal(
      admin.products.create({ sku: s, name: 'Both', sellable: true, purchasable: true, saleGlCode: '200', purchaseTaxRate: 'GST' }),
    );
    expect(both.message).toContain('selling tax rate');
    expect(both.message).toContain('purchase GL code');
    expect(both.message).not.toContain('sale GL code');
    expect(both.message).not.toContain('purchase tax rate');
    expect(await allMatching(s)).toEqual([]);
    const ok = await admin.products.create({ sku: s, name: 'Purchasable', ...purchasableCodes });
    expect(ok).toMatchObject(purchasableCodes);
  });

  it('a stock-tracked product needs an asset GL code only while an accounting system is connected', async () => {
    expect((await admin.products.create({ sku: sku(), name: 'Unconnected', stockTracked: true })).assetGlCode).toBeNull();
    const refusedSku = sku('ASSET');
    await withAccountingConnected(async () => {
      const r = await refusal(admin.products.create({ sku: refusedSku, name: 'Connected', stockTracked: true }));
      expect(r.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
      expect(r.message).toContain(refusedSku);
      expect(r.message).toContain('asset GL code');
      // Serialisation turns stock tracking on, so it needs the asset account too.
      const s = await refusal(admin.products.create({ sku: sku(), name: 'Connected serialised', serialised: true }));
      expect(s.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
      expect(s.message).toContain('asset GL code');
      // Not stock tracked: nothing needed.
      expect((await admin.products.create({ sku: sku(), name: 'Service' })).stockTracked).toBe(false);
      expect((await admin.products.create({ sku: sku(), name: 'With asset', stockTracked: true, assetGlCode: '630' })).assetGlCode).toBe(
        '630',
      );
    });
    expect(await allMatching(refusedSku)).toEqual([]);
  });

  it('refuses malformed input with BAD_REQUEST', async () => {
    for (const input of [
      { sku: '', name: 'Blank SKU' },
      { sku: '   ', name: 'Spaces SKU' },
      { sku: sku(), name: '' },
      { sku: 'X'.repeat(65), name: 'Long SKU' },
      { sku: sku(), name: 'Long code', saleGlCode: '1'.repeat(33) },
    ]) {
      const r = await refusal(admin.products.create(input));
      expect(r.code, JSON.stringify(input)).toBe('BAD_REQUEST');
    }
    // A wrongly typed flag (a client sending "true").
    const r = await refusal(admin.products.create({ sku: sku(), name: 'Typed', serialised: 'true' as unknown as boolean }));
    expect(r.code).toBe('BAD_REQUEST');
  });
});

describe('products.update and setSerialised', () => {
  it('changes the fields sent and leaves the rest', async () => {
    const p = await admin.products.create({ sku: sku(), name: 'Before', ...sellableCodes });
    const updated = await admin.products.update({ id: p.id, name: 'After', sellingTaxRate: 'GST Free' });
    expect(updated).toMatchObject({ name: 'After', sellingTaxRate: 'GST Free', saleGlCode: '200', sellable: true, sku: p.sku });
    expect(await admin.products.get({ id: p.id })).toEqual(updated);
  });

  it('refuses renaming to a SKU another product has, changing nothing', async () => {
    const a = await admin.products.create({ sku: sku('A'), name: 'A' });
    const b = await admin.products.create({ sku: sku('B'), name: 'B' });
    const r = await refusal(admin.products.update({ id: b.id, sku: a.sku, name: 'B renamed' }));
    expect(r.reason).toBe('SKU_TAKEN');
    expect(r.message).toContain(a.sku);
    expect(await admin.products.get({ id: b.id })).toEqual(b);
  });

  it('refuses a product that does not exist with NOT_FOUND', async () => {
    const r = await refusal(admin.products.update({ id: 999_999, name: 'Ghost' }));
    expect(r.reason).toBe('NOT_FOUND');
    expect(r.code).toBe('NOT_FOUND');
    expect((await refusal(admin.products.get({ id: 999_999 }))).reason).toBe('NOT_FOUND');
    expect((await refusal(admin.products.setSerialised({ id: 999_999, serialised: true }))).reason).toBe('NOT_FOUND');
  });

  it('making a product sellable needs its codes; the refused change leaves it as it was', async () => {
    const p = await admin.products.create({ sku: sku(), name: 'Later sellable' });
    const r = await refusal(admin.products.update({ id: p.id, sellable: true, saleGlCode: '200' }));
    expect(r.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(r.message).toContain(p.sku);
    expect(r.message).toContain('selling tax rate');
    expect(r.message).not.toContain('sale GL code');
    expect(await admin.products.get({ id: p.id })).toEqual(p);
    // Clearing a code a flag needs is refused too.
    const sellable = await admin.products.create({ sku: sku(), name: 'Sellable', ...sellableCodes });
    expect((await refusal(admin.products.update({ id: sellable.id, saleGlCode: null }))).reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(await admin.products.get({ id: sellable.id })).toEqual(sellable);
  });

  it('turning serialisation on turns stock tracking on', async () => {
    const p = await admin.products.create({ sku: sku(), name: 'Plain' });
    const s = await admin.products.setSerialised({ id: p.id, serialised: true });
    expect(s).toMatchObject({ serialised: true, stockTracked: true, batchTracked: false });
    expect(await admin.products.get({ id: p.id })).toMatchObject({ serialised: true, stockTracked: true });
    // And through update as well.
    const q = await admin.products.create({ sku: sku(), name: 'Plain 2' });
    expect(await admin.products.update({ id: q.id, serialised: true })).toMatchObject({ serialised: true, stockTracked: true });
  });

  it('refuses serialising with stock tracking off in the same change, and batch tracking a serialised product', async () => {
    const p = await admin.products.create({ sku: sku(), name: 'Plain' });
    const r = await refusal(admin.products.update({ id: p.id, serialised: true, stockTracked: false }));
    expect(r.reason).toBe('TRACKING_CONFLICT');
    expect(await admin.products.get({ id: p.id })).toEqual(p);
    const s = await serialisedProduct(admin);
    expect((await refusal(admin.products.update({ id: s.id, batchTracked: true }))).reason).toBe('TRACKING_CONFLICT');
    expect((await refusal(admin.products.update({ id: s.id, stockTracked: false }))).reason).toBe('TRACKING_CONFLICT');
    expect(await admin.products.get({ id: s.id })).toEqual(s);
  });

  it('turning serialisation on must pass the GL and tax checks', async () => {
    const p = await admin.products.create({ sku: sku(), name: 'Not yet tracked', ...sellableCodes });
    await withAccountingConnected(async () => {
      const r = await refusal(admin.products.setSerialised({ id: p.id, serialised: true }));
      expect(r.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
      expect(r.message).toContain(p.sku);
      expect(r.message).toContain('asset GL code');
      expect(r.message).not.toContain('sale GL code');
      expect(await admin.products.get({ id: p.id })).toEqual(p);
      await admin.products.update({ id: p.id, assetGlCode: '630' });
      expect(await admin.products.setSerialised({ id: p.id, serialised: true })).toMatchObject({
        serialised: true,
        stockTracked: true,
        assetGlCode: '630',
      });
    });
  });

  it('once linked to the accounting system, serialisation cannot be turned off (SERIALISATION_LOCKED) and nothing changes', async () => {
    const loc = await location(admin, ['A1']);
    const p = await serialisedProduct(admin, { assetGlCode: '630' });
    await addSerials(p.id, loc.id, ['L-1', 'L-2'], { bayId: loc.bayIds[0] });
    const linked = await app.as('accountant').products.linkAccounting({ id: p.id, provider: 'xero', externalId: 'xero-item-1' });
    const levels = await stockByLocation(p.id);
    const serials = await serialsOf(p.id);

    const r = await refusal(admin.products.setSerialised({ id: p.id, serialised: false }));
    expect(r.reason).toBe('SERIALISATION_LOCKED');
    expect(r.code).toBe('PRECONDITION_FAILED');
    expect(r.message).toContain(p.sku);
    expect(r.message).toContain('Xero');
    const viaUpdate = await refusal(admin.products.update({ id: p.id, serialised: false }));
    expect(viaUpdate.reason).toBe('SERIALISATION_LOCKED');

    expect(await admin.products.get({ id: p.id })).toEqual(linked);
    expect(await serialsOf(p.id)).toEqual(serials);
    expect(serials['L-1']!.status).toBe('in_stock');
    expect(await stockByLocation(p.id)).toEqual(levels);
    const history = await admin.serials.history({ productId: p.id, serial: 'L-1' });
    expect(history.movements.map((m) => m.kind)).toEqual(['opening']);
  });

  it('before linking, marking as not serialised retires in-stock serials and keeps the stock as quantity', async () => {
    const main = await location(admin, ['Shelf 1']);
    const other = await location(admin);
    const p = await serialisedProduct(admin);
    await addSerials(p.id, main.id, ['R-1', 'R-2'], { bayId: main.bayIds[0], unitCost: 10 });
    await addSerials(p.id, main.id, ['R-3'], { unitCost: 10 });
    await addSerials(p.id, other.id, ['R-4', 'R-5'], { unitCost: 10 });
    await admin.serials.adjust({ productId: p.id, locationId: other.id, remove: ['R-5'], glCode: '630', idempotencyKey: key() });
    const before = await stockByLocation(p.id);
    expect(before).toEqual({ [main.id]: 3, [other.id]: 1 });
    const levelsBefore = (await admin.stock.levels({ productId: p.id })).items.map(({ locationId, bayId, quantity }) => ({
      locationId,
      bayId,
      quantity,
    }));

    const updated = await admin.products.setSerialised({ id: p.id, serialised: false });
    expect(updated).toMatchObject({ serialised: false, stockTracked: true, batchTracked: false });
    expect(await admin.products.get({ id: p.id })).toEqual(updated);

    const serials = await serialsOf(p.id);
    expect(serials['R-1']).toMatchObject({ status: 'retired', locationId: main.id, bayId: main.bayIds[0] });
    expect(serials['R-2']!.status).toBe('retired');
    expect(serials['R-3']!.status).toBe('retired');
    expect(serials['R-4']).toMatchObject({ status: 'retired', locationId: other.id });
    // A serial already written off stays written off.
    expect(serials['R-5']!.status).toBe('written_off');
    expect((await admin.serials.list({ productId: p.id, status: 'in_stock' })).items).toEqual([]);

    expect(await stockByLocation(p.id)).toEqual(before);
    const levelsAfter = (await admin.stock.levels({ productId: p.id })).items.map(({ locationId, bayId, quantity }) => ({
      locationId,
      bayId,
      quantity,
    }));
    expect(levelsAfter).toEqual(levelsBefore);

    const history = await admin.serials.history({ productId: p.id, serial: 'R-1' });
    expect(history.serial.status).toBe('retired');
    const last = history.movements.at(-1)!;
    expect(last).toMatchObject({ kind: 'tracking_change', statusAfter: 'retired', quantity: 0 });
    expect(last.location.id).toBe(main.id);
    expect(last.narrative).toMatch(/not serialised/i);
    expect(last.user.name).toBe('admin-user');
    expect((await admin.serials.history({ productId: p.id, serial: 'R-5' })).movements.map((m) => m.statusAfter)).toEqual([
      'in_stock',
      'written_off',
    ]);

    // The stock now moves as plain quantity.
    await adjust(p.id, main.id, -1, { bayId: main.bayIds[0] });
    expect(await stockByLocation(p.id)).toEqual({ [main.id]: 2, [other.id]: 1 });
    // And serials can no longer be added.
    expect((await refusal(addSerials(p.id, main.id, ['R-9']))).reason).toBe('PRODUCT_NOT_SERIALISED');
    // Serialising again needs the quantity out first: the stock has no serials any more.
    const plainAgain = await admin.products.get({ id: p.id });
    expect((await refusal(admin.products.setSerialised({ id: p.id, serialised: true }))).reason).toBe('STOCK_ON_HAND');
    expect(await admin.products.get({ id: p.id })).toEqual(plainAgain);
  });

  it('stock tracking cannot be switched either way once the product has stock movements', async () => {
    const loc = await location(admin);
    const p = await plainProduct(admin);
    await adjust(p.id, loc.id, 4);
    await adjust(p.id, loc.id, -4); // nothing on hand, but it has a history
    const before = await admin.products.get({ id: p.id });
    const r = await refusal(admin.products.update({ id: p.id, stockTracked: false }));
    expect(r.reason).toBe('STOCK_TRACKING_LOCKED');
    expect(r.message).toContain(p.sku);
    expect(await admin.products.get({ id: p.id })).toEqual(before);

    // Serialised products too: turning both off is refused for the stock-tracking part.
    const s = await serialisedProduct(admin);
    await addSerials(s.id, loc.id, ['T-1']);
    const serialisedBefore = await admin.products.get({ id: s.id });
    const both = await refusal(admin.products.update({ id: s.id, serialised: false, stockTracked: false }));
    expect(both.reason).toBe('STOCK_TRACKING_LOCKED');
    expect(await admin.products.get({ id: s.id })).toEqual(serialisedBefore);
    expect((await serialsOf(s.id))['T-1']!.status).toBe('in_stock');
  });

  it('stock tracking can be switched off and on before any stock movement', async () => {
    const p = await plainProduct(admin);
    expect((await admin.products.update({ id: p.id, stockTracked: false })).stockTracked).toBe(false);
    expect((await admin.products.update({ id: p.id, stockTracked: true })).stockTracked).toBe(true);
    const s = await serialisedProduct(admin);
    expect(await admin.products.update({ id: s.id, serialised: false, stockTracked: false })).toMatchObject({
      serialised: false,
      stockTracked: false,
    });
  });

  it('turning on serialisation or batch tracking while stock is on hand is refused (STOCK_ON_HAND)', async () => {
    const loc = await location(admin);
    const p = await plainProduct(admin);
    await adjust(p.id, loc.id, 3);
    const before = await admin.products.get({ id: p.id });
    const r = await refusal(admin.products.setSerialised({ id: p.id, serialised: true }));
    expect(r.reason).toBe('STOCK_ON_HAND');
    expect(r.code).toBe('PRECONDITION_FAILED');
    expect(r.message).toContain(p.sku);
    const b = await refusal(admin.products.update({ id: p.id, batchTracked: true }));
    expect(b.reason).toBe('STOCK_ON_HAND');
    expect(await admin.products.get({ id: p.id })).toEqual(before);
    expect(await stockByLocation(p.id)).toEqual({ [loc.id]: 3 });

    // Once the stock is out, serialisation can be turned on.
    await adjust(p.id, loc.id, -3);
    expect(await admin.products.setSerialised({ id: p.id, serialised: true })).toMatchObject({ serialised: true, stockTracked: true });
  });

  it('batch tracking cannot be turned off while batches are on hand', async () => {
    const loc = await location(admin);
    const p = await batchProduct(admin);
    await admin.batches.add({ productId: p.id, locationId: loc.id, number: 'LOT-1', quantity: 5, unitCost: 2, idempotencyKey: key() });
    const before = await admin.products.get({ id: p.id });
    const r = await refusal(admin.products.update({ id: p.id, batchTracked: false }));
    expect(r.reason).toBe('STOCK_ON_HAND');
    const s = await refusal(admin.products.update({ id: p.id, batchTracked: false, serialised: true }));
    expect(s.reason).toBe('STOCK_ON_HAND');
    expect(await admin.products.get({ id: p.id })).toEqual(before);
    expect(await stockByLocation(p.id)).toEqual({ [loc.id]: 5 });
  });
});

describe('products.convertToBatchTracked', () => {
  it('turns every in-stock serial into a batch of one at the same place and cost', async () => {
    const main = await location(admin, ['Bay 1', 'Bay 2']);
    const other = await location(admin);
    const p = await serialisedProduct(admin);
    await addSerials(p.id, main.id, ['C-1', 'C-2'], { bayId: main.bayIds[0], unitCost: 10 });
    await addSerials(p.id, main.id, ['C-3'], { bayId: main.bayIds[1], unitCost: 12.5 });
    await addSerials(p.id, main.id, ['C-4'], { unitCost: 8 });
    await addSerials(p.id, other.id, ['C-5', 'C-6'], { unitCost: 7 });
    await admin.serials.adjust({ productId: p.id, locationId: other.id, remove: ['C-6'], glCode: '630', idempotencyKey: key() });
    const before = await stockByLocation(p.id);
    expect(before).toEqual({ [main.id]: 4, [other.id]: 1 });

    const converted = await admin.products.convertToBatchTracked({ id: p.id });
    expect(converted).toMatchObject({ serialised: false, batchTracked: true, stockTracked: true });
    expect(await admin.products.get({ id: p.id })).toEqual(converted);

    const batches = (await admin.batches.list({ productId: p.id })).items;
    const byNumber = Object.fromEntries(batches.map((b) => [b.number, b]));
    expect(Object.keys(byNumber).sort()).toEqual(['C-1', 'C-2', 'C-3', 'C-4', 'C-5']);
    expect(byNumber['C-1']).toMatchObject({ quantity: 1, locationId: main.id, bayId: main.bayIds[0], unitCost: 10, expiry: null });
    expect(byNumber['C-2']).toMatchObject({ quantity: 1, locationId: main.id, bayId: main.bayIds[0], unitCost: 10 });
    expect(byNumber['C-3']).toMatchObject({ quantity: 1, locationId: main.id, bayId: main.bayIds[1], unitCost: 12.5 });
    expect(byNumber['C-4']).toMatchObject({ quantity: 1, locationId: main.id, bayId: null, unitCost: 8 });
    expect(byNumber['C-5']).toMatchObject({ quantity: 1, locationId: other.id, bayId: null, unitCost: 7 });

    expect(await stockByLocation(p.id)).toEqual(before);
    // No stock is left outside a batch.
    const levels = (await admin.stock.levels({ productId: p.id })).items;
    expect(levels.every((l) => l.batchNumber !== null)).toBe(true);
    expect(levels).toHaveLength(5);

    const serials = await serialsOf(p.id);
    for (const serial of ['C-1', 'C-2', 'C-3', 'C-4', 'C-5']) expect(serials[serial]!.status, serial).toBe('retired');
    expect(serials['C-6']!.status).toBe('written_off');

    const history = await admin.serials.history({ productId: p.id, serial: 'C-3' });
    expect(history.movements.map((m) => m.kind)).toEqual(['opening', 'tracking_change']);
    expect(history.movements.at(-1)).toMatchObject({ statusAfter: 'retired', bay: { id: main.bayIds[1] } });
    expect(history.movements.at(-1)!.narrative).toMatch(/batch/i);

    // The batches behave as batches now.
    await adjust(p.id, main.id, -1, { bayId: main.bayIds[0], batchNumber: 'C-1' });
    expect(await stockByLocation(p.id)).toEqual({ [main.id]: 3, [other.id]: 1 });
    expect((await refusal(adjust(p.id, main.id, -1, { bayId: main.bayIds[0], batchNumber: 'C-1' }))).reason).toBe('INSUFFICIENT_STOCK');
  });

  it('works for a serialised product with no stock', async () => {
    const p = await serialisedProduct(admin);
    expect(await admin.products.convertToBatchTracked({ id: p.id })).toMatchObject({
      serialised: false,
      batchTracked: true,
      stockTracked: true,
    });
    expect((await admin.batches.list({ productId: p.id })).items).toEqual([]);
  });

  it('is refused once the product is linked (SERIALISATION_LOCKED), changing nothing', async () => {
    const loc = await location(admin);
    const p = await serialisedProduct(admin, { assetGlCode: '630' });
    await addSerials(p.id, loc.id, ['K-1', 'K-2'], { unitCost: 3 });
    const linked = await admin.products.linkAccounting({ id: p.id, provider: 'myob', externalId: 'myob-1' });
    const r = await refusal(admin.products.convertToBatchTracked({ id: p.id }));
    expect(r.reason).toBe('SERIALISATION_LOCKED');
    expect(r.message).toContain(p.sku);
    expect(r.message).toContain('MYOB');
    expect(await admin.products.get({ id: p.id })).toEqual(linked);
    expect((await admin.batches.list({ productId: p.id })).items).toEqual([]);
    expect(Object.values(await serialsOf(p.id)).map((s) => s.status)).toEqual(['in_stock', 'in_stock']);
    expect(await stockByLocation(p.id)).toEqual({ [loc.id]: 2 });
  });

  it('is refused for a product that is not serialised (PRODUCT_NOT_SERIALISED)', async () => {
    const plain = await plainProduct(admin);
    const r = await refusal(admin.products.convertToBatchTracked({ id: plain.id }));
    expect(r.reason).toBe('PRODUCT_NOT_SERIALISED');
    expect(r.message).toContain(plain.sku);
    expect(await admin.products.get({ id: plain.id })).toEqual(plain);
    const batch = await batchProduct(admin);
    expect((await refusal(admin.products.convertToBatchTracked({ id: batch.id }))).reason).toBe('PRODUCT_NOT_SERIALISED');
    expect(await admin.products.get({ id: batch.id })).toEqual(batch);
  });

  it('is refused when a batch already has a serial number, changing nothing', async () => {
    const loc = await location(admin);
    const p = await batchProduct(admin);
    await admin.batches.add({ productId: p.id, locationId: loc.id, number: 'X-1', quantity: 2, idempotencyKey: key() });
    await adjust(p.id, loc.id, -2, { batchNumber: 'X-1' });
    await admin.products.update({ id: p.id, batchTracked: false, serialised: true });
    await addSerials(p.id, loc.id, ['X-1', 'X-2']);
    const serialised = await admin.products.get({ id: p.id });
    const r = await refusal(admin.products.convertToBatchTracked({ id: p.id }));
    expect(r.reason).toBe('TRACKING_CONFLICT');
    expect(r.message).toContain('X-1');
    expect(await admin.products.get({ id: p.id })).toEqual(serialised);
    expect(Object.values(await serialsOf(p.id)).map((s) => s.status)).toEqual(['in_stock', 'in_stock']);
    expect(await stockByLocation(p.id)).toEqual({ [loc.id]: 2 });
  });
});

describe('products.linkAccounting', () => {
  it('records the provider and external id', async () => {
    const p = await plainProduct(admin, { assetGlCode: '630' });
    const linked = await app.as('accountant').products.linkAccounting({ id: p.id, provider: 'xero', externalId: 'ITEM-42' });
    expect(linked).toMatchObject({ id: p.id, accountingProvider: 'xero', accountingExternalId: 'ITEM-42' });
    expect(linked.accountingLinkedAt).toBeInstanceOf(Date);
    expect(await admin.products.get({ id: p.id })).toEqual(linked);
  });

  it('refuses linking to a different provider (ALREADY_LINKED), keeping the first link', async () => {
    const p = await plainProduct(admin, { assetGlCode: '630' });
    const linked = await admin.products.linkAccounting({ id: p.id, provider: 'xero', externalId: 'X-1' });
    const r = await refusal(admin.products.linkAccounting({ id: p.id, provider: 'myob', externalId: 'M-1' }));
    expect(r.reason).toBe('ALREADY_LINKED');
    expect(r.code).toBe('CONFLICT');
    expect(r.message).toContain(p.sku);
    expect(r.message).toMatch(/xero/i);
    expect(await admin.products.get({ id: p.id })).toEqual(linked);
  });

  it('refuses linking a stock-tracked product without an asset GL code, leaving it unlinked', async () => {
    const p = await serialisedProduct(admin);
    const r = await refusal(admin.products.linkAccounting({ id: p.id, provider: 'xero', externalId: 'X-2' }));
    expect(r.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(r.message).toContain(p.sku);
    expect(r.message).toContain('asset GL code');
    expect(await admin.products.get({ id: p.id })).toEqual(p);
    // A product that is not stock tracked needs no asset account.
    const service = await admin.products.create({ sku: sku(), name: 'Service' });
    expect((await admin.products.linkAccounting({ id: service.id, provider: 'xero', externalId: 'X-3' })).accountingProvider).toBe('xero');
  });

  it('a linked product keeps needing its asset GL code', async () => {
    const p = await plainProduct(admin, { assetGlCode: '630' });
    const linked = await admin.products.linkAccounting({ id: p.id, provider: 'xero', externalId: 'X-4' });
    const r = await refusal(admin.products.update({ id: p.id, assetGlCode: null }));
    expect(r.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(r.message).toContain('asset GL code');
    expect(await admin.products.get({ id: p.id })).toEqual(linked);
    // Serialising a linked product is allowed (only turning it off is locked).
    expect(await admin.products.setSerialised({ id: p.id, serialised: true })).toMatchObject({
      serialised: true,
      accountingProvider: 'xero',
    });
  });
});

describe('products.list', () => {
  it('finds by SKU or name, ignoring case', async () => {
    const tag = `zq${Math.random().toString(36).slice(2, 8)}`;
    const bySku = await admin.products.create({ sku: `${tag.toUpperCase()}-SKU`, name: 'Widget' });
    const byName = await admin.products.create({ sku: sku(), name: `Big ${tag.toUpperCase()} gadget` });
    await admin.products.create({ sku: sku(), name: 'Unrelated' });
    const found = await admin.products.list({ search: tag });
    expect(found.items.map((p) => p.id)).toEqual([bySku.id, byName.id]);
    expect(found.nextCursor).toBeNull();
    expect((await admin.products.list({ search: `${tag.toUpperCase()}-sku` })).items.map((p) => p.id)).toEqual([bySku.id]);
    expect((await admin.products.list({ search: `  ${tag} gadget ` })).items.map((p) => p.id)).toEqual([byName.id]);
    expect((await admin.products.list({ search: `${tag}-nothing` })).items).toEqual([]);
  });

  it('treats % and _ in the search as plain characters', async () => {
    const tag = `wc${Math.random().toString(36).slice(2, 8)}`;
    const underscore = await admin.products.create({ sku: `${tag}_A`, name: 'Underscore' });
    const percent = await admin.products.create({ sku: `${tag}%B`, name: 'Percent' });
    await admin.products.create({ sku: `${tag}xA`, name: 'Letter' });
    expect((await admin.products.list({ search: `${tag}_` })).items.map((p) => p.id)).toEqual([underscore.id]);
    expect((await admin.products.list({ search: `${tag}%` })).items.map((p) => p.id)).toEqual([percent.id]);
    const backslash = await admin.products.create({ sku: `${tag}\\C`, name: 'Backslash' });
    expect((await admin.products.list({ search: `${tag}\\` })).items.map((p) => p.id)).toEqual([backslash.id]);
    expect((await admin.products.list({ search: `${tag}\\C` })).items.map((p) => p.id)).toEqual([backslash.id]);
  });

  it('pages with a cursor: every product exactly once, nextCursor null at the end', async () => {
    const tag = `pg${Math.random().toString(36).slice(2, 8)}`;
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push((await admin.products.create({ sku: `${tag}-${i}`, name: `Paged ${i}` })).id);
    for (const limit of [1, 2, 3, 7]) {
      const pages: number[][] = [];
      let cursor: number | undefined;
      for (;;) {
        const page = await admin.products.list({ search: tag, limit, cursor });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        pages.push(page.items.map((p) => p.id));
        if (page.nextCursor === null) break;
        expect(page.nextCursor).toBe(page.items.at(-1)!.id);
        cursor = page.nextCursor;
        expect(pages.length).toBeLessThan(20);
      }
      expect(pages.flat(), `limit ${limit}`).toEqual(ids);
      expect(pages).toHaveLength(Math.ceil(7 / limit));
    }
    // Without a search the whole catalogue pages the same way.
    const everything = await allMatching('', 3);
    expect(new Set(everything.map((p) => p.id)).size).toBe(everything.length);
    expect(everything.map((p) => p.id)).toEqual(expect.arrayContaining(ids));
  });

  it('hides inactive products unless asked', async () => {
    const tag = `in${Math.random().toString(36).slice(2, 8)}`;
    const p = await admin.products.create({ sku: `${tag}-1`, name: 'Retiring' });
    await admin.products.update({ id: p.id, active: false });
    expect((await admin.products.list({ search: tag })).items).toEqual([]);
    expect((await admin.products.list({ search: tag, includeInactive: true })).items.map((x) => x.id)).toEqual([p.id]);
  });

  it('refuses a bad page size with BAD_REQUEST', async () => {
    expect((await refusal(admin.products.list({ limit: 0 }))).code).toBe('BAD_REQUEST');
    expect((await refusal(admin.products.list({ limit: 1001 }))).code).toBe('BAD_REQUEST');
  });
});

describe('product roles', () => {
  it('viewer, sales and warehouse cannot create products; the message names the roles that can', async () => {
    for (const role of ['viewer', 'sales', 'warehouse', 'accountant'] as const) {
      const s = sku('ROLE');
      const r = await refusal(app.as(role).products.create({ sku: s, name: 'Not allowed' }));
      expect(r.code, role).toBe('FORBIDDEN');
      expect(r.reason).toBe('FORBIDDEN');
      expect(r.message).toContain(role);
      expect(r.message).toContain('admin, purchasing');
      expect(await allMatching(s)).toEqual([]);
    }
  });

  it('purchasing can create and change products', async () => {
    const purchasing = app.as('purchasing');
    const p = await purchasing.products.create({ sku: sku(), name: 'Bought in' });
    expect(await purchasing.products.update({ id: p.id, name: 'Renamed' })).toMatchObject({ name: 'Renamed' });
    expect(await purchasing.products.setSerialised({ id: p.id, serialised: true })).toMatchObject({ serialised: true });
    expect(await purchasing.products.convertToBatchTracked({ id: p.id })).toMatchObject({ batchTracked: true });
  });

  it('other roles cannot change products', async () => {
    const p = await serialisedProduct(admin);
    for (const role of ['viewer', 'sales', 'warehouse'] as const) {
      const api = app.as(role);
      expect((await refusal(api.products.update({ id: p.id, name: 'Hacked' }))).reason).toBe('FORBIDDEN');
      expect((await refusal(api.products.setSerialised({ id: p.id, serialised: false }))).reason).toBe('FORBIDDEN');
      expect((await refusal(api.products.convertToBatchTracked({ id: p.id }))).reason).toBe('FORBIDDEN');
    }
    expect(await admin.products.get({ id: p.id })).toEqual(p);
  });

  it('only admin and accountant can link products to the accounting system', async () => {
    const p = await admin.products.create({ sku: sku(), name: 'Linkable' });
    for (const role of ['purchasing', 'warehouse', 'sales', 'viewer'] as const) {
      const r = await refusal(app.as(role).products.linkAccounting({ id: p.id, provider: 'xero', externalId: 'X' }));
      expect(r.code, role).toBe('FORBIDDEN');
      expect(r.message).toContain('admin, accountant');
    }
    expect(await admin.products.get({ id: p.id })).toEqual(p);
    expect((await app.as('accountant').products.linkAccounting({ id: p.id, provider: 'xero', externalId: 'X' })).accountingProvider).toBe(
      'xero',
    );
    const q = await admin.products.create({ sku: sku(), name: 'Linkable by admin' });
    expect((await admin.products.linkAccounting({ id: q.id, provider: 'myob', externalId: 'M' })).accountingProvider).toBe('myob');
  });

  it('every role can read products', async () => {
    const p = await admin.products.create({ sku: sku(), name: 'Readable' });
    for (const role of ['viewer', 'sales', 'warehouse', 'accountant', 'purchasing'] as const) {
      expect(await app.as(role).products.get({ id: p.id }), role).toEqual(p);
      expect((await app.as(role).products.list({ search: p.sku })).items.map((x) => x.id)).toEqual([p.id]);
    }
  });

  it('an anonymous caller is refused with UNAUTHORIZED', async () => {
    const s = sku('ANON');
    const r = await refusal(app.anonymous.products.create({ sku: s, name: 'Anonymous' }));
    expect(r.code).toBe('UNAUTHORIZED');
    expect(r.reason).toBe('UNAUTHENTICATED');
    expect(r.message).toMatch(/token/i);
    expect((await refusal(app.anonymous.products.list())).code).toBe('UNAUTHORIZED');
    expect(await allMatching(s)).toEqual([]);
  });
});

describe('serials waiting on purchase orders', () => {
  it('keeps serialisation on while serials are entered on an open order, and allows it once they are removed', async () => {
    const admin = app.as('admin');
    const loc = await location(admin);
    const product = await serialisedProduct(admin, purchasableCodes);
    const supplier = await admin.suppliers.create({ name: `Supplier for ${product.sku}` });
    const order = await admin.purchaseOrders.create({
      supplierId: supplier.id,
      locationId: loc.id,
      currency: 'AUD',
      exchangeRate: 1,
      lines: [{ productId: product.id, quantity: 2, unitCost: 5 }],
    });
    await admin.purchaseOrders.setLineSerials({ lineId: order.lines[0]!.id, serials: ['WAIT-1', 'WAIT-2'], idempotencyKey: key() });

    // One call at a time: made together, the second's refusal could land before anything awaits it.
    for (const call of [
      () => admin.products.setSerialised({ id: product.id, serialised: false }),
      () => admin.products.convertToBatchTracked({ id: product.id }),
    ]) {
      const r = await refusal(call());
      expect(r.reason).toBe('SERIALS_ON_ORDERS');
      expect(r.message).toContain('2 serial(s) entered on open purchase orders');
    }
    expect((await admin.products.get({ id: product.id })).serialised).toBe(true);

    await admin.purchaseOrders.cancel({ id: order.id });
    expect((await admin.products.setSerialised({ id: product.id, serialised: false })).serialised).toBe(false);
  });
});
