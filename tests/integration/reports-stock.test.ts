// Issue #14: the movement summary, expiring batches, aged stock and the accounting state of stock
// postings, against the report ledger (tests/helpers/report-ledger.ts) built through every flow,
// with its journals sent to the Xero stand-in so that every accounting state occurs; and a second,
// small ledger whose receipts are back-dated (one marked helper below) for the ageing rules. The
// expected rows are worked out here from the fixture's movements (each movement's value to the
// cent in exact integer arithmetic, as every report values them), not read back from the database.
// Runs on PGlite, or PostgreSQL with TEST_DATABASE_URL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../server/db/transaction.ts';
import { claimPostings } from '../../server/modules/accounting/claims.ts';
import { drainOnce } from '../../server/modules/accounting/relay.ts';
import { createClock, startXeroStandIn, type XeroStandIn } from '../support/xero/index.ts';
import { STAND_IN_MAPPING, useStandIn } from '../support/xero/stocksheet.ts';
import { key, refusal, useTestApp, type Caller, type TestApp } from '../helpers/app.ts';
import { addDays, buildReportLedger, type LedgerMovement, type ProductKey, type ReportLedger } from '../helpers/report-ledger.ts';

const app = useTestApp();
const admin = app.as('admin');
const accountant = app.as('accountant');
const purchasing = app.as('purchasing');
const warehouse = app.as('warehouse');
const sales = app.as('sales');
const viewer = app.as('viewer');

type Row = Record<string, string | number | boolean | null>;

// ---- money, as the reports value it --------------------------------------------------------------

/** A movement's value in whole cents: quantity (4 decimals) × unit cost (6 decimals) exactly, then half away from zero (ROUND(numeric, 2)). */
function movementCents(m: Pick<LedgerMovement, 'quantity' | 'unitCost'>): number {
  const value = BigInt(Math.round(m.quantity * 1e4)) * BigInt(Math.round(m.unitCost * 1e6)); // at 10 decimals
  const unit = 10n ** 8n;
  return Number(value >= 0n ? (value + unit / 2n) / unit : -((-value + unit / 2n) / unit));
}
/** What movements are worth, in cents: the sum of their values. */
const cents = (movements: readonly Pick<LedgerMovement, 'quantity' | 'unitCost'>[]) => movements.reduce((c, m) => c + movementCents(m), 0);
const money = (c: number) => c / 100;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

// ---- running reports ----------------------------------------------------------------------------

async function everyPage(api: Caller, report: string, params: Record<string, unknown>, limit: number) {
  const rows: Row[] = [];
  const pages: { rows: Row[]; totals: Row | null; nextCursor: string | null }[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await api.reports.run({ report, params, cursor, limit });
    pages.push(page);
    rows.push(...page.rows);
    if (page.nextCursor === null) return { rows, pages };
    cursor = page.nextCursor;
  }
  throw new Error(`${report} did not end within 100 pages`);
}
const rowsOf = async (api: Caller, report: string, params: Record<string, unknown> = {}) =>
  (await api.reports.run({ report, params, limit: 1000 })).rows;
const totalsOf = async (api: Caller, report: string, params: Record<string, unknown> = {}) =>
  (await api.reports.run({ report, params, limit: 1 })).totals;

async function invalid(api: Caller, report: string, params: Record<string, unknown>) {
  const r = await refusal(api.reports.run({ report, params }));
  expect(r, JSON.stringify(params)).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_INPUT' });
  return r.message;
}

// ---- the ledger, its journals in every accounting state ----------------------------------------

let xero: XeroStandIn;
let ledger: ReportLedger;

/** One business event of the fixture: the movements one journal posting is for. */
interface LedgerEvent {
  name: string;
  kind: LedgerMovement['kind'];
  document: string | null;
  movements: LedgerMovement[];
}
let events: LedgerEvent[];
/** The posting of each event, by the event's name. */
const postingOf: Record<string, number> = {};

/**
 * The valued events in the order written: movements of one document and kind written together are
 * one posting; direct entries (opening stock, adjustments) are one posting each.
 */
function valuedEvents(movements: readonly LedgerMovement[]): LedgerEvent[] {
  const out: LedgerEvent[] = [];
  for (const m of movements.filter((x) => x.kind !== 'allocation')) {
    const last = out.at(-1);
    if (last && m.document !== null && last.kind === m.kind && last.document === m.document) last.movements.push(m);
    else {
      const repeated = out.filter((e) => e.name.split('#')[0] === m.step).length;
      out.push({ name: repeated > 0 ? `${m.step}#${repeated + 1}` : m.step, kind: m.kind, document: m.document, movements: [m] });
    }
  }
  return out;
}

/** The relay, until nothing is due (as the sync tests drain). */
async function drain() {
  for (let i = 0; i < 20; i++) {
    await drainOnce(app.accounting);
    const due = await app.db.prisma.accountingPosting.count({
      where: { state: { in: ['pending', 'in_flight'] }, nextAttemptAt: { lte: new Date(app.accounting.now()) } },
    });
    if (due === 0) return;
  }
  throw new Error('the relay did not settle');
}

/** What each event's posting ends as, after the setup below. */
const EXPECTED_STATE: Record<string, string> = {
  po: 'posted',
  opening: 'in_ledger', // the setting: opening stock is in the ledger already
  'opening#2': 'in_ledger',
  'opening#3': 'in_ledger',
  'adjust:plainIn': 'uncertain', // re-sent once 6300 existed, and Xero's answer lost
  'adjust:plainOut': 'posted', // failed (6300 not in the chart), retried once it was
  'adjust:batchIn': 'in_flight', // retried and claimed by a relay that has not sent it
  'adjust:batchOut': 'pending', // retried, not sent yet
  'adjust:plainStore': 'skipped', // skipped by the accountant before it was sent
  stocktake: 'failed', // 6310 is not in Xero's chart
  'so1:ship': 'posted',
  'so2:invoice': 'posted',
  'wo:complete': 'posted',
};

