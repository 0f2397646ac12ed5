// A small business built through the public router, as the roles that do each thing, whose every
// report row can be written down by hand: the ledger the report tests run against (issue 14).
//
// Two locations (Main, with bay A1, and Store), four products, two customers, one supplier, and
// every flow that moves stock: a purchase order received (plain, a batch with an expiry, serials),
// opening stock (serials and batches), adjustments in and out, a stocktake with a variance, serials
// allocated, shipped and invoiced, a batch sold, and a work order that consumes a serial and a batch
// and makes a serialised kit. Costs are chosen so rounding matters (3.333333, 1.111111, 1.115).
//
// Everything is named with `prefix` (SKUs, serials, batch numbers, location, customer and supplier
// names), so two ledgers can live in one database. Movement times are "now": `today` is the day
// (in the organisation's time zone) the ledger was built on.
import type { Caller, TestApp } from './app.ts';
import { key } from './app.ts';
import { purchasableCodes, sellableCodes } from './fixtures.ts';

/** One row of the stock ledger as the fixture wrote it, in the order written (movement ids ascend in this order). */
export interface LedgerMovement {
  /** Which step wrote it (the comments in buildReportLedger). */
  step: string;
  kind: 'opening' | 'adjustment' | 'receipt' | 'stocktake' | 'allocation' | 'sale' | 'production';
  product: ProductKey;
  sku: string;
  productId: number;
  locationId: number;
  location: string;
  bayId: number | null;
  bay: string | null;
  batch: string | null;
  quantity: number;
  /** The cost the ledger recorded (6 decimals). */
  unitCost: number;
  /** quantity × unitCost rounded to the cent (half away from zero): the movement's value. */
  value: number;
  /** The document as the movements report names it ("shipment #12"), or null. */
  documentType: string | null;
  documentId: number | null;
  document: string | null;
  /** The serials the row lists, sorted. */
  serials: string[];
  glCode: string | null;
  customer: string | null;
  customerId: number | null;
  /** Who wrote it (the name of the role's user). */
  user: string;
  userId: number;
  /** The narrative (an allocation row's is the document line it is for). */
  narrative: string | null;
}

export type ProductKey = 'plain' | 'batch' | 'serial' | 'kit';

/** A row of the stock on hand report (the report's keys), in report order. */
export interface StockOnHandRow {
  sku: string;
  productName: string;
  location: string;
  bay: string | null;
  batch: string | null;
  expiry: string | null;
  quantity: number;
  allocated: number;
  available: number;
  unitCost: number;
  value: number;
}

/** A row of the valuation report (the report's keys). */
export interface ValuationRow {
  account: string;
  sku: string;
  productName: string;
  quantity: number;
  unitCost: number;
  value: number;
}

/** A day as the reports take them, `days` after `day`. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

async function userOf(api: Caller) {
  const me = await api.users.me();
  return { id: me.id, name: me.name };
}

/**
 * Builds the ledger and returns what a test needs to name any of it, with the rows the first
 * reports must show (`expected`). Uses only the router, as admin (products), purchasing (the
 * order), warehouse (places, stock, counts, shipping, making), accountant (an adjustment, the
 * stocktake's finalise) and sales (customers, orders, allocation, invoices).
 */
