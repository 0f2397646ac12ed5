import { describe, expect, it } from 'vitest';
import { type Caller, key, refusal, useTestApp } from '../helpers/app.ts';
import { batchProduct, location, plainProduct, serialisedProduct } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');
const warehouse = app.as('warehouse');
const accountant = app.as('accountant');

// ---- local helpers --------------------------------------------------------------------------

type Row = {
  productId: number;
  bayId?: number | null;
  countedQuantity?: number | null;
  batchNumber?: string | null;
  expiry?: string | null;
  serials?: string[];
};

const GL = '631';

/** Plain (or batch) stock in through an adjustment, at a cost. */
function adjust(productId: number, locationId: number, bayId: number | null, quantity: number, unitCost = 2, batchNumber?: string) {
  return warehouse.stock.adjust({ productId, locationId, bayId, quantity, unitCost, glCode: '630', batchNumber, idempotencyKey: key() });
}

function addSerials(productId: number, locationId: number, bayId: number | null, serials: string[], unitCost = 10) {
  return warehouse.serials.add({ productId, locationId, bayId, serials, unitCost, idempotencyKey: key() });
}

function writeOff(productId: number, locationId: number, serials: string[]) {
  return warehouse.serials.adjust({ productId, locationId, remove: serials, glCode: '630', idempotencyKey: key() });
}

/** A stocktake created and started (expected stock frozen). */
async function started(scope: { locationId: number; bayIds?: number[]; productIds?: number[]; blind?: boolean }) {
  const created = await warehouse.stocktakes.create(scope);
  expect(created.status).toBe('draft');
  const s = await warehouse.stocktakes.start({ id: created.id });
  expect(s.status).toBe('counting');
  return s;
}

function submit(stocktakeId: number, sheetKey: string, rows: Row[], idempotencyKey = key(), as: Caller = warehouse) {
  return as.stocktakes.submitCounts({ stocktakeId, sheetKey, rows, idempotencyKey });
}

/** Submits and insists the sheet was saved. */
async function counted(stocktakeId: number, sheetKey: string, rows: Row[]) {
  const result = await submit(stocktakeId, sheetKey, rows);
  expect(result.rows.filter((r) => r.status !== 'ok')).toEqual([]);
  expect(result.saved).toBe(true);
  return result;
}

/** Review is the approval step: the counters move the stocktake to review, then the accountant finalises it. */
async function reviewAndFinalise(stocktakeId: number, options: { idempotencyKey?: string; glCode?: string; zeroUncounted?: boolean } = {}) {
  expect((await warehouse.stocktakes.review({ id: stocktakeId })).status).toBe('review');
  return accountant.stocktakes.finalise({ stocktakeId, ...options, idempotencyKey: options.idempotencyKey ?? key() });
}

async function variances(stocktakeId: number, as: Caller = accountant) {
  return (await as.stocktakes.variances({ stocktakeId })).lines;
}

type Line = Awaited<ReturnType<typeof variances>>[number];
function lineOf(lines: Line[], productId: number, bayId: number | null, batchNumber: string | null = null): Line {
  const found = lines.filter((l) => l.productId === productId && l.bayId === bayId && l.batchNumber === batchNumber);
  expect(found, `one variance line for product ${productId}, bay ${bayId}, batch ${batchNumber}`).toHaveLength(1);
  return found[0]!;
}

async function levels(productId: number) {
  const { items } = await warehouse.stock.levels({ productId, limit: 1000 });
  return items
    .map(({ locationId, bayId, batchNumber, quantity }) => ({ locationId, bayId, batchNumber, quantity }))
    .sort(
      (a, b) => a.locationId - b.locationId || (a.bayId ?? 0) - (b.bayId ?? 0) || (a.batchNumber ?? '').localeCompare(b.batchNumber ?? ''),
    );
}

async function serialsOf(productId: number) {
  const { items } = await warehouse.serials.list({ productId, limit: 1000 });
  return Object.fromEntries(items.map((s) => [s.serial, { status: s.status, locationId: s.locationId, bayId: s.bayId }]));
}

/** The ledger rows a stocktake wrote, as plain values. */
async function ledgerOf(stocktakeId: number) {
  const rows = await app.db.prisma.stockMovement.findMany({
    where: { documentType: 'stocktake', documentId: stocktakeId },
    orderBy: { id: 'asc' },
  });
  return rows.map((r) => ({
    kind: r.kind,
    productId: r.productId,
    locationId: r.locationId,
    bayId: r.bayId,
    batchId: r.batchId,
    quantity: Number(r.quantity),
    unitCost: Number(r.unitCost),
    glCode: r.glCode,
    narrative: r.narrative,
  }));
}

const movementCount = () => app.db.prisma.stockMovement.count();

const LINE_FIELDS = [
  'batchNumber',
  'bayId',
  'countedQuantity',
  'expectedQuantity',
  'misplacedSerials',
  'missingSerials',
  'movedSinceFreeze',
  'newSerials',
  'productId',
  'sku',
  'unitCost',
  'value',
  'variance',
];

// ---- the freeze -----------------------------------------------------------------------------