beforeAll(async () => {
  const clock = createClock({ scale: 1 });
  xero = await startXeroStandIn({ clock });
  useStandIn(app.accounting, xero, clock, 1);
  // The fixture's plain and batch stock is on 1400; its adjustments go to 6300 and its count to 6310,
  // which the stand-in's chart does not have (yet).
  xero.accounts.push({
    AccountID: randomUUID(),
    Code: '1400',
    Name: 'Stock on Hand (dry)',
    Type: 'CURRENT',
    Status: 'ACTIVE',
    TaxType: 'NONE',
  });
  await admin.accounting.connect({
    provider: 'xero',
    clientId: xero.clientId,
    clientSecret: xero.clientSecret,
    tenantId: xero.tenantId,
    refreshToken: xero.issueRefreshToken(),
  });
  await accountant.settings.update({ accounting: { ...STAND_IN_MAPPING, openingStock: 'in_ledger' } });

  ledger = await buildReportLedger(app);
  events = valuedEvents(ledger.movements);
  const journals = (await accountant.accounting.postings({ limit: 1000 })).items.filter((p) => p.entity === 'journal');
  expect(journals.map((p) => p.kind)).toEqual(events.map((e) => e.kind));
  for (const [i, e] of events.entries()) postingOf[e.name] = journals[i]!.id;
  const id = (name: string) => postingOf[name]!;

  await accountant.accounting.skip({ ids: [id('adjust:plainStore')], reason: 'Counted twice: reversed by hand in Xero' });
  await drain(); // receipt, sales and work order posted; opening stock in the ledger; adjustments and count failed
  // 6300 added to the chart; the relay reads the chart again after a minute.
  xero.accounts.push({
    AccountID: randomUUID(),
    Code: '6300',
    Name: 'Stock adjustments',
    Type: 'DIRECTCOSTS',
    Status: 'ACTIVE',
    TaxType: 'NONE',
  });
  xero.clock.advance(2 * 60_000);
  await accountant.accounting.retry({ ids: [id('adjust:plainOut')] });
  await drain();
  // Claimed by a relay (in flight), not sent: as when a process is between its claim and its request.
  await accountant.accounting.retry({ ids: [id('adjust:batchIn')] });
  expect((await claimPostings(app.accounting, 'journal', 50)).map((p) => p.id)).toEqual([id('adjust:batchIn')]);
  // Sent, and Xero's answer lost: uncertain until the relay looks it up.
  await accountant.accounting.retry({ ids: [id('adjust:plainIn')] });
  xero.faults.dropAnswers(1);
  await drainOnce(app.accounting);
  await accountant.accounting.retry({ ids: [id('adjust:batchOut')] });
});
afterAll(() => xero?.close());

const ACCOUNT: Record<ProductKey, string> = { plain: '1400', batch: '1400', serial: '1410', kit: STAND_IN_MAPPING.stockAccount };
const productKeys = (): ProductKey[] => ['batch', 'kit', 'plain', 'serial']; // SKU order: RL-BATCH, RL-KIT, RL-PLAIN, RL-SERIAL

// ---- the movement summary ---------------------------------------------------------------------

const FLOW_OF: Record<string, string> = {
  receipt: 'receipts',
  sale: 'shipments',
  adjustment: 'adjustments',
  stocktake: 'stocktakes',
  production: 'workOrders',
  opening: 'openingEntered',
  allocation: 'trackingChanges',
  tracking_change: 'trackingChanges',
};
const FLOWS = ['receipts', 'shipments', 'adjustments', 'stocktakes', 'workOrders', 'openingEntered', 'trackingChanges'];
const VALUE_KEYS = ['openingValue', ...FLOWS.map((f) => `${f}Value`), 'closingValue'];
const QUANTITY_KEYS = ['openingQuantity', ...FLOWS.map((f) => `${f}Quantity`), 'closingQuantity'];
const FLOW_LABELS = [
  'Receipts',
  'Shipments (sales)',
  'Adjustments',
  'Stocktakes',
  'Work orders',
  'Opening stock entered',
  'Tracking changes',
];

/** A product's summary row: `before` the period and `during` it, each figure the sum of its movements' values. */
function summaryRow(product: ProductKey, before: LedgerMovement[], during: LedgerMovement[]): Row {
  const row: Row = { account: ACCOUNT[product], sku: ledger.products[product].sku, productName: ledger.products[product].name };
  row.openingQuantity = sum(before.map((m) => m.quantity));
  row.openingValue = money(cents(before));
  for (const flow of FLOWS) {
    const of = during.filter((m) => FLOW_OF[m.kind] === flow);
    row[`${flow}Quantity`] = sum(of.map((m) => m.quantity));
    row[`${flow}Value`] = money(cents(of));
  }
  row.closingQuantity = sum([...before, ...during].map((m) => m.quantity));
  row.closingValue = money(cents([...before, ...during]));
  return row;
}

