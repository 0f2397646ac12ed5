// The report engine and the first three reports (issue 14): stock on hand, valuation by GL account,
// movements, against the report ledger (tests/helpers/report-ledger.ts), built twice in this
// database under two prefixes. Runs on PGlite, or on PostgreSQL with TEST_DATABASE_URL.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RoleName } from '../../server/domain/roles.ts';
import { openReport } from '../../server/modules/reports/engine.ts';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { addDays, buildReportLedger, type LedgerMovement, type ReportLedger } from '../helpers/report-ledger.ts';

const app = useTestApp();

let ledger: ReportLedger;
let other: ReportLedger;
beforeAll(async () => {
  ledger = await buildReportLedger(app, 'R1');
  other = await buildReportLedger(app, 'R2');
});

type Params = Record<string, unknown>;

const run = (role: RoleName, report: string, params: Params = {}, more: { limit?: number; cursor?: string } = {}) =>
  app.as(role).reports.run({ report, params, limit: more.limit ?? 5000, cursor: more.cursor });

/** Every page of a report, in order, and the pages themselves. */
async function paged(role: RoleName, report: string, params: Params, limit: number) {
  const pages: Awaited<ReturnType<typeof run>>[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await run(role, report, params, { limit, cursor });
    pages.push(page);
    if (page.nextCursor === null) return { pages, rows: pages.flatMap((p) => p.rows) };
    cursor = page.nextCursor;
  }
}

const mine = (l: ReportLedger) => (row: { sku?: unknown }) => String(row.sku).startsWith(`${l.prefix}-`);
/** A column summed over rows (of a report or the fixture), to 4 decimals as quantities are kept. */
const sum = (rows: readonly object[], key: string) =>
  Math.round(rows.reduce((s, r) => s + Number((r as Record<string, unknown>)[key]), 0) * 1e4) / 1e4;

/** A ledger row as the movements report shows it (all but its id and time). */
function movementRow(m: LedgerMovement, l: ReportLedger) {
  const p = Object.values(l.products).find((x) => x.id === m.productId)!;
  return {
    kind: m.kind,
    document: m.document,
    sku: m.sku,
    productName: p.name,
    location: m.location,
    bay: m.bay,
    batch: m.batch,
    serialCount: m.serials.length,
    serials: m.serials.length === 0 ? null : m.serials.join(', '),
    quantity: m.quantity,
    unitCost: m.unitCost,
    value: m.value,
    glCode: m.glCode,
    customer: m.customer,
    user: m.user,
    narrative: m.narrative,
  };
}
const withoutIdAndTime = ({ movementId: _id, at: _at, ...rest }: Record<string, unknown>) => rest;

// ---- stock on hand ----------------------------------------------------------------------------

