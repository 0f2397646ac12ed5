// Work orders: inputs allocated (serials, batches), started, completed into new stock, cancelled.
// Runs on PGlite, or on PostgreSQL with TEST_DATABASE_URL.
import { describe, expect, it } from 'vitest';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { batchProduct, location, plainProduct, sellableCodes, serialisedProduct } from '../helpers/fixtures.ts';
import { allSerialsOf, productSnapshot } from '../helpers/reads.ts';

const app = useTestApp();
const admin = app.as('admin');
const sales = app.as('sales');
const warehouse = app.as('warehouse');
const viewer = app.as('viewer');

const uniq = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
const adjustment = { glCode: '630', narrative: 'opening count' };

/** A sellable serialised product with these serials in stock at the location, each at its unit cost (one add per cost). */
async function serialsIn(locId: number, serials: string[], unitCost = 0, product?: { id: number; sku: string }) {
  const p = product ?? (await serialisedProduct(admin, sellableCodes));
  if (serials.length > 0) await warehouse.serials.add({ productId: p.id, locationId: locId, serials, unitCost, idempotencyKey: key() });
  return p;
}

async function plainIn(locId: number, quantity: number, unitCost: number) {
  const p = await plainProduct(admin);
  await warehouse.stock.adjust({ productId: p.id, locationId: locId, quantity, unitCost, ...adjustment, idempotencyKey: key() });
  return p;
}

async function salesOrder(locationId: number, productId: number, quantity: number) {
  const c = await sales.customers.create({ name: uniq('Customer') });
  return sales.salesOrders.create({ customerId: c.id, locationId, lines: [{ productId, quantity, unitPrice: 10 }] });
}

async function statuses(productId: number) {
  return Object.fromEntries((await allSerialsOf(viewer, productId)).map((s) => [s.serial, s.status]));
}

async function levels(productId: number) {
  const { items } = await viewer.stock.levels({ productId, limit: 1000 });
  return items.map((l) => ({ locationId: l.locationId, batchNumber: l.batchNumber, quantity: l.quantity }));
}

const onHand = async (productId: number, locationId: number) =>
  (await levels(productId)).filter((l) => l.locationId === locationId).reduce((s, l) => s + l.quantity, 0);

const lineSerials = async (id: number, role: 'inputs' | 'outputs' = 'inputs', index = 0) =>
  (await viewer.workOrders.get({ id }))[role][index]!.serials;

// ---- create, get, list -----------------------------------------------------------------------

describe('workOrders.create, get, list', () => {
  it('creates a draft with numbered input and output lines; get and list show it', async () => {
    const loc = await location(admin);
    const part = await serialisedProduct(admin);
    const glue = await plainProduct(admin);
    const kit = await serialisedProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      reference: 'BUILD-1',
      inputs: [
        { productId: part.id, quantity: 2 },
        { productId: glue.id, quantity: 0.5 },
      ],
      outputs: [{ productId: kit.id, quantity: 1 }],
    });
    expect(wo).toMatchObject({
      id: expect.any(Number),
      status: 'draft',
      reference: 'BUILD-1',
      location: { id: loc.id },
      inputs: [
        { id: expect.any(Number), lineNumber: 1, product: { id: part.id, sku: part.sku }, quantity: 2, serials: [], batches: [] },
        { id: expect.any(Number), lineNumber: 2, product: { id: glue.id }, quantity: 0.5, serials: [], batches: [] },
      ],
      outputs: [{ id: expect.any(Number), lineNumber: 3, product: { id: kit.id }, quantity: 1, serials: [], batches: [] }],
    });
    expect(await viewer.workOrders.get({ id: wo.id })).toEqual(wo);
    expect((await viewer.workOrders.list({ status: 'draft', limit: 1000 })).items.map((o) => o.id)).toContain(wo.id);
    expect((await viewer.workOrders.list({ status: 'completed', limit: 1000 })).items.map((o) => o.id)).not.toContain(wo.id);
  });

  it('refuses an inactive product, naming it; nothing is created', async () => {
    const loc = await location(admin);
    const old = await plainProduct(admin);
    await admin.products.update({ id: old.id, active: false });
    const made = await plainProduct(admin);
    const before = (await viewer.workOrders.list({ limit: 1000 })).items.length;
    const asInput = await refusal(
      warehouse.workOrders.create({
        locationId: loc.id,
        inputs: [{ productId: old.id, quantity: 1 }],
        outputs: [{ productId: made.id, quantity: 1 }],
      }),
    );
    expect(asInput).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'PRODUCT_INACTIVE' });
    expect(asInput.message).toContain(old.sku);
    const asOutput = await refusal(
      warehouse.workOrders.create({ locationId: loc.id, inputs: [], outputs: [{ productId: old.id, quantity: 1 }] }),
    );
    expect(asOutput.reason).toBe('PRODUCT_INACTIVE');
    expect((await viewer.workOrders.list({ limit: 1000 })).items.length).toBe(before);
  });

  it('refuses an output that is not stock tracked (an input may be: labour, say)', async () => {
    const loc = await location(admin);
    const service = await admin.products.create({ sku: uniq('SVC'), name: 'Assembly labour', stockTracked: false });
    const made = await plainProduct(admin);
    const r = await refusal(
      warehouse.workOrders.create({ locationId: loc.id, inputs: [], outputs: [{ productId: service.id, quantity: 1 }] }),
    );
    expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'PRODUCT_NOT_STOCK_TRACKED' });
    expect(r.message).toContain(service.sku);
    const ok = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: service.id, quantity: 1 }],
      outputs: [{ productId: made.id, quantity: 1 }],
    });
    expect(ok.status).toBe('draft');
  });

  it('refuses a fractional quantity of a serialised product, input or output', async () => {
    const loc = await location(admin);
    const serial = await serialisedProduct(admin);
    const plain = await plainProduct(admin);
    const input = await refusal(
      warehouse.workOrders.create({
        locationId: loc.id,
        inputs: [{ productId: serial.id, quantity: 1.5 }],
        outputs: [{ productId: plain.id, quantity: 1 }],
      }),
    );
    expect(input).toMatchObject({ code: 'BAD_REQUEST' });
    expect(input.message).toContain(serial.sku);
    const output = await refusal(
      warehouse.workOrders.create({
        locationId: loc.id,
        inputs: [{ productId: plain.id, quantity: 1 }],
        outputs: [{ productId: serial.id, quantity: 0.5 }],
      }),
    );
    expect(output.code).toBe('BAD_REQUEST');
    expect(output.message).toContain(serial.sku);
  });

  it('refuses a work order that makes nothing', async () => {
    const loc = await location(admin);
    const plain = await plainProduct(admin);
    expect(
      (await refusal(warehouse.workOrders.create({ locationId: loc.id, inputs: [{ productId: plain.id, quantity: 1 }], outputs: [] })))
        .code,
    ).toBe('BAD_REQUEST');
  });

  it('roles: warehouse and admin make work orders; sales and viewer may not create, allocate, start, complete or cancel', async () => {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['RL-1']);
    const out = await plainProduct(admin);
    const input = { locationId: loc.id, inputs: [{ productId: part.id, quantity: 1 }], outputs: [{ productId: out.id, quantity: 1 }] };
    for (const role of [sales, viewer]) {
      expect(await refusal(role.workOrders.create(input))).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect((await admin.workOrders.create(input)).status).toBe('draft');
    const wo = await warehouse.workOrders.create(input);
    const lineId = wo.inputs[0]!.id;
    for (const role of [sales, viewer]) {
      expect((await refusal(role.workOrders.allocateSerials({ lineId, serials: ['RL-1'], idempotencyKey: key() }))).code).toBe('FORBIDDEN');
      expect((await refusal(role.workOrders.start({ id: wo.id }))).code).toBe('FORBIDDEN');
      expect((await refusal(role.workOrders.complete({ id: wo.id }))).code).toBe('FORBIDDEN');
      expect((await refusal(role.workOrders.cancel({ id: wo.id }))).code).toBe('FORBIDDEN');
    }
    expect(await statuses(part.id)).toEqual({ 'RL-1': 'in_stock' });
    expect((await viewer.workOrders.get({ id: wo.id })).status).toBe('draft');
  });
});

