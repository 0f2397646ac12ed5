import { describe, expect, it } from 'vitest';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { location, plainProduct, serialisedProduct } from '../helpers/fixtures.ts';
import { allSerialsOf, productSnapshot } from '../helpers/reads.ts';

const app = useTestApp();
const admin = app.as('admin');
const warehouse = app.as('warehouse');

// ---- local helpers --------------------------------------------------------------------------

const allSerials = (productId: number) => allSerialsOf(warehouse, productId);

async function levels(productId: number) {
  const { items } = await warehouse.stock.levels({ productId, limit: 1000 });
  return items.map(({ locationId, bayId, batchId, quantity }) => ({ locationId, bayId, batchId, quantity }));
}

const snapshot = (productId: number) => productSnapshot(app, warehouse, productId);

async function setup(bays: string[] = ['A', 'B']) {
  const product = await serialisedProduct(admin);
  const loc = await location(warehouse, bays);
  return { product, loc };
}

/**
 * A refusal by input validation (zod): BAD_REQUEST whose cause is the ZodError (the HTTP error
 * formatter turns that into reason INVALID_INPUT; a direct caller sees the ZodError). Returns the
 * validation messages joined, to check the user is told what to fix.
 */
async function zodRefusal(call: Promise<unknown>) {
  const r = await refusal(call);
  expect(r.code).toBe('BAD_REQUEST');
  expect(r.reason).toBeUndefined();
  return r.message;
}

const serialsOf = (list: { serial: string }[]) => list.map((s) => s.serial);

// ---- serials.preview ------------------------------------------------------------------------