describe('stockOnHand', () => {
  it('shows every place with stock: quantity, allocated, available, unit cost and value, in SKU order', async () => {
    const { rows, totals, columns, hiddenColumns } = await run('accountant', 'stockOnHand');
    expect(rows.filter(mine(ledger))).toEqual(ledger.expected.stockOnHand);
    expect(rows.filter(mine(other))).toEqual(other.expected.stockOnHand);
    expect(rows).toHaveLength(ledger.expected.stockOnHand.length * 2);
    expect(columns.map((c) => c.key)).toEqual(Object.keys(ledger.expected.stockOnHand[0]!));
    expect(hiddenColumns).toEqual([]);
    // The two ledgers: 22 on hand each, 3 of them allocated, worth 70.13 each.
    expect(totals).toEqual({ quantity: 44, allocated: 6, available: 38, value: 140.26 });
  });

  it('values batches and serials at their own costs: what the ledger says they are worth', async () => {
    const soh = (await run('accountant', 'stockOnHand', { locationId: ledger.locations.store.id })).rows;
    // S-101 and S-102 at 12.50 each, though the product's average cost is 7 (three at 3.333333, two at 12.50).
    expect(soh.find((r) => r.sku === ledger.products.serial.sku)).toMatchObject({ quantity: 2, unitCost: 12.5, value: 25 });
    expect((await app.as('viewer').products.get({ id: ledger.products.serial.id })).averageCost).toBe(7);
    const valuation = (await run('accountant', 'valuation')).rows;
    const whole = (await run('accountant', 'stockOnHand')).rows;
    for (const key of ['batch', 'serial', 'kit'] as const) {
      const { sku } = ledger.products[key];
      expect(
        sum(
          whole.filter((r) => r.sku === sku),
          'value',
        ),
        sku,
      ).toBe(valuation.find((r) => r.sku === sku)!.value);
    }
    // Plain stock at today's average (9 × 3.035085 in three places) is not what it cost going in and out.
    expect(
      sum(
        whole.filter((r) => r.sku === ledger.products.plain.sku),
        'value',
      ),
    ).toBe(27.33);
    expect(valuation.find((r) => r.sku === ledger.products.plain.sku)!.value).toBe(27.31);
  });

  it('splits a batch held at a location over its bays as it would leave them, so the bays add up to what is held', async () => {
    const lotA = (await run('accountant', 'stockOnHand', { productId: ledger.products.batch.id })).rows.filter(
      (r) => r.batch === ledger.batches.lotA.number,
    );
    // Sales order 3 holds 2 of LOT-A at Main: the 1 without a bay leaves first, then 1 of A1's 5.
    expect(lotA.map((r) => [r.bay, r.quantity, r.allocated, r.available])).toEqual([
      ['A1', 5, 1, 4],
      [null, 1, 1, 0],
    ]);
    const held = await app.as('viewer').salesOrders.get({ id: ledger.documents.salesOrders.holdingBatch.id });
    expect(held.lines[0]!.batches).toEqual([{ batch: ledger.batches.lotA.number, expiry: ledger.batches.lotA.expiry, quantity: 2 }]);
  });

  it('filters by location, bay and product, alone and together; totals are the filtered result', async () => {
    const { main, bayA1, store } = ledger.locations;
    const expected = ledger.expected.stockOnHand;
    const cases: [Params, (r: (typeof expected)[number]) => boolean][] = [
      [{ locationId: store.id }, (r) => r.location === store.name],
      [{ locationId: main.id }, (r) => r.location === main.name],
      [{ bayId: bayA1.id }, (r) => r.bay === bayA1.name],
      [{ productId: ledger.products.plain.id }, (r) => r.sku === ledger.products.plain.sku],
      [
        { locationId: main.id, productId: ledger.products.batch.id },
        (r) => r.location === main.name && r.sku === ledger.products.batch.sku,
      ],
      [{ locationId: main.id, bayId: bayA1.id, productId: ledger.products.serial.id }, () => false],
    ];
    for (const [params, keep] of cases) {
      const { rows, totals } = await run('accountant', 'stockOnHand', params);
      const want = expected.filter(keep);
      expect(rows, JSON.stringify(params)).toEqual(want);
      expect(totals, JSON.stringify(params)).toEqual({
        quantity: sum(want, 'quantity'),
        allocated: sum(want, 'allocated'),
        available: sum(want, 'available'),
        value: sum(want, 'value'),
      });
    }
    // The other ledger's bay and location show only its own stock.
    const theirs = (await run('accountant', 'stockOnHand', { bayId: other.locations.bayA1.id })).rows;
    expect(theirs).toEqual(other.expected.stockOnHand.filter((r) => r.bay === 'A1'));
  });
});

// ---- valuation ----------------------------------------------------------------------------------