// ---- allocateSerials, suggestSerials ------------------------------------------------------------

describe('workOrders.allocateSerials', () => {
  it('allocates at once: serials become allocated, with a ledger row naming the work order; suggest gives the oldest free ones', async () => {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['WA-3']);
    await serialsIn(loc.id, ['WA-1', 'WA-2'], 0, part);
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: part.id, quantity: 2 }],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    const lineId = wo.inputs[0]!.id;
    const suggested = await viewer.workOrders.suggestSerials({ lineId });
    expect(suggested.needed).toBe(2);
    expect(suggested.serials[0]).toBe('WA-3');
    expect(suggested.serials).toHaveLength(2);

    expect(await warehouse.workOrders.allocateSerials({ lineId, serials: ['WA-3', 'WA-1'], idempotencyKey: key() })).toEqual({
      lineId,
      allocated: 2,
    });
    expect(await lineSerials(wo.id)).toEqual(['WA-1', 'WA-3']);
    expect(await statuses(part.id)).toEqual({ 'WA-3': 'allocated', 'WA-1': 'allocated', 'WA-2': 'in_stock' });
    const h = await viewer.serials.history({ productId: part.id, serial: 'WA-1' });
    expect(h.movements.filter((m) => m.kind === 'allocation').map((m) => [m.statusAfter, m.documentType, m.documentId])).toEqual([
      ['allocated', 'work_order', wo.id],
    ]);
    // Allocation moves nothing: on hand is unchanged.
    expect(await onHand(part.id, loc.id)).toBe(3);
  });

  it('allocates by text; re-allocating replaces the line’s serials, a refused request keeps them', async () => {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['WT-01', 'WT-02', 'WT-03', 'WT-04']);
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: part.id, quantity: 2 }],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    const lineId = wo.inputs[0]!.id;
    await warehouse.workOrders.allocateSerials({ lineId, text: 'WT-01::02', idempotencyKey: key() });
    expect(await lineSerials(wo.id)).toEqual(['WT-01', 'WT-02']);
    await warehouse.workOrders.allocateSerials({ lineId, serials: ['WT-02', 'WT-03'], idempotencyKey: key() });
    expect(await statuses(part.id)).toEqual({ 'WT-01': 'in_stock', 'WT-02': 'allocated', 'WT-03': 'allocated', 'WT-04': 'in_stock' });
    const r = await refusal(warehouse.workOrders.allocateSerials({ lineId, serials: ['WT-04', 'GHOST'], idempotencyKey: key() }));
    expect(r.reason).toBe('SERIAL_NOT_FOUND');
    expect(await lineSerials(wo.id)).toEqual(['WT-02', 'WT-03']);
    expect(await statuses(part.id)).toEqual({ 'WT-01': 'in_stock', 'WT-02': 'allocated', 'WT-03': 'allocated', 'WT-04': 'in_stock' });
  });

  it('refuses a serial a sales order holds (SERIAL_ALLOCATED), naming the order and line', async () => {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['SH-1', 'SH-2']);
    const so = await salesOrder(loc.id, part.id, 1);
    await sales.salesOrders.allocateSerials({ lineId: so.lines[0]!.id, serials: ['SH-1'], idempotencyKey: key() });
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: part.id, quantity: 1 }],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    const r = await refusal(warehouse.workOrders.allocateSerials({ lineId: wo.inputs[0]!.id, serials: ['SH-1'], idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_ALLOCATED' });
    expect(r.message).toContain(`sales order #${so.id} line 1`);
    expect(r.problems).toEqual([expect.objectContaining({ index: 0, token: 'SH-1', reason: 'SERIAL_ALLOCATED' })]);
    expect(await lineSerials(wo.id)).toEqual([]);
    expect((await sales.salesOrders.get({ id: so.id })).lines[0]!.serials).toEqual(['SH-1']);
  });

  it('a sales order cannot take a serial a work order holds, naming the work order and line', async () => {
    const loc = await location(admin);
    const glue = await plainIn(loc.id, 5, 1);
    const part = await serialsIn(loc.id, ['WH-1', 'WH-2']);
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [
        { productId: glue.id, quantity: 1 },
        { productId: part.id, quantity: 1 },
      ],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    await warehouse.workOrders.allocateSerials({ lineId: wo.inputs[1]!.id, serials: ['WH-2'], idempotencyKey: key() });
    const so = await salesOrder(loc.id, part.id, 1);
    const r = await refusal(sales.salesOrders.allocateSerials({ lineId: so.lines[0]!.id, serials: ['WH-2'], idempotencyKey: key() }));
    expect(r).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_ALLOCATED' });
    expect(r.message).toContain(`work order #${wo.id} line 2`);
    expect((await sales.salesOrders.get({ id: so.id })).lines[0]!.serials).toEqual([]);
    // Nor is it suggested to the sales order.
    expect((await sales.salesOrders.suggestSerials({ lineId: so.lines[0]!.id })).serials).toEqual(['WH-1']);
    expect(await lineSerials(wo.id, 'inputs', 1)).toEqual(['WH-2']);
  });

  it('refuses a serial in stock at another location (SERIAL_NOT_IN_STOCK), naming where it is', async () => {
    const loc = await location(admin);
    const elsewhere = await location(admin);
    const part = await serialsIn(loc.id, ['HERE-1']);
    await serialsIn(elsewhere.id, ['THERE-1'], 0, part);
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: part.id, quantity: 1 }],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    const r = await refusal(
      warehouse.workOrders.allocateSerials({ lineId: wo.inputs[0]!.id, serials: ['THERE-1'], idempotencyKey: key() }),
    );
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'SERIAL_NOT_IN_STOCK' });
    expect(r.message).toContain(elsewhere.name);
    expect(await statuses(part.id)).toEqual({ 'HERE-1': 'in_stock', 'THERE-1': 'in_stock' });
    // Suggestions come from the work order's location only.
    expect((await viewer.workOrders.suggestSerials({ lineId: wo.inputs[0]!.id })).serials).toEqual(['HERE-1']);
  });

  it('needs exactly as many serials as the line quantity (SERIAL_COUNT_MISMATCH)', async () => {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['CM-1', 'CM-2', 'CM-3']);
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: part.id, quantity: 2 }],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    const lineId = wo.inputs[0]!.id;
    expect(await refusal(warehouse.workOrders.allocateSerials({ lineId, serials: ['CM-1'], idempotencyKey: key() }))).toMatchObject({
      code: 'BAD_REQUEST',
      reason: 'SERIAL_COUNT_MISMATCH',
    });
    expect(
      (await refusal(warehouse.workOrders.allocateSerials({ lineId, serials: ['CM-1', 'CM-2', 'CM-3'], idempotencyKey: key() }))).reason,
    ).toBe('SERIAL_COUNT_MISMATCH');
    expect(await lineSerials(wo.id)).toEqual([]);
    expect(Object.values(await statuses(part.id))).toEqual(['in_stock', 'in_stock', 'in_stock']);
  });

  it('refuses allocating to an output line', async () => {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['OL-1']);
    const wo = await warehouse.workOrders.create({ locationId: loc.id, inputs: [], outputs: [{ productId: part.id, quantity: 1 }] });
    const r = await refusal(warehouse.workOrders.allocateSerials({ lineId: wo.outputs[0]!.id, serials: ['OL-1'], idempotencyKey: key() }));
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toMatch(/output/);
    expect(await statuses(part.id)).toEqual({ 'OL-1': 'in_stock' });
  });
});