describe('the freeze', () => {
  it('counting before start is refused: nothing is frozen yet', async () => {
    const loc = await location(warehouse, ['A']);
    const product = await plainProduct(admin);
    await adjust(product.id, loc.id, loc.bayIds[0]!, 5);
    const draft = await warehouse.stocktakes.create({ locationId: loc.id });
    const r = await refusal(submit(draft.id, 'location', [{ productId: product.id, bayId: loc.bayIds[0], countedQuantity: 5 }]));
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'STOCKTAKE_NOT_OPEN' });
    expect(r.message).toContain(`Stocktake #${draft.id} has not started`);
    expect((await warehouse.stocktakes.get({ id: draft.id })).sheets).toEqual([]);
    expect((await refusal(warehouse.stocktakes.review({ id: draft.id }))).reason).toBe('STOCKTAKE_NOT_OPEN');
    expect((await refusal(accountant.stocktakes.finalise({ stocktakeId: draft.id, idempotencyKey: key() }))).reason).toBe(
      'STOCKTAKE_NOT_OPEN',
    );
  });

  it('start freezes quantities per bay and batch and the expected serials; starting twice is refused', async () => {
    const loc = await location(warehouse, ['A', 'B']);
    const [bayA, bayB] = loc.bayIds as [number, number];
    const plain = await plainProduct(admin);
    const batch = await batchProduct(admin);
    const ser = await serialisedProduct(admin);
    await adjust(plain.id, loc.id, bayA, 6, 1.5);
    await warehouse.batches.add({
      productId: batch.id,
      locationId: loc.id,
      bayId: bayB,
      number: 'L1',
      expiry: '2027-05-01',
      quantity: 4,
      unitCost: 3,
      idempotencyKey: key(),
    });
    await addSerials(ser.id, loc.id, bayA, ['F1', 'F2']);
    const s = await started({ locationId: loc.id });
    expect(s.frozenAt).toBeInstanceOf(Date);

    const { sheets } = await warehouse.stocktakes.countSheets({ stocktakeId: s.id });
    const bySheet = Object.fromEntries(
      sheets.map((sh) => [sh.sheetKey, sh.lines.map((l) => [l.productId, l.batchNumber, l.expiry, l.serial, l.expectedQuantity])]),
    );
    expect(bySheet).toEqual({
      [`bay-${bayA}`]: expect.arrayContaining([
        [plain.id, null, null, null, 6],
        [ser.id, null, null, 'F1', 1],
        [ser.id, null, null, 'F2', 1],
      ]),
      [`bay-${bayB}`]: [[batch.id, 'L1', '2027-05-01', null, 4]],
    });
    expect(bySheet[`bay-${bayA}`]).toHaveLength(3);

    const again = await refusal(warehouse.stocktakes.start({ id: s.id }));
    expect(again).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'STOCKTAKE_NOT_OPEN' });
  });

  it('a receipt, a write-off and a serial added after the freeze are movements, not variances', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    const ser = await serialisedProduct(admin);
    await adjust(plain.id, loc.id, bayA, 10, 2);
    await addSerials(ser.id, loc.id, bayA, ['S1', 'S2', 'S3']);
    const s = await started({ locationId: loc.id });

    // After the freeze: a receipt of 4, a serial written off, two serials added.
    await adjust(plain.id, loc.id, bayA, 4, 2);
    await writeOff(ser.id, loc.id, ['S2']);
    await addSerials(ser.id, loc.id, bayA, ['S4', 'S5']);

    await counted(s.id, `bay-${bayA}`, [
      { productId: plain.id, bayId: bayA, countedQuantity: 14 },
      { productId: ser.id, bayId: bayA, serials: ['S1', 'S3', 'S4', 'S5'] },
    ]);
    const lines = await variances(s.id);
    expect(lineOf(lines, plain.id, bayA)).toMatchObject({
      expectedQuantity: 10,
      movedSinceFreeze: 4,
      countedQuantity: 14,
      variance: 0,
      value: 0,
    });
    expect(lineOf(lines, ser.id, bayA)).toMatchObject({
      expectedQuantity: 3,
      movedSinceFreeze: 1,
      countedQuantity: 4,
      variance: 0,
      value: 0,
      missingSerials: [],
      newSerials: [],
      misplacedSerials: [],
    });
    expect(lines).toHaveLength(2);

    const before = await levels(plain.id);
    const done = await reviewAndFinalise(s.id);
    expect(done).toMatchObject({
      status: 'finalised',
      adjustedLines: 0,
      value: 0,
      serials: { writtenOff: 0, created: 0, reinstated: 0, moved: 0 },
    });
    expect(await ledgerOf(s.id)).toEqual([]);
    expect(await levels(plain.id)).toEqual(before);
    expect(await levels(ser.id)).toEqual([{ locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 4 }]);
    expect((await serialsOf(ser.id)).S2!.status).toBe('written_off');
  });

  it('a serial that left after the freeze is not missing, though its bay was counted without it', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const ser = await serialisedProduct(admin);
    await addSerials(ser.id, loc.id, bayA, ['G1', 'G2', 'G3']);
    const s = await started({ locationId: loc.id });
    await writeOff(ser.id, loc.id, ['G1']);
    // No shipping procedure exists yet: ship G2 the way a shipment would leave it.
    await app.db.prisma.serialNumber.updateMany({ where: { productId: ser.id, serial: 'G2' }, data: { status: 'shipped' } });

    await counted(s.id, `bay-${bayA}`, [{ productId: ser.id, bayId: bayA, serials: ['G3'] }]);
    const line = lineOf(await variances(s.id), ser.id, bayA);
    expect(line).toMatchObject({ expectedQuantity: 3, movedSinceFreeze: -1, countedQuantity: 1, variance: 0, missingSerials: [] });
    await reviewAndFinalise(s.id);
    expect(await ledgerOf(s.id)).toEqual([]);
    expect(await serialsOf(ser.id)).toMatchObject({ G1: { status: 'written_off' }, G2: { status: 'shipped' }, G3: { status: 'in_stock' } });
  });

  it('movements since the freeze at a bay the stocktake does not count are none of its business', async () => {
    const loc = await location(warehouse, ['A', 'B']);
    const [bayA, bayB] = loc.bayIds as [number, number];
    const plain = await plainProduct(admin);
    await adjust(plain.id, loc.id, bayA, 5);
    await adjust(plain.id, loc.id, bayB, 3);
    const s = await started({ locationId: loc.id, bayIds: [bayA] });
    await adjust(plain.id, loc.id, bayB, 2); // bay B is not in this stocktake

    await counted(s.id, `bay-${bayA}`, [{ productId: plain.id, bayId: bayA, countedQuantity: 5 }]);
    const lines = await variances(s.id);
    expect(lines.map((l) => l.bayId)).toEqual([bayA]);
    expect(lineOf(lines, plain.id, bayA)).toMatchObject({ variance: 0, movedSinceFreeze: 0 });

    // Nothing uncounted: bay B is outside the stocktake, and finalising leaves it alone.
    await reviewAndFinalise(s.id);
    expect(await levels(plain.id)).toEqual([
      { locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 5 },
      { locationId: loc.id, bayId: bayB, batchNumber: null, quantity: 5 },
    ]);
  });

  it('products outside productIds are neither frozen nor counted', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const inScope = await plainProduct(admin);
    const outOfScope = await plainProduct(admin);
    await adjust(inScope.id, loc.id, bayA, 5);
    await adjust(outOfScope.id, loc.id, bayA, 7);
    const s = await started({ locationId: loc.id, productIds: [inScope.id] });
    const { sheets } = await warehouse.stocktakes.countSheets({ stocktakeId: s.id });
    expect(sheets.flatMap((sh) => sh.lines.map((l) => l.productId))).toEqual([inScope.id]);
    await counted(s.id, `bay-${bayA}`, [{ productId: inScope.id, bayId: bayA, countedQuantity: 5 }]);
    await reviewAndFinalise(s.id);
    expect(await levels(outOfScope.id)).toEqual([{ locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 7 }]);
  });
});

// ---- creating -------------------------------------------------------------------------------

describe('create', () => {
  it('refuses a bay of another location and products that do not exist or are not stock tracked; creates nothing', async () => {
    const loc = await location(warehouse, ['A']);
    const other = await location(warehouse, ['Z']);
    const service = await admin.products.create({ sku: `SVC-${key().slice(0, 8)}`, name: 'A service' });
    const plain = await plainProduct(admin);
    expect(await refusal(warehouse.stocktakes.create({ locationId: loc.id, bayIds: [other.bayIds[0]!] }))).toMatchObject({
      reason: 'BAY_NOT_IN_LOCATION',
    });
    expect(await refusal(warehouse.stocktakes.create({ locationId: loc.id, productIds: [plain.id, 999_999] }))).toMatchObject({
      reason: 'NOT_FOUND',
    });
    const untracked = await refusal(warehouse.stocktakes.create({ locationId: loc.id, productIds: [service.id] }));
    expect(untracked).toMatchObject({ reason: 'PRODUCT_NOT_STOCK_TRACKED' });
    expect(untracked.message).toContain(service.sku);
    expect(await refusal(warehouse.stocktakes.create({ locationId: 999_999 }))).toMatchObject({ reason: 'NOT_FOUND' });
    expect((await warehouse.stocktakes.list({ locationId: loc.id, limit: 10 })).items).toEqual([]);

    const created = await warehouse.stocktakes.create({
      locationId: loc.id,
      bayIds: [loc.bayIds[0]!],
      productIds: [plain.id, plain.id],
      blind: true,
    });
    expect(created).toMatchObject({
      status: 'draft',
      blind: true,
      bayIds: [loc.bayIds[0]],
      productIds: [plain.id],
      location: { id: loc.id },
      sheets: [],
    });
  });
});

// ---- counts ---------------------------------------------------------------------------------

