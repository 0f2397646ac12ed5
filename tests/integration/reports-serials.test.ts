// Reports on serials and batches (issue 14): serial lookup, traceability, prior items sold and
// invoiced, against the report ledger (tests/helpers/report-ledger.ts) plus a second work-order
// level built here. Runs on PGlite, or on PostgreSQL with TEST_DATABASE_URL.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RoleName } from '../../server/domain/roles.ts';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { sellableCodes } from '../helpers/fixtures.ts';
import { NUMBERS_SHOWN } from '../../server/modules/reports/definitions/prior-items.ts';
import { addDays, buildReportLedger, type ReportLedger } from '../helpers/report-ledger.ts';

const app = useTestApp();

type Row = Record<string, string | number | boolean | null>;

const run = (role: RoleName, report: string, params: Record<string, unknown>, limit = 5000, cursor?: string) =>
  app.as(role).reports.run({ report, params, limit, cursor });

/** Every row, a page of `limit` at a time, following nextCursor; and how many pages it took. */
async function allPages(role: RoleName, report: string, params: Record<string, unknown>, limit: number) {
  const rows: Row[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await run(role, report, params, limit, cursor);
    pages++;
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    rows.push(...page.rows);
    if (page.nextCursor === null) return { rows, pages };
    expect(pages).toBeLessThan(100);
    cursor = page.nextCursor;
  }
}

/** Only these keys of each row. */
const pick = (rows: Row[], keys: readonly string[]) => rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));

// ---- the ledger, and a second work-order level on top of it ------------------------------------

let L: ReportLedger;
/**
 * Built here on top of the report ledger, through the router: a second work order (at Main) that
 * consumes the kit K-001 (made by the ledger's work order from S-003 and 2 of LOT-A), 1 of LOT-SOON
 * and 1 plain, and makes 2 of batch BOX-1 of a gift box; one box shipped to a third customer
 * (East) then invoiced (the invoice moves nothing), one invoiced to North without a shipment. And
 * a second product with a serial of the same text as S-102, and 201 more of it allocated to East
 * on one sales order line.
 */
let X: Awaited<ReturnType<typeof buildSecondLevel>>;