// ---- start --------------------------------------------------------------------------------------

describe('workOrders.start', () => {
  it('is refused until every serialised and batch input is allocated and plain inputs are on hand; then starts and allocations are closed', async () => {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['ST-1', 'ST-2', 'ST-3']);
    const lot = await batchProduct(admin);
    await warehouse.batches.add({
      productId: lot.id,
      locationId: loc.id,
      number: 'ST-LOT',
      expiry: '2099-01-01',
      quantity: 10,
      unitCost: 1,
      idempotencyKey: key(),
    });
    const glue = await plainIn(loc.id, 1, 2);
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [
        { productId: part.id, quantity: 2 },
        { productId: glue.id, quantity: 3 },
        { productId: lot.id, quantity: 4 },
      ],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    const [partLine, , lotLine] = wo.inputs;

    const none = await refusal(warehouse.workOrders.start({ id: wo.id }));
    expect(none).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'SERIALS_REQUIRED' });
    expect(none.message).toContain(part.sku);
    expect(none.message).toContain(lot.sku);
    expect(none.problems.map((p) => [p.index, p.token, p.reason])).toEqual([
      [0, part.sku, 'SERIALS_REQUIRED'],
      [2, lot.sku, 'SERIALS_REQUIRED'],
    ]);
    expect((await viewer.workOrders.get({ id: wo.id })).status).toBe('draft');

    await warehouse.workOrders.allocateSerials({ lineId: partLine!.id, serials: ['ST-1', 'ST-2'], idempotencyKey: key() });
    const batchOnly = await refusal(warehouse.workOrders.start({ id: wo.id }));
    expect(batchOnly.reason).toBe('SERIALS_REQUIRED');
    expect(batchOnly.problems.map((p) => p.token)).toEqual([lot.sku]);

    await warehouse.workOrders.allocateSerials({ lineId: lotLine!.id, batches: [{ batch: 'ST-LOT', quantity: 4 }], idempotencyKey: key() });
    const short = await refusal(warehouse.workOrders.start({ id: wo.id }));
    expect(short).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'INSUFFICIENT_STOCK' });
    expect(short.message).toContain(glue.sku);
    expect((await viewer.workOrders.get({ id: wo.id })).status).toBe('draft');

    await warehouse.stock.adjust({
      productId: glue.id,
      locationId: loc.id,
      quantity: 2,
      unitCost: 2,
      ...adjustment,
      idempotencyKey: key(),
    });
    const started = await warehouse.workOrders.start({ id: wo.id });
    expect(started).toMatchObject({ id: wo.id, status: 'in_progress', startedAt: expect.any(Date) });
    expect(started.inputs[0]!.serials).toEqual(['ST-1', 'ST-2']);
    expect(started.inputs[2]!.batches).toEqual([{ batch: 'ST-LOT', expiry: '2099-01-01', quantity: 4 }]);
    // Starting moves no stock.
    expect(await onHand(glue.id, loc.id)).toBe(3);
    expect(await statuses(part.id)).toEqual({ 'ST-1': 'allocated', 'ST-2': 'allocated', 'ST-3': 'in_stock' });

    const late = await refusal(
      warehouse.workOrders.allocateSerials({ lineId: partLine!.id, serials: ['ST-1', 'ST-3'], idempotencyKey: key() }),
    );
    expect(late).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'DOCUMENT_NOT_OPEN' });
    expect(late.message).toContain(`#${wo.id}`);
    expect(
      (
        await refusal(
          warehouse.workOrders.allocateSerials({ lineId: lotLine!.id, batches: [{ batch: 'ST-LOT', quantity: 4 }], idempotencyKey: key() }),
        )
      ).reason,
    ).toBe('DOCUMENT_NOT_OPEN');
    expect(await statuses(part.id)).toEqual({ 'ST-1': 'allocated', 'ST-2': 'allocated', 'ST-3': 'in_stock' });
    expect((await refusal(warehouse.workOrders.start({ id: wo.id }))).reason).toBe('DOCUMENT_NOT_OPEN');
  });

  it('a work order with no tracked inputs starts at once; complete before start is refused', async () => {
    const loc = await location(admin);
    const glue = await plainIn(loc.id, 5, 2);
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: glue.id, quantity: 5 }],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    const early = await refusal(warehouse.workOrders.complete({ id: wo.id }));
    expect(early).toMatchObject({ reason: 'DOCUMENT_NOT_OPEN' });
    expect(early.message).toMatch(/Start it first/);
    expect(await onHand(glue.id, loc.id)).toBe(5);
    expect((await warehouse.workOrders.start({ id: wo.id, idempotencyKey: key() })).status).toBe('in_progress');
  });
});