describe('serials.preview: the text syntax through the API', () => {
  it('expands ranges keeping zero padding, in input order, with every separator', async () => {
    const { product } = await setup();
    const r = await warehouse.serials.preview({ productId: product.id, text: 'SN0008-SN0011\nX1,X2;X3\tX4 X5' });
    expect(r.errors).toEqual([]);
    expect(r.serials).toEqual(['SN0008', 'SN0009', 'SN0010', 'SN0011', 'X1', 'X2', 'X3', 'X4', 'X5']);
  });

  it('expands START::END, N+M and N+ (filled up to the quantity)', async () => {
    const { product } = await setup();
    expect((await warehouse.serials.preview({ productId: product.id, text: 'SN0009::12' })).serials).toEqual([
      'SN0009',
      'SN0010',
      'SN0011',
      'SN0012',
    ]);
    expect((await warehouse.serials.preview({ productId: product.id, text: '10+3' })).serials).toEqual(['10', '11', '12', '13']);
    const open = await warehouse.serials.preview({ productId: product.id, text: 'A1 A2 B07+', quantity: 5 });
    expect(open.errors).toEqual([]);
    expect(open.serials).toEqual(['A1', 'A2', 'B07', 'B08', 'B09']);
  });

  it('keeps tokens that are not ranges as literal serials', async () => {
    const { product } = await setup();
    const r = await warehouse.serials.preview({ productId: product.id, text: 'AF5-69H TG-4SR-92' });
    expect(r.errors).toEqual([]);
    expect(r.serials).toEqual(['AF5-69H', 'TG-4SR-92']);
  });

  it('N+ without a quantity asks for one', async () => {
    const { product } = await setup();
    const r = await warehouse.serials.preview({ productId: product.id, text: 'A1 B7+' });
    expect(r.errors).toEqual([expect.objectContaining({ index: 1, token: 'B7+', reason: 'QUANTITY_REQUIRED' })]);
  });

  it('~ continues from the product’s highest existing serial, growing the width (SN999 → SN1000)', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      serials: ['SN998', 'SN999', 'SN05', 'OTHER'],
      idempotencyKey: key(),
    });
    const one = await warehouse.serials.preview({ productId: product.id, text: '~' });
    expect(one).toEqual({ serials: ['SN1000'], errors: [] });
    const several = await warehouse.serials.preview({ productId: product.id, text: '~ ~ ~+2' });
    expect(several).toEqual({ serials: ['SN1000', 'SN1001', 'SN1002', 'SN1003', 'SN1004'], errors: [] });
    const open = await warehouse.serials.preview({ productId: product.id, text: '~ ~+', quantity: 4 });
    expect(open).toEqual({ serials: ['SN1000', 'SN1001', 'SN1002', 'SN1003'], errors: [] });

    // After adding through ~, the next ~ continues after the new highest one.
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, text: '~+1', idempotencyKey: key() });
    expect(serialsOf(await allSerials(product.id))).toEqual(['SN998', 'SN999', 'SN05', 'OTHER', 'SN1000', 'SN1001']);
    expect((await warehouse.serials.preview({ productId: product.id, text: '~' })).serials).toEqual(['SN1002']);
  });

  it('~ keeps the zero padding of the highest serial', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, text: 'P0001-P0009', idempotencyKey: key() });
    expect((await warehouse.serials.preview({ productId: product.id, text: '~+2' })).serials).toEqual(['P0010', 'P0011', 'P0012']);
  });

  it('~ on a product with no serials is NO_PREVIOUS_SERIAL', async () => {
    const { product } = await setup();
    const r = await warehouse.serials.preview({ productId: product.id, text: 'A1 ~' });
    expect(r.errors).toEqual([expect.objectContaining({ index: 1, token: '~', reason: 'NO_PREVIOUS_SERIAL' })]);
    expect(r.errors[0]!.message).toMatch(/has none yet/);
  });

  it('lists every problem at once, each with its index, token and reason', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['SN0005', 'Z9'], idempotencyKey: key() });
    const long = 'L'.repeat(101);
    const text = ['SN0001-SN0006', 'X1', 'X1', long, 'SN9-SN3', 'SN0002', 'Z9', 'BAD\u0007ONE'].join(' ');
    const before = await snapshot(product.id);
    const r = await warehouse.serials.preview({ productId: product.id, text });
    expect(r.errors).toEqual([
      expect.objectContaining({ index: 0, token: 'SN0005', reason: 'SERIAL_EXISTS' }),
      expect.objectContaining({ index: 2, token: 'X1', reason: 'DUPLICATE_SERIAL' }),
      expect.objectContaining({ index: 3, token: long, reason: 'SERIAL_TOO_LONG' }),
      expect.objectContaining({ index: 4, token: 'SN9-SN3', reason: 'INVALID_RANGE' }),
      expect.objectContaining({ index: 5, token: 'SN0002', reason: 'DUPLICATE_SERIAL' }),
      expect.objectContaining({ index: 6, token: 'Z9', reason: 'SERIAL_EXISTS' }),
      expect.objectContaining({ index: 7, reason: 'INVALID_CHARACTERS' }),
    ]);
    for (const e of r.errors) expect(e.message.length).toBeGreaterThan(10);
    expect(r.errors[0]!.message).toContain('SN0005');
    expect(r.errors[4]!.firstIndex).toBe(0);
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('SERIAL_EXISTS points at the token that produced the existing serial', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['B3', 'D1'], idempotencyKey: key() });
    const r = await warehouse.serials.preview({ productId: product.id, text: 'A1 B1-B5 C1 D0+2' });
    expect(r.serials).toHaveLength(10);
    expect(r.errors).toEqual([
      expect.objectContaining({ index: 1, token: 'B3', reason: 'SERIAL_EXISTS' }),
      expect.objectContaining({ index: 3, token: 'D1', reason: 'SERIAL_EXISTS' }),
    ]);
  });

  it('reports a count that differs from the quantity, alongside existing serials', async () => {
    const { product, loc } = await setup();
    const short = await warehouse.serials.preview({ productId: product.id, text: 'A1-A3', quantity: 4 });
    expect(short.errors).toEqual([expect.objectContaining({ index: null, reason: 'SERIAL_COUNT_MISMATCH' })]);
    expect(short.errors[0]!.message).toMatch(/3 serials given but the quantity is 4/);
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['Q9'], idempotencyKey: key() });
    const both = await warehouse.serials.preview({ productId: product.id, serials: ['Q1', 'Q9'], quantity: 3 });
    expect(both.errors.map((e) => [e.index, e.reason])).toEqual([
      [1, 'SERIAL_EXISTS'],
      [null, 'SERIAL_COUNT_MISMATCH'],
    ]);
  });

  it('refuses a range larger than the quantity before expanding it', async () => {
    const { product } = await setup();
    const r = await warehouse.serials.preview({ productId: product.id, text: 'SN1-SN999999999999', quantity: 10 });
    expect(r.serials).toEqual([]);
    expect(r.errors).toEqual([expect.objectContaining({ index: 0, reason: 'RANGE_TOO_LARGE' })]);
    const huge = await warehouse.serials.preview({ productId: product.id, text: 'SN1-SN999999999999' });
    expect(huge.errors).toEqual([expect.objectContaining({ index: 0, reason: 'RANGE_TOO_LARGE' })]);
  });

  it('reports empty and blank entries of a list by index', async () => {
    const { product } = await setup();
    const r = await warehouse.serials.preview({ productId: product.id, serials: ['A', '', '   ', 'B', ' A '] });
    expect(r.errors).toEqual([
      expect.objectContaining({ index: 1, reason: 'EMPTY_SERIAL' }),
      expect.objectContaining({ index: 2, reason: 'EMPTY_SERIAL' }),
      expect.objectContaining({ index: 4, reason: 'DUPLICATE_SERIAL' }),
    ]);
  });

  it('writes nothing', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['W1'], idempotencyKey: key() });
    const before = await snapshot(product.id);
    const r = await warehouse.serials.preview({ productId: product.id, text: 'V2-V50 ~+3' });
    expect(r.serials.slice(-4)).toEqual(['W2', 'W3', 'W4', 'W5']);
    expect(r.errors).toEqual([]);
    expect(r.serials).toHaveLength(53);
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('refuses a product that is not serialised, and text together with a list', async () => {
    const plain = await plainProduct(admin);
    const r = await refusal(warehouse.serials.preview({ productId: plain.id, text: 'A1' }));
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'PRODUCT_NOT_SERIALISED' });
    expect(r.message).toContain(plain.sku);
    const { product } = await setup();
    expect(await zodRefusal(warehouse.serials.preview({ productId: product.id, text: 'A1', serials: ['A1'] }))).toMatch(/either/);
    expect(await zodRefusal(warehouse.serials.preview({ productId: product.id }))).toMatch(/either/);
    expect(await refusal(warehouse.serials.preview({ productId: 999_999, text: 'A1' }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('previews 100,000 serials (and refuses 100,001)', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['P050000'], idempotencyKey: key() });
    const r = await warehouse.serials.preview({ productId: product.id, text: 'P000001-P100000', quantity: 100_000 });
    expect(r.serials).toHaveLength(100_000);
    expect(r.serials[0]).toBe('P000001');
    expect(r.serials[99_999]).toBe('P100000');
    expect(r.errors).toEqual([expect.objectContaining({ index: 0, token: 'P050000', reason: 'SERIAL_EXISTS' })]);
    const list = Array.from({ length: 100_000 }, (_, i) => `L${i}`);
    const fromList = await warehouse.serials.preview({ productId: product.id, serials: list });
    expect(fromList.errors).toEqual([]);
    expect(fromList.serials).toHaveLength(100_000);
    const tooMany = await warehouse.serials.preview({ productId: product.id, text: 'P000001-P100001' });
    expect(tooMany.errors).toEqual([expect.objectContaining({ reason: 'RANGE_TOO_LARGE' })]);
  });
});