/** The accounts' rows: the sums of their products' rows. */
function byAccount(rows: Row[]): Row[] {
  const accounts = [...new Set(rows.map((r) => r.account as string))].sort();
  return accounts.map((account) => {
    const of = rows.filter((r) => r.account === account);
    const out: Row = { account, sku: null, productName: null };
    for (const k of VALUE_KEYS) out[k] = money(sum(of.map((r) => Math.round((r[k] as number) * 100))));
    for (const k of QUANTITY_KEYS) out[k] = sum(of.map((r) => r[k] as number));
    return out;
  });
}
const ordered = (rows: Row[]) =>
  rows.sort((a, b) => (a.account === b.account ? ((a.sku as string) < (b.sku as string) ? -1 : 1) : a.account! < b.account! ? -1 : 1));

describe('movementSummary', () => {
  it('rolls each product from opening to closing by kind, in quantity and value, adding up to the cent', async () => {
    const expected = ordered(
      productKeys().map((p) =>
        summaryRow(
          p,
          [],
          ledger.movements.filter((m) => m.product === p),
        ),
      ),
    );
    const rows = await rowsOf(accountant, 'movementSummary', { to: ledger.today });
    expect(rows).toEqual(expected);
    // Worked by hand for the plain product: 7 received, 3 shipped, 5 + 3 in and 2 out, 1 short in the count.
    expect(rows.find((r) => r.sku === ledger.products.plain.sku)).toMatchObject({
      receiptsQuantity: 7,
      receiptsValue: 23.33, // 23.333331
      shipmentsQuantity: -3,
      shipmentsValue: -9.11, // -9.105255
      adjustmentsQuantity: 6,
      adjustmentsValue: 16.13, // 20.00 - 7.22 (7.222222) + 3.35 (3.345)
      stocktakesQuantity: -1,
      stocktakesValue: -3.04, // -3.035085
      closingQuantity: 9,
      closingValue: 27.31, // 23.33 - 9.11 + 16.13 - 3.04 (the exact 27.315769 would round to 27.32)
    });
    for (const r of rows) {
      expect(sum(VALUE_KEYS.slice(0, -1).map((k) => Math.round((r[k] as number) * 100)))).toBe(
        Math.round((r.closingValue as number) * 100),
      );
      expect(sum(QUANTITY_KEYS.slice(0, -1).map((k) => r[k] as number))).toBe(r.closingQuantity);
    }
    expect(Object.fromEntries(rows.map((r) => [r.sku, r.closingQuantity]))).toEqual({
      [ledger.products.plain.sku]: ledger.expected.onHand.plain,
      [ledger.products.batch.sku]: ledger.expected.onHand.batch,
      [ledger.products.serial.sku]: ledger.expected.onHand.serial,
      [ledger.products.kit.sku]: ledger.expected.onHand.kit,
    });
  });

  it('ties out: closing is the valuation at `to`, per product, per account and in total', async () => {
    const rows = await rowsOf(accountant, 'movementSummary', { to: ledger.today });
    const valuation = await rowsOf(accountant, 'valuation', { at: ledger.today });
    expect(rows.map((r) => [r.account, r.sku, r.closingQuantity, r.closingValue])).toEqual(
      valuation.map((v) => [v.account, v.sku, v.quantity, v.value]),
    );
    const totals = await totalsOf(accountant, 'movementSummary', { to: ledger.today });
    const valuationTotals = await totalsOf(accountant, 'valuation', { at: ledger.today });
    expect([totals!.closingQuantity, totals!.closingValue]).toEqual([valuationTotals!.quantity, valuationTotals!.value]);
    expect(totals!.closingValue).toBe(money(sum(valuation.map((v) => Math.round((v.value as number) * 100)))));

    const accounts = await rowsOf(accountant, 'movementSummary', { to: ledger.today, by: 'account' });
    expect(accounts).toEqual(byAccount(rows));
    for (const a of accounts)
      expect(a.closingValue).toBe(
        money(sum(valuation.filter((v) => v.account === a.account).map((v) => Math.round((v.value as number) * 100)))),
      );
    expect(await totalsOf(accountant, 'movementSummary', { to: ledger.today, by: 'account' })).toEqual(totals);
  });

  it('chains: one period’s closing is the next one’s opening, by product and by account; nothing before the ledger', async () => {
    const before = await everyPage(accountant, 'movementSummary', { to: addDays(ledger.today, -1) }, 10);
    expect(before.rows).toEqual([]);

    for (const by of ['product', 'account'] as const) {
      const period = await rowsOf(accountant, 'movementSummary', { from: ledger.today, to: ledger.today, by });
      const next = await rowsOf(accountant, 'movementSummary', { from: addDays(ledger.today, 1), to: addDays(ledger.today, 31), by });
      // The ledger starts today: its opening is nothing, and `from` today is the same as no `from`.
      expect(period).toEqual(await rowsOf(accountant, 'movementSummary', { to: ledger.today, by }));
      for (const r of period) expect([r.openingQuantity, r.openingValue]).toEqual([0, 0]);
      expect(next.map((r) => [r.account, r.sku, r.openingQuantity, r.openingValue])).toEqual(
        period.map((r) => [r.account, r.sku, r.closingQuantity, r.closingValue]),
      );
      for (const r of next) {
        expect([r.closingQuantity, r.closingValue]).toEqual([r.openingQuantity, r.openingValue]);
        for (const f of FLOWS) expect([r[`${f}Quantity`], r[`${f}Value`]]).toEqual([0, 0]);
      }
    }
    // A period starting after today, `to` left empty: up to its first day, so the same as the next period.
    expect(await rowsOf(accountant, 'movementSummary', { from: addDays(ledger.today, 1) })).toEqual(
      await rowsOf(accountant, 'movementSummary', { from: addDays(ledger.today, 1), to: addDays(ledger.today, 1) }),
    );
  });

  it('a location: only its movements, closing at its valuation', async () => {
    const { store } = ledger.locations;
    const at = ledger.movements.filter((m) => m.locationId === store.id);
    const expected = ordered(
      productKeys()
        .filter((p) => at.some((m) => m.product === p))
        .map((p) =>
          summaryRow(
            p,
            [],
            at.filter((m) => m.product === p),
          ),
        ),
    );
    const rows = await rowsOf(accountant, 'movementSummary', { to: ledger.today, locationId: store.id });
    expect(rows).toEqual(expected);
    expect(rows.map((r) => r.sku)).toEqual([ledger.products.batch.sku, ledger.products.plain.sku, ledger.products.serial.sku]);
    const valuation = await rowsOf(accountant, 'valuation', { at: ledger.today, locationId: store.id });
    expect(rows.map((r) => [r.sku, r.closingValue])).toEqual(valuation.map((v) => [v.sku, v.value]));
  });

  it('pages by account and product: every row once, the totals with the first page only', async () => {
    for (const by of ['product', 'account'] as const) {
      const whole = await accountant.reports.run({ report: 'movementSummary', params: { by }, limit: 1000 });
      const paged = await everyPage(accountant, 'movementSummary', { by }, 1);
      expect(paged.rows).toEqual(whole.rows);
      expect(paged.pages).toHaveLength(whole.rows.length);
      expect(paged.pages[0]!.totals).toEqual(whole.totals);
      expect(paged.pages.slice(1).map((p) => p.totals)).toEqual(paged.pages.slice(1).map(() => null));
    }
  });

  it('shows no costs or values to roles that may not see them; purchasing and accountants see them', async () => {
    for (const api of [warehouse, sales, viewer]) {
      const run = await api.reports.run({ report: 'movementSummary', params: {}, limit: 10 });
      expect(run.columns.map((c) => c.key)).toEqual(['account', 'sku', 'productName', ...QUANTITY_KEYS]);
      for (const r of run.rows) expect(Object.keys(r).filter((k) => k.endsWith('Value'))).toEqual([]);
      expect(Object.keys(run.totals!)).toEqual(QUANTITY_KEYS);
      expect(run.hiddenColumns).toEqual(['Opening value', ...FLOW_LABELS.map((l) => `${l} value`), 'Closing value']);
      const listed = (await api.reports.list()).find((r) => r.id === 'movementSummary')!;
      expect(listed.columns.some((c) => c.key === 'closingValue')).toBe(false);
    }
    for (const api of [purchasing, accountant, admin]) {
      const run = await api.reports.run({ report: 'movementSummary', params: {}, limit: 10 });
      expect(run.columns.map((c) => c.key)).toEqual(expect.arrayContaining(VALUE_KEYS));
      expect(run.hiddenColumns).toEqual([]);
    }
  });

  it('refuses parameters it cannot use, naming them', async () => {
    expect(await invalid(accountant, 'movementSummary', { from: ledger.today, to: addDays(ledger.today, -1) })).toMatch(
      /From must be on or before To/,
    );
    expect(await invalid(accountant, 'movementSummary', { by: 'location' })).toMatch(/→ at by/);
    expect(await invalid(accountant, 'movementSummary', { from: '2026-13-01' })).toMatch(/From must be a day like/);
    expect(await invalid(accountant, 'movementSummary', { to: 20260101 })).toMatch(/→ at to/);
    expect(await invalid(accountant, 'movementSummary', { locationId: 0 })).toMatch(/→ at locationId/);
  });

  it('is listed with its parameters described', async () => {
    const listed = (await viewer.reports.list()).find((r) => r.id === 'movementSummary')!;
    expect(listed.params).toEqual([
      expect.objectContaining({ key: 'from', kind: 'date', required: false }),
      expect.objectContaining({ key: 'to', kind: 'date', required: false }),
      expect.objectContaining({ key: 'by', kind: 'choice', options: ['product', 'account'], default: 'product', required: false }),
      expect.objectContaining({ key: 'locationId', kind: 'locationId', required: false }),
    ]);
  });
});