// ---- complete -----------------------------------------------------------------------------------

describe('workOrders.complete', () => {
  /** A started work order: 2 serialised parts (cost 10 and 20) and 3 of a plain input at 5 make outputs worth 45 in all. */
  async function startedBuild(outputs: (loc: number) => Promise<{ productId: number; quantity: number }[]>) {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['CP-1'], 10);
    await serialsIn(loc.id, ['CP-2'], 20, part);
    await serialsIn(loc.id, ['CP-3'], 30, part);
    const glue = await plainIn(loc.id, 4, 5);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [
        { productId: part.id, quantity: 2 },
        { productId: glue.id, quantity: 3 },
      ],
      outputs: await outputs(loc.id),
    });
    await warehouse.workOrders.allocateSerials({ lineId: wo.inputs[0]!.id, serials: ['CP-1', 'CP-2'], idempotencyKey: key() });
    await warehouse.workOrders.start({ id: wo.id });
    return { loc, part, glue, wo };
  }

  it('consumes the inputs and makes the outputs at the location, valued at input cost / units made; ~ continues the serials', async () => {
    let gadget!: { id: number; sku: string };
    let widget!: { id: number; sku: string };
    const { loc, part, glue, wo } = await startedBuild(async (locId) => {
      gadget = await serialisedProduct(admin);
      // An older gadget elsewhere: ~ continues after the product's highest serial, wherever it is.
      const other = await location(admin);
      await serialsIn(other.id, ['GD-0007'], 99, gadget);
      widget = await plainProduct(admin);
      void locId;
      return [
        { productId: gadget.id, quantity: 2 },
        { productId: widget.id, quantity: 1 },
      ];
    });

    const done = await warehouse.workOrders.complete({ id: wo.id, outputs: [{ lineId: wo.outputs[0]!.id, text: '~+' }] });
    expect(done).toMatchObject({ id: wo.id, status: 'completed', completedAt: expect.any(Date) });
    expect(done.outputs[0]!.serials).toEqual(['GD-0008', 'GD-0009']);
    expect(done.inputs[0]!.serials).toEqual(['CP-1', 'CP-2']);

    // Inputs: the allocated serials consumed, the other still in stock; the plain quantity out of the location.
    expect(await statuses(part.id)).toEqual({ 'CP-1': 'consumed', 'CP-2': 'consumed', 'CP-3': 'in_stock' });
    expect(await levels(part.id)).toEqual([{ locationId: loc.id, batchNumber: null, quantity: 1 }]);
    expect(await levels(glue.id)).toEqual([{ locationId: loc.id, batchNumber: null, quantity: 1 }]);

    // The serial's history shows the work order that consumed it.
    const h = await viewer.serials.history({ productId: part.id, serial: 'CP-2' });
    expect(h.serial.status).toBe('consumed');
    expect(h.movements.at(-1)).toMatchObject({
      kind: 'production',
      statusAfter: 'consumed',
      documentType: 'work_order',
      documentId: wo.id,
      quantity: -1,
      unitCost: 20,
    });

    // Outputs: in stock at the work order's location, each unit at (10 + 20 + 3 × 5) / 3 = 15.
    const gadgets = await allSerialsOf(viewer, gadget.id);
    expect(gadgets.filter((s) => s.serial !== 'GD-0007')).toEqual([
      expect.objectContaining({ serial: 'GD-0008', status: 'in_stock', locationId: loc.id, unitCost: 15 }),
      expect.objectContaining({ serial: 'GD-0009', status: 'in_stock', locationId: loc.id, unitCost: 15 }),
    ]);
    const made = await viewer.serials.history({ productId: gadget.id, serial: 'GD-0008' });
    expect(made.movements).toEqual([
      expect.objectContaining({ kind: 'production', statusAfter: 'in_stock', documentType: 'work_order', documentId: wo.id, unitCost: 15 }),
    ]);
    expect(await levels(widget.id)).toEqual([{ locationId: loc.id, batchNumber: null, quantity: 1 }]);
    expect((await viewer.products.get({ id: widget.id })).averageCost).toBe(15);
    // The gadget's average: one at 99 elsewhere and two at 15.
    expect((await viewer.products.get({ id: gadget.id })).averageCost).toBeCloseTo((99 + 30) / 3, 5);

    // The ledger balances: what went in is worth what came out.
    const ledger = await app.db.prisma.stockMovement.findMany({
      where: { documentType: 'work_order', documentId: wo.id, kind: 'production' },
      select: { productId: true, quantity: true, unitCost: true },
    });
    expect(
      ledger
        .filter((m) => Number(m.quantity) > 0)
        .map((m) => [m.productId, Number(m.quantity), Number(m.unitCost)])
        .sort(),
    ).toEqual(
      [
        [gadget.id, 2, 15],
        [widget.id, 1, 15],
      ].sort(),
    );
    const value = ledger.reduce((s, m) => s + Number(m.quantity) * Number(m.unitCost), 0);
    expect(value).toBeCloseTo(0, 6);
    expect((await viewer.workOrders.list({ status: 'completed', limit: 1000 })).items.map((o) => o.id)).toContain(wo.id);
  });

  it('makes serialised outputs from a range; a range of the wrong size or existing serials is refused', async () => {
    let gadget!: { id: number; sku: string };
    const { loc, wo } = await startedBuild(async (locId) => {
      gadget = await serialisedProduct(admin);
      await serialsIn(locId, ['MK-002'], 1, gadget);
      return [{ productId: gadget.id, quantity: 3 }];
    });
    const outLine = wo.outputs[0]!.id;
    const count = await refusal(warehouse.workOrders.complete({ id: wo.id, outputs: [{ lineId: outLine, text: 'MK-010::011' }] }));
    expect(count.reason).toBe('SERIAL_COUNT_MISMATCH');
    const exists = await refusal(warehouse.workOrders.complete({ id: wo.id, outputs: [{ lineId: outLine, text: 'MK-001::003' }] }));
    expect(exists).toMatchObject({ code: 'CONFLICT', reason: 'SERIAL_EXISTS' });
    expect(exists.problems.map((p) => p.token)).toEqual(['MK-002']);
    expect((await viewer.workOrders.get({ id: wo.id })).status).toBe('in_progress');

    const done = await warehouse.workOrders.complete({ id: wo.id, outputs: [{ lineId: outLine, text: 'MK-010::012' }] });
    expect(done.outputs[0]!.serials).toEqual(['MK-010', 'MK-011', 'MK-012']);
    expect(await statuses(gadget.id)).toEqual({ 'MK-002': 'in_stock', 'MK-010': 'in_stock', 'MK-011': 'in_stock', 'MK-012': 'in_stock' });
    expect(await onHand(gadget.id, loc.id)).toBe(4);
    const made = (await allSerialsOf(viewer, gadget.id)).filter((s) => s.serial.startsWith('MK-01'));
    expect(made.map((s) => s.unitCost)).toEqual([15, 15, 15]);
  });

  it('without the output serials it is refused (SERIALS_REQUIRED) and changes nothing; a second complete is refused', async () => {
    let gadget!: { id: number; sku: string };
    const { part, glue, wo } = await startedBuild(async () => {
      gadget = await serialisedProduct(admin);
      return [{ productId: gadget.id, quantity: 1 }];
    });
    const before = await Promise.all([part.id, glue.id, gadget.id].map((id) => productSnapshot(app, viewer, id)));
    const r = await refusal(warehouse.workOrders.complete({ id: wo.id }));
    expect(r).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'SERIALS_REQUIRED' });
    expect(r.message).toContain(gadget.sku);
    const empty = await refusal(warehouse.workOrders.complete({ id: wo.id, outputs: [] }));
    expect(empty.reason).toBe('SERIALS_REQUIRED');
    expect(await Promise.all([part.id, glue.id, gadget.id].map((id) => productSnapshot(app, viewer, id)))).toEqual(before);
    expect(await statuses(part.id)).toMatchObject({ 'CP-1': 'allocated', 'CP-2': 'allocated' });
    expect((await viewer.workOrders.get({ id: wo.id })).status).toBe('in_progress');

    const done = await warehouse.workOrders.complete({ id: wo.id, outputs: [{ lineId: wo.outputs[0]!.id, serials: ['NEW-1'] }] });
    expect(done.status).toBe('completed');
    const afterFirst = await Promise.all([part.id, glue.id, gadget.id].map((id) => productSnapshot(app, viewer, id)));
    const again = await refusal(warehouse.workOrders.complete({ id: wo.id, outputs: [{ lineId: wo.outputs[0]!.id, serials: ['NEW-2'] }] }));
    expect(again).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'DOCUMENT_NOT_OPEN' });
    expect(again.message).toContain('completed');
    expect(await Promise.all([part.id, glue.id, gadget.id].map((id) => productSnapshot(app, viewer, id)))).toEqual(afterFirst);
    expect((await refusal(warehouse.workOrders.cancel({ id: wo.id }))).reason).toBe('DOCUMENT_NOT_OPEN');
    expect(await statuses(part.id)).toMatchObject({ 'CP-1': 'consumed', 'CP-2': 'consumed' });
  });

  it('refuses an output detail for a line that is not an output of the order', async () => {
    const { wo } = await startedBuild(async () => [{ productId: (await plainProduct(admin)).id, quantity: 1 }]);
    const r = await refusal(warehouse.workOrders.complete({ id: wo.id, outputs: [{ lineId: wo.inputs[0]!.id, serials: ['X-1'] }] }));
    expect(r.reason).toBe('LINE_NOT_ON_ORDER');
    expect((await viewer.workOrders.get({ id: wo.id })).status).toBe('in_progress');
  });

  it('is idempotent with the same key: applied once, the same answer again', async () => {
    let gadget!: { id: number; sku: string };
    const { part, glue, wo } = await startedBuild(async () => {
      gadget = await serialisedProduct(admin);
      return [{ productId: gadget.id, quantity: 2 }];
    });
    const k = key();
    const request = { id: wo.id, outputs: [{ lineId: wo.outputs[0]!.id, text: 'ID-1::2' }], idempotencyKey: k };
    const first = await warehouse.workOrders.complete(request);
    const after = await Promise.all([part.id, glue.id, gadget.id].map((id) => productSnapshot(app, viewer, id)));
    const again = await warehouse.workOrders.complete(request);
    expect(again).toEqual(first);
    expect(await Promise.all([part.id, glue.id, gadget.id].map((id) => productSnapshot(app, viewer, id)))).toEqual(after);
    expect(await statuses(gadget.id)).toEqual({ 'ID-1': 'in_stock', 'ID-2': 'in_stock' });
    const reused = await refusal(warehouse.workOrders.complete({ ...request, outputs: [{ lineId: wo.outputs[0]!.id, text: 'ID-3::4' }] }));
    expect(reused.reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await statuses(gadget.id)).toEqual({ 'ID-1': 'in_stock', 'ID-2': 'in_stock' });
  });
});