// ---- serials.add ----------------------------------------------------------------------------

describe('serials.add', () => {
  it('takes a list or text, exactly one of them', async () => {
    const { product, loc } = await setup();
    const base = { productId: product.id, locationId: loc.id };
    expect(await zodRefusal(warehouse.serials.add({ ...base, serials: ['A1'], text: 'A1', idempotencyKey: key() }))).toMatch(/either/);
    expect(await zodRefusal(warehouse.serials.add({ ...base, idempotencyKey: key() }))).toMatch(/either/);
    expect(await snapshot(product.id)).toMatchObject({ serials: [], levels: [], movements: 0 });

    expect(await warehouse.serials.add({ ...base, text: 'T01-T03', idempotencyKey: key() })).toMatchObject({
      added: 3,
      productId: product.id,
      locationId: loc.id,
      bayId: null,
    });
    expect(await warehouse.serials.add({ ...base, serials: ['L-1', 'L-2'], idempotencyKey: key() })).toMatchObject({ added: 2 });
    // A list is literal: `L-3-L-5` is not a range there.
    expect(await warehouse.serials.add({ ...base, serials: ['R1-R3'], idempotencyKey: key() })).toMatchObject({ added: 1 });
    expect(serialsOf(await allSerials(product.id))).toEqual(['T01', 'T02', 'T03', 'L-1', 'L-2', 'R1-R3']);
  });

  it('is all or nothing: one bad serial among 500 adds none of them', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['S00250'], idempotencyKey: key() });
    const before = await snapshot(product.id);
    const list = Array.from({ length: 500 }, (_, i) => `S${String(i).padStart(5, '0')}`);
    const r = await refusal(warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: list, idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_EXISTS' });
    expect(r.problems).toEqual([expect.objectContaining({ index: 250, token: 'S00250', reason: 'SERIAL_EXISTS' })]);
    expect(r.message).toMatch(/Nothing was saved/);
    expect(await snapshot(product.id)).toEqual(before);

    const blank = [...list.slice(0, 499).map((s) => `${s}x`), ''];
    const r2 = await refusal(warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: blank, idempotencyKey: key() }));
    expect(r2).toMatchObject({ code: 'BAD_REQUEST', reason: 'EMPTY_SERIAL' });
    expect(r2.problems).toEqual([expect.objectContaining({ index: 499, reason: 'EMPTY_SERIAL' })]);
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('lists every problem by index', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['OLD'], idempotencyKey: key() });
    const before = await snapshot(product.id);
    const r = await refusal(
      warehouse.serials.add({
        productId: product.id,
        locationId: loc.id,
        serials: ['N1', 'N2', 'N2', '', 'OLD', 'x'.repeat(101)],
        idempotencyKey: key(),
      }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_SERIALS' });
    expect(r.problems.map((p) => [p.index, p.reason])).toEqual([
      [2, 'DUPLICATE_SERIAL'],
      [3, 'EMPTY_SERIAL'],
      [4, 'SERIAL_EXISTS'],
      [5, 'SERIAL_TOO_LONG'],
    ]);
    expect(r.message).toMatch(/and 3 more problems/);
    expect(await snapshot(product.id)).toEqual(before);

    const text = await refusal(
      warehouse.serials.add({ productId: product.id, locationId: loc.id, text: 'OLD N1-N3 N5-N4', idempotencyKey: key() }),
    );
    expect(text.problems.map((p) => [p.index, p.reason])).toEqual([
      [0, 'SERIAL_EXISTS'],
      [2, 'INVALID_RANGE'],
    ]);
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('refuses a bay of another location, an unknown bay and a deleted location', async () => {
    const { product, loc } = await setup(['A']);
    const other = await location(warehouse, ['Z']);
    const r = await refusal(
      warehouse.serials.add({ productId: product.id, locationId: loc.id, bayId: other.bayIds[0], serials: ['B1'], idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'BAY_NOT_IN_LOCATION' });
    expect(r.message).toContain(loc.name);
    expect(
      await refusal(
        warehouse.serials.add({ productId: product.id, locationId: loc.id, bayId: 999_999, serials: ['B1'], idempotencyKey: key() }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND' });

    const gone = await location(warehouse);
    await warehouse.locations.delete({ id: gone.id });
    const d = await refusal(warehouse.serials.add({ productId: product.id, locationId: gone.id, serials: ['B1'], idempotencyKey: key() }));
    expect(d).toMatchObject({ code: 'NOT_FOUND' });
    expect(d.message).toMatch(/deleted/);
    expect(await snapshot(product.id)).toMatchObject({ serials: [], levels: [], movements: 0, movementSerials: 0 });
  });

  it('refuses a product that is not serialised, and roles that may not add', async () => {
    const plain = await plainProduct(admin);
    const loc = await location(warehouse);
    expect(
      await refusal(warehouse.serials.add({ productId: plain.id, locationId: loc.id, serials: ['A1'], idempotencyKey: key() })),
    ).toMatchObject({
      reason: 'PRODUCT_NOT_SERIALISED',
    });
    const { product } = await setup();
    for (const role of ['viewer', 'sales', 'accountant'] as const) {
      expect(
        await refusal(app.as(role).serials.add({ productId: product.id, locationId: loc.id, serials: ['A1'], idempotencyKey: key() })),
      ).toMatchObject({
        code: 'FORBIDDEN',
      });
    }
    expect(
      await app.as('purchasing').serials.add({ productId: product.id, locationId: loc.id, serials: ['A1'], idempotencyKey: key() }),
    ).toMatchObject({ added: 1 });
    expect(await snapshot(plain.id)).toMatchObject({ serials: [], levels: [], movements: 0 });
  });

  it('trims serials, and a trimmed repeat is a duplicate or an existing serial', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['  T1 ', '\tT2'], idempotencyKey: key() });
    expect(serialsOf(await allSerials(product.id))).toEqual(['T1', 'T2']);
    const dup = await refusal(
      warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['T3', ' T3'], idempotencyKey: key() }),
    );
    expect(dup.problems).toEqual([expect.objectContaining({ index: 1, reason: 'DUPLICATE_SERIAL' })]);
    const exists = await refusal(
      warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: [' T1 '], idempotencyKey: key() }),
    );
    expect(exists.problems).toEqual([expect.objectContaining({ index: 0, reason: 'SERIAL_EXISTS' })]);
    expect((await warehouse.serials.history({ productId: product.id, serial: ' T2 ' })).serial.serial).toBe('T2');
  });

  it('shows the count at the location and bay in stock.levels', async () => {
    const { product, loc } = await setup(['A', 'B']);
    const [bayA, bayB] = loc.bayIds;
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, bayId: bayA, text: 'A1-A3', idempotencyKey: key() });
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, text: 'N1-N2', idempotencyKey: key() });
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, bayId: bayA, serials: ['A4'], idempotencyKey: key() });
    const { items } = await warehouse.stock.levels({ productId: product.id });
    expect(items).toHaveLength(2);
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ locationId: loc.id, bayId: bayA, bayName: 'A', quantity: 4, sku: product.sku, locationName: loc.name }),
        expect.objectContaining({ locationId: loc.id, bayId: null, bayName: null, quantity: 2 }),
      ]),
    );
    expect(items.find((i) => i.bayId === bayB)).toBeUndefined();
    const inBay = (await warehouse.serials.list({ productId: product.id, locationId: loc.id, status: 'in_stock' })).items.filter(
      (s) => s.bayId === bayA,
    );
    expect(serialsOf(inBay)).toEqual(['A1', 'A2', 'A3', 'A4']);
    expect(inBay[0]).toMatchObject({ status: 'in_stock', bayName: 'A', locationName: loc.name, sku: product.sku });
  });

  it('records the add in serials.history with user, kind and unit cost', async () => {
    const { product, loc } = await setup(['A']);
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      bayId: loc.bayIds[0],
      serials: ['H1'],
      unitCost: 12.5,
      narrative: 'opening count',
      idempotencyKey: key(),
    });
    const h = await warehouse.serials.history({ productId: product.id, serial: 'H1' });
    expect(h.serial).toMatchObject({ serial: 'H1', status: 'in_stock', locationId: loc.id, bayId: loc.bayIds[0], unitCost: 12.5 });
    expect(h.movements).toHaveLength(1);
    expect(h.movements[0]).toMatchObject({
      kind: 'opening',
      quantity: 1,
      unitCost: 12.5,
      narrative: 'opening count',
      statusAfter: 'in_stock',
      user: expect.objectContaining({ name: 'warehouse-user' }),
      location: { id: loc.id, name: loc.name },
      bay: { id: loc.bayIds[0], name: 'A' },
    });
    expect(h.movements[0]!.createdAt).toBeInstanceOf(Date);
    expect(await refusal(warehouse.serials.history({ productId: product.id, serial: 'NOPE' }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('writes one ledger row per add, listing each serial', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, text: 'G1-G4', unitCost: 3, idempotencyKey: key() });
    const rows = await app.db.prisma.stockMovement.findMany({ where: { productId: product.id }, include: { serials: true, user: true } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'opening', locationId: loc.id, bayId: null });
    expect(Number(rows[0]!.quantity)).toBe(4);
    expect(Number(rows[0]!.unitCost)).toBe(3);
    expect(rows[0]!.user.name).toBe('warehouse-user');
    expect(rows[0]!.serials).toHaveLength(4);
    expect(rows[0]!.serials.every((s) => s.status === 'in_stock')).toBe(true);
  });
});