describe('valuation', () => {
  it('today: one row per product on its stock account, each the sum of its movements’ values', async () => {
    const { rows, totals } = await run('accountant', 'valuation');
    const bySku = (a: object, b: object) => String((a as { sku: unknown }).sku).localeCompare(String((b as { sku: unknown }).sku));
    expect(rows.filter(mine(ledger)).sort(bySku)).toEqual([...ledger.expected.valuation].sort(bySku));
    expect(rows.filter(mine(other)).sort(bySku)).toEqual([...other.expected.valuation].sort(bySku));
    expect(totals).toEqual({ quantity: 44, value: Math.round((ledger.expected.ledgerValue + other.expected.ledgerValue) * 100) / 100 });
    // Rows come grouped by account, by SKU within one.
    const accounts = rows.map((r) => r.account);
    expect(accounts.filter((a, i) => i === 0 || a !== accounts[i - 1])).toHaveLength(new Set(accounts).size);
  });

  it('ties out to the cent with the movements report: per product, and in all (today, and at tomorrow)', async () => {
    const movements = await run('accountant', 'movements');
    const valuation = await run('accountant', 'valuation');
    expect(valuation.totals!.value).toBe(movements.totals!.value);
    expect(valuation.totals!.quantity).toBe(movements.totals!.quantity);
    for (const l of [ledger, other]) {
      for (const p of Object.values(l.products)) {
        const ofProduct = await run('accountant', 'movements', { productId: p.id });
        const row = valuation.rows.find((r) => r.sku === p.sku)!;
        expect([row.quantity, row.value], p.sku).toEqual([ofProduct.totals!.quantity, ofProduct.totals!.value]);
        expect(ofProduct.totals!.value, p.sku).toBe(sum(ofProduct.rows, 'value'));
      }
    }
    expect(await run('accountant', 'valuation', { at: ledger.today })).toEqual({ ...valuation, params: { at: ledger.today } });
    expect((await run('accountant', 'valuation', { at: addDays(ledger.today, 1) })).rows).toEqual(valuation.rows);
  });

  it('totals per account add up from the rows, and to the total', async () => {
    const { rows, totals } = await run('accountant', 'valuation');
    const perAccount = new Map<string, number>();
    for (const r of rows)
      perAccount.set(String(r.account), Math.round(((perAccount.get(String(r.account)) ?? 0) + Number(r.value)) * 100) / 100);
    // Both ledgers: plain and batch on 1400 (27.31 + 12.24 each), serials on 1410, the kit on no account.
    expect(Object.fromEntries(perAccount)).toEqual({ '1400': 79.1, '1410': 50, '(not mapped)': 11.12 });
    expect(Math.round([...perAccount.values()].reduce((a, b) => a + b, 0) * 100) / 100).toBe(totals!.value);
  });

  it('by location: each place’s share of the ledger; Main’s serials netted to nothing are left out', async () => {
    const at = async (locationId: number) =>
      Object.fromEntries(
        (await run('accountant', 'valuation', { locationId })).rows.filter(mine(ledger)).map((r) => [r.sku, [r.quantity, r.value]]),
      );
    const { plain, batch, serial, kit } = ledger.products;
    // Main: plain 23.33 + 20 - 7.22 - 3.04 - 9.11; batch 6.67 + 10 + 4.44 - 1.11 - 5 - 1.11 - 2.22; the three serials in and out.
    expect(await at(ledger.locations.main.id)).toEqual({ [plain.sku]: [6, 23.96], [batch.sku]: [8, 11.67], [kit.sku]: [1, 5.56] });
    expect(await at(ledger.locations.store.id)).toEqual({ [plain.sku]: [3, 3.35], [batch.sku]: [2, 0.57], [serial.sku]: [2, 25] });
  });

  it('at the day before the ledger: nothing yet, totals zero', async () => {
    const before = await run('accountant', 'valuation', { at: addDays(ledger.today, -1) });
    expect(before.rows).toEqual([]);
    expect(before.totals).toEqual({ quantity: 0, value: 0 });
    expect(before.nextCursor).toBeNull();
  });
});

// ---- movements ----------------------------------------------------------------------------------