// ---- batches --------------------------------------------------------------------------------------

describe('work orders with batches', () => {
  async function batchSetup() {
    const loc = await location(admin);
    const flour = await batchProduct(admin);
    const add = (number: string, expiry: string | null, quantity: number, unitCost: number) =>
      warehouse.batches.add({ productId: flour.id, locationId: loc.id, number, expiry, quantity, unitCost, idempotencyKey: key() });
    await add('F-LATE', '2099-06-30', 10, 2);
    await add('F-EARLY', '2098-01-31', 3, 1);
    await add('F-OLD', '2001-01-01', 10, 0.5);
    return { loc, flour };
  }

  it('suggests the earliest expiry first, never an expired batch; refuses an expired batch and quantities that do not add up', async () => {
    const { loc, flour } = await batchSetup();
    const bread = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: flour.id, quantity: 5 }],
      outputs: [{ productId: bread.id, quantity: 1 }],
    });
    const lineId = wo.inputs[0]!.id;
    expect(await viewer.workOrders.suggestSerials({ lineId })).toEqual({
      serials: [],
      batches: [
        { batch: 'F-EARLY', quantity: 3 },
        { batch: 'F-LATE', quantity: 2 },
      ],
      needed: 5,
    });
    const expired = await refusal(
      warehouse.workOrders.allocateSerials({ lineId, batches: [{ batch: 'F-OLD', quantity: 5 }], idempotencyKey: key() }),
    );
    expect(expired).toMatchObject({ code: 'PRECONDITION_FAILED', reason: 'BATCH_EXPIRED' });
    expect(expired.message).toContain('F-OLD');
    const mismatch = await refusal(
      warehouse.workOrders.allocateSerials({ lineId, batches: [{ batch: 'F-LATE', quantity: 4 }], idempotencyKey: key() }),
    );
    expect(mismatch).toMatchObject({ code: 'BAD_REQUEST', reason: 'BATCH_QUANTITY_MISMATCH' });
    const tooMuch = await refusal(
      warehouse.workOrders.allocateSerials({ lineId, batches: [{ batch: 'F-EARLY', quantity: 5 }], idempotencyKey: key() }),
    );
    expect(tooMuch.reason).toBe('INSUFFICIENT_STOCK');
    expect((await viewer.workOrders.get({ id: wo.id })).inputs[0]!.batches).toEqual([]);

    const { batches } = await warehouse.workOrders.suggestSerials({ lineId });
    expect(await warehouse.workOrders.allocateSerials({ lineId, batches, idempotencyKey: key() })).toEqual({ lineId, allocated: 5 });
    expect((await viewer.workOrders.get({ id: wo.id })).inputs[0]!.batches).toEqual([
      { batch: 'F-EARLY', expiry: '2098-01-31', quantity: 3 },
      { batch: 'F-LATE', expiry: '2099-06-30', quantity: 2 },
    ]);
    // What the work order holds is not available to another work order.
    const other = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: flour.id, quantity: 9 }],
      outputs: [{ productId: bread.id, quantity: 1 }],
    });
    const taken = await refusal(
      warehouse.workOrders.allocateSerials({
        lineId: other.inputs[0]!.id,
        batches: [{ batch: 'F-LATE', quantity: 9 }],
        idempotencyKey: key(),
      }),
    );
    expect(taken.reason).toBe('INSUFFICIENT_STOCK');
    expect((await viewer.workOrders.suggestSerials({ lineId: other.inputs[0]!.id })).batches).toEqual([{ batch: 'F-LATE', quantity: 8 }]);
  });

  it('consumes the allocated batches and makes batch outputs valued at input cost / units', async () => {
    const { loc, flour } = await batchSetup();
    const dough = await batchProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: flour.id, quantity: 5 }],
      outputs: [{ productId: dough.id, quantity: 4 }],
    });
    await warehouse.workOrders.allocateSerials({
      lineId: wo.inputs[0]!.id,
      batches: [
        { batch: 'F-EARLY', quantity: 3 },
        { batch: 'F-LATE', quantity: 2 },
      ],
      idempotencyKey: key(),
    });
    await warehouse.workOrders.start({ id: wo.id });
    const outLine = wo.outputs[0]!.id;

    const before = await Promise.all([flour.id, dough.id].map((id) => productSnapshot(app, viewer, id)));
    const missing = await refusal(warehouse.workOrders.complete({ id: wo.id }));
    expect(missing).toMatchObject({ reason: 'SERIALS_REQUIRED' });
    expect(missing.message).toContain(dough.sku);
    const wrong = await refusal(
      warehouse.workOrders.complete({ id: wo.id, outputs: [{ lineId: outLine, batches: [{ batch: 'D-1', quantity: 3 }] }] }),
    );
    expect(wrong).toMatchObject({ code: 'BAD_REQUEST', reason: 'BATCH_QUANTITY_MISMATCH' });
    expect(await Promise.all([flour.id, dough.id].map((id) => productSnapshot(app, viewer, id)))).toEqual(before);

    const done = await warehouse.workOrders.complete({
      id: wo.id,
      outputs: [
        {
          lineId: outLine,
          batches: [
            { batch: 'D-1', quantity: 3, expiry: '2099-12-31' },
            { batch: 'D-2', quantity: 1 },
          ],
        },
      ],
    });
    expect(done.status).toBe('completed');
    expect(done.inputs[0]!.batches).toEqual([
      { batch: 'F-EARLY', expiry: '2098-01-31', quantity: 3 },
      { batch: 'F-LATE', expiry: '2099-06-30', quantity: 2 },
    ]);
    expect(done.outputs[0]!.batches).toEqual([
      { batch: 'D-1', expiry: '2099-12-31', quantity: 3 },
      { batch: 'D-2', expiry: null, quantity: 1 },
    ]);
    const byBatch = (ls: { batchNumber: string | null; quantity: number }[]) =>
      Object.fromEntries(ls.map((l) => [l.batchNumber, l.quantity]));
    expect(byBatch(await levels(flour.id))).toEqual({ 'F-LATE': 8, 'F-OLD': 10 });
    expect(byBatch(await levels(dough.id))).toEqual({ 'D-1': 3, 'D-2': 1 });
    expect((await levels(dough.id)).every((l) => l.locationId === loc.id)).toBe(true);
    // (3 × 1 + 2 × 2) / 4 units = 1.75 each.
    expect((await viewer.products.get({ id: dough.id })).averageCost).toBe(1.75);
    const { items } = await viewer.batches.list({ productId: dough.id, limit: 100 });
    expect(items.map((b) => [b.number, b.expiry, b.unitCost, b.locationId]).sort()).toEqual([
      ['D-1', '2099-12-31', 1.75, loc.id],
      ['D-2', null, 1.75, loc.id],
    ]);
  });

  it('two lines of one product each show only their own serials and batches once completed', async () => {
    const { loc, flour } = await batchSetup();
    const gadget = await serialisedProduct(admin);
    const dough = await batchProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [
        { productId: flour.id, quantity: 2 },
        { productId: flour.id, quantity: 3 },
      ],
      outputs: [
        { productId: gadget.id, quantity: 1 },
        { productId: gadget.id, quantity: 2 },
        { productId: dough.id, quantity: 1 },
        { productId: dough.id, quantity: 2 },
      ],
    });
    await warehouse.workOrders.allocateSerials({
      lineId: wo.inputs[0]!.id,
      batches: [{ batch: 'F-LATE', quantity: 2 }],
      idempotencyKey: key(),
    });
    await warehouse.workOrders.allocateSerials({
      lineId: wo.inputs[1]!.id,
      batches: [{ batch: 'F-EARLY', quantity: 3 }],
      idempotencyKey: key(),
    });
    await warehouse.workOrders.start({ id: wo.id });
    const [g1, g2, d1, d2] = wo.outputs.map((l) => l.id);
    const done = await warehouse.workOrders.complete({
      id: wo.id,
      outputs: [
        { lineId: g1!, serials: ['TW-1'] },
        { lineId: g2!, serials: ['TW-2', 'TW-3'] },
        { lineId: d1!, batches: [{ batch: 'TD-1', quantity: 1 }] },
        { lineId: d2!, batches: [{ batch: 'TD-2', quantity: 2 }] },
      ],
    });
    expect(done.inputs.map((l) => l.batches.map((b) => [b.batch, b.quantity]))).toEqual([[['F-LATE', 2]], [['F-EARLY', 3]]]);
    expect(done.outputs.map((l) => [l.serials, l.batches.map((b) => [b.batch, b.quantity])])).toEqual([
      [['TW-1'], []],
      [['TW-2', 'TW-3'], []],
      [[], [['TD-1', 1]]],
      [[], [['TD-2', 2]]],
    ]);
  });
});