describe('counts', () => {
  it('a sheet submitted again replaces its earlier rows; two sheets of the same place add up', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    await adjust(plain.id, loc.id, bayA, 10);
    const s = await started({ locationId: loc.id });

    await counted(s.id, 'team-1', [{ productId: plain.id, bayId: bayA, countedQuantity: 3 }]);
    await counted(s.id, 'team-1', [{ productId: plain.id, bayId: bayA, countedQuantity: 4 }]);
    expect(lineOf(await variances(s.id), plain.id, bayA)).toMatchObject({ countedQuantity: 4, variance: -6 });

    await counted(s.id, 'team-2', [{ productId: plain.id, bayId: bayA, countedQuantity: 6 }]);
    expect(lineOf(await variances(s.id), plain.id, bayA)).toMatchObject({ countedQuantity: 10, variance: 0 });
    expect((await warehouse.stocktakes.get({ id: s.id })).sheets.sort((a, b) => a.sheetKey.localeCompare(b.sheetKey))).toEqual([
      { sheetKey: 'team-1', rows: 1 },
      { sheetKey: 'team-2', rows: 1 },
    ]);

    // Resubmitting team-1 with two rows replaces its one row; team-2 stays.
    await counted(s.id, 'team-1', [
      { productId: plain.id, bayId: bayA, countedQuantity: 1 },
      { productId: plain.id, bayId: bayA, countedQuantity: 2 },
    ]);
    expect(lineOf(await variances(s.id), plain.id, bayA)).toMatchObject({ countedQuantity: 9, variance: -1 });
    await reviewAndFinalise(s.id);
    expect(await levels(plain.id)).toEqual([{ locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 9 }]);
  });

  it('a serialised sheet submitted again replaces the serials found, not adds to them', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const ser = await serialisedProduct(admin);
    await addSerials(ser.id, loc.id, bayA, ['R1', 'R2']);
    const s = await started({ locationId: loc.id });
    await counted(s.id, `bay-${bayA}`, [{ productId: ser.id, bayId: bayA, serials: ['R1', 'NEWR'] }]);
    expect(lineOf(await variances(s.id), ser.id, bayA)).toMatchObject({ countedQuantity: 2, missingSerials: ['R2'], newSerials: ['NEWR'] });
    await counted(s.id, `bay-${bayA}`, [{ productId: ser.id, bayId: bayA, serials: ['R1', 'R2'], countedQuantity: 2 }]);
    expect(lineOf(await variances(s.id), ser.id, bayA)).toMatchObject({
      countedQuantity: 2,
      variance: 0,
      missingSerials: [],
      newSerials: [],
    });
  });

  it('every row with a problem is reported on its row, with field and reason, and nothing is saved', async () => {
    const loc = await location(warehouse, ['A', 'B', 'C']);
    const [bayA, bayB, bayC] = loc.bayIds as [number, number, number];
    const other = await location(warehouse, ['Z']);
    const plain = await plainProduct(admin);
    const batch = await batchProduct(admin);
    const ser = await serialisedProduct(admin);
    const outside = await plainProduct(admin);
    await adjust(plain.id, loc.id, bayA, 5);
    await addSerials(ser.id, loc.id, bayA, ['P1', 'P2']);
    const s = await started({ locationId: loc.id, bayIds: [bayA, bayB], productIds: [plain.id, batch.id, ser.id] });
    // An earlier good submission of this sheet must survive the refused one.
    await counted(s.id, 'sheet', [{ productId: plain.id, bayId: bayA, countedQuantity: 5 }]);

    const rows: Row[] = [
      { productId: 999_999, bayId: bayA, countedQuantity: 1 },
      { productId: outside.id, bayId: bayA, countedQuantity: 1 },
      { productId: plain.id, bayId: other.bayIds[0], countedQuantity: 1 },
      { productId: plain.id, bayId: bayC, countedQuantity: 1 },
      { productId: batch.id, bayId: bayA, countedQuantity: 1 },
      { productId: plain.id, bayId: bayB, countedQuantity: -1 },
      { productId: plain.id, bayId: bayB, countedQuantity: 1, serials: ['P1'] },
      { productId: ser.id, bayId: bayA, serials: ['P1'] },
      { productId: ser.id, bayId: bayB, serials: ['P1'] },
      { productId: ser.id, bayId: bayB, serials: ['P2'], countedQuantity: 2 },
      { productId: plain.id, bayId: bayA, countedQuantity: 99 },
    ];
    const result = await submit(s.id, 'sheet', rows);
    expect(result.saved).toBe(false);
    const problems = result.rows.map((r) => ({ index: r.index, status: r.status, problems: r.problems.map((p) => [p.field, p.reason]) }));
    expect(problems).toEqual([
      { index: 0, status: 'error', problems: [['productId', 'NOT_FOUND']] },
      { index: 1, status: 'error', problems: [['productId', 'NOT_IN_STOCKTAKE']] },
      { index: 2, status: 'error', problems: [['bayId', 'BAY_NOT_IN_LOCATION']] },
      { index: 3, status: 'error', problems: [['bayId', 'NOT_IN_STOCKTAKE']] },
      { index: 4, status: 'error', problems: [['batchNumber', 'BATCH_REQUIRED']] },
      { index: 5, status: 'error', problems: [['countedQuantity', 'INVALID_INPUT']] },
      { index: 6, status: 'error', problems: [['serials', 'PRODUCT_NOT_SERIALISED']] },
      { index: 7, status: 'ok', problems: [] },
      { index: 8, status: 'error', problems: [['serials', 'DUPLICATE_SERIAL']] },
      { index: 9, status: 'error', problems: [['countedQuantity', 'SERIAL_COUNT_MISMATCH']] },
      { index: 10, status: 'ok', problems: [] },
    ]);
    // Messages say what to fix.
    const message = (i: number) => result.rows[i]!.problems[0]!.message;
    expect(message(0)).toContain('999999');
    expect(message(1)).toContain(outside.sku);
    expect(message(3)).toContain('C');
    expect(message(4)).toContain('batch number');
    expect(message(8)).toContain('row 8');
    expect(message(9)).toMatch(/Counted 2 but 1 serials listed/);

    // Nothing of the refused sheet was saved: the earlier submission stands.
    expect((await warehouse.stocktakes.get({ id: s.id })).sheets).toEqual([{ sheetKey: 'sheet', rows: 1 }]);
    const lines = await variances(s.id);
    expect(lineOf(lines, plain.id, bayA)).toMatchObject({ countedQuantity: 5 });
    expect(lines.filter((l) => l.countedQuantity !== null).map((l) => [l.productId, l.bayId])).toEqual([[plain.id, bayA]]);
  });

  it('a stocktake of some bays refuses a row with no bay (stock in no bay is outside it)', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    await adjust(plain.id, loc.id, bayA, 2);
    await adjust(plain.id, loc.id, null, 4);
    const s = await started({ locationId: loc.id, bayIds: [bayA] });
    const result = await submit(s.id, 'x', [{ productId: plain.id, countedQuantity: 9 }]);
    expect(result.saved).toBe(false);
    expect(result.rows[0]!.problems).toEqual([expect.objectContaining({ field: 'bayId', reason: 'NOT_IN_STOCKTAKE' })]);
  });

  it('other checks: a batch number on a plain product, an expiry that contradicts the batch, a product not stock tracked', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    const batch = await batchProduct(admin);
    const untracked = await admin.products.create({ sku: `SVC-${key().slice(0, 8)}`, name: 'A service' });
    await warehouse.batches.add({
      productId: batch.id,
      locationId: loc.id,
      bayId: bayA,
      number: 'K1',
      expiry: '2027-01-31',
      quantity: 3,
      idempotencyKey: key(),
    });
    const s = await started({ locationId: loc.id });
    const result = await submit(s.id, 'x', [
      { productId: plain.id, bayId: bayA, countedQuantity: 1, batchNumber: 'K1' },
      { productId: batch.id, bayId: bayA, countedQuantity: 3, batchNumber: 'K1', expiry: '2029-12-31' },
      { productId: untracked.id, bayId: bayA, countedQuantity: 1 },
      { productId: plain.id, bayId: bayA },
    ]);
    expect(result.rows.map((r) => r.problems.map((p) => [p.field, p.reason]))).toEqual([
      [['batchNumber', 'PRODUCT_NOT_BATCH_TRACKED']],
      [['expiry', 'BATCH_EXPIRY_MISMATCH']],
      [['productId', 'PRODUCT_NOT_STOCK_TRACKED']],
      [['countedQuantity', 'INVALID_INPUT']],
    ]);
    expect(result.rows[1]!.problems[0]!.message).toContain('2027-01-31');
  });

  it('a submission is applied once per idempotency key; the key cannot be reused for another request', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    await adjust(plain.id, loc.id, bayA, 10);
    const s = await started({ locationId: loc.id });
    const k = key();
    const rows = [{ productId: plain.id, bayId: bayA, countedQuantity: 7 }];
    const first = await submit(s.id, 'x', rows, k);
    // Another sheet's counts in between; the retry must not wipe or double anything.
    await counted(s.id, 'y', [{ productId: plain.id, bayId: bayA, countedQuantity: 1 }]);
    const again = await submit(s.id, 'x', rows, k);
    expect(again).toEqual(first);
    expect(lineOf(await variances(s.id), plain.id, bayA)).toMatchObject({ countedQuantity: 8 });
    const reused = await refusal(submit(s.id, 'x', [{ productId: plain.id, bayId: bayA, countedQuantity: 9 }], k));
    expect(reused).toMatchObject({ code: 'CONFLICT', reason: 'IDEMPOTENCY_KEY_REUSED' });
    expect(lineOf(await variances(s.id), plain.id, bayA)).toMatchObject({ countedQuantity: 8 });
  });

  it('counts may be corrected in review; a cancelled stocktake takes none', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    await adjust(plain.id, loc.id, bayA, 3);
    const s = await started({ locationId: loc.id });
    await counted(s.id, 'x', [{ productId: plain.id, bayId: bayA, countedQuantity: 1 }]);
    expect((await warehouse.stocktakes.review({ id: s.id })).status).toBe('review');
    await counted(s.id, 'x', [{ productId: plain.id, bayId: bayA, countedQuantity: 3 }]);
    expect(lineOf(await variances(s.id), plain.id, bayA)).toMatchObject({ variance: 0 });
    expect((await warehouse.stocktakes.cancel({ id: s.id })).status).toBe('cancelled');
    const r = await refusal(submit(s.id, 'x', [{ productId: plain.id, bayId: bayA, countedQuantity: 3 }]));
    expect(r.reason).toBe('STOCKTAKE_NOT_OPEN');
    expect((await refusal(accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: key() }))).reason).toBe('STOCKTAKE_NOT_OPEN');
    const listed = await warehouse.stocktakes.list({ locationId: loc.id, limit: 10 });
    expect(listed.items.map((i) => [i.id, i.status])).toEqual([[s.id, 'cancelled']]);
  });
});