// ---- serials.adjust -------------------------------------------------------------------------

describe('serials.adjust', () => {
  const adjust = { glCode: '630', narrative: 'found in stocktake' };

  it('adds serials with a GL code and unit cost', async () => {
    const { product, loc } = await setup(['A']);
    const r = await warehouse.serials.adjust({
      productId: product.id,
      locationId: loc.id,
      bayId: loc.bayIds[0],
      add: ['J1', ' J2 '],
      unitCost: 7.25,
      ...adjust,
      idempotencyKey: key(),
    });
    expect(r).toEqual({ added: 2, removed: 0 });
    expect(await allSerials(product.id)).toEqual([
      { serial: 'J1', status: 'in_stock', locationId: loc.id, bayId: loc.bayIds[0], unitCost: 7.25 },
      { serial: 'J2', status: 'in_stock', locationId: loc.id, bayId: loc.bayIds[0], unitCost: 7.25 },
    ]);
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: loc.bayIds[0], batchId: null, quantity: 2 }]);
    const h = await warehouse.serials.history({ productId: product.id, serial: 'J2' });
    expect(h.movements).toEqual([
      expect.objectContaining({
        kind: 'adjustment',
        glCode: '630',
        narrative: 'found in stocktake',
        unitCost: 7.25,
        quantity: 2,
        statusAfter: 'in_stock',
      }),
    ]);
    expect(h.movements[0]!.user.name).toBe('warehouse-user');
  });

  it('adding needs a unit cost; an empty adjustment is refused', async () => {
    const { product, loc } = await setup();
    const r = await refusal(
      warehouse.serials.adjust({ productId: product.id, locationId: loc.id, add: ['J1'], ...adjust, idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_INPUT' });
    expect(r.message).toMatch(/unit cost/);
    expect(
      await refusal(warehouse.serials.adjust({ productId: product.id, locationId: loc.id, ...adjust, idempotencyKey: key() })),
    ).toMatchObject({ code: 'BAD_REQUEST' });
    expect(
      await refusal(
        warehouse.serials.adjust({ productId: product.id, locationId: loc.id, add: [], remove: [], ...adjust, idempotencyKey: key() }),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST' });
    expect(
      await zodRefusal(
        warehouse.serials.adjust({
          productId: product.id,
          locationId: loc.id,
          add: ['J1'],
          unitCost: 1,
          glCode: ' ',
          idempotencyKey: key(),
        }),
      ),
    ).toMatch(/GL code/);
    expect(
      await zodRefusal(
        warehouse.serials.adjust({
          productId: product.id,
          locationId: loc.id,
          add: ['J1'],
          unitCost: -1,
          glCode: '630',
          idempotencyKey: key(),
        }),
      ),
    ).toMatch(/negative/);
    expect(await snapshot(product.id)).toMatchObject({ serials: [], levels: [], movements: 0 });
  });

  it('writes off serials in stock at the location, decreasing each bay', async () => {
    const { product, loc } = await setup(['A', 'B']);
    const [bayA, bayB] = loc.bayIds;
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      bayId: bayA,
      text: 'A1-A3',
      unitCost: 10,
      idempotencyKey: key(),
    });
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      bayId: bayB,
      text: 'B1-B3',
      unitCost: 10,
      idempotencyKey: key(),
    });
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['N1'], unitCost: 10, idempotencyKey: key() });
    const r = await warehouse.serials.adjust({
      productId: product.id,
      locationId: loc.id,
      remove: ['A1', 'B2', 'B3', 'N1'],
      ...adjust,
      idempotencyKey: key(),
    });
    expect(r).toEqual({ added: 0, removed: 4 });
    const lv = await levels(product.id);
    expect(lv).toHaveLength(2);
    expect(lv).toEqual(
      expect.arrayContaining([
        { locationId: loc.id, bayId: bayA, batchId: null, quantity: 2 },
        { locationId: loc.id, bayId: bayB, batchId: null, quantity: 1 },
      ]),
    );
    const written = (await warehouse.serials.list({ productId: product.id, status: 'written_off' })).items;
    expect(serialsOf(written).sort()).toEqual(['A1', 'B2', 'B3', 'N1']);
    const h = await warehouse.serials.history({ productId: product.id, serial: 'B2' });
    expect(h.serial.status).toBe('written_off');
    expect(h.movements.map((m) => [m.kind, m.statusAfter, m.quantity])).toEqual([
      ['opening', 'in_stock', 3],
      ['adjustment', 'written_off', -2],
    ]);
    expect(h.movements[1]).toMatchObject({ glCode: '630', narrative: 'found in stocktake', bay: { id: bayB, name: 'B' } });
    // One ledger row per bay for the removal.
    const removal = await app.db.prisma.stockMovement.findMany({
      where: { productId: product.id, kind: 'adjustment' },
      include: { serials: true },
    });
    expect(removal.map((m) => [m.bayId, Number(m.quantity), m.serials.length, m.glCode]).sort()).toEqual(
      [
        [bayA, -1, 1, '630'],
        [bayB, -2, 2, '630'],
        [null, -1, 1, '630'],
      ].sort(),
    );
  });

  it('values a removal at each serial’s own recorded cost', async () => {
    const { product, loc } = await setup(['A']);
    const bay = loc.bayIds[0];
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      bayId: bay,
      serials: ['C1', 'C2'],
      unitCost: 1,
      idempotencyKey: key(),
    });
    await warehouse.serials.adjust({
      productId: product.id,
      locationId: loc.id,
      bayId: bay,
      add: ['C3'],
      unitCost: 2,
      ...adjust,
      idempotencyKey: key(),
    });
    await warehouse.serials.adjust({
      productId: product.id,
      locationId: loc.id,
      bayId: bay,
      add: ['C4'],
      unitCost: 7.125,
      ...adjust,
      idempotencyKey: key(),
    });
    await warehouse.serials.adjust({
      productId: product.id,
      locationId: loc.id,
      remove: ['C1', 'C2', 'C3', 'C4'],
      ...adjust,
      idempotencyKey: key(),
    });

    const rows = await app.db.prisma.$queryRaw<
      { serial: string; serial_cost: string; movement_cost: string; quantity: string; movement_id: number }[]
    >`
      SELECT s.serial, s.unit_cost::text AS serial_cost, m.unit_cost::text AS movement_cost, m.quantity::text AS quantity, m.id AS movement_id
      FROM stock_movement m JOIN stock_movement_serial ms ON ms.movement_id = m.id JOIN serial_number s ON s.id = ms.serial_id
      WHERE m.product_id = ${product.id} AND ms.status = 'written_off' ORDER BY s.serial`;
    expect(rows.map((r) => r.serial)).toEqual(['C1', 'C2', 'C3', 'C4']);
    // Each serial leaves at the cost it came in at, so the ledger's value agrees with the serials'.
    for (const row of rows) expect(Number(row.movement_cost)).toBe(Number(row.serial_cost));
    const movements = await app.db.prisma.stockMovement.findMany({ where: { productId: product.id, quantity: { lt: 0 } } });
    const value = movements.reduce((sum, m) => sum + Number(m.quantity) * Number(m.unitCost), 0);
    expect(value).toBeCloseTo(-(1 + 1 + 2 + 7.125), 9);
    expect(movements.reduce((sum, m) => sum + Number(m.quantity), 0)).toBe(-4);
    expect(await levels(product.id)).toEqual([]);
  });

  it('removes only serials in stock at that location, naming where each one is', async () => {
    const { product, loc } = await setup();
    const elsewhere = await location(warehouse);
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      serials: ['K1', 'K2', 'K3'],
      unitCost: 5,
      idempotencyKey: key(),
    });
    await warehouse.serials.add({ productId: product.id, locationId: elsewhere.id, serials: ['E1'], unitCost: 5, idempotencyKey: key() });
    await warehouse.serials.adjust({ productId: product.id, locationId: loc.id, remove: ['K3'], ...adjust, idempotencyKey: key() });
    const before = await snapshot(product.id);

    const r = await refusal(
      warehouse.serials.adjust({
        productId: product.id,
        locationId: loc.id,
        remove: ['K1', 'E1', 'NOPE', 'K3', ''],
        ...adjust,
        idempotencyKey: key(),
      }),
    );
    expect(r.reason).toBe('INVALID_SERIALS');
    expect(r.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ index: 1, token: 'E1', reason: 'SERIAL_NOT_IN_STOCK', field: 'remove' }),
        expect.objectContaining({ index: 2, token: 'NOPE', reason: 'SERIAL_NOT_FOUND', field: 'remove' }),
        expect.objectContaining({ index: 3, token: 'K3', reason: 'SERIAL_NOT_IN_STOCK', field: 'remove' }),
        expect.objectContaining({ index: 4, reason: 'EMPTY_SERIAL', field: 'remove' }),
      ]),
    );
    expect(r.problems).toHaveLength(4);
    expect(r.problems.find((p) => p.token === 'E1')!.message).toContain(elsewhere.name);
    expect(r.problems.find((p) => p.token === 'K3')!.message).toMatch(/written off/);
    expect(await snapshot(product.id)).toEqual(before);

    const single = await refusal(
      warehouse.serials.adjust({ productId: product.id, locationId: loc.id, remove: ['E1'], ...adjust, idempotencyKey: key() }),
    );
    expect(single).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'SERIAL_NOT_IN_STOCK' });
    expect(single.message).toContain(elsewhere.name);
    const missing = await refusal(
      warehouse.serials.adjust({ productId: product.id, locationId: loc.id, remove: ['NOPE'], ...adjust, idempotencyKey: key() }),
    );
    expect(missing).toMatchObject({ code: 'NOT_FOUND', reason: 'SERIAL_NOT_FOUND' });
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('reports problems on both sides with their field, and changes nothing', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['M1', 'M2'], unitCost: 5, idempotencyKey: key() });
    const before = await snapshot(product.id);
    const r = await refusal(
      warehouse.serials.adjust({
        productId: product.id,
        locationId: loc.id,
        add: ['NEW1', 'M1', 'NEW1'],
        remove: ['M2', 'GONE'],
        unitCost: 5,
        ...adjust,
        idempotencyKey: key(),
      }),
    );
    expect(r.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'add', index: 1, reason: 'SERIAL_EXISTS' }),
        expect.objectContaining({ field: 'add', index: 2, reason: 'DUPLICATE_SERIAL' }),
        expect.objectContaining({ field: 'remove', index: 1, reason: 'SERIAL_NOT_FOUND' }),
      ]),
    );
    expect(r.problems).toHaveLength(3);
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('refuses a serial both added and removed', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['D1'], unitCost: 5, idempotencyKey: key() });
    const before = await snapshot(product.id);
    const existing = await refusal(
      warehouse.serials.adjust({
        productId: product.id,
        locationId: loc.id,
        add: ['D1'],
        remove: ['D1'],
        unitCost: 5,
        ...adjust,
        idempotencyKey: key(),
      }),
    );
    expect(existing.problems.length).toBeGreaterThan(0);
    expect(existing.problems.some((p) => p.field === 'add')).toBe(true);
    const fresh = await refusal(
      warehouse.serials.adjust({
        productId: product.id,
        locationId: loc.id,
        add: ['D9'],
        remove: ['D9'],
        unitCost: 5,
        ...adjust,
        idempotencyKey: key(),
      }),
    );
    expect(fresh.problems).toEqual([expect.objectContaining({ field: 'remove', index: 0, token: 'D9' })]);
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('adds and removes in one transaction, with a bay of the location only', async () => {
    const { product, loc } = await setup(['A']);
    const other = await location(warehouse, ['Z']);
    await warehouse.serials.add({
      productId: product.id,
      locationId: loc.id,
      bayId: loc.bayIds[0],
      serials: ['F1', 'F2'],
      unitCost: 5,
      idempotencyKey: key(),
    });
    const before = await snapshot(product.id);
    const bad = await refusal(
      warehouse.serials.adjust({
        productId: product.id,
        locationId: loc.id,
        bayId: other.bayIds[0],
        add: ['F3'],
        remove: ['F1'],
        unitCost: 5,
        ...adjust,
        idempotencyKey: key(),
      }),
    );
    expect(bad.reason).toBe('BAY_NOT_IN_LOCATION');
    expect(await snapshot(product.id)).toEqual(before);

    const r = await warehouse.serials.adjust({
      productId: product.id,
      locationId: loc.id,
      bayId: loc.bayIds[0],
      add: ['F3', 'F4'],
      remove: ['F1'],
      unitCost: 6,
      ...adjust,
      idempotencyKey: key(),
    });
    expect(r).toEqual({ added: 2, removed: 1 });
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: loc.bayIds[0], batchId: null, quantity: 3 }]);
    expect(await app.db.prisma.stockMovement.count({ where: { productId: product.id } })).toBe(before.movements + 2);
  });

  it('refuses roles that may not adjust and products that are not serialised', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['R1'], unitCost: 5, idempotencyKey: key() });
    const before = await snapshot(product.id);
    for (const role of ['viewer', 'sales', 'purchasing'] as const) {
      expect(
        await refusal(
          app.as(role).serials.adjust({ productId: product.id, locationId: loc.id, remove: ['R1'], ...adjust, idempotencyKey: key() }),
        ),
      ).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await snapshot(product.id)).toEqual(before);
    const plain = await plainProduct(admin);
    expect(
      await refusal(
        warehouse.serials.adjust({ productId: plain.id, locationId: loc.id, add: ['R1'], unitCost: 1, ...adjust, idempotencyKey: key() }),
      ),
    ).toMatchObject({ reason: 'PRODUCT_NOT_SERIALISED' });
    // The accountant may adjust.
    expect(
      await app
        .as('accountant')
        .serials.adjust({ productId: product.id, locationId: loc.id, remove: ['R1'], ...adjust, idempotencyKey: key() }),
    ).toEqual({ added: 0, removed: 1 });
  });

  it('refuses a serial listed twice for removal', async () => {
    const { product, loc } = await setup();
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, serials: ['V1', 'V2'], unitCost: 5, idempotencyKey: key() });
    const before = await snapshot(product.id);
    const r = await refusal(
      warehouse.serials.adjust({
        productId: product.id,
        locationId: loc.id,
        remove: ['V1', 'V2', ' V1'],
        ...adjust,
        idempotencyKey: key(),
      }),
    );
    expect(r.problems).toEqual([expect.objectContaining({ field: 'remove', index: 2, reason: 'DUPLICATE_SERIAL' })]);
    expect(await snapshot(product.id)).toEqual(before);
  });

  it('adds 10,000 and writes off 5,000 serials in one request each', async () => {
    const { product, loc } = await setup(['A']);
    const all = Array.from({ length: 10_000 }, (_, i) => `BULK${String(i).padStart(5, '0')}`);
    expect(
      await warehouse.serials.adjust({
        productId: product.id,
        locationId: loc.id,
        bayId: loc.bayIds[0],
        add: all,
        unitCost: 1.5,
        ...adjust,
        idempotencyKey: key(),
      }),
    ).toEqual({ added: 10_000, removed: 0 });
    expect(
      await warehouse.serials.adjust({
        productId: product.id,
        locationId: loc.id,
        remove: all.filter((_, i) => i % 2 === 0),
        ...adjust,
        idempotencyKey: key(),
      }),
    ).toEqual({ added: 0, removed: 5_000 });
    expect(await levels(product.id)).toEqual([{ locationId: loc.id, bayId: loc.bayIds[0], batchId: null, quantity: 5_000 }]);
    const written = await app.db.prisma.serialNumber.count({ where: { productId: product.id, status: 'written_off' } });
    expect(written).toBe(5_000);
    expect(await app.db.prisma.stockMovementSerial.count({ where: { movement: { productId: product.id } } })).toBe(15_000);
  });
});