// ---- cancel ----------------------------------------------------------------------------------------

describe('workOrders.cancel', () => {
  it('releases the serials and batches back to stock, where a sales order can take them', async () => {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['CN-1', 'CN-2', 'CN-3']);
    const lot = await batchProduct(admin, sellableCodes);
    await warehouse.batches.add({
      productId: lot.id,
      locationId: loc.id,
      number: 'CN-LOT',
      expiry: '2099-01-01',
      quantity: 4,
      idempotencyKey: key(),
    });
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [
        { productId: part.id, quantity: 2 },
        { productId: lot.id, quantity: 4 },
      ],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    await warehouse.workOrders.allocateSerials({ lineId: wo.inputs[0]!.id, serials: ['CN-1', 'CN-2'], idempotencyKey: key() });
    await warehouse.workOrders.allocateSerials({
      lineId: wo.inputs[1]!.id,
      batches: [{ batch: 'CN-LOT', quantity: 4 }],
      idempotencyKey: key(),
    });
    await warehouse.workOrders.start({ id: wo.id });

    const cancelled = await warehouse.workOrders.cancel({ id: wo.id });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.inputs.map((l) => [l.serials, l.batches])).toEqual([
      [[], []],
      [[], []],
    ]);
    expect(await statuses(part.id)).toEqual({ 'CN-1': 'in_stock', 'CN-2': 'in_stock', 'CN-3': 'in_stock' });
    const h = await viewer.serials.history({ productId: part.id, serial: 'CN-1' });
    expect(h.movements.filter((m) => m.kind === 'allocation').map((m) => [m.statusAfter, m.documentType, m.documentId])).toEqual([
      ['allocated', 'work_order', wo.id],
      ['in_stock', 'work_order', wo.id],
    ]);
    // Nothing was consumed.
    expect(await onHand(part.id, loc.id)).toBe(3);
    expect(await onHand(lot.id, loc.id)).toBe(4);

    const so = await salesOrder(loc.id, part.id, 2);
    await sales.salesOrders.allocateSerials({ lineId: so.lines[0]!.id, serials: ['CN-1', 'CN-2'], idempotencyKey: key() });
    expect((await sales.salesOrders.get({ id: so.id })).lines[0]!.serials).toEqual(['CN-1', 'CN-2']);
    const batchOrder = await salesOrder(loc.id, lot.id, 4);
    expect(
      await sales.salesOrders.allocateSerials({
        lineId: batchOrder.lines[0]!.id,
        batches: [{ batch: 'CN-LOT', quantity: 4 }],
        idempotencyKey: key(),
      }),
    ).toMatchObject({ allocated: 4 });

    expect(
      (await refusal(warehouse.workOrders.allocateSerials({ lineId: wo.inputs[0]!.id, serials: ['CN-3', 'CN-1'], idempotencyKey: key() })))
        .reason,
    ).toBe('DOCUMENT_NOT_OPEN');
    expect((await refusal(warehouse.workOrders.start({ id: wo.id }))).reason).toBe('DOCUMENT_NOT_OPEN');
    expect((await refusal(warehouse.workOrders.complete({ id: wo.id }))).reason).toBe('DOCUMENT_NOT_OPEN');
    expect((await refusal(warehouse.workOrders.cancel({ id: wo.id }))).reason).toBe('DOCUMENT_NOT_OPEN');
    expect((await viewer.workOrders.list({ status: 'cancelled', limit: 1000 })).items.map((o) => o.id)).toContain(wo.id);
  });

  it('cancels a draft, releasing its serials', async () => {
    const loc = await location(admin);
    const part = await serialsIn(loc.id, ['CD-1']);
    const out = await plainProduct(admin);
    const wo = await warehouse.workOrders.create({
      locationId: loc.id,
      inputs: [{ productId: part.id, quantity: 1 }],
      outputs: [{ productId: out.id, quantity: 1 }],
    });
    await warehouse.workOrders.allocateSerials({ lineId: wo.inputs[0]!.id, serials: ['CD-1'], idempotencyKey: key() });
    expect((await warehouse.workOrders.cancel({ id: wo.id })).status).toBe('cancelled');
    expect(await statuses(part.id)).toEqual({ 'CD-1': 'in_stock' });
  });
});