async function buildSecondLevel(ledger: ReportLedger) {
  const admin = app.as('admin');
  const warehouse = app.as('warehouse');
  const sales = app.as('sales');
  const p = ledger.prefix;
  const box = await admin.products.create({
    sku: `${p}-X-BOX`,
    name: 'Gift box',
    stockTracked: true,
    batchTracked: true,
    ...sellableCodes,
  });
  const gadget = await admin.products.create({
    sku: `${p}-X-GADGET`,
    name: 'Gadget',
    stockTracked: true,
    serialised: true,
    ...sellableCodes,
  });
  const east = await sales.customers.create({ name: `${p}-X East Stores` });
  const boxBatch = { number: `${p}-X-BOX-1`, expiry: '2030-06-30' };
  const main = ledger.locations.main;

  const wo = await warehouse.workOrders.create({
    locationId: main.id,
    reference: `${p}-X-WO`,
    inputs: [
      { productId: ledger.products.kit.id, quantity: 1 },
      { productId: ledger.products.batch.id, quantity: 1 },
      { productId: ledger.products.plain.id, quantity: 1 },
    ],
    outputs: [{ productId: box.id, quantity: 2 }],
  });
  await warehouse.workOrders.allocateSerials({ lineId: wo.inputs[0]!.id, serials: [ledger.serials.kit], idempotencyKey: key() });
  await warehouse.workOrders.allocateSerials({
    lineId: wo.inputs[1]!.id,
    batches: [{ batch: ledger.batches.soon.number, quantity: 1 }],
    idempotencyKey: key(),
  });
  await warehouse.workOrders.start({ id: wo.id, idempotencyKey: key() });
  await warehouse.workOrders.complete({
    id: wo.id,
    outputs: [{ lineId: wo.outputs[0]!.id, batches: [{ batch: boxBatch.number, quantity: 2, expiry: boxBatch.expiry }] }],
    idempotencyKey: key(),
  });

  // East: shipped, then invoiced (stock left on the shipment).
  const toEast = await sales.salesOrders.create({
    customerId: east.id,
    locationId: main.id,
    lines: [{ productId: box.id, quantity: 1, unitPrice: 30 }],
  });
  await sales.salesOrders.allocateSerials({
    lineId: toEast.lines[0]!.id,
    batches: [{ batch: boxBatch.number, quantity: 1 }],
    idempotencyKey: key(),
  });
  const shipment = await warehouse.shipments.create({ salesOrderId: toEast.id });
  await warehouse.shipments.ship({ id: shipment.id, idempotencyKey: key() });
  const eastInvoice = await sales.invoices.create({ salesOrderId: toEast.id });
  await sales.invoices.issue({ id: eastInvoice.id, idempotencyKey: key() });

  // North: invoiced without a shipment (the invoice takes the box out).
  const north = ledger.customers.north;
  const toNorth = await sales.salesOrders.create({
    customerId: north.id,
    locationId: main.id,
    lines: [{ productId: box.id, quantity: 1, unitPrice: 31 }],
  });
  await sales.salesOrders.allocateSerials({
    lineId: toNorth.lines[0]!.id,
    batches: [{ batch: boxBatch.number, quantity: 1 }],
    idempotencyKey: key(),
  });
  const northInvoice = await sales.invoices.create({ salesOrderId: toNorth.id });
  await sales.invoices.issue({ id: northInvoice.id, idempotencyKey: key() });

  // The same serial text as S-102, on another product.
  const twin = ledger.serials.opening[1];
  await warehouse.serials.add({
    productId: gadget.id,
    locationId: ledger.locations.store.id,
    serials: [twin],
    unitCost: 7.25,
    idempotencyKey: key(),
  });

  // A line with more serials than its cell lists (NUMBERS_SHOWN): 201 gadgets allocated to East.
  const many = Array.from({ length: NUMBERS_SHOWN + 1 }, (_, i) => `${p}-X-M-${String(i + 1).padStart(3, '0')}`);
  await warehouse.serials.add({
    productId: gadget.id,
    locationId: ledger.locations.store.id,
    serials: many,
    unitCost: 1,
    idempotencyKey: key(),
  });
  const manyOrder = await sales.salesOrders.create({
    customerId: east.id,
    locationId: ledger.locations.store.id,
    lines: [{ productId: gadget.id, quantity: many.length, unitPrice: 1.5 }],
  });
  await sales.salesOrders.allocateSerials({ lineId: manyOrder.lines[0]!.id, serials: many, idempotencyKey: key() });

  return {
    manySerials: { serials: many, salesOrderId: manyOrder.id },
    products: { box: { id: box.id, sku: box.sku, name: box.name }, gadget: { id: gadget.id, sku: gadget.sku, name: gadget.name } },
    customers: { east: { id: east.id, name: east.name } },
    boxBatch,
    workOrder: { id: wo.id },
    salesOrders: { toEast: { id: toEast.id }, toNorth: { id: toNorth.id } },
    shipment: { id: shipment.id },
    invoices: { east: { id: eastInvoice.id }, north: { id: northInvoice.id } },
    twin,
  };
}

beforeAll(async () => {
  L = await buildReportLedger(app);
  X = await buildSecondLevel(L);
}, 120_000);

const day = () => L.today;

// ---- serial lookup -----------------------------------------------------------------------------