// ---- variances and what finalising does with them --------------------------------------------

describe('variances', () => {
  it('a plain short count: variance and value at the frozen average cost, posted so', async () => {
    const loc = await location(warehouse, ['A', 'B']);
    const [bayA, bayB] = loc.bayIds as [number, number];
    const plain = await plainProduct(admin);
    await adjust(plain.id, loc.id, bayA, 10, 2);
    const s = await started({ locationId: loc.id });
    // A receipt at another cost after the freeze moves the average, not the frozen cost.
    await adjust(plain.id, loc.id, bayB, 10, 4);
    expect((await warehouse.products.get({ id: plain.id })).averageCost).toBe(3);

    await counted(s.id, 'x', [
      { productId: plain.id, bayId: bayA, countedQuantity: 8 },
      { productId: plain.id, bayId: bayB, countedQuantity: 10 },
    ]);
    const lines = await variances(s.id);
    expect(lineOf(lines, plain.id, bayA)).toMatchObject({
      expectedQuantity: 10,
      countedQuantity: 8,
      movedSinceFreeze: 0,
      variance: -2,
      unitCost: 2,
      value: -4,
      missingSerials: [],
      newSerials: [],
      misplacedSerials: [],
    });
    expect(lineOf(lines, plain.id, bayB)).toMatchObject({ expectedQuantity: 0, movedSinceFreeze: 10, countedQuantity: 10, variance: 0 });
    // The contract's fields (and the SKU), nothing that leaked from the rows the lines were built from.
    for (const line of lines) expect(Object.keys(line).sort()).toEqual(LINE_FIELDS);

    const done = await reviewAndFinalise(s.id, { glCode: GL });
    expect(done).toMatchObject({ adjustedLines: 1, value: -4 });
    expect(await ledgerOf(s.id)).toEqual([
      {
        kind: 'stocktake',
        productId: plain.id,
        locationId: loc.id,
        bayId: bayA,
        batchId: null,
        quantity: -2,
        unitCost: 2,
        glCode: GL,
        narrative: `Stocktake #${s.id}`,
      },
    ]);
    expect(await levels(plain.id)).toEqual([
      { locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 8 },
      { locationId: loc.id, bayId: bayB, batchNumber: null, quantity: 10 },
    ]);
    expect((await warehouse.products.get({ id: plain.id })).averageCost).toBe(3);
  });

  it('a batch over count at the batch cost, and a new batch number created with its expiry', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const batch = await batchProduct(admin);
    await warehouse.batches.add({
      productId: batch.id,
      locationId: loc.id,
      bayId: bayA,
      number: 'B1',
      expiry: '2027-01-31',
      quantity: 5,
      unitCost: 4,
      idempotencyKey: key(),
    });
    await warehouse.batches.add({
      productId: batch.id,
      locationId: loc.id,
      bayId: bayA,
      number: 'B0',
      quantity: 5,
      unitCost: 2,
      idempotencyKey: key(),
    });
    const s = await started({ locationId: loc.id });
    await counted(s.id, `bay-${bayA}`, [
      { productId: batch.id, bayId: bayA, batchNumber: 'B1', countedQuantity: 7 },
      { productId: batch.id, bayId: bayA, batchNumber: 'B0', countedQuantity: 5 },
      { productId: batch.id, bayId: bayA, batchNumber: 'NEW2', expiry: '2028-06-30', countedQuantity: 3 },
    ]);
    const lines = await variances(s.id);
    expect(lineOf(lines, batch.id, bayA, 'B1')).toMatchObject({
      expectedQuantity: 5,
      countedQuantity: 7,
      variance: 2,
      unitCost: 4,
      value: 8,
    });
    expect(lineOf(lines, batch.id, bayA, 'B0')).toMatchObject({ variance: 0, value: 0 });
    // A batch the system does not know: at the product's average cost (5 at 4 and 5 at 2).
    expect(lineOf(lines, batch.id, bayA, 'NEW2')).toMatchObject({
      expectedQuantity: 0,
      countedQuantity: 3,
      variance: 3,
      unitCost: 3,
      value: 9,
    });

    const done = await reviewAndFinalise(s.id, { glCode: GL });
    expect(done).toMatchObject({ adjustedLines: 2, value: 17 });
    const batches = (await warehouse.batches.list({ productId: batch.id, limit: 100 })).items;
    expect(batches.map((b) => [b.number, b.expiry, b.quantity, b.unitCost, b.bayId]).sort()).toEqual([
      ['B0', null, 5, 2, bayA],
      ['B1', '2027-01-31', 7, 4, bayA],
      ['NEW2', '2028-06-30', 3, 3, bayA],
    ]);
    const ledger = await ledgerOf(s.id);
    expect(ledger.map((r) => [r.quantity, r.unitCost, r.glCode, r.narrative])).toEqual([
      [2, 4, GL, `Stocktake #${s.id}`],
      [3, 3, GL, `Stocktake #${s.id}`],
    ]);
  });

  it('serials: missing (still in stock, not found), new (unknown), found in another bay (moved there)', async () => {
    const loc = await location(warehouse, ['A', 'B']);
    const [bayA, bayB] = loc.bayIds as [number, number];
    const ser = await serialisedProduct(admin);
    await addSerials(ser.id, loc.id, bayA, ['V1', 'V2'], 10);
    await addSerials(ser.id, loc.id, bayA, ['V3'], 40);
    await addSerials(ser.id, loc.id, bayB, ['V4'], 10);
    const avg = (await warehouse.products.get({ id: ser.id })).averageCost; // (3*10 + 40) / 4
    expect(avg).toBe(17.5);
    const s = await started({ locationId: loc.id });
    await counted(s.id, `bay-${bayA}`, [{ productId: ser.id, bayId: bayA, serials: ['V1', 'NEW-1'] }]);
    await counted(s.id, `bay-${bayB}`, [{ productId: ser.id, bayId: bayB, serials: ['V4', 'V2'], countedQuantity: 2 }]);

    const lines = await variances(s.id);
    for (const line of lines) expect(Object.keys(line).sort()).toEqual(LINE_FIELDS);
    // Bay A: V3 missing (-40), V2 gone to B (-10), NEW-1 new (+17.5).
    expect(lineOf(lines, ser.id, bayA)).toMatchObject({
      expectedQuantity: 3,
      countedQuantity: 2,
      variance: -1,
      value: -32.5,
      missingSerials: ['V3'],
      newSerials: ['NEW-1'],
      misplacedSerials: [],
    });
    expect(lineOf(lines, ser.id, bayB)).toMatchObject({
      expectedQuantity: 1,
      countedQuantity: 2,
      variance: 1,
      value: 10,
      misplacedSerials: ['V2'],
    });

    const done = await reviewAndFinalise(s.id, { glCode: GL });
    expect(done).toMatchObject({ serials: { writtenOff: 1, created: 1, reinstated: 0, moved: 1 }, value: -22.5 });
    expect(await serialsOf(ser.id)).toEqual({
      V1: { status: 'in_stock', locationId: loc.id, bayId: bayA },
      V2: { status: 'in_stock', locationId: loc.id, bayId: bayB },
      V3: { status: 'written_off', locationId: loc.id, bayId: bayA },
      V4: { status: 'in_stock', locationId: loc.id, bayId: bayB },
      'NEW-1': { status: 'in_stock', locationId: loc.id, bayId: bayA },
    });
    expect(await levels(ser.id)).toEqual([
      { locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 2 },
      { locationId: loc.id, bayId: bayB, batchNumber: null, quantity: 2 },
    ]);
    // The ledger adds up to the value the review showed.
    const ledger = await ledgerOf(s.id);
    expect(ledger.reduce((sum, r) => sum + r.quantity * r.unitCost, 0)).toBeCloseTo(-22.5, 6);
    expect(ledger.every((r) => r.kind === 'stocktake' && r.glCode === GL && r.narrative === `Stocktake #${s.id}`)).toBe(true);
    expect(ledger.find((r) => r.quantity === -1 && r.unitCost === 40)).toMatchObject({ bayId: bayA });

    const v2 = await warehouse.serials.history({ productId: ser.id, serial: 'V2' });
    expect(v2.movements.map((m) => [m.kind, m.quantity, m.bay?.id ?? null, m.narrative, m.statusAfter])).toEqual([
      ['opening', 2, bayA, null, 'in_stock'],
      ['stocktake', -1, bayA, `Stocktake #${s.id}`, 'in_stock'],
      ['stocktake', 1, bayB, `Stocktake #${s.id}`, 'in_stock'],
    ]);
    const v3 = await warehouse.serials.history({ productId: ser.id, serial: 'V3' });
    expect(v3.movements.at(-1)).toMatchObject({
      kind: 'stocktake',
      quantity: -1,
      unitCost: 40,
      statusAfter: 'written_off',
      documentType: 'stocktake',
      documentId: s.id,
    });
    const created = await warehouse.serials.history({ productId: ser.id, serial: 'NEW-1' });
    expect(created.serial.unitCost).toBe(17.5);
    expect(created.movements).toEqual([expect.objectContaining({ kind: 'stocktake', quantity: 1, unitCost: 17.5, glCode: GL })]);
  });

  it('a serial in stock at another location found here is moved into this location', async () => {
    const loc = await location(warehouse, ['A']);
    const far = await location(warehouse, ['F']);
    const bayA = loc.bayIds[0]!;
    const ser = await serialisedProduct(admin);
    await addSerials(ser.id, loc.id, bayA, ['H1'], 10);
    await addSerials(ser.id, far.id, far.bayIds[0]!, ['H2', 'H3'], 12);
    const s = await started({ locationId: loc.id });
    await counted(s.id, `bay-${bayA}`, [{ productId: ser.id, bayId: bayA, serials: ['H1', 'H2'] }]);
    const line = lineOf(await variances(s.id), ser.id, bayA);
    expect(line).toMatchObject({
      expectedQuantity: 1,
      countedQuantity: 2,
      variance: 1,
      value: 12,
      misplacedSerials: ['H2'],
      newSerials: [],
      missingSerials: [],
    });

    await reviewAndFinalise(s.id, { glCode: GL });
    expect(await levels(ser.id)).toEqual(
      [
        { locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 2 },
        { locationId: far.id, bayId: far.bayIds[0], batchNumber: null, quantity: 1 },
      ].sort((a, b) => a.locationId - b.locationId),
    );
    expect((await serialsOf(ser.id)).H2).toEqual({ status: 'in_stock', locationId: loc.id, bayId: bayA });
    const history = await warehouse.serials.history({ productId: ser.id, serial: 'H2' });
    expect(history.movements.slice(1).map((m) => [m.location.id, m.bay?.id ?? null, m.quantity, m.narrative])).toEqual([
      [far.id, far.bayIds[0], -1, `Stocktake #${s.id}`],
      [loc.id, bayA, 1, `Stocktake #${s.id}`],
    ]);
    // A move is no purchase: the average cost stays.
    expect((await warehouse.products.get({ id: ser.id })).averageCost).toBeCloseTo((10 + 24) / 3, 5);
  });

  it('a stocktake of some bays that finds a serial from a bay it does not count moves it, and can finalise', async () => {
    const loc = await location(warehouse, ['A', 'C']);
    const [bayA, bayC] = loc.bayIds as [number, number];
    const ser = await serialisedProduct(admin);
    await addSerials(ser.id, loc.id, bayA, ['O1'], 10);
    await addSerials(ser.id, loc.id, bayC, ['O2', 'O3'], 10);
    const s = await started({ locationId: loc.id, bayIds: [bayA] });
    await counted(s.id, `bay-${bayA}`, [{ productId: ser.id, bayId: bayA, serials: ['O1', 'O2'] }]);
    const lines = await variances(s.id);
    expect(lineOf(lines, ser.id, bayA)).toMatchObject({
      expectedQuantity: 1,
      countedQuantity: 2,
      variance: 1,
      value: 10,
      misplacedSerials: ['O2'],
    });
    // Bay C is not counted by this stocktake: what leaves it is shown, and nothing there awaits a count.
    expect(lineOf(lines, ser.id, bayC)).toMatchObject({ expectedQuantity: 0, countedQuantity: null, variance: -1, value: -10 });

    const done = await reviewAndFinalise(s.id);
    expect(done).toMatchObject({ serials: { writtenOff: 0, moved: 1 }, value: 0 });
    expect(await serialsOf(ser.id)).toMatchObject({
      O1: { bayId: bayA, status: 'in_stock' },
      O2: { bayId: bayA, status: 'in_stock' },
      O3: { bayId: bayC, status: 'in_stock' },
    });
    expect(await levels(ser.id)).toEqual([
      { locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 2 },
      { locationId: loc.id, bayId: bayC, batchNumber: null, quantity: 1 },
    ]);
  });

  it('a written-off serial found again is reinstated in stock where it was found', async () => {
    const loc = await location(warehouse, ['A', 'B']);
    const [bayA, bayB] = loc.bayIds as [number, number];
    const ser = await serialisedProduct(admin);
    await addSerials(ser.id, loc.id, bayA, ['W1', 'W2'], 8);
    await writeOff(ser.id, loc.id, ['W2']);
    const s = await started({ locationId: loc.id });
    await counted(s.id, `bay-${bayA}`, [{ productId: ser.id, bayId: bayA, serials: ['W1'] }]);
    await counted(s.id, `bay-${bayB}`, [{ productId: ser.id, bayId: bayB, serials: ['W2'] }]);
    expect(lineOf(await variances(s.id), ser.id, bayB)).toMatchObject({
      expectedQuantity: 0,
      countedQuantity: 1,
      variance: 1,
      value: 8,
      newSerials: ['W2'],
    });
    const done = await reviewAndFinalise(s.id);
    expect(done.serials).toEqual({ writtenOff: 0, created: 0, reinstated: 1, moved: 0 });
    expect((await serialsOf(ser.id)).W2).toEqual({ status: 'in_stock', locationId: loc.id, bayId: bayB });
    expect(await levels(ser.id)).toEqual([
      { locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 1 },
      { locationId: loc.id, bayId: bayB, batchNumber: null, quantity: 1 },
    ]);
    const history = await warehouse.serials.history({ productId: ser.id, serial: 'W2' });
    expect(history.movements.map((m) => m.statusAfter)).toEqual(['in_stock', 'written_off', 'in_stock']);
    expect(history.movements.at(-1)).toMatchObject({ kind: 'stocktake', unitCost: 8, bay: { id: bayB } });
  });

  it('a bay nobody counted gives no verdict on its serials; finalise refuses until told to count it as empty', async () => {
    const loc = await location(warehouse, ['A', 'B']);
    const [bayA, bayB] = loc.bayIds as [number, number];
    const ser = await serialisedProduct(admin);
    const plain = await plainProduct(admin);
    await addSerials(ser.id, loc.id, bayA, ['U1'], 10);
    await addSerials(ser.id, loc.id, bayB, ['U2', 'U3'], 10);
    await adjust(plain.id, loc.id, bayB, 4, 2.5);
    const s = await started({ locationId: loc.id });
    await counted(s.id, `bay-${bayA}`, [{ productId: ser.id, bayId: bayA, serials: ['U1'] }]);

    const lines = await variances(s.id);
    expect(lineOf(lines, ser.id, bayB)).toMatchObject({
      expectedQuantity: 2,
      countedQuantity: null,
      variance: null,
      value: null,
      missingSerials: [],
    });
    expect(lineOf(lines, plain.id, bayB)).toMatchObject({ countedQuantity: null, variance: null });

    await warehouse.stocktakes.review({ id: s.id });
    const before = await movementCount();
    const r = await refusal(accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'UNCOUNTED_LINES' });
    expect(r.message).toMatch(/^2 line\(s\) were not counted/);
    expect(r.problems.map((p) => [p.reason, p.token]).sort()).toEqual(
      [
        ['UNCOUNTED_LINES', plain.sku],
        ['UNCOUNTED_LINES', ser.sku],
      ].sort(),
    );
    expect(await movementCount()).toBe(before);
    expect((await warehouse.stocktakes.get({ id: s.id })).status).toBe('review');

    const done = await accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: key(), zeroUncounted: true, glCode: GL });
    expect(done).toMatchObject({ status: 'finalised', adjustedLines: 1, serials: { writtenOff: 2 }, value: -30 });
    expect(await serialsOf(ser.id)).toMatchObject({
      U1: { status: 'in_stock' },
      U2: { status: 'written_off' },
      U3: { status: 'written_off' },
    });
    expect(await levels(ser.id)).toEqual([{ locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 1 }]);
    expect(await levels(plain.id)).toEqual([]);
  });
});