// ---- expiring batches ---------------------------------------------------------------------------

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

describe('expiringBatches', () => {
  /** A batch's row: its place, quantity and value as the stock on hand report shows them (a batch at its own cost). */
  const batchRow = (batch: { number: string; expiry: string }, bucket: string) => {
    const { sku, productName, location, bay, expiry, quantity, value } = ledger.expected.stockOnHand.find((r) => r.batch === batch.number)!;
    return {
      sku,
      productName,
      location,
      bay,
      batch: batch.number,
      expiry,
      daysToExpiry: daysBetween(ledger.today, batch.expiry),
      quantity,
      value,
      bucket,
    };
  };
  const expiredRow = () => batchRow(ledger.batches.old, 'expired');
  const soonRow = () => ({ ...batchRow(ledger.batches.soon, '≤30'), daysToExpiry: 10 });

  it('lists what is on hand and expired or expiring within 30 days, soonest first; LOT-A (2099) is not', async () => {
    const run = await accountant.reports.run({ report: 'expiringBatches', params: {}, limit: 100 });
    expect(run.rows).toEqual([expiredRow(), soonRow()]);
    expect(run.rows[0]!.daysToExpiry).toBeLessThan(0);
    expect(run.rows.map((r) => r.location)).toEqual([ledger.locations.store.name, ledger.locations.main.name]);
    expect(run.totals).toEqual({
      quantity: expiredRow().quantity + soonRow().quantity,
      value: money(Math.round(expiredRow().value * 100) + Math.round(soonRow().value * 100)),
    });
    expect(run.params).toEqual({ withinDays: 30 });
  });

  it('within N days: 9 leaves out what expires in 10, 10 takes it; expired stock is always listed; a location narrows it', async () => {
    expect(await rowsOf(accountant, 'expiringBatches', { withinDays: 9 })).toEqual([expiredRow()]);
    expect(await rowsOf(accountant, 'expiringBatches', { withinDays: 10 })).toEqual([expiredRow(), soonRow()]);
    expect(await rowsOf(accountant, 'expiringBatches', { withinDays: 0 })).toEqual([expiredRow()]);
    expect(await rowsOf(accountant, 'expiringBatches', { locationId: ledger.locations.main.id })).toEqual([soonRow()]);
    expect(await rowsOf(accountant, 'expiringBatches', { withinDays: 3650 })).toEqual([expiredRow(), soonRow()]);
  });

  it('hides the value from roles that may not see costs; refuses bad parameters', async () => {
    const run = await warehouse.reports.run({ report: 'expiringBatches', params: {}, limit: 10 });
    expect(run.rows).toEqual([expiredRow(), soonRow()].map(({ value: _, ...rest }) => rest));
    expect(run.totals).toEqual({ quantity: expiredRow().quantity + soonRow().quantity });
    expect(run.hiddenColumns).toEqual(['Value']);
    for (const withinDays of [-1, 1.5, 3651, '30'])
      expect(await invalid(accountant, 'expiringBatches', { withinDays })).toMatch(/→ at withinDays/);
  });
});