export async function buildReportLedger(app: TestApp, prefix = 'RL') {
  const admin = app.as('admin');
  const purchasing = app.as('purchasing');
  const warehouse = app.as('warehouse');
  const accountant = app.as('accountant');
  const sales = app.as('sales');
  const users = {
    warehouse: await userOf(warehouse),
    accountant: await userOf(accountant),
    sales: await userOf(sales),
    purchasing: await userOf(purchasing),
  };
  const settings = await admin.settings.get();
  const timeZone = String(settings.accounting.timezone);
  const stockAccount = settings.accounting.stockAccount === null ? null : String(settings.accounting.stockAccount);
  const startedAt = new Date();
  const today = new Intl.DateTimeFormat('en-CA', { timeZone }).format(startedAt);

  // ---- places, products, parties ------------------------------------------------------------
  const mainCreated = await warehouse.locations.create({ name: `${prefix} Main` });
  const bayCreated = await warehouse.locations.addBay({ locationId: mainCreated.id, name: 'A1' });
  const storeCreated = await warehouse.locations.create({ name: `${prefix} Store` });
  const main = { id: mainCreated.id, name: `${prefix} Main` };
  const bayA1 = { id: bayCreated.id, name: 'A1', locationId: main.id };
  const store = { id: storeCreated.id, name: `${prefix} Store` };

  // Plain and batch stock on stock account 1400, serials on 1410; the kit has no asset code, so the
  // valuation puts it under the default stock account (none is set in a fresh database: "(not mapped)").
  const product = async (suffix: string, name: string, flags: Record<string, unknown>) => {
    const created = await admin.products.create({ sku: `${prefix}-${suffix}`, name, stockTracked: true, ...flags });
    return { id: created.id, sku: created.sku, name: created.name };
  };
  const products = {
    plain: await product('PLAIN', 'Plain widget', { ...purchasableCodes, ...sellableCodes, assetGlCode: '1400' }),
    batch: await product('BATCH', 'Batch flour', { batchTracked: true, ...purchasableCodes, ...sellableCodes, assetGlCode: '1400' }),
    serial: await product('SERIAL', 'Serial phone', { serialised: true, ...purchasableCodes, ...sellableCodes, assetGlCode: '1410' }),
    kit: await product('KIT', 'Serial kit', { serialised: true, ...sellableCodes }),
  };
  const supplier = await purchasing.suppliers.create({ name: `${prefix} Supplies` });
  const north = await sales.customers.create({ name: `${prefix} North Traders` });
  const south = await sales.customers.create({ name: `${prefix} South Retail` });
  const customers = { north: { id: north.id, name: north.name }, south: { id: south.id, name: south.name } };

  const serials = {
    /** Received on the purchase order into Main A1 at 3.333333 each. */
    received: [`${prefix}-S-001`, `${prefix}-S-002`, `${prefix}-S-003`] as const,
    /** Opening stock at Store at 12.50 each. */
    opening: [`${prefix}-S-101`, `${prefix}-S-102`] as const,
    /** Made by the work order at Main (no bay) at 5.555555. */
    kit: `${prefix}-K-001`,
  };
  const batches = {
    /** Received on the purchase order (6 into A1 at 1.111111), later also adjusted in at Main without a bay. */
    lotA: { number: `${prefix}-LOT-A`, expiry: '2099-12-31' },
    /** Opening stock at Main (no bay), 4 at 2.50, expiring 10 days after the ledger's day. */
    soon: { number: `${prefix}-LOT-SOON`, expiry: addDays(today, 10) },
    /** Opening stock at Store, 2 at 0.285 (a unit cost that is half a cent: 0.29 to the cent), long expired (still on hand). */
    old: { number: `${prefix}-LOT-OLD`, expiry: '2020-01-31' },
  };

  const movements: LedgerMovement[] = [];
  const places = { main, store };
  const record = (
    m: Omit<LedgerMovement, 'sku' | 'productId' | 'locationId' | 'location' | 'bay' | 'value' | 'document' | 'customer' | 'customerId'> & {
      customer?: { id: number; name: string } | null;
      where: 'main' | 'store';
    },
  ) => {
    const { where, customer, ...rest } = m;
    movements.push({
      ...rest,
      sku: products[m.product].sku,
      productId: products[m.product].id,
      locationId: places[where].id,
      location: places[where].name,
      bay: m.bayId === bayA1.id ? bayA1.name : null,
      value: centsOf(m.quantity, m.unitCost),
      document: m.documentType === null ? null : `${m.documentType} #${m.documentId}`,
      customer: customer?.name ?? null,
      customerId: customer?.id ?? null,
    });
  };
  const none = { documentType: null, documentId: null, glCode: null, serials: [] as string[], batch: null };

  // ---- step 1: a purchase order into Main A1, received in full ---------------------------------
  // 7 plain at 3.333333 (23.333331 → 23.33), 6 of batch LOT-A at 1.111111 (6.666666 → 6.67), three
  // serials at 3.333333 (9.999999 → 10.00). The plain average becomes 3.333333, the batch's 1.111111.
  const draft = await purchasing.purchaseOrders.create({
    supplierId: supplier.id,
    locationId: main.id,
    bayId: bayA1.id,
    currency: 'AUD',
    exchangeRate: 1,
    reference: `${prefix}-PO`,
    lines: [
      { productId: products.plain.id, quantity: 7, unitCost: 3.333333 },
      { productId: products.batch.id, quantity: 6, unitCost: 1.111111 },
      { productId: products.serial.id, quantity: 3, unitCost: 3.333333 },
    ],
  });
  await purchasing.purchaseOrders.issue({ id: draft.id });
  const [poPlain, poBatch, poSerial] = [draft.lines[0]!, draft.lines[1]!, draft.lines[2]!];
  await warehouse.purchaseOrders.setLineSerials({
    lineId: poBatch.id,
    batches: [{ number: batches.lotA.number, expiry: batches.lotA.expiry, quantity: 6 }],
    idempotencyKey: key(),
  });
  await warehouse.purchaseOrders.setLineSerials({ lineId: poSerial.id, serials: [...serials.received], idempotencyKey: key() });
  const received = await warehouse.purchaseOrders.receive({
    purchaseOrderId: draft.id,
    lines: [
      { lineId: poPlain.id, quantity: 7 },
      { lineId: poBatch.id, quantity: 6 },
      { lineId: poSerial.id, quantity: 3 },
    ],
    idempotencyKey: key(),
  });
  const po = { id: draft.id, receiptId: received.receiptId, lineIds: { plain: poPlain.id, batch: poBatch.id, serial: poSerial.id } };
  const receipt = {
    ...none,
    kind: 'receipt' as const,
    where: 'main' as const,
    bayId: bayA1.id,
    documentType: 'purchase_order',
    documentId: po.id,
    user: users.warehouse.name,
    userId: users.warehouse.id,
    narrative: `Purchase order #${po.id}, receipt #${po.receiptId}`,
  };
  record({ ...receipt, step: 'po', product: 'plain', quantity: 7, unitCost: 3.333333 });
  record({ ...receipt, step: 'po', product: 'batch', batch: batches.lotA.number, quantity: 6, unitCost: 1.111111 });
  record({ ...receipt, step: 'po', product: 'serial', serials: [...serials.received], quantity: 3, unitCost: 3.333333 });

  // ---- step 2: opening stock ----------------------------------------------------------------
  // Two serials at Store at 12.50 (the serial average becomes (9.999999 + 25) / 5 → 7.000000, though
  // each serial keeps its own cost); LOT-SOON, 4 at 2.50, at Main without a bay; LOT-OLD, 2 at 0.285 (0.57), at Store.
  const opening = {
    ...none,
    kind: 'opening' as const,
    bayId: null,
    user: users.warehouse.name,
    userId: users.warehouse.id,
    narrative: 'Opening stock',
  };
  await warehouse.serials.add({
    productId: products.serial.id,
    locationId: store.id,
    serials: [...serials.opening],
    unitCost: 12.5,
    narrative: 'Opening stock',
    idempotencyKey: key(),
  });
  record({ ...opening, step: 'opening', where: 'store', product: 'serial', serials: [...serials.opening], quantity: 2, unitCost: 12.5 });
  await warehouse.batches.add({
    productId: products.batch.id,
    locationId: main.id,
    number: batches.soon.number,
    expiry: batches.soon.expiry,
    quantity: 4,
    unitCost: 2.5,
    narrative: 'Opening stock',
    idempotencyKey: key(),
  });
  record({ ...opening, step: 'opening', where: 'main', product: 'batch', batch: batches.soon.number, quantity: 4, unitCost: 2.5 });
  await warehouse.batches.add({
    productId: products.batch.id,
    locationId: store.id,
    number: batches.old.number,
    expiry: batches.old.expiry,
    quantity: 2,
    unitCost: 0.285,
    narrative: 'Opening stock',
    idempotencyKey: key(),
  });
  record({ ...opening, step: 'opening', where: 'store', product: 'batch', batch: batches.old.number, quantity: 2, unitCost: 0.285 });

  // ---- step 3: adjustments (GL 6300) ----------------------------------------------------------
  const adjustments: Record<string, number> = {};
  const adjust = async (
    name: string,
    as: 'warehouse' | 'accountant',
    a: {
      product: 'plain' | 'batch';
      where: 'main' | 'store';
      bayId: number | null;
      quantity: number;
      unitCost: number;
      narrative: string;
      batch?: string;
    },
  ) => {
    const api = as === 'warehouse' ? warehouse : accountant;
    const done = await api.stock.adjust({
      productId: products[a.product].id,
      locationId: places[a.where].id,
      bayId: a.bayId,
      quantity: a.quantity,
      unitCost: a.unitCost,
      batchNumber: a.batch,
      glCode: '6300',
      narrative: a.narrative,
      idempotencyKey: key(),
    });
    adjustments[name] = done.movementId;
    record({
      ...none,
      step: `adjust:${name}`,
      kind: 'adjustment',
      product: a.product,
      where: a.where,
      bayId: a.bayId,
      batch: a.batch ?? null,
      quantity: a.quantity,
      unitCost: a.unitCost,
      glCode: '6300',
      user: users[as].name,
      userId: users[as].id,
      narrative: a.narrative,
    });
  };
  // In: 5 plain at Main (no bay) at 4 (20.00); the average becomes (23.333331 + 20) / 12 → 3.611111.
  await adjust('plainIn', 'warehouse', {
    product: 'plain',
    where: 'main',
    bayId: null,
    quantity: 5,
    unitCost: 4,
    narrative: 'Found in returns',
  });
  // Out: 2 plain from A1 at the average 3.611111 (-7.222222 → -7.22).
  await adjust('plainOut', 'warehouse', {
    product: 'plain',
    where: 'main',
    bayId: bayA1.id,
    quantity: -2,
    unitCost: 3.611111,
    narrative: 'Damaged',
  });
  // In: 4 of LOT-A at Main without a bay at 1.111111 (4.444444 → 4.44): LOT-A is now in two places at Main.
  await adjust('batchIn', 'warehouse', {
    product: 'batch',
    where: 'main',
    bayId: null,
    quantity: 4,
    unitCost: 1.111111,
    narrative: 'Found on the floor',
    batch: batches.lotA.number,
  });
  // Out, by the accountant: 1 of LOT-A from A1 at 1.111111 (-1.11).
  await adjust('batchOut', 'accountant', {
    product: 'batch',
    where: 'main',
    bayId: bayA1.id,
    quantity: -1,
    unitCost: 1.111111,
    narrative: 'Spoilt',
    batch: batches.lotA.number,
  });
  // In: 3 plain at Store at 1.115 (3.345 → 3.35, half a cent rounded away from zero); the average
  // becomes (10 × 3.611111 + 3.345) / 13 → 3.035085.
  await adjust('plainStore', 'warehouse', {
    product: 'plain',
    where: 'store',
    bayId: null,
    quantity: 3,
    unitCost: 1.115,
    narrative: 'Transfer in',
  });

  // ---- step 4: a stocktake of the plain product at Main, one short --------------------------
  // Frozen: 5 in A1, 5 without a bay, at the average 3.035085. Counted 5 and 4: -1 at 3.035085
  // (-3.04), finalised by the accountant to GL 6310.
  const created = await warehouse.stocktakes.create({ locationId: main.id, productIds: [products.plain.id] });
  await warehouse.stocktakes.start({ id: created.id });
  await warehouse.stocktakes.submitCounts({
    stocktakeId: created.id,
    sheetKey: 'location',
    rows: [
      { productId: products.plain.id, bayId: bayA1.id, countedQuantity: 5 },
      { productId: products.plain.id, bayId: null, countedQuantity: 4 },
    ],
    idempotencyKey: key(),
  });
  await warehouse.stocktakes.review({ id: created.id });
  await accountant.stocktakes.finalise({ stocktakeId: created.id, glCode: '6310', idempotencyKey: key() });
  const stocktake = { id: created.id };
  record({
    ...none,
    step: 'stocktake',
    kind: 'stocktake',
    product: 'plain',
    where: 'main',
    bayId: null,
    quantity: -1,
    unitCost: 3.035085,
    glCode: '6310',
    documentType: 'stocktake',
    documentId: stocktake.id,
    user: users.accountant.name,
    userId: users.accountant.id,
    narrative: `Stocktake #${stocktake.id}`,
  });

  // ---- step 5: sales ------------------------------------------------------------------------
  // Sales order 1 (North, Main): 2 serials and 3 plain. S-001 and S-002 allocated (an allocation
  // row), shipped (out of A1 at their own 3.333333: -6.67; the plain out of Main without a bay, the
  // bays taken no-bay first, at the average 3.035085: -9.105255 → -9.11), then invoiced (nothing moves).
  const order1 = await sales.salesOrders.create({
    customerId: north.id,
    locationId: main.id,
    reference: `${prefix}-SO-1`,
    lines: [
      { productId: products.serial.id, quantity: 2, unitPrice: 99 },
      { productId: products.plain.id, quantity: 3, unitPrice: 9.5 },
    ],
  });
  const shippedSerials = [serials.received[0], serials.received[1]];
  await sales.salesOrders.allocateSerials({ lineId: order1.lines[0]!.id, serials: shippedSerials, idempotencyKey: key() });
  record({
    ...none,
    step: 'so1:allocate',
    kind: 'allocation',
    product: 'serial',
    where: 'main',
    bayId: null,
    quantity: 0,
    unitCost: 0,
    serials: shippedSerials,
    documentType: 'sales_order',
    documentId: order1.id,
    customer: customers.north,
    user: users.sales.name,
    userId: users.sales.id,
    narrative: `Sales order #${order1.id} line 1 (${products.serial.sku})`,
  });
  const shipmentDraft = await warehouse.shipments.create({ salesOrderId: order1.id });
  await warehouse.shipments.ship({ id: shipmentDraft.id, idempotencyKey: key() });
  const shipment = { id: shipmentDraft.id };
  const shipped = {
    ...none,
    kind: 'sale' as const,
    where: 'main' as const,
    documentType: 'shipment',
    documentId: shipment.id,
    customer: customers.north,
    user: users.warehouse.name,
    userId: users.warehouse.id,
    narrative: `Shipment #${shipment.id} to ${north.name} (sales order #${order1.id})`,
  };
  record({ ...shipped, step: 'so1:ship', product: 'serial', bayId: bayA1.id, serials: shippedSerials, quantity: -2, unitCost: 3.333333 });
  record({ ...shipped, step: 'so1:ship', product: 'plain', bayId: null, quantity: -3, unitCost: 3.035085 });
  const invoice1Draft = await sales.invoices.create({ salesOrderId: order1.id });
  await sales.invoices.issue({ id: invoice1Draft.id, idempotencyKey: key() });

  // Sales order 2 (South, Main): 3 of the batch product, allocated earliest expiry first (2 of
  // LOT-SOON, 1 of LOT-A) and invoiced with no shipment: the invoice takes them out, LOT-SOON at
  // 2.50 (-5.00), LOT-A from Main without a bay (no bay first) at 1.111111 (-1.11).
  const order2 = await sales.salesOrders.create({
    customerId: south.id,
    locationId: main.id,
    reference: `${prefix}-SO-2`,
    lines: [{ productId: products.batch.id, quantity: 3, unitPrice: 4.2 }],
  });
  const soldBatches = [
    { batch: batches.soon.number, quantity: 2 },
    { batch: batches.lotA.number, quantity: 1 },
  ];
  await sales.salesOrders.allocateSerials({ lineId: order2.lines[0]!.id, batches: soldBatches, idempotencyKey: key() });
  const invoice2Draft = await sales.invoices.create({ salesOrderId: order2.id });
  await sales.invoices.issue({ id: invoice2Draft.id, idempotencyKey: key() });
  const invoiced = {
    ...none,
    kind: 'sale' as const,
    where: 'main' as const,
    product: 'batch' as const,
    bayId: null,
    documentType: 'invoice',
    documentId: invoice2Draft.id,
    customer: customers.south,
    user: users.sales.name,
    userId: users.sales.id,
    narrative: `Invoice #${invoice2Draft.id} to ${south.name} (sales order #${order2.id})`,
  };
  record({ ...invoiced, step: 'so2:invoice', batch: batches.soon.number, quantity: -2, unitCost: 2.5 });
  record({ ...invoiced, step: 'so2:invoice', batch: batches.lotA.number, quantity: -1, unitCost: 1.111111 });

  // ---- step 6: a work order at Main: S-003 and 2 of LOT-A make the kit K-001 -------------------
  // S-003 allocated (an allocation row naming the work order), 2 of LOT-A allocated (no row);
  // completed: S-003 consumed from A1 at 3.333333 (-3.33), LOT-A from Main without a bay at
  // 1.111111 (-2.222222 → -2.22), and K-001 made at Main without a bay at 3.333333 + 2.222222 = 5.555555 (5.56).
  const woDraft = await warehouse.workOrders.create({
    locationId: main.id,
    reference: `${prefix}-WO`,
    inputs: [
      { productId: products.serial.id, quantity: 1 },
      { productId: products.batch.id, quantity: 2 },
    ],
    outputs: [{ productId: products.kit.id, quantity: 1 }],
  });
  const [woSerialLine, woBatchLine] = [woDraft.inputs[0]!, woDraft.inputs[1]!];
  const woOutputLine = woDraft.outputs[0]!;
  await warehouse.workOrders.allocateSerials({ lineId: woSerialLine.id, serials: [serials.received[2]], idempotencyKey: key() });
  record({
    ...none,
    step: 'wo:allocate',
    kind: 'allocation',
    product: 'serial',
    where: 'main',
    bayId: null,
    quantity: 0,
    unitCost: 0,
    serials: [serials.received[2]],
    documentType: 'work_order',
    documentId: woDraft.id,
    user: users.warehouse.name,
    userId: users.warehouse.id,
    narrative: `Work order #${woDraft.id} line 1 (${products.serial.sku})`,
  });
  await warehouse.workOrders.allocateSerials({
    lineId: woBatchLine.id,
    batches: [{ batch: batches.lotA.number, quantity: 2 }],
    idempotencyKey: key(),
  });
  await warehouse.workOrders.start({ id: woDraft.id, idempotencyKey: key() });
  await warehouse.workOrders.complete({
    id: woDraft.id,
    outputs: [{ lineId: woOutputLine.id, serials: [serials.kit] }],
    idempotencyKey: key(),
  });
  const made = {
    ...none,
    kind: 'production' as const,
    where: 'main' as const,
    documentType: 'work_order',
    documentId: woDraft.id,
    user: users.warehouse.name,
    userId: users.warehouse.id,
    narrative: `Work order #${woDraft.id}`,
  };
  record({
    ...made,
    step: 'wo:complete',
    product: 'serial',
    bayId: bayA1.id,
    serials: [serials.received[2]],
    quantity: -1,
    unitCost: 3.333333,
  });
  record({ ...made, step: 'wo:complete', product: 'batch', bayId: null, batch: batches.lotA.number, quantity: -2, unitCost: 1.111111 });
  record({ ...made, step: 'wo:complete', product: 'kit', bayId: null, serials: [serials.kit], quantity: 1, unitCost: 5.555555 });
  const workOrder = {
    id: woDraft.id,
    lineIds: { serialInput: woSerialLine.id, batchInput: woBatchLine.id, output: woOutputLine.id },
    consumed: { serials: [serials.received[2]], batches: [{ batch: batches.lotA.number, quantity: 2 }] },
    made: { serials: [serials.kit] },
  };

  // ---- step 7: what stays promised ------------------------------------------------------------
  // Sales order 3 (North, Main) holds 2 of LOT-A (no ledger row): they would leave no bay first, so
  // the 1 without a bay and 1 of A1's 5. Sales order 4 (South, Store) holds S-101 (an allocation row).
  const order3 = await sales.salesOrders.create({
    customerId: north.id,
    locationId: main.id,
    reference: `${prefix}-SO-3`,
    lines: [{ productId: products.batch.id, quantity: 2, unitPrice: 4.2 }],
  });
  await sales.salesOrders.allocateSerials({
    lineId: order3.lines[0]!.id,
    batches: [{ batch: batches.lotA.number, quantity: 2 }],
    idempotencyKey: key(),
  });
  const order4 = await sales.salesOrders.create({
    customerId: south.id,
    locationId: store.id,
    reference: `${prefix}-SO-4`,
    lines: [{ productId: products.serial.id, quantity: 1, unitPrice: 120 }],
  });
  await sales.salesOrders.allocateSerials({ lineId: order4.lines[0]!.id, serials: [serials.opening[0]], idempotencyKey: key() });
  record({
    ...none,
    step: 'so4:allocate',
    kind: 'allocation',
    product: 'serial',
    where: 'store',
    bayId: null,
    quantity: 0,
    unitCost: 0,
    serials: [serials.opening[0]],
    documentType: 'sales_order',
    documentId: order4.id,
    customer: customers.south,
    user: users.sales.name,
    userId: users.sales.id,
    narrative: `Sales order #${order4.id} line 1 (${products.serial.sku})`,
  });
  const finishedAt = new Date();

  const documents = {
    purchaseOrder: po,
    stocktake,
    salesOrders: {
      /** North, Main: S-001 and S-002 and 3 plain, shipped then invoiced. */
      shipped: { id: order1.id, lineIds: { serial: order1.lines[0]!.id, plain: order1.lines[1]!.id } },
      /** South, Main: 2 of LOT-SOON and 1 of LOT-A, invoiced without a shipment. */
      invoiced: { id: order2.id, lineId: order2.lines[0]!.id, batches: soldBatches },
      /** North, Main: holds 2 of LOT-A, open. */
      holdingBatch: { id: order3.id, lineId: order3.lines[0]!.id },
      /** South, Store: holds S-101, open. */
      holdingSerial: { id: order4.id, lineId: order4.lines[0]!.id },
    },
    shipment,
    invoices: {
      /** Sales order 1's, issued after its shipment: no stock moved. */
      afterShipment: { id: invoice1Draft.id },
      /** Sales order 2's, which took the batches out. */
      batches: { id: invoice2Draft.id },
    },
    workOrder,
    adjustments,
  };

  // ---- what the first reports show -------------------------------------------------------------
  const { plain, batch, serial, kit } = products;
  const soh = (
    p: { sku: string; name: string },
    place: { location: string; bay: string | null },
    b: { number: string; expiry: string } | null,
    quantity: number,
    allocated: number,
    unitCost: number,
    value: number,
  ): StockOnHandRow => ({
    sku: p.sku,
    productName: p.name,
    location: place.location,
    bay: place.bay,
    batch: b?.number ?? null,
    expiry: b?.expiry ?? null,
    quantity,
    allocated,
    available: quantity - allocated,
    unitCost,
    value,
  });
  const atMain = { location: main.name, bay: null };
  const atA1 = { location: main.name, bay: bayA1.name };
  const atStore = { location: store.name, bay: null };
  // In report order: SKU, then the stock level's id (the order the places first got stock).
  // Batches at their own cost; serials at the cost of the serials there; plain at the average 3.035085.
  const stockOnHand: StockOnHandRow[] = [
    soh(batch, atA1, batches.lotA, 5, 1, 1.111111, 5.56), // 6 received - 1 spoilt; 5 × 1.111111 = 5.555555; 1 of SO-3's 2
    soh(batch, atMain, batches.soon, 2, 0, 2.5, 5), // 4 opening - 2 invoiced
    soh(batch, atStore, batches.old, 2, 0, 0.285, 0.57), // expired, still on hand; 2 × 0.285 = 0.57
    soh(batch, atMain, batches.lotA, 1, 1, 1.111111, 1.11), // 4 found - 1 invoiced - 2 made into the kit; SO-3 takes it first
    soh(kit, atMain, null, 1, 0, 5.555555, 5.56), // K-001 at 5.555555
    soh(plain, atA1, null, 5, 0, 3.035085, 15.18), // 7 received - 2 damaged; 5 × 3.035085 = 15.175425
    soh(plain, atMain, null, 1, 0, 3.035085, 3.04), // 5 found - 1 short in the count - 3 shipped
    soh(plain, atStore, null, 3, 0, 3.035085, 9.11), // 3 × 3.035085 = 9.105255
    soh(serial, atStore, null, 2, 1, 12.5, 25), // S-101 (held by SO-4) and S-102 at 12.50; Main A1's three are gone
  ];
  // One row per product: the sum of its movements, each valued to the cent; the unit cost is the
  // exact value over the quantity. (Account order depends on the database's collation.)
  const valuation: ValuationRow[] = [
    // 6.67 + 10.00 + 0.57 + 4.44 - 1.11 - 5.00 - 1.11 - 2.22; 12.236666 / 10 = 1.223667
    { account: '1400', sku: batch.sku, productName: batch.name, quantity: 10, unitCost: 1.223667, value: 12.24 },
    // 23.33 + 20.00 - 7.22 + 3.35 - 3.04 - 9.11 = 27.31 (the exact 27.315769 is 27.32: cents per movement
    // and cents of the sum differ here); 27.315769 / 9 = 3.035085
    { account: '1400', sku: plain.sku, productName: plain.name, quantity: 9, unitCost: 3.035085, value: 27.31 },
    // 10.00 + 25.00 - 6.67 - 3.33
    { account: '1410', sku: serial.sku, productName: serial.name, quantity: 2, unitCost: 12.5, value: 25 },
    { account: stockAccount ?? '(not mapped)', sku: kit.sku, productName: kit.name, quantity: 1, unitCost: 5.555555, value: 5.56 },
  ];

  return {
    prefix,
    /** The day the ledger was built on (in the organisation's time zone), and when it started and ended. */
    today,
    timeZone,
    startedAt,
    finishedAt,
    users,
    locations: { main, bayA1, store },
    customers,
    supplier: { id: supplier.id, name: supplier.name },
    products,
    serials,
    batches,
    documents,
    /** Every ledger row the fixture wrote, in id order. */
    movements,
    expected: {
      stockOnHand,
      valuation,
      /** On hand now: by product and in all. */
      onHand: { plain: 9, batch: 10, serial: 2, kit: 1, total: 22 },
      /** Allocated now (SO-3's 2 of LOT-A, SO-4's S-101). */
      allocated: 3,
      /** The value of every movement, each to the cent, summed: what the valuation totals today. */
      ledgerValue: 70.11,
      /** What stock on hand totals: batches and serials at their own costs, plain at the average 3.035085. */
      stockOnHandValue: 70.13,
    },
  };
}

export type ReportLedger = Awaited<ReturnType<typeof buildReportLedger>>;

/** quantity × unitCost to the cent, half away from zero, exactly (in integer arithmetic at 10 decimals). */
export function centsOf(quantity: number, unitCost: number): number {
  const q = BigInt(Math.round(quantity * 1e4));
  const c = BigInt(Math.round(unitCost * 1e6));
  const v = q * c; // at 10 decimals
  const unit = 10n ** 8n;
  const cents = v >= 0n ? (v + unit / 2n) / unit : -((-v + unit / 2n) / unit);
  return Number(cents) / 100;
}