// ---- finalise -------------------------------------------------------------------------------

describe('finalise', () => {
  it('review is the approval step: finalising while counting is refused, changes nothing, and goes through after review', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    const ser = await serialisedProduct(admin);
    await adjust(plain.id, loc.id, bayA, 10, 2);
    await addSerials(ser.id, loc.id, bayA, ['AP1', 'AP2'], 10);
    const s = await started({ locationId: loc.id });
    await counted(s.id, `bay-${bayA}`, [
      { productId: plain.id, bayId: bayA, countedQuantity: 7 },
      { productId: ser.id, bayId: bayA, serials: ['AP1', 'AP-NEW'] },
    ]);
    const snapshot = async () => ({
      movements: await movementCount(),
      plain: await levels(plain.id),
      ser: await levels(ser.id),
      serials: await serialsOf(ser.id),
      stocktake: await warehouse.stocktakes.get({ id: s.id }),
      variances: await variances(s.id),
    });
    const before = await snapshot();
    expect(before.stocktake.status).toBe('counting');

    // Whoever asks and however (the key reused later, uncounted lines as zero): refused while counting.
    const k = key();
    const refusals = [
      await refusal(accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: k, glCode: GL })),
      await refusal(admin.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: key(), zeroUncounted: true })),
    ];
    for (const r of refusals) {
      expect(r).toMatchObject({
        code: 'PRECONDITION_FAILED',
        reason: 'STOCKTAKE_NOT_IN_REVIEW',
        message: `Stocktake #${s.id} is still being counted: move it to review, check the variances, then finalise.`,
      });
    }
    expect(await snapshot()).toEqual(before);
    expect(await ledgerOf(s.id)).toEqual([]);

    // Moved to review (counts still open for a recount there), the same request goes through.
    expect((await warehouse.stocktakes.review({ id: s.id })).status).toBe('review');
    const done = await accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: k, glCode: GL });
    expect(done).toMatchObject({ status: 'finalised', adjustedLines: 1, serials: { writtenOff: 1, created: 1 } });
    expect(await levels(plain.id)).toEqual([{ locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 7 }]);
    expect(await serialsOf(ser.id)).toMatchObject({
      AP1: { status: 'in_stock' },
      AP2: { status: 'written_off' },
      'AP-NEW': { status: 'in_stock' },
    });
    expect((await warehouse.stocktakes.get({ id: s.id })).status).toBe('finalised');
  });

  it('posts with the organisation GL code by default, and stock levels then match the counts', async () => {
    await admin.settings.update({ stocktakeGlCode: '699' });
    try {
      const loc = await location(warehouse, ['A']);
      const bayA = loc.bayIds[0]!;
      const a = await plainProduct(admin);
      const b = await plainProduct(admin);
      await adjust(a.id, loc.id, bayA, 5, 1.25);
      await adjust(b.id, loc.id, bayA, 5, 3);
      const s = await started({ locationId: loc.id });
      await counted(s.id, 'x', [
        { productId: a.id, bayId: bayA, countedQuantity: 9 },
        { productId: b.id, bayId: bayA, countedQuantity: 0 },
      ]);
      await warehouse.stocktakes.review({ id: s.id });
      const done = await accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: key() });
      expect(done).toMatchObject({ stocktakeId: s.id, status: 'finalised', adjustedLines: 2, value: 4 * 1.25 - 15 });
      const ledger = await ledgerOf(s.id);
      expect(ledger.map((r) => [r.productId, r.quantity, r.unitCost, r.glCode, r.narrative, r.kind])).toEqual(
        expect.arrayContaining([
          [a.id, 4, 1.25, '699', `Stocktake #${s.id}`, 'stocktake'],
          [b.id, -5, 3, '699', `Stocktake #${s.id}`, 'stocktake'],
        ]),
      );
      expect(ledger).toHaveLength(2);
      expect(await levels(a.id)).toEqual([{ locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 9 }]);
      expect(await levels(b.id)).toEqual([]);
      const got = await warehouse.stocktakes.get({ id: s.id });
      expect(got.status).toBe('finalised');
      expect(got.finalisedAt).toBeInstanceOf(Date);
    } finally {
      await admin.settings.update({ stocktakeGlCode: null });
    }
  });

  it('a finalise that fails part-way writes nothing; once the cause is gone it goes through', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    const batch = await batchProduct(admin);
    const ser = await serialisedProduct(admin);
    await adjust(plain.id, loc.id, bayA, 10, 2);
    await warehouse.batches.add({
      productId: batch.id,
      locationId: loc.id,
      bayId: bayA,
      number: 'T1',
      quantity: 4,
      unitCost: 5,
      idempotencyKey: key(),
    });
    await addSerials(ser.id, loc.id, bayA, ['T-1', 'T-2']);
    const s = await started({ locationId: loc.id });
    await counted(s.id, 'x', [
      { productId: plain.id, bayId: bayA, countedQuantity: 7 },
      { productId: batch.id, bayId: bayA, batchNumber: 'T1', countedQuantity: 6 },
      { productId: batch.id, bayId: bayA, batchNumber: 'T9', countedQuantity: 2 },
      { productId: ser.id, bayId: bayA, serials: ['T-1', 'T-NEW'] },
    ]);
    await warehouse.stocktakes.review({ id: s.id });

    // The serials go last; the trigger fails them only once the quantity rows are in.
    const narrative = `Stocktake #${s.id}`;
    await app.db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION test_fail_stocktake() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.narrative = '${narrative}' AND NEW.product_id = ${ser.id}
           AND EXISTS (SELECT 1 FROM stock_movement WHERE narrative = '${narrative}' AND product_id = ${plain.id}) THEN
          RAISE EXCEPTION 'test: the disk is full';
        END IF;
        RETURN NEW;
      END $$`);
    await app.db.prisma.$executeRawUnsafe(
      `CREATE TRIGGER test_fail_stocktake BEFORE INSERT ON stock_movement FOR EACH ROW EXECUTE FUNCTION test_fail_stocktake()`,
    );

    const snapshot = async () => ({
      movements: await movementCount(),
      plain: await levels(plain.id),
      batch: await levels(batch.id),
      ser: await levels(ser.id),
      serials: await serialsOf(ser.id),
      batches: await app.db.prisma.batch.count({ where: { productId: batch.id } }),
      plainCost: (await warehouse.products.get({ id: plain.id })).averageCost,
      batchCost: (await warehouse.products.get({ id: batch.id })).averageCost,
    });
    const before = await snapshot();
    const k = key();
    try {
      const failed = await refusal(accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: k, glCode: GL }));
      expect(failed.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await snapshot()).toEqual(before);
      expect(before.serials['T-NEW']).toBeUndefined();
      expect(await ledgerOf(s.id)).toEqual([]);
      expect((await warehouse.stocktakes.get({ id: s.id })).status).toBe('review');
    } finally {
      await app.db.prisma.$executeRawUnsafe('DROP TRIGGER test_fail_stocktake ON stock_movement');
      await app.db.prisma.$executeRawUnsafe('DROP FUNCTION test_fail_stocktake()');
    }

    // Same key: the failed attempt left no trace, so this one applies.
    const done = await accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: k, glCode: GL });
    expect(done).toMatchObject({ status: 'finalised', adjustedLines: 3, serials: { writtenOff: 1, created: 1 } });
    expect(await levels(plain.id)).toEqual([{ locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 7 }]);
    expect((await levels(batch.id)).map((l) => [l.batchNumber, l.quantity])).toEqual([
      ['T1', 6],
      ['T9', 2],
    ]);
    expect(await serialsOf(ser.id)).toMatchObject({
      'T-1': { status: 'in_stock' },
      'T-2': { status: 'written_off' },
      'T-NEW': { status: 'in_stock' },
    });
  });

  it('a finalised stocktake is immutable; finalising again with the same key answers the same', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    await adjust(plain.id, loc.id, bayA, 5, 2);
    const s = await started({ locationId: loc.id });
    await counted(s.id, 'x', [{ productId: plain.id, bayId: bayA, countedQuantity: 4 }]);
    const k = key();
    const done = await reviewAndFinalise(s.id, { idempotencyKey: k, glCode: GL });
    const movements = await movementCount();

    const refusals = [
      await refusal(submit(s.id, 'x', [{ productId: plain.id, bayId: bayA, countedQuantity: 5 }])),
      await refusal(warehouse.stocktakes.start({ id: s.id })),
      await refusal(warehouse.stocktakes.review({ id: s.id })),
      await refusal(warehouse.stocktakes.cancel({ id: s.id })),
      await refusal(accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: key(), glCode: GL })),
      await refusal(admin.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: key(), zeroUncounted: true })),
    ];
    for (const r of refusals) {
      expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'STOCKTAKE_FINALISED' });
      expect(r.message).toBe(`Stocktake #${s.id} is finalised and cannot change.`);
    }
    expect(await accountant.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: k, glCode: GL })).toEqual(done);
    expect(await movementCount()).toBe(movements);
    expect(await levels(plain.id)).toEqual([{ locationId: loc.id, bayId: bayA, batchNumber: null, quantity: 4 }]);
    expect((await warehouse.stocktakes.get({ id: s.id })).sheets).toEqual([{ sheetKey: 'x', rows: 1 }]);
  });
});