// ---- aged stock ---------------------------------------------------------------------------------

const BANDS = ['d0to30', 'd31to60', 'd61to90', 'd90plus'];

/** Each product at each location the fixture left stock at, all received on the ledger's day, `age` days before the report's day. */
function agedRows(age: number, band: number, locationId?: number): Row[] {
  const out: Row[] = [];
  for (const p of productKeys())
    for (const place of [ledger.locations.main, ledger.locations.store]) {
      if (locationId !== undefined && place.id !== locationId) continue;
      const here = ledger.movements.filter((m) => m.product === p && m.locationId === place.id);
      const quantity = sum(here.map((m) => m.quantity));
      if (quantity === 0) continue;
      const value = money(cents(here));
      const row: Row = { sku: ledger.products[p].sku, productName: ledger.products[p].name, location: place.name, quantity, value };
      for (const [i, b] of BANDS.entries()) row[`${b}Quantity`] = i === band ? quantity : 0;
      for (const [i, b] of BANDS.entries()) row[`${b}Value`] = i === band ? value : 0;
      Object.assign(row, { averageAge: age, earliestReceipt: ledger.today, latestReceipt: ledger.today });
      out.push(row);
    }
  return out;
}

describe('agedStock', () => {
  it('today: everything on hand by product and location, all of it 0–30 days old, valued as the ledger values it there', async () => {
    const run = await accountant.reports.run({ report: 'agedStock', params: {}, limit: 100 });
    expect(run.rows).toEqual(agedRows(0, 0));
    expect(run.rows.map((r) => `${r.sku}@${r.location}`)).toEqual([
      `${ledger.products.batch.sku}@${ledger.locations.main.name}`,
      `${ledger.products.batch.sku}@${ledger.locations.store.name}`,
      `${ledger.products.kit.sku}@${ledger.locations.main.name}`,
      `${ledger.products.plain.sku}@${ledger.locations.main.name}`,
      `${ledger.products.plain.sku}@${ledger.locations.store.name}`,
      `${ledger.products.serial.sku}@${ledger.locations.store.name}`,
    ]);
    expect(run.totals!.quantity).toBe(ledger.expected.onHand.total);
    expect(run.totals!.d0to30Quantity).toBe(ledger.expected.onHand.total);
  });

  it('ages by whole days in the organisation’s time zone: 30 is 0–30, 31 is 31–60, 60, 61, 90, 91 (90+)', async () => {
    for (const [age, band] of [
      [30, 0],
      [31, 1],
      [45, 1],
      [60, 1],
      [61, 2],
      [90, 2],
      [91, 3],
      [400, 3],
    ] as const)
      expect(await rowsOf(accountant, 'agedStock', { at: addDays(ledger.today, age) }), `${age} days`).toEqual(agedRows(age, band));
  });

  it('ties out per location to the valuation at the same day; nothing before the ledger', async () => {
    for (const place of [ledger.locations.main, ledger.locations.store]) {
      const aged = await totalsOf(accountant, 'agedStock', { locationId: place.id });
      const valuation = await totalsOf(accountant, 'valuation', { at: ledger.today, locationId: place.id });
      expect([aged!.quantity, aged!.value]).toEqual([valuation!.quantity, valuation!.value]);
      expect(await rowsOf(accountant, 'agedStock', { locationId: place.id })).toEqual(agedRows(0, 0, place.id));
    }
    expect(await rowsOf(accountant, 'agedStock', { at: addDays(ledger.today, -1) })).toEqual([]);
    const plain = await rowsOf(accountant, 'agedStock', { productId: ledger.products.plain.id });
    expect(plain).toEqual(agedRows(0, 0).filter((r) => r.sku === ledger.products.plain.sku));
  });

  it('pages by SKU and location; hides values from roles that may not see costs; refuses bad parameters', async () => {
    const whole = await rowsOf(accountant, 'agedStock');
    expect((await everyPage(accountant, 'agedStock', {}, 4)).rows).toEqual(whole);
    const run = await sales.reports.run({ report: 'agedStock', params: {}, limit: 100 });
    expect(run.rows).toEqual(
      whole.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'value' && !k.endsWith('Value')))),
    );
    expect(run.hiddenColumns).toEqual(['Value', '0–30 days value', '31–60 days value', '61–90 days value', '90+ days value']);
    expect(await invalid(accountant, 'agedStock', { at: 'yesterday' })).toMatch(/At must be a day like/);
    expect(await invalid(accountant, 'agedStock', { productId: -3 })).toMatch(/→ at productId/);
  });
});