describe('movements', () => {
  it('lists every ledger row in id order: kind, document, place, serials, quantity, cost, value, who', async () => {
    const { rows, totals } = await run('accountant', 'movements');
    const ids = rows.map((r) => Number(r.movementId));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(rows.map(withoutIdAndTime)).toEqual(
      [...ledger.movements, ...other.movements].map((m, i) => movementRow(m, i < ledger.movements.length ? ledger : other)),
    );
    for (const r of rows.filter(mine(ledger))) {
      expect(Date.parse(String(r.at))).toBeGreaterThanOrEqual(ledger.startedAt.getTime() - 1000);
      expect(Date.parse(String(r.at))).toBeLessThanOrEqual(ledger.finishedAt.getTime() + 1000);
    }
    // The adjustments' rows are the movements stock.adjust answered with.
    const adjusted = rows.filter((r) => r.kind === 'adjustment' && mine(ledger)(r)).map((r) => r.movementId);
    expect(adjusted).toEqual(Object.values(ledger.documents.adjustments));
    // 0.285 is 0.29 to the cent (not 0.28, as binary floating point would have it); 1.115 is 1.12.
    expect(rows.find((r) => r.batch === ledger.batches.old.number)).toMatchObject({ unitCost: 0.285, value: 0.57 });
    expect(rows.find((r) => r.narrative === 'Transfer in' && mine(ledger)(r))).toMatchObject({ unitCost: 1.115, value: 3.35 });
    // Each ledger: 22 units left, 70.11 in value.
    expect(totals).toMatchObject({ quantity: 44, value: 140.22 });
  });

  it('filters by kind, product, location, document, user and days', async () => {
    const all = [...ledger.movements, ...other.movements];
    const rowOf = (m: LedgerMovement) => movementRow(m, ledger.movements.includes(m) ? ledger : other);
    const docs = ledger.documents;
    const cases: [Params, (m: LedgerMovement) => boolean][] = [
      [{ kind: 'sale' }, (m) => m.kind === 'sale'],
      [{ kind: 'allocation' }, (m) => m.kind === 'allocation'],
      [{ kind: 'tracking_change' }, () => false],
      [{ productId: ledger.products.batch.id }, (m) => m.productId === ledger.products.batch.id],
      [{ locationId: ledger.locations.store.id }, (m) => m.locationId === ledger.locations.store.id],
      [
        { locationId: ledger.locations.main.id, kind: 'adjustment' },
        (m) => m.locationId === ledger.locations.main.id && m.kind === 'adjustment',
      ],
      [
        { documentType: 'shipment', documentId: docs.shipment.id },
        (m) => m.documentType === 'shipment' && m.documentId === docs.shipment.id,
      ],
      [
        { documentType: 'work_order', documentId: docs.workOrder.id },
        (m) => m.documentType === 'work_order' && m.documentId === docs.workOrder.id,
      ],
      [{ documentType: 'invoice', documentId: docs.invoices.afterShipment.id }, () => false],
      [{ documentType: 'stocktake' }, (m) => m.documentType === 'stocktake'],
      [{ userId: ledger.users.accountant.id }, (m) => m.userId === ledger.users.accountant.id],
      [{ userId: ledger.users.sales.id, kind: 'sale' }, (m) => m.userId === ledger.users.sales.id && m.kind === 'sale'],
      [{ from: ledger.today, to: ledger.today }, () => true],
      [{ from: addDays(ledger.today, 1) }, () => false],
      [{ to: addDays(ledger.today, -1) }, () => false],
      [
        { from: addDays(ledger.today, -30), to: addDays(ledger.today, 30), productId: ledger.products.kit.id },
        (m) => m.productId === ledger.products.kit.id,
      ],
    ];
    for (const [params, keep] of cases) {
      const { rows, totals } = await run('accountant', 'movements', params);
      const want = all.filter(keep);
      expect(rows.map(withoutIdAndTime), JSON.stringify(params)).toEqual(want.map(rowOf));
      expect(totals, JSON.stringify(params)).toMatchObject({
        quantity: sum(want, 'quantity'),
        value: sum(want, 'value'),
      });
    }
    // The two of the accountant in this ledger: the spoilt batch and the stocktake's count.
    const theirs = (await run('accountant', 'movements', { userId: ledger.users.accountant.id })).rows.filter(mine(ledger));
    expect(theirs.map((r) => [r.kind, r.document, r.quantity, r.glCode])).toEqual([
      ['adjustment', null, -1, '6300'],
      ['stocktake', `stocktake #${docs.stocktake.id}`, -1, '6310'],
    ]);
  });
});

// ---- paging -------------------------------------------------------------------------------------