// ---- blind mode and roles -------------------------------------------------------------------

describe('blind counting', () => {
  it('counters see no expected quantities or serials until review; those who finalise do', async () => {
    const loc = await location(warehouse, ['A']);
    const bayA = loc.bayIds[0]!;
    const plain = await plainProduct(admin);
    const ser = await serialisedProduct(admin);
    await adjust(plain.id, loc.id, bayA, 6);
    await addSerials(ser.id, loc.id, bayA, ['BL1', 'BL2']);
    const s = await started({ locationId: loc.id, blind: true });

    const blindView = await warehouse.stocktakes.countSheets({ stocktakeId: s.id });
    expect(blindView.blind).toBe(true);
    const blindLines = blindView.sheets.flatMap((sh) => sh.lines);
    expect(blindLines.map((l) => [l.productId, l.expectedQuantity, l.serial]).sort()).toEqual(
      [
        [plain.id, null, null],
        [ser.id, null, null],
      ].sort(),
    );
    expect(JSON.stringify(blindView)).not.toContain('BL1');
    for (const role of ['warehouse', 'sales', 'viewer', 'purchasing'] as const) {
      const r = await refusal(app.as(role).stocktakes.variances({ stocktakeId: s.id }));
      expect(r).toMatchObject({ code: 'FORBIDDEN', reason: 'STOCKTAKE_BLIND' });
      expect((await app.as(role).stocktakes.countSheets({ stocktakeId: s.id })).blind).toBe(true);
    }

    for (const role of ['accountant', 'admin'] as const) {
      const view = await app.as(role).stocktakes.countSheets({ stocktakeId: s.id });
      expect(view.blind).toBe(false);
      expect(
        view.sheets
          .flatMap((sh) => sh.lines)
          .map((l) => [l.productId, l.expectedQuantity, l.serial])
          .sort(),
      ).toEqual(
        [
          [plain.id, 6, null],
          [ser.id, 1, 'BL1'],
          [ser.id, 1, 'BL2'],
        ].sort(),
      );
      expect((await app.as(role).stocktakes.variances({ stocktakeId: s.id })).lines).toHaveLength(2);
    }

    // Counting blind works as usual.
    await counted(s.id, `bay-${bayA}`, [
      { productId: plain.id, bayId: bayA, countedQuantity: 5 },
      { productId: ser.id, bayId: bayA, serials: ['BL1', 'BL2'] },
    ]);
    await warehouse.stocktakes.review({ id: s.id });
    const reviewed = await warehouse.stocktakes.countSheets({ stocktakeId: s.id });
    expect(reviewed.blind).toBe(false);
    expect(reviewed.sheets.flatMap((sh) => sh.lines).some((l) => l.serial === 'BL1')).toBe(true);
    expect(lineOf(await variances(s.id, warehouse), plain.id, bayA)).toMatchObject({
      expectedQuantity: 6,
      countedQuantity: 5,
      variance: -1,
    });
  });

  it('tells a counter when variances show, and answers a missing stocktake with NOT_FOUND whoever asks', async () => {
    const loc = await location(warehouse, ['A']);
    const s = await started({ locationId: loc.id, blind: true });
    expect(await refusal(warehouse.stocktakes.variances({ stocktakeId: s.id }))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'STOCKTAKE_BLIND',
      message: `Stocktake #${s.id} is counted blind: variances show once it is in review.`,
    });
    for (const api of [warehouse, accountant]) {
      for (const call of [api.stocktakes.variances({ stocktakeId: 999_999 }), api.stocktakes.countSheets({ stocktakeId: 999_999 })]) {
        expect(await refusal(call)).toMatchObject({ code: 'NOT_FOUND', reason: 'NOT_FOUND', message: 'Stocktake 999999 does not exist.' });
      }
    }
    await warehouse.stocktakes.cancel({ id: s.id });
  });
});