describe('two output lines of one serialised product', () => {
  it('continues the second line’s ~ after the first line’s new serials, and refuses a serial made twice', async () => {
    const loc = await location(admin);
    const gizmo = await serialisedProduct(admin);
    await serialsIn(loc.id, ['GZ-10'], 1, gizmo);
    const outputs = [
      { productId: gizmo.id, quantity: 2 },
      { productId: gizmo.id, quantity: 1 },
    ];
    const twice = await warehouse.workOrders.create({ locationId: loc.id, inputs: [], outputs });
    await warehouse.workOrders.start({ id: twice.id });
    const r = await refusal(
      warehouse.workOrders.complete({
        id: twice.id,
        outputs: [
          { lineId: twice.outputs[0]!.id, serials: ['GZ-20', 'GZ-21'] },
          { lineId: twice.outputs[1]!.id, serials: ['GZ-21'] },
        ],
      }),
    );
    expect(r).toMatchObject({ reason: 'DUPLICATE_SERIAL' });
    expect(r.problems).toEqual([expect.objectContaining({ token: 'GZ-21', field: 'outputs.1' })]);
    const same = twice.outputs[0]!.id;
    const repeated = await refusal(
      warehouse.workOrders.complete({
        id: twice.id,
        outputs: [
          { lineId: same, serials: ['GZ-30', 'GZ-31'] },
          { lineId: same, serials: ['GZ-32', 'GZ-33'] },
        ],
      }),
    );
    expect(repeated).toMatchObject({ reason: 'INVALID_INPUT' });
    expect(repeated.message).toContain('named twice');

    const done = await warehouse.workOrders.complete({
      id: twice.id,
      outputs: [
        { lineId: twice.outputs[0]!.id, text: '~+' },
        { lineId: twice.outputs[1]!.id, text: '~' },
      ],
    });
    expect(done.outputs.map((o) => o.serials)).toEqual([['GZ-11', 'GZ-12'], ['GZ-13']]);
  });
});