describe('paging', () => {
  it('limit and nextCursor give every row exactly once, in order; totals come with the first page and sum everything', async () => {
    for (const [report, params, limit] of [
      ['movements', {}, 5],
      ['movements', { kind: 'sale' }, 3],
      ['stockOnHand', {}, 2],
      ['stockOnHand', { locationId: ledger.locations.main.id }, 1],
      ['valuation', {}, 1],
    ] as const) {
      const whole = await run('accountant', report, params);
      const { pages, rows } = await paged('accountant', report, params, limit);
      const label = `${report} ${JSON.stringify(params)} by ${limit}`;
      expect(rows, label).toEqual(whole.rows);
      expect(pages.length, label).toBe(Math.ceil(whole.rows.length / limit));
      expect(
        pages.every((p) => p.rows.length === limit || p === pages.at(-1)),
        label,
      ).toBe(true);
      expect(pages[0]!.totals, label).toEqual(whole.totals);
      expect(
        pages.slice(1).every((p) => p.totals === null),
        label,
      ).toBe(true);
      expect(pages.at(-1)!.nextCursor, label).toBeNull();
    }
    // The first page's totals are the whole result's, not the page's.
    const first = await run('accountant', 'movements', {}, { limit: 2 });
    expect(first.rows).toHaveLength(2);
    expect(first.totals!.quantity).toBe(44);
    expect(sum(first.rows, 'quantity')).toBe(ledger.movements[0]!.quantity + ledger.movements[1]!.quantity);
  });

  it('a limit that is exactly the result gives no cursor; one more page is empty', async () => {
    const whole = await run('accountant', 'stockOnHand', { locationId: ledger.locations.store.id });
    const exact = await run('accountant', 'stockOnHand', { locationId: ledger.locations.store.id }, { limit: whole.rows.length });
    expect(exact.rows).toEqual(whole.rows);
    expect(exact.nextCursor).toBeNull();
    const short = await run('accountant', 'stockOnHand', { locationId: ledger.locations.store.id }, { limit: whole.rows.length - 1 });
    const rest = await run(
      'accountant',
      'stockOnHand',
      { locationId: ledger.locations.store.id },
      { limit: 10, cursor: short.nextCursor! },
    );
    expect([...short.rows, ...rest.rows]).toEqual(whole.rows);
    expect(rest.rows).toHaveLength(1);
  });

  it('the engine streams every row a page at a time, as run pages them', async () => {
    for (const report of ['movements', 'stockOnHand', 'valuation']) {
      const opened = await openReport(app.db.prisma, 'warehouse', report, {});
      const streamed = [];
      for await (const page of opened.pages(3)) {
        expect(page.length).toBeLessThanOrEqual(3);
        streamed.push(...page);
      }
      expect(streamed, report).toEqual((await run('warehouse', report)).rows);
    }
  });

  it('a cursor from another report, or one that was not given, is refused (INVALID_CURSOR)', async () => {
    const movementsCursor = (await run('accountant', 'movements', {}, { limit: 1 })).nextCursor!;
    const sohCursor = (await run('accountant', 'stockOnHand', {}, { limit: 1 })).nextCursor!;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const refused: [string, string][] = [
      ['stockOnHand', movementsCursor],
      ['valuation', sohCursor],
      ['movements', sohCursor],
      ['movements', 'not-a-cursor'],
      ['movements', encode({ r: 'movements' })],
      ['movements', encode({ r: 'movements', k: ['1', '2'] })],
      ['movements', encode({ r: 'movements', k: [1] })],
      // The right shape, values the statement could not read back: refused before it runs.
      ['movements', encode({ r: 'movements', k: ['abc'] })],
      ['movements', encode({ r: 'movements', k: ['99999999999'] })],
      ['stockOnHand', encode({ r: 'stockOnHand', k: ['R1-BATCH', '1.5'] })],
      ['valuation', encode({ r: 'valuation', k: ['1400', 'R1\u0000'] })],
    ];
    for (const [report, cursor] of refused) {
      const r = await refusal(run('accountant', report, {}, { cursor }));
      expect(r, `${report} ${Buffer.from(cursor, 'base64url').toString()}`).toMatchObject({
        code: 'BAD_REQUEST',
        reason: 'INVALID_CURSOR',
      });
    }
    expect((await refusal(run('accountant', 'stockOnHand', {}, { cursor: movementsCursor }))).message).toContain('Stock on hand');
    // The cursor it gave goes on where it left off.
    const second = await run('accountant', 'movements', {}, { limit: 1, cursor: movementsCursor });
    expect(second.rows.map(withoutIdAndTime)).toEqual([movementRow(ledger.movements[1]!, ledger)]);
  });
});

// ---- refusals -----------------------------------------------------------------------------------