describe('serialLookup', () => {
  const LOOKUP_KEYS = [
    'position',
    'serial',
    'sku',
    'productName',
    'status',
    'location',
    'bay',
    'document',
    'unitCost',
    'supplier',
    'purchaseOrder',
    'madeBy',
    'customer',
    'salesOrder',
    'shipment',
    'invoice',
    'workOrder',
    'receivedOn',
    'shippedOn',
    'invoicedOn',
    'lastMovementOn',
  ] as const;

  const nothing = {
    sku: null,
    productName: null,
    location: null,
    bay: null,
    document: null,
    unitCost: null,
    supplier: null,
    purchaseOrder: null,
    madeBy: null,
    customer: null,
    salesOrder: null,
    shipment: null,
    invoice: null,
    workOrder: null,
    receivedOn: null,
    shippedOn: null,
    invoicedOn: null,
    lastMovementOn: null,
  };

  /** The rows for the pasted list, written down from the ledger. */
  function expectedRows(): Row[] {
    const { serials, products, locations, documents, supplier, customers } = L;
    const today = day();
    const phone = { sku: products.serial.sku, productName: products.serial.name };
    const fromPo = { supplier: supplier.name, purchaseOrder: documents.purchaseOrder.id, madeBy: null, receivedOn: today };
    const so1 = documents.salesOrders.shipped.id;
    const so4 = documents.salesOrders.holdingSerial.id;
    const wo1 = documents.workOrder.id;
    const shippedAndInvoiced = {
      ...phone,
      ...fromPo,
      status: 'shipped',
      location: locations.main.name,
      bay: locations.bayA1.name,
      // The invoice names it last (line 1: the order's serial line).
      document: `invoice #${documents.invoices.afterShipment.id} line 1`,
      unitCost: 3.333333,
      customer: customers.north.name,
      salesOrder: so1,
      shipment: documents.shipment.id,
      invoice: documents.invoices.afterShipment.id,
      workOrder: null,
      shippedOn: today,
      invoicedOn: today,
      lastMovementOn: today,
    };
    return [
      { position: 1, serial: serials.received[0], ...shippedAndInvoiced },
      { position: 2, serial: 'NOT-A-SERIAL', ...nothing, status: 'not found' },
      {
        position: 3,
        serial: serials.kit,
        sku: products.kit.sku,
        productName: products.kit.name,
        status: 'consumed',
        location: locations.main.name,
        bay: null,
        document: `work order #${X.workOrder.id} line 1`,
        unitCost: 5.555555,
        supplier: null,
        purchaseOrder: null,
        madeBy: wo1,
        customer: null,
        salesOrder: null,
        shipment: null,
        invoice: null,
        workOrder: X.workOrder.id,
        receivedOn: today,
        shippedOn: null,
        invoicedOn: null,
        lastMovementOn: today,
      },
      {
        position: 4,
        serial: serials.opening[0],
        ...phone,
        status: 'allocated',
        location: locations.store.name,
        bay: null,
        document: `sales order #${so4} line 1`,
        unitCost: 12.5,
        supplier: null,
        purchaseOrder: null,
        madeBy: null,
        customer: customers.south.name,
        salesOrder: so4,
        shipment: null,
        invoice: null,
        workOrder: null,
        receivedOn: today,
        shippedOn: null,
        invoicedOn: null,
        lastMovementOn: today,
      },
      {
        position: 5,
        serial: serials.received[2],
        ...phone,
        ...fromPo,
        status: 'consumed',
        location: locations.main.name,
        bay: locations.bayA1.name,
        document: `work order #${wo1} line 1`,
        unitCost: 3.333333,
        customer: null,
        salesOrder: null,
        shipment: null,
        invoice: null,
        workOrder: wo1,
        shippedOn: null,
        invoicedOn: null,
        lastMovementOn: today,
      },
      // One text, two products: two rows at one position, in the order the serials were entered.
      ...[
        { ...phone, unitCost: 12.5 },
        { sku: X.products.gadget.sku, productName: X.products.gadget.name, unitCost: 7.25 },
      ].map((product) => ({
        position: 6,
        serial: serials.opening[1],
        ...nothing,
        ...product,
        status: 'in_stock',
        location: locations.store.name,
        receivedOn: today,
        lastMovementOn: today,
      })),
      // Pasted twice: there twice.
      { position: 7, serial: serials.received[0], ...shippedAndInvoiced },
    ];
  }

  const pasted = () => [
    L.serials.received[0],
    'NOT-A-SERIAL',
    L.serials.kit,
    L.serials.opening[0],
    L.serials.received[2],
    L.serials.opening[1],
    L.serials.received[0],
  ];

  it('gives each pasted serial its rows, in the order pasted: found ones with their history, a missing one as "not found"', async () => {
    const result = await run('admin', 'serialLookup', { serials: pasted() });
    expect(result.columns.map((c) => c.key)).toEqual([...LOOKUP_KEYS]);
    expect(result.rows).toEqual(expectedRows());
    // The cost column totals the list's serials at their costs (the repeat counted twice):
    // 3 × 3.333333 + 5.555555 + 2 × 12.50 + 7.25.
    expect(result.totals).toEqual({ unitCost: 47.805554 });
    expect(result.nextCursor).toBeNull();
  });

  it('takes the list as text pasted from a sheet (one per line or cell), trimmed, blank lines left out', async () => {
    const text = `  ${pasted().join('\r\n')}\n\n\t`;
    const result = await run('admin', 'serialLookup', { serials: text });
    expect(result.rows).toEqual(expectedRows());
    const one = await run('admin', 'serialLookup', { serials: ` ${L.serials.opening[0]} ` });
    expect(pick(one.rows, ['position', 'serial', 'status'])).toEqual([{ position: 1, serial: L.serials.opening[0], status: 'allocated' }]);
  });

  it('pages by the list position: every row exactly once, two products of one serial kept together or across a page', async () => {
    const whole = (await run('admin', 'serialLookup', { serials: pasted() })).rows;
    for (const limit of [1, 2, 3]) {
      const { rows, pages } = await allPages('admin', 'serialLookup', { serials: pasted() }, limit);
      expect(rows).toEqual(whole);
      expect(pages).toBe(Math.ceil(whole.length / limit));
    }
  });

  it('shows no cost to a role that may not see costs', async () => {
    const result = await run('warehouse', 'serialLookup', { serials: pasted() });
    expect(result.columns.map((c) => c.key)).toEqual(LOOKUP_KEYS.filter((k) => k !== 'unitCost'));
    expect(result.hiddenColumns).toEqual(['Cost']);
    expect(result.rows.every((r) => !('unitCost' in r))).toBe(true);
    expect(result.rows).toEqual(expectedRows().map(({ unitCost: _, ...rest }) => rest));
    expect(result.totals).toBeNull();
  });

  it('refuses no serials, a serial over 100 characters, more than 10,000 and a NUL, naming the field', async () => {
    for (const serials of [[], '  \n ', ['ok', 'x'.repeat(101)], Array.from({ length: 10_001 }, (_, i) => `S${i}`), ['A\u0000B'], 42]) {
      const r = await refusal(run('viewer', 'serialLookup', { serials }));
      expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_INPUT' });
      expect(r.message).toContain('serials');
    }
    expect((await refusal(run('viewer', 'serialLookup', {}))).message).toContain('serials');
    expect((await refusal(run('viewer', 'serialLookup', { serials: ' \n' }))).message).toContain('give at least one serial');
    const many = await refusal(run('viewer', 'serialLookup', { serials: Array.from({ length: 10_001 }, (_, i) => `S${i}`) }));
    expect(many.message).toContain('at most 10,000 serials');
    expect((await refusal(run('viewer', 'serialLookup', { serials: 42 }))).message).toContain('one serial per line');
    const long = await refusal(run('viewer', 'serialLookup', { serials: ['ok', 'x'.repeat(101)] }));
    expect(long.message).toContain('serials[1]');
    expect(long.message).toContain('at most 100 characters');
    // 100 characters is a serial that can exist: looked up, not refused.
    expect((await run('viewer', 'serialLookup', { serials: ['x'.repeat(100)] })).rows).toMatchObject([{ status: 'not found' }]);
  });
});