// ---- the accounting state of stock postings -----------------------------------------------------

describe('accountingState', () => {
  /** Each event's row, its accounting facts as the accounting API lists them. */
  async function expectedRows() {
    const listed = new Map((await accountant.accounting.postings({ limit: 1000 })).items.map((p) => [p.id, p]));
    return events.map((e) => {
      const p = listed.get(postingOf[e.name]!)!;
      return {
        postingId: p.id,
        occurredAt: new Date(p.occurredAt).toISOString(),
        journalDate: ledger.today,
        kind: e.kind,
        document: e.document,
        state: EXPECTED_STATE[e.name]!,
        queueState: p.state,
        provider: null, // the relay does not record it on the posting (see the report)
        externalId: p.externalId,
        stockValue: money(cents(e.movements)),
        amount: p.amount,
        attempts: p.attempts,
        lastErrorCode: p.lastErrorCode,
        lastError: p.lastError,
        skippedReason: p.skippedReason,
        redatedTo: null,
        postedAt: p.postedAt === null ? null : new Date(p.postedAt).toISOString(),
      };
    });
  }

  it('lists every valued posting with its state, the provider’s reference, amounts, attempts, errors and reasons', async () => {
    const expected = await expectedRows();
    const run = await accountant.reports.run({ report: 'accountingState', params: {}, limit: 100 });
    expect(run.rows).toEqual(expected);
    // What each state carries, as Xero and the relay left it.
    const row = (name: string) => run.rows.find((r) => r.postingId === postingOf[name])!;
    const journal = (name: string) => xero.journals().find((j) => j.Narration.endsWith(`:${postingOf[name]}]`));
    for (const name of ['po', 'adjust:plainOut', 'so1:ship', 'so2:invoice', 'wo:complete']) {
      expect(row(name).externalId).toBe(journal(name)!.ManualJournalID);
      expect(row(name).postedAt).not.toBeNull();
    }
    expect(row('po').amount).toBe(40); // debits: 1400 29.999997 → 30.00, 1410 9.999999 → 10.00
    expect(row('stocktake')).toMatchObject({ lastErrorCode: 'ACCOUNT_INVALID', externalId: null, stockValue: -3.04 });
    expect(row('stocktake').lastError).toMatch(/6310/);
    expect(row('adjust:plainStore')).toMatchObject({ skippedReason: 'Counted twice: reversed by hand in Xero', externalId: null });
    expect(row('opening').skippedReason).toMatch(/in the ledger already/);
    expect(row('adjust:plainIn')).toMatchObject({ queueState: 'pending', attempts: 2, externalId: null });
    expect(journal('adjust:plainIn')).toBeDefined(); // it is in Xero: the answer was what got lost
    expect(row('adjust:batchIn')).toMatchObject({ queueState: 'in_flight', attempts: 2 });
    // 5.555555 made from 3.333333 + 2.222222: nothing exactly, but each movement to the cent is 5.56 - 3.33 - 2.22.
    expect(row('wo:complete').stockValue).toBe(0.01);
    expect(run.totals).toEqual({
      stockValue: money(sum(events.map((e) => cents(e.movements)))),
      amount: money(sum(expected.map((r) => Math.round((r.amount ?? 0) * 100)))),
    });
  });

  it('filters by state: each posting is in exactly one, the posting states plus uncertain and in_ledger', async () => {
    const all = await rowsOf(accountant, 'accountingState');
    const seen: number[] = [];
    for (const state of ['pending', 'in_flight', 'posted', 'failed', 'skipped', 'uncertain', 'in_ledger']) {
      const rows = await rowsOf(accountant, 'accountingState', { state });
      const names = events.filter((e) => EXPECTED_STATE[e.name] === state).map((e) => e.name);
      expect(
        rows.map((r) => r.postingId),
        state,
      ).toEqual(names.map((n) => postingOf[n]));
      expect(rows.length, state).toBeGreaterThan(0);
      expect(rows).toEqual(all.filter((r) => r.state === state));
      seen.push(...rows.map((r) => r.postingId as number));
    }
    expect(seen.sort((a, b) => a - b)).toEqual(all.map((r) => r.postingId));
  });

  it('filters by kind and by the day the stock moved; pages by posting', async () => {
    const adjustments = await rowsOf(accountant, 'accountingState', { kind: 'adjustment' });
    expect(adjustments.map((r) => r.postingId)).toEqual(events.filter((e) => e.kind === 'adjustment').map((e) => postingOf[e.name]));
    expect(adjustments).toHaveLength(5);
    const failedCounts = await rowsOf(accountant, 'accountingState', { kind: 'stocktake', state: 'failed' });
    expect(failedCounts.map((r) => r.document)).toEqual([`stocktake #${ledger.documents.stocktake.id}`]);
    const all = await rowsOf(accountant, 'accountingState');
    expect(await rowsOf(accountant, 'accountingState', { from: ledger.today, to: ledger.today })).toEqual(all);
    expect(await rowsOf(accountant, 'accountingState', { from: addDays(ledger.today, 1) })).toEqual([]);
    expect(await rowsOf(accountant, 'accountingState', { to: addDays(ledger.today, -1) })).toEqual([]);
    const paged = await everyPage(accountant, 'accountingState', {}, 3);
    expect(paged.rows).toEqual(all);
    expect(paged.pages).toHaveLength(Math.ceil(all.length / 3));
  });

  it('hides amounts from roles that may not see costs; refuses bad parameters', async () => {
    const run = await warehouse.reports.run({ report: 'accountingState', params: {}, limit: 100 });
    const all = await rowsOf(accountant, 'accountingState');
    expect(run.rows).toEqual(all.map(({ stockValue: _s, amount: _a, ...rest }) => rest));
    expect(run.hiddenColumns).toEqual(['Stock value', 'Journal amount']);
    expect(run.totals).toBeNull();
    expect(await invalid(accountant, 'accountingState', { state: 'done' })).toMatch(/→ at state/);
    expect(await invalid(accountant, 'accountingState', { kind: 'allocation' })).toMatch(/→ at kind/);
    expect(await invalid(accountant, 'accountingState', { from: addDays(ledger.today, 1), to: ledger.today })).toMatch(
      /From must be on or before To/,
    );
  });
});