describe('roles', () => {
  it('sales and viewer cannot run or count a stocktake; warehouse and accountant cannot finalise or count respectively', async () => {
    const loc = await location(warehouse, ['A']);
    const plain = await plainProduct(admin);
    await adjust(plain.id, loc.id, loc.bayIds[0]!, 1);
    const s = await started({ locationId: loc.id });
    for (const role of ['sales', 'viewer'] as const) {
      const api = app.as(role);
      for (const call of [
        api.stocktakes.create({ locationId: loc.id }),
        api.stocktakes.start({ id: s.id }),
        api.stocktakes.review({ id: s.id }),
        api.stocktakes.cancel({ id: s.id }),
        api.stocktakes.submitCounts({
          stocktakeId: s.id,
          sheetKey: 'x',
          rows: [{ productId: plain.id, bayId: loc.bayIds[0], countedQuantity: 1 }],
          idempotencyKey: key(),
        }),
        api.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: key() }),
      ]) {
        expect(await refusal(call)).toMatchObject({ code: 'FORBIDDEN', reason: 'FORBIDDEN' });
      }
      // Reading is open to everyone.
      expect((await api.stocktakes.get({ id: s.id })).status).toBe('counting');
    }
    const r = await refusal(warehouse.stocktakes.finalise({ stocktakeId: s.id, idempotencyKey: key(), zeroUncounted: true }));
    expect(r).toMatchObject({ code: 'FORBIDDEN', reason: 'FORBIDDEN' });
    expect(r.message).toContain('accountant');
    expect(
      (await refusal(accountant.stocktakes.submitCounts({ stocktakeId: s.id, sheetKey: 'x', rows: [], idempotencyKey: key() }))).reason,
    ).toBe('FORBIDDEN');
    expect((await warehouse.stocktakes.get({ id: s.id })).sheets).toEqual([]);
    expect((await warehouse.stocktakes.get({ id: s.id })).status).toBe('counting');
  });
});