describe('parameters and reports refused', () => {
  it('a wrong parameter is INVALID_INPUT naming the field; one the report does not have is refused too', async () => {
    const cases: [string, Params, string][] = [
      ['stockOnHand', { locationId: 'Main' }, 'locationId'],
      ['stockOnHand', { bayId: 0 }, 'bayId'],
      ['stockOnHand', { productId: 1.5 }, 'productId'],
      ['valuation', { at: 'yesterday' }, 'at'],
      ['valuation', { at: '2026-13-01' }, 'at'],
      ['movements', { kind: 'theft' }, 'kind'],
      ['movements', { from: '1 July' }, 'from'],
      ['movements', { documentId: -3 }, 'documentId'],
      ['movements', { documentType: '' }, 'documentType'],
      ['movements', { locationID: ledger.locations.store.id }, 'locationID'],
      ['stockOnHand', { at: ledger.today }, 'at'],
    ];
    for (const [report, params, field] of cases) {
      const r = await refusal(run('viewer', report, params));
      expect(r, `${report} ${JSON.stringify(params)}`).toMatchObject({ code: 'BAD_REQUEST', reason: 'INVALID_INPUT' });
      // zod's words: "→ at <field>" under a value refused, "Unrecognized key" for one the report does not have.
      expect(r.message, `${report} ${JSON.stringify(params)}`).toMatch(new RegExp(`(→ at ${field}$|Unrecognized key: "${field}")`));
    }
  });

  it('an unknown report is REPORT_NOT_FOUND, naming the reports there are', async () => {
    const r = await refusal(run('viewer', 'stockonhand'));
    expect(r).toMatchObject({ code: 'NOT_FOUND', reason: 'REPORT_NOT_FOUND' });
    expect(r.message).toContain('"stockonhand"');
    for (const id of ['stockOnHand', 'valuation', 'movements']) expect(r.message).toContain(id);
    expect(await refusal(app.as('viewer').reports.run({ report: 'movements', limit: 0 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await refusal(app.as('viewer').reports.run({ report: 'movements', limit: 5001 }))).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

// ---- who sees costs -----------------------------------------------------------------------------

describe('cost and value columns', () => {
  it('warehouse, sales and viewer get quantities only; hiddenColumns names what they do not see', async () => {
    for (const role of ['warehouse', 'sales', 'viewer'] as const) {
      for (const report of ['stockOnHand', 'valuation', 'movements']) {
        const seen = await run(role, report);
        const full = await run('accountant', report);
        expect(seen.hiddenColumns, `${role} ${report}`).toEqual(['Unit cost', 'Value']);
        expect(seen.columns, `${role} ${report}`).toEqual(full.columns.filter((c) => c.key !== 'unitCost' && c.key !== 'value'));
        const strip = ({ unitCost: _c, value: _v, ...rest }: Record<string, unknown>) => rest;
        expect(seen.rows, `${role} ${report}`).toEqual(full.rows.map(strip));
        expect(seen.totals, `${role} ${report}`).toEqual(strip(full.totals!));
        const listed = (await app.as(role).reports.list()).find((r) => r.id === report)!;
        expect(listed.columns.map((c) => c.key)).not.toContain('value');
        expect(listed.columns.map((c) => c.key)).not.toContain('unitCost');
      }
    }
  });

  it('admin, accountant and purchasing see unit costs and values', async () => {
    for (const role of ['admin', 'accountant', 'purchasing'] as const) {
      const soh = await run(role, 'stockOnHand', { locationId: ledger.locations.store.id });
      expect(soh.hiddenColumns, role).toEqual([]);
      expect(
        soh.columns.map((c) => c.label),
        role,
      ).toEqual(expect.arrayContaining(['Unit cost', 'Value']));
      expect(soh.rows, role).toEqual(ledger.expected.stockOnHand.filter((r) => r.location === ledger.locations.store.name));
      expect(sum((await run(role, 'valuation')).rows.filter(mine(ledger)), 'value'), role).toBe(ledger.expected.ledgerValue);
    }
  });
});

// ---- the list -----------------------------------------------------------------------------------

describe('reports.list', () => {
  it('describes each report: title, parameters (label, kind, required) and typed columns', async () => {
    const list = await app.as('accountant').reports.list();
    const byId = Object.fromEntries(list.map((r) => [r.id, r]));
    expect(list.map((r) => r.id)).toEqual(expect.arrayContaining(['stockOnHand', 'valuation', 'movements']));
    expect(new Set(list.map((r) => r.id)).size).toBe(list.length);
    for (const r of list) {
      expect(r.title, r.id).toEqual(expect.any(String));
      expect(r.columns.length, r.id).toBeGreaterThan(0);
      for (const p of r.params)
        expect(p, `${r.id}.${p.key}`).toMatchObject({ label: expect.any(String), kind: expect.any(String), required: expect.any(Boolean) });
    }
    expect(byId.stockOnHand).toMatchObject({
      title: 'Stock on hand',
      params: [
        { key: 'locationId', label: 'Location', kind: 'locationId', required: false },
        { key: 'bayId', label: 'Bay', kind: 'bayId', required: false },
        { key: 'productId', label: 'Product', kind: 'productId', required: false },
      ],
      columns: [
        { key: 'sku', label: 'SKU', type: 'text' },
        { key: 'productName', label: 'Product', type: 'text' },
        { key: 'location', label: 'Location', type: 'text' },
        { key: 'bay', label: 'Bay', type: 'text' },
        { key: 'batch', label: 'Batch', type: 'text' },
        { key: 'expiry', label: 'Expiry', type: 'date' },
        { key: 'quantity', label: 'On hand', type: 'quantity' },
        { key: 'allocated', label: 'Allocated', type: 'quantity' },
        { key: 'available', label: 'Available', type: 'quantity' },
        { key: 'unitCost', label: 'Unit cost', type: 'unitCost' },
        { key: 'value', label: 'Value', type: 'money' },
      ],
    });
    expect(byId.valuation).toMatchObject({
      title: 'Stock valuation by GL account',
      params: [
        { key: 'at', label: 'At', kind: 'date', required: false },
        { key: 'locationId', label: 'Location', kind: 'locationId', required: false },
      ],
      columns: [
        { key: 'account', type: 'text' },
        { key: 'sku', type: 'text' },
        { key: 'productName', type: 'text' },
        { key: 'quantity', type: 'quantity' },
        { key: 'unitCost', type: 'unitCost' },
        { key: 'value', type: 'money' },
      ],
    });
    expect(byId.movements!.params).toEqual([
      { key: 'from', label: 'From', kind: 'date', required: false, hint: 'The first day included' },
      { key: 'to', label: 'To', kind: 'date', required: false, hint: 'The last day included' },
      { key: 'productId', label: 'Product', kind: 'productId', required: false },
      { key: 'locationId', label: 'Location', kind: 'locationId', required: false },
      {
        key: 'kind',
        label: 'Kind',
        kind: 'choice',
        required: false,
        options: ['opening', 'adjustment', 'tracking_change', 'receipt', 'stocktake', 'allocation', 'sale', 'production'],
      },
      { key: 'documentType', label: 'Document type', kind: 'text', required: false, hint: 'e.g. shipment, stocktake' },
      { key: 'documentId', label: 'Document number', kind: 'integer', required: false },
      { key: 'userId', label: 'User', kind: 'userId', required: false },
    ]);
    // The columns it lists are the columns a run answers with.
    for (const id of ['stockOnHand', 'valuation', 'movements'])
      expect((await run('accountant', id, {}, { limit: 1 })).columns).toEqual(byId[id]!.columns);
  });
});

// ---- last: adds stock the tests above do not expect ------------------------------------------

describe('a movement with many serials', () => {
  it('a row lists 20 of its serials; the count says how many there are', async () => {
    const admin = app.as('admin');
    const loc = await admin.locations.create({ name: 'Many serials' });
    const p = await admin.products.create({ sku: 'MANY-SERIALS', name: 'Many', stockTracked: true, serialised: true });
    const serials = Array.from({ length: 25 }, (_, i) => `MS-${String(i + 1).padStart(3, '0')}`);
    await admin.serials.add({ productId: p.id, locationId: loc.id, serials: [...serials].reverse(), unitCost: 1, idempotencyKey: key() });
    const { rows } = await run('viewer', 'movements', { productId: p.id });
    expect(rows).toEqual([expect.objectContaining({ serialCount: 25, serials: serials.slice(0, 20).join(', '), quantity: 25 })]);
  });
});