// ---- the ageing and expiry rules, on a second ledger --------------------------------------------

const aged = useTestApp();

/**
 * BACK-DATING, for the ageing rules only: the receipts written through the router are moved `days`
 * into the past. The ledger refuses UPDATE (stock_movement_append_only), so the trigger is disabled
 * for this one statement inside one transaction (ALTER TABLE is transactional: no other session sees
 * the ledger without it, and they wait on its lock). Only created_at changes: the quantities, costs,
 * stock levels and average costs are what the flows wrote. Nothing else in this file does this, and
 * this database holds nothing but this describe's data.
 */
async function backdate(test: TestApp, narrative: string, days: number, timeZone: string) {
  const moved = await inTransaction(test.db.prisma, async (tx) => {
    await tx.$executeRawUnsafe('ALTER TABLE stock_movement DISABLE TRIGGER stock_movement_append_only');
    // `days` calendar days earlier on the organisation's clock (a day across a daylight-saving change is 23 or 25 hours).
    const n = await tx.$executeRaw`
      UPDATE stock_movement SET created_at = ((created_at AT TIME ZONE ${timeZone}) - make_interval(days => ${days}::int)) AT TIME ZONE ${timeZone}
      WHERE narrative = ${narrative}`;
    await tx.$executeRawUnsafe('ALTER TABLE stock_movement ENABLE TRIGGER stock_movement_append_only');
    return n;
  });
  expect(moved, narrative).toBeGreaterThan(0);
}