// ---- traceability --------------------------------------------------------------------------------

describe('traceability', () => {
  const TRACE_KEYS = [
    'level',
    'direction',
    'event',
    'sku',
    'productName',
    'serial',
    'batch',
    'expiry',
    'quantity',
    'documentType',
    'documentNo',
    'date',
    'location',
    'bay',
    'party',
    'workOrder',
  ] as const;

  /** Row builders, written down from the ledger and the second level. */
  function rows() {
    const { products, serials, batches, documents, locations, supplier, customers } = L;
    const today = day();
    const wo1 = documents.workOrder.id;
    const wo2 = X.workOrder.id;
    const main = locations.main.name;
    const a1 = locations.bayA1.name;
    const row = (r: Partial<Row>): Row => ({
      serial: null,
      batch: null,
      expiry: null,
      date: today,
      location: main,
      bay: null,
      party: null,
      workOrder: null,
      ...r,
    });
    const phone = { sku: products.serial.sku, productName: products.serial.name };
    const flour = { sku: products.batch.sku, productName: products.batch.name };
    const kit = { sku: products.kit.sku, productName: products.kit.name, serial: serials.kit };
    const lotA = { ...flour, batch: batches.lotA.number, expiry: batches.lotA.expiry };
    const soon = { ...flour, batch: batches.soon.number, expiry: batches.soon.expiry };
    const box = { sku: X.products.box.sku, productName: X.products.box.name, batch: X.boxBatch.number, expiry: X.boxBatch.expiry };
    const po = { documentType: 'purchase_order', documentNo: documents.purchaseOrder.id, party: supplier.name, bay: a1 };
    const inWo = (wo: number) => ({ documentType: 'work_order', documentNo: wo });
    return {
      /** What the kit K-001 was made of (by the ledger's work order): S-003 and 2 of LOT-A, with where each came from. */
      kitMadeOf: (level: number) => [
        row({ level, direction: 'backward', event: 'received', ...lotA, quantity: 6, ...po, workOrder: wo1 }),
        row({ level, direction: 'backward', event: 'consumed', ...lotA, quantity: -2, ...inWo(wo1), workOrder: wo1 }),
        row({ level, direction: 'backward', event: 'received', ...phone, serial: serials.received[2], quantity: 1, ...po, workOrder: wo1 }),
        row({
          level,
          direction: 'backward',
          event: 'consumed',
          ...phone,
          serial: serials.received[2],
          quantity: -1,
          ...inWo(wo1),
          bay: a1,
          workOrder: wo1,
        }),
      ],
      /** What BOX-1 was made of directly (the second work order): LOT-SOON, the kit, a plain widget. */
      boxMadeOf: [
        row({
          level: 1,
          direction: 'backward',
          event: 'entered',
          ...soon,
          quantity: 4,
          documentType: 'opening',
          documentNo: null,
          workOrder: wo2,
        }),
        row({ level: 1, direction: 'backward', event: 'consumed', ...soon, quantity: -1, ...inWo(wo2), workOrder: wo2 }),
        row({ level: 1, direction: 'backward', event: 'made', ...kit, quantity: 1, ...inWo(wo1), workOrder: wo2 }),
        row({ level: 1, direction: 'backward', event: 'consumed', ...kit, quantity: -1, ...inWo(wo2), workOrder: wo2 }),
        row({
          level: 1,
          direction: 'backward',
          event: 'consumed',
          sku: products.plain.sku,
          productName: products.plain.name,
          quantity: -1,
          ...inWo(wo2),
          workOrder: wo2,
        }),
      ],
      /** BOX-1's own life: made, one shipped to East, one invoiced to North. */
      box: (level: number, direction: string, workOrder: number | null) => [
        row({ level, direction, event: 'made', ...box, quantity: 2, ...inWo(wo2), workOrder }),
        row({
          level,
          direction,
          event: 'shipped',
          ...box,
          quantity: -1,
          documentType: 'shipment',
          documentNo: X.shipment.id,
          party: X.customers.east.name,
          workOrder,
        }),
        row({
          level,
          direction,
          event: 'invoiced',
          ...box,
          quantity: -1,
          documentType: 'invoice',
          documentNo: X.invoices.north.id,
          party: customers.north.name,
          workOrder,
        }),
      ],
      /** The kit's life: made by the first work order, consumed by the second. */
      kit: (level: number, direction: string, workOrder: number | null) => [
        row({ level, direction, event: 'made', ...kit, quantity: 1, ...inWo(wo1), workOrder }),
        row({ level, direction, event: 'consumed', ...kit, quantity: -1, ...inWo(wo2), workOrder }),
      ],
      /** LOT-A's life as a start: received, 1 invoiced to South, 2 consumed by the first work order (adjustments are not trace events). */
      lotA: [
        row({ level: 0, direction: 'start', event: 'received', ...lotA, quantity: 6, ...po }),
        row({
          level: 0,
          direction: 'start',
          event: 'invoiced',
          ...lotA,
          quantity: -1,
          documentType: 'invoice',
          documentNo: documents.invoices.batches.id,
          party: customers.south.name,
        }),
        row({ level: 0, direction: 'start', event: 'consumed', ...lotA, quantity: -2, ...inWo(wo1) }),
      ],
    };
  }

  it('forward from batch LOT-A: the recall: everything made from it, two work orders deep, and every customer who received any of it', async () => {
    const r = rows();
    const result = await run('admin', 'traceability', { batch: L.batches.lotA.number, direction: 'forward' });
    expect(result.columns.map((c) => c.key)).toEqual([...TRACE_KEYS]);
    expect(result.rows).toEqual([...r.lotA, ...r.kit(1, 'forward', L.documents.workOrder.id), ...r.box(2, 'forward', X.workOrder.id)]);
    const customers = (rows: Row[]) =>
      [...new Set(rows.filter((x) => x.event === 'shipped' || x.event === 'invoiced').map((x) => x.party))].sort();
    // Who received anything made from LOT-A (East and North, through the kit and the box), and LOT-A itself (South).
    expect(customers(result.rows.filter((x) => Number(x.level) > 0))).toEqual([X.customers.east.name, L.customers.north.name].sort());
    expect(customers(result.rows)).toEqual([X.customers.east.name, L.customers.north.name, L.customers.south.name].sort());
  });

  it('backward from serial K-001: everything it was made of, with the supplier and purchase order each part came from', async () => {
    const r = rows();
    const result = await run('admin', 'traceability', { serial: L.serials.kit, direction: 'backward' });
    expect(result.rows).toEqual([...r.kitMadeOf(1), ...r.kit(0, 'start', null)]);
    const parts = result.rows.filter((x) => x.direction === 'backward' && x.event === 'received');
    expect(parts.map((x) => [x.serial ?? x.batch, x.party, x.documentNo])).toEqual([
      [L.batches.lotA.number, L.supplier.name, L.documents.purchaseOrder.id],
      [L.serials.received[2], L.supplier.name, L.documents.purchaseOrder.id],
    ]);
  });

  it('backward from batch BOX-1 goes two work orders deep (deepest first); an untracked input shows its consumption only', async () => {
    const r = rows();
    const result = await run('admin', 'traceability', { batch: X.boxBatch.number, direction: 'backward' });
    expect(result.rows).toEqual([...r.kitMadeOf(2), ...r.boxMadeOf, ...r.box(0, 'start', null)]);
  });

  it('both ways from K-001 (the default): its parts, itself, what was made of it; productId narrows the start', async () => {
    const r = rows();
    const expected = [...r.kitMadeOf(1), ...r.kit(0, 'start', null), ...r.box(1, 'forward', X.workOrder.id)];
    expect((await run('admin', 'traceability', { serial: L.serials.kit })).rows).toEqual(expected);
    expect((await run('admin', 'traceability', { serial: L.serials.kit, direction: 'both', productId: L.products.kit.id })).rows).toEqual(
      expected,
    );
    expect((await run('admin', 'traceability', { serial: L.serials.kit, productId: L.products.serial.id })).rows).toEqual([]);
  });

  it('a serial of two products starts from both; a serial sold directly shows its receipt and shipment; an unknown one gives no rows', async () => {
    const twin = await run('admin', 'traceability', { serial: X.twin, direction: 'both' });
    expect(pick(twin.rows, ['level', 'direction', 'event', 'sku', 'serial', 'quantity', 'location'])).toEqual([
      {
        level: 0,
        direction: 'start',
        event: 'entered',
        sku: L.products.serial.sku,
        serial: X.twin,
        quantity: 1,
        location: L.locations.store.name,
      },
      {
        level: 0,
        direction: 'start',
        event: 'entered',
        sku: X.products.gadget.sku,
        serial: X.twin,
        quantity: 1,
        location: L.locations.store.name,
      },
    ]);
    const sold = await run('admin', 'traceability', { serial: L.serials.received[0] });
    expect(pick(sold.rows, ['direction', 'event', 'quantity', 'documentType', 'documentNo', 'party'])).toEqual([
      {
        direction: 'start',
        event: 'received',
        quantity: 1,
        documentType: 'purchase_order',
        documentNo: L.documents.purchaseOrder.id,
        party: L.supplier.name,
      },
      {
        direction: 'start',
        event: 'shipped',
        quantity: -1,
        documentType: 'shipment',
        documentNo: L.documents.shipment.id,
        party: L.customers.north.name,
      },
    ]);
    expect((await run('admin', 'traceability', { serial: 'NO-SUCH-SERIAL' })).rows).toEqual([]);
  });

  it('pages the trace by keyset: every row exactly once, in order', async () => {
    const params = { batch: L.batches.lotA.number, direction: 'both' };
    const whole = (await run('admin', 'traceability', params)).rows;
    expect(whole.length).toBe(3 + 2 + 3);
    for (const limit of [1, 3]) expect((await allPages('viewer', 'traceability', params, limit)).rows).toEqual(whole);
  });

  it('refuses no serial or batch, both, a bad direction, an empty or too long serial, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'serial'],
      [{ direction: 'forward' }, 'serial'],
      [{ serial: 'A', batch: 'B' }, 'batch'],
      [{ serial: 'A', direction: 'sideways' }, 'direction'],
      [{ serial: '  ' }, 'serial'],
      [{ batch: 'x'.repeat(101) }, 'batch'],
      [{ serial: 'A', productId: 0 }, 'productId'],
    ];
    for (const [params, field] of cases) {
      const r = await refusal(run('viewer', 'traceability', params));
      expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_INPUT' });
      expect(r.message).toContain(field);
    }
  });
});