describe('serials.list', () => {
  it('filters by product, location, status and search, and pages with a cursor', async () => {
    const { product, loc } = await setup();
    const other = await location(warehouse);
    await warehouse.serials.add({ productId: product.id, locationId: loc.id, text: 'ab001-ab005 XY1', idempotencyKey: key() });
    await warehouse.serials.add({ productId: product.id, locationId: other.id, serials: ['AB900'], idempotencyKey: key() });
    await warehouse.serials.adjust({ productId: product.id, locationId: loc.id, remove: ['ab002'], glCode: '630', idempotencyKey: key() });
    const search = await warehouse.serials.list({ productId: product.id, search: 'AB0' });
    expect(serialsOf(search.items)).toEqual(['ab001', 'ab002', 'ab003', 'ab004', 'ab005']);
    expect(serialsOf((await warehouse.serials.list({ productId: product.id, locationId: other.id })).items)).toEqual(['AB900']);
    expect(serialsOf((await warehouse.serials.list({ productId: product.id, status: 'written_off' })).items)).toEqual(['ab002']);
    const inStockHere = await warehouse.serials.list({ productId: product.id, locationId: loc.id, status: 'in_stock' });
    expect(serialsOf(inStockHere.items)).toEqual(['ab001', 'ab003', 'ab004', 'ab005', 'XY1']);
    const first = await warehouse.serials.list({ productId: product.id, limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).not.toBeNull();
    const second = await warehouse.serials.list({ productId: product.id, limit: 3, cursor: first.nextCursor! });
    const third = await warehouse.serials.list({ productId: product.id, limit: 3, cursor: second.nextCursor! });
    expect(third.nextCursor).toBeNull();
    expect(serialsOf([...first.items, ...second.items, ...third.items])).toEqual([
      'ab001',
      'ab002',
      'ab003',
      'ab004',
      'ab005',
      'XY1',
      'AB900',
    ]);
    // Readable by every role.
    expect((await app.as('viewer').serials.list({ productId: product.id })).items).toHaveLength(7);
  });
});