describe('the ageing rule (FIFO per place, serials by their own receipt) and the expiry buckets', () => {
  const TZ = 'America/New_York';
  let today: string;
  let made: { location: { id: number; name: string }; plain: number; serial: number; batch: number; expiring: number };

  beforeAll(async () => {
    const admin2 = aged.as('admin');
    const warehouse2 = aged.as('warehouse');
    await aged.as('accountant').settings.update({ accounting: { timezone: TZ } });
    today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date());
    const created = await warehouse2.locations.create({ name: 'Aged Main' });
    const location = { id: created.id, name: 'Aged Main' };
    const product = async (sku: string, flags: Record<string, unknown>) =>
      (await admin2.products.create({ sku, name: `${sku} thing`, stockTracked: true, ...flags })).id;
    const plain = await product('AGE-PLAIN', {});
    const serial = await product('AGE-SER', { serialised: true });
    const batch = await product('AGE-BAT', { batchTracked: true });
    const expiring = await product('AGE-EXP', { batchTracked: true });
    const adjust = (productId: number, quantity: number, unitCost: number, narrative: string, batchNumber?: string) =>
      warehouse2.stock.adjust({
        productId,
        locationId: location.id,
        quantity,
        unitCost,
        glCode: '6300',
        narrative,
        batchNumber,
        idempotencyKey: key(),
      });

    // Plain: 10 at 2.00 (100 days ago), 10 at 4.00 (40 days ago), 12 out today, 5 in at 3.00 today.
    await adjust(plain, 10, 2, 'age:plain-old');
    await adjust(plain, 10, 4, 'age:plain-mid');
    await adjust(plain, -12, 3, 'age:plain-out');
    await adjust(plain, 5, 3, 'age:plain-new');
    await backdate(aged, 'age:plain-old', 100, TZ);
    await backdate(aged, 'age:plain-mid', 40, TZ);

    // Serials: X1 and X2 entered 95 days ago, X3 today; X3 (the newest) written off today.
    const serials = (list: string[], narrative: string) =>
      warehouse2.serials.add({ productId: serial, locationId: location.id, serials: list, unitCost: 10, narrative, idempotencyKey: key() });
    await serials(['AGE-X1', 'AGE-X2'], 'age:ser-old');
    await serials(['AGE-X3'], 'age:ser-new');
    await warehouse2.serials.adjust({
      productId: serial,
      locationId: location.id,
      remove: ['AGE-X3'],
      glCode: '6300',
      narrative: 'age:ser-out',
      idempotencyKey: key(),
    });
    await backdate(aged, 'age:ser-old', 95, TZ);

    // Batches: LOT1, 6 at 1.00 (65 days ago); LOT2, 4 at 2.00 today, 2 of LOT2 out today.
    const batches = (productId: number, number: string, quantity: number, unitCost: number, expiry: string | null, narrative: string) =>
      warehouse2.batches.add({ productId, locationId: location.id, number, expiry, quantity, unitCost, narrative, idempotencyKey: key() });
    await batches(batch, 'AGE-LOT1', 6, 1, '2099-01-01', 'age:bat-1');
    await batches(batch, 'AGE-LOT2', 4, 2, null, 'age:bat-2');
    await adjust(batch, -2, 2, 'age:bat-out', 'AGE-LOT2');
    await backdate(aged, 'age:bat-1', 65, TZ);

    // Expiry boundaries, one of each at 1.25: yesterday, today, +30, +31, +60, +61; one without an expiry; one gone.
    for (const [number, days] of [
      ['E-MINUS1', -1],
      ['E-0', 0],
      ['E-30', 30],
      ['E-31', 31],
      ['E-60', 60],
      ['E-61', 61],
      ['E-GONE', 5],
    ] as const)
      await batches(expiring, number, 1, 1.25, addDays(today, days), `expiry:${number}`);
    await batches(expiring, 'E-NONE', 1, 1.25, null, 'expiry:none');
    await adjust(expiring, -1, 1.25, 'expiry:gone-out', 'E-GONE');
    made = { location, plain, serial, batch, expiring };
  });

  const agedRow = (sku: string, over: Row): Row => ({
    sku,
    productName: `${sku} thing`,
    location: made.location.name,
    ...Object.fromEntries(
      BANDS.flatMap((b) => [
        [`${b}Quantity`, 0],
        [`${b}Value`, 0],
      ]),
    ),
    ...over,
  });

  it('plain stock is what came in last (FIFO): the 5 of today and 8 of the 10 from 40 days ago; the 100-day-old are gone', async () => {
    const [row] = await rowsOf(aged.as('accountant'), 'agedStock', { productId: made.plain });
    // 20 + 40 - 36 + 15 = 39 for 13, valued at the place's average 3.00.
    expect(row).toEqual(
      agedRow('AGE-PLAIN', {
        quantity: 13,
        value: 39,
        d0to30Quantity: 5,
        d31to60Quantity: 8,
        d0to30Value: 15,
        d31to60Value: 24,
        averageAge: 24.6, // (5 × 0 + 8 × 40) / 13 = 24.615…
        earliestReceipt: addDays(today, -40),
        latestReceipt: today,
      }),
    );
    // Thirty days ago (before today's 12 out and 5 in): the 10 from 70 days before and the 10 from 10 days before.
    const [then] = await rowsOf(aged.as('accountant'), 'agedStock', { productId: made.plain, at: addDays(today, -30) });
    // Valued at the place's average then (60 / 20 = 3.00), not at each layer's cost: stock is held at average cost.
    expect(then).toMatchObject({
      quantity: 20,
      value: 60,
      d0to30Quantity: 10,
      d61to90Quantity: 10,
      d0to30Value: 30,
      d61to90Value: 30,
      averageAge: 40,
    });
    expect(await rowsOf(aged.as('accountant'), 'agedStock', { productId: made.plain, at: addDays(today, -101) })).toEqual([]);
  });

  it('a serial is as old as its own receipt: the newest one gone, both left are 95 days old (FIFO would say one is new)', async () => {
    const [row] = await rowsOf(aged.as('accountant'), 'agedStock', { productId: made.serial });
    expect(row).toEqual(
      agedRow('AGE-SER', {
        quantity: 2,
        value: 20,
        d90plusQuantity: 2,
        d90plusValue: 20,
        averageAge: 95,
        earliestReceipt: addDays(today, -95),
        latestReceipt: addDays(today, -95),
      }),
    );
  });

  it('batches are aged each on their own: 6 of LOT1 at 65 days, the 2 of LOT2 left today, each at its own cost', async () => {
    const [row] = await rowsOf(aged.as('accountant'), 'agedStock', { productId: made.batch });
    expect(row).toEqual(
      agedRow('AGE-BAT', {
        quantity: 8,
        value: 10,
        d0to30Quantity: 2,
        d61to90Quantity: 6,
        d0to30Value: 4, // 2 × 2.00
        d61to90Value: 6, // 6 × 1.00
        averageAge: 48.8, // 6 × 65 / 8 = 48.75
        earliestReceipt: addDays(today, -65),
        latestReceipt: today,
      }),
    );
    const valuation = await totalsOf(aged.as('accountant'), 'valuation', {});
    expect((await totalsOf(aged.as('accountant'), 'agedStock', {}))!.value).toBe(valuation!.value);
  });

  it('buckets expiry by days left: -1 expired, 0 and 30 ≤30, 31 and 60 ≤60, 61 later; no expiry and nothing on hand never show', async () => {
    const expected = (
      [
        ['E-MINUS1', -1, 'expired'],
        ['E-0', 0, '≤30'],
        ['E-30', 30, '≤30'],
        ['E-31', 31, '≤60'],
        ['E-60', 60, '≤60'],
        ['E-61', 61, 'later'],
      ] as const
    ).map(([batch, days, bucket]) => ({
      sku: 'AGE-EXP',
      productName: 'AGE-EXP thing',
      location: made.location.name,
      bay: null,
      batch,
      expiry: addDays(today, days),
      daysToExpiry: days,
      quantity: 1,
      value: 1.25,
      bucket,
    }));
    const api = aged.as('purchasing');
    expect(await rowsOf(api, 'expiringBatches', { withinDays: 61 })).toEqual(expected);
    expect(await rowsOf(api, 'expiringBatches', { withinDays: 60 })).toEqual(expected.slice(0, 5));
    expect(await rowsOf(api, 'expiringBatches')).toEqual(expected.slice(0, 3));
    expect(await rowsOf(api, 'expiringBatches', { withinDays: 0 })).toEqual(expected.slice(0, 2));
    const paged = await everyPage(api, 'expiringBatches', { withinDays: 61 }, 4);
    expect(paged.rows).toEqual(expected);
    expect(paged.pages.map((p) => p.rows.length)).toEqual([4, 2]);
    expect(paged.pages[0]!.totals).toEqual({ quantity: 6, value: 7.5 });
  });
});