describe('the review of a finalised stocktake', () => {
  it('shows the variances as they were finalised, whatever moves afterwards', async () => {
    const loc = await location(app.as('admin'), ['R1']);
    const bay = loc.bayIds[0]!;
    const plain = await plainProduct(app.as('admin'));
    const cam = await serialisedProduct(app.as('admin'));
    await adjust(plain.id, loc.id, bay, 10);
    await addSerials(cam.id, loc.id, bay, ['FIN-1', 'FIN-2']);
    const st = await started({ locationId: loc.id });
    await app.as('warehouse').stocktakes.submitCounts({
      stocktakeId: st.id,
      sheetKey: 'only',
      idempotencyKey: key(),
      rows: [
        { productId: plain.id, bayId: bay, countedQuantity: 7 },
        { productId: cam.id, bayId: bay, serials: ['FIN-1'] },
      ],
    });
    const before = await app.as('accountant').stocktakes.variances({ stocktakeId: st.id });
    await reviewAndFinalise(st.id, { glCode: GL });
    // Later stock changes at the same place do not rewrite the closed review.
    await adjust(plain.id, loc.id, bay, 5);
    await addSerials(cam.id, loc.id, bay, ['FIN-3']);
    const after = await app.as('viewer').stocktakes.variances({ stocktakeId: st.id });
    expect(after.lines).toEqual(before.lines);
    expect(after.lines.find((l) => l.productId === plain.id)).toMatchObject({ variance: -3 });
    expect(after.lines.find((l) => l.productId === cam.id)).toMatchObject({ missingSerials: ['FIN-2'] });
  });
});

describe('a serial delivered but not yet received', () => {
  it('is found in a count without a variance, and the receipt still brings it into stock', async () => {
    const loc = await location(admin, ['D1']);
    const bay = loc.bayIds[0]!;
    const cam = await serialisedProduct(admin, { purchasable: true, purchaseGlCode: '310', purchaseTaxRate: 'GST on Expenses' });
    const supplier = await admin.suppliers.create({ name: `Early delivery ${cam.sku}` });
    const order = await admin.purchaseOrders.create({
      supplierId: supplier.id,
      locationId: loc.id,
      currency: 'AUD',
      exchangeRate: 1,
      lines: [{ productId: cam.id, quantity: 1, unitCost: 50 }],
    });
    await admin.purchaseOrders.issue({ id: order.id });
    await admin.purchaseOrders.setLineSerials({ lineId: order.lines[0]!.id, serials: ['EARLY-1'], idempotencyKey: key() });
    const st = await started({ locationId: loc.id });
    await warehouse.stocktakes.submitCounts({
      stocktakeId: st.id,
      sheetKey: 'd1',
      idempotencyKey: key(),
      rows: [{ productId: cam.id, bayId: bay, serials: ['EARLY-1'] }],
    });
    const { lines } = await accountant.stocktakes.variances({ stocktakeId: st.id });
    expect(lines.filter((l) => l.productId === cam.id).map((l) => [l.variance, l.newSerials, l.misplacedSerials])).toEqual([[0, [], []]]);
    await reviewAndFinalise(st.id, { glCode: GL });
    const receipt = await admin.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 1 }],
      idempotencyKey: key(),
    });
    expect(receipt.status).toBe('received');
    expect((await admin.serials.list({ productId: cam.id })).items.map((s) => [s.serial, s.status, s.unitCost])).toEqual([
      ['EARLY-1', 'in_stock', 50],
    ]);
  });
});