// ---- prior items sold and invoiced -----------------------------------------------------------------

describe('priorItemsSold and priorItemsInvoiced', () => {
  const PRIOR_KEYS = [
    'documentNo',
    'lineNumber',
    'documentDate',
    'customer',
    'sku',
    'productName',
    'quantity',
    'unitPrice',
    'lineTotal',
    'serialsOrBatches',
    'matching',
    'documentStatus',
  ] as const;

  type Line = {
    id: number;
    line: number;
    customer: string;
    product: { sku: string; name: string };
    qty: number;
    price: number;
    numbers: string | null;
    status: string;
  };
  const line = (l: Line): Row => ({
    documentNo: l.id,
    lineNumber: l.line,
    documentDate: day(),
    customer: l.customer,
    sku: l.product.sku,
    productName: l.product.name,
    quantity: l.qty,
    unitPrice: l.price,
    lineTotal: Math.round(l.qty * l.price * 100) / 100,
    serialsOrBatches: l.numbers,
    matching: null,
    documentStatus: l.status,
  });

  /** Every sales order line, in the order the orders were made. */
  function soldRows(): Row[] {
    const { documents: d, customers: c, products: p, serials: s, batches: b } = L;
    const box = X.products.box;
    return [
      line({
        id: d.salesOrders.shipped.id,
        line: 1,
        customer: c.north.name,
        product: p.serial,
        qty: 2,
        price: 99,
        numbers: `${s.received[0]}, ${s.received[1]}`,
        status: 'invoiced',
      }),
      line({
        id: d.salesOrders.shipped.id,
        line: 2,
        customer: c.north.name,
        product: p.plain,
        qty: 3,
        price: 9.5,
        numbers: null,
        status: 'invoiced',
      }),
      // Gone out on the invoice: the allocations are let go of, the ledger keeps the batches.
      line({
        id: d.salesOrders.invoiced.id,
        line: 1,
        customer: c.south.name,
        product: p.batch,
        qty: 3,
        price: 4.2,
        numbers: `${b.lotA.number}, ${b.soon.number}`,
        status: 'invoiced',
      }),
      // Held, not yet gone: the open allocation.
      line({
        id: d.salesOrders.holdingBatch.id,
        line: 1,
        customer: c.north.name,
        product: p.batch,
        qty: 2,
        price: 4.2,
        numbers: b.lotA.number,
        status: 'open',
      }),
      line({
        id: d.salesOrders.holdingSerial.id,
        line: 1,
        customer: c.south.name,
        product: p.serial,
        qty: 1,
        price: 120,
        numbers: s.opening[0],
        status: 'open',
      }),
      line({
        id: X.salesOrders.toEast.id,
        line: 1,
        customer: X.customers.east.name,
        product: box,
        qty: 1,
        price: 30,
        numbers: X.boxBatch.number,
        status: 'invoiced',
      }),
      line({
        id: X.salesOrders.toNorth.id,
        line: 1,
        customer: c.north.name,
        product: box,
        qty: 1,
        price: 31,
        numbers: X.boxBatch.number,
        status: 'invoiced',
      }),
      // 201 serials: the cell lists the first 200 and says how many more.
      line({
        id: X.manySerials.salesOrderId,
        line: 1,
        customer: X.customers.east.name,
        product: X.products.gadget,
        qty: NUMBERS_SHOWN + 1,
        price: 1.5,
        numbers: `${X.manySerials.serials.slice(0, NUMBERS_SHOWN).join(', ')} and 1 more`,
        status: 'open',
      }),
    ];
  }

  /** Every invoice line, in the order the invoices were made. */
  function invoicedRows(): Row[] {
    const { documents: d, customers: c, products: p, serials: s, batches: b } = L;
    const box = X.products.box;
    return [
      line({
        id: d.invoices.afterShipment.id,
        line: 1,
        customer: c.north.name,
        product: p.serial,
        qty: 2,
        price: 99,
        numbers: `${s.received[0]}, ${s.received[1]}`,
        status: 'issued',
      }),
      line({
        id: d.invoices.afterShipment.id,
        line: 2,
        customer: c.north.name,
        product: p.plain,
        qty: 3,
        price: 9.5,
        numbers: null,
        status: 'issued',
      }),
      line({
        id: d.invoices.batches.id,
        line: 1,
        customer: c.south.name,
        product: p.batch,
        qty: 3,
        price: 4.2,
        numbers: `${b.lotA.number}, ${b.soon.number}`,
        status: 'issued',
      }),
      // Issued after the shipment that took the box out: the shipment's batch.
      line({
        id: X.invoices.east.id,
        line: 1,
        customer: X.customers.east.name,
        product: box,
        qty: 1,
        price: 30,
        numbers: X.boxBatch.number,
        status: 'issued',
      }),
      // Took the box out itself.
      line({
        id: X.invoices.north.id,
        line: 1,
        customer: c.north.name,
        product: box,
        qty: 1,
        price: 31,
        numbers: X.boxBatch.number,
        status: 'issued',
      }),
    ];
  }

  const sum = (rows: Row[], key: string) => Math.round(rows.reduce((s, r) => s + Number(r[key]), 0) * 100) / 100;

  for (const [report, expected] of [
    ['priorItemsSold', soldRows],
    ['priorItemsInvoiced', invoicedRows],
  ] as const) {
    describe(report, () => {
      it('lists every line with its serial or batch numbers, in document and line order, and totals quantity and line total', async () => {
        const result = await run('sales', report, {});
        expect(result.columns.map((c) => c.key)).toEqual([...PRIOR_KEYS]);
        expect(result.columns.find((c) => c.key === 'serialsOrBatches')!.label).toBe('Serial or batch numbers');
        expect(result.rows).toEqual(expected());
        expect(result.totals).toEqual({ quantity: sum(expected(), 'quantity'), lineTotal: sum(expected(), 'lineTotal') });
      });

      it('filters by a serial or batch the line names (equal, or containing the text, ignoring case), saying which matched', async () => {
        const all = expected();
        const exact = await run('sales', report, { serialOrBatch: L.serials.received[1] });
        expect(exact.rows).toEqual(
          all
            .filter((r) => String(r.serialsOrBatches).includes(L.serials.received[1]))
            .map((r) => ({ ...r, matching: L.serials.received[1] })),
        );
        expect(exact.rows).toHaveLength(1);
        // "-s-00" is in S-001 and S-002 (lower case matches upper).
        const contains = await run('sales', report, { serialOrBatch: '-s-00' });
        expect(pick(contains.rows, ['documentNo', 'lineNumber', 'matching'])).toEqual([
          {
            documentNo: all.find((r) => r.sku === L.products.serial.sku && r.quantity === 2)!.documentNo,
            lineNumber: 1,
            matching: `${L.serials.received[0]}, ${L.serials.received[1]}`,
          },
        ]);
        const lot = await run('sales', report, { serialOrBatch: 'lot-a' });
        expect(lot.rows).toEqual(
          all
            .filter((r) => String(r.serialsOrBatches).includes(L.batches.lotA.number))
            .map((r) => ({ ...r, matching: L.batches.lotA.number })),
        );
        expect(lot.rows.length).toBeGreaterThan(0);
        expect((await run('sales', report, { serialOrBatch: 'nothing-like-it' })).rows).toEqual([]);
        // A serial past the first 200 of its line: found, and named as the match.
        const last = X.manySerials.serials.at(-1)!;
        expect((await run('sales', report, { serialOrBatch: last })).rows).toEqual(
          all
            .filter((r) => r.documentNo === X.manySerials.salesOrderId && report === 'priorItemsSold')
            .map((r) => ({ ...r, matching: last })),
        );
      });

      it('filters by customer, product and dates', async () => {
        const all = expected();
        const north = await run('sales', report, { customerId: L.customers.north.id });
        expect(north.rows).toEqual(all.filter((r) => r.customer === L.customers.north.name));
        expect(north.rows.length).toBeLessThan(all.length);
        const batch = await run('sales', report, { productId: L.products.batch.id });
        expect(batch.rows).toEqual(all.filter((r) => r.sku === L.products.batch.sku));
        const both = await run('sales', report, { customerId: L.customers.south.id, productId: L.products.batch.id });
        expect(both.rows).toEqual(all.filter((r) => r.customer === L.customers.south.name && r.sku === L.products.batch.sku));
        expect(both.rows).toHaveLength(1);
        expect((await run('sales', report, { from: day(), to: day() })).rows).toEqual(all);
        expect((await run('sales', report, { from: addDays(day(), 1) })).rows).toEqual([]);
        expect((await run('sales', report, { to: addDays(day(), -1) })).rows).toEqual([]);
      });

      it('pages by keyset: every line exactly once, in order', async () => {
        for (const limit of [1, 2, 3]) {
          const { rows, pages } = await allPages('viewer', report, {}, limit);
          expect(rows).toEqual(expected());
          expect(pages).toBe(Math.ceil(expected().length / limit));
        }
      });

      it('refuses bad parameters, naming the field', async () => {
        const cases: [Record<string, unknown>, string][] = [
          [{ serialOrBatch: 'x'.repeat(101) }, 'serialOrBatch'],
          [{ serialOrBatch: ' ' }, 'serialOrBatch'],
          [{ customerId: -1 }, 'customerId'],
          [{ productId: 'one' }, 'productId'],
          [{ from: '2026-13-01' }, 'from'],
          [{ from: '2026-07-02', to: '2026-07-01' }, 'to'],
        ];
        for (const [params, field] of cases) {
          const r = await refusal(run('viewer', report, params));
          expect(r).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_INPUT' });
          expect(r.message).toContain(field);
        }
      });
    });
  }
});

describe('reports.list describes the four', () => {
  it('with their parameters as the pane asks for them', async () => {
    const list = await app.as('viewer').reports.list();
    const of = (id: string) => list.find((r) => r.id === id)!;
    expect(of('serialLookup').params).toEqual([expect.objectContaining({ key: 'serials', kind: 'serials', required: true })]);
    expect(of('serialLookup').columns.map((c) => c.key)).not.toContain('unitCost');
    expect(of('traceability').params.map((p) => [p.key, p.kind, p.required])).toEqual([
      ['serial', 'text', false],
      ['batch', 'text', false],
      ['productId', 'productId', false],
      ['direction', 'choice', false],
    ]);
    expect(of('traceability').params.find((p) => p.key === 'direction')).toMatchObject({
      options: ['backward', 'forward', 'both'],
      default: 'both',
    });
    for (const id of ['priorItemsSold', 'priorItemsInvoiced'])
      expect(of(id).params.map((p) => p.key)).toEqual(['serialOrBatch', 'customerId', 'productId', 'from', 'to']);
  });
});
