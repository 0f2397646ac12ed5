// Issue #14: the stock-to-ledger reconciliation. The general ledger is read from the Xero stand-in
// (GET /Journals, validated against Xero's OpenAPI) and from the MYOB stand-in (journal
// transactions) into gl_journal_line; the report puts each stock account's subledger beside it and
// explains every cent of the difference in buckets (A not yet posted, B failed, C amount differs,
// D not from Stocksheet, E another period, R rounding, F unexplained and flagged), each listed by
// the drill-down. Runs on PGlite, or PostgreSQL with TEST_DATABASE_URL.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { drainOnce } from '../../server/modules/accounting/relay.ts';
import { startRelay } from '../../server/modules/accounting/runner.ts';
import { checkResponse, createClock, startXeroStandIn, type XeroStandIn } from '../support/xero/index.ts';
import { DEFAULT_SCOPE } from '../support/xero/identity.ts';
import { STAND_IN_MAPPING, useStandIn } from '../support/xero/stocksheet.ts';
import { startMyobStandIn, type MyobStandIn } from '../support/myob/index.ts';
import { MYOB_STAND_IN_MAPPING, useMyobStandIn } from '../support/myob/stocksheet.ts';
import { key, testApp, useTestApp, type TestApp } from '../helpers/app.ts';
import { location, plainProduct, purchasableCodes } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');
const accountant = app.as('accountant');
const warehouse = app.as('warehouse');

/** The stand-in's clock runs 60 times real time: a minute of Xero's limits passes in a second. */
const SCALE = 60;
const STOCK = STAND_IN_MAPPING.stockAccount;
let xero: XeroStandIn;

beforeAll(async () => {
  const clock = createClock({ scale: SCALE });
  xero = await startXeroStandIn({ clock });
  useStandIn(app.accounting, xero, clock, SCALE);
});
afterAll(() => xero?.close());

const dayIn = (timeZone: string, offsetDays = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(Date.now() + offsetDays * 86_400_000));
const today = () => dayIn(STAND_IN_MAPPING.timezone);
const tomorrow = () => dayIn(STAND_IN_MAPPING.timezone, 1);

/** Everything due is sent (the relay runs until nothing is due now). */
async function drain(db: TestApp = app) {
  for (let i = 0; i < 30; i++) {
    await drainOnce(db.accounting);
    const due = await db.db.prisma.accountingPosting.count({
      where: { state: { in: ['pending', 'in_flight'] }, nextAttemptAt: { lte: new Date(db.accounting.now()) } },
    });
    if (due === 0) return;
  }
  throw new Error('the relay did not settle');
}

const adjust = (productId: number, locationId: number, quantity: number, unitCost: number, glCode = '5150') =>
  warehouse.stock.adjust({ productId, locationId, quantity, glCode, unitCost, idempotencyKey: key() });
const lastPosting = async (db: TestApp = app) =>
  db.db.prisma.accountingPosting.findFirstOrThrow({ where: { entity: 'journal' }, orderBy: { id: 'desc' } });

/** The reconciliation's row for the stock account, for one day. */
async function summary(day = today(), caller = accountant, account = STOCK) {
  const result = await caller.reports.run({ report: 'reconciliation', params: { from: day, to: day, account }, limit: 10 });
  expect(result.rows).toHaveLength(1);
  return result.rows[0]!;
}

async function drillDown(bucket: string, day = today(), caller = accountant, account = STOCK) {
  return caller.reports.run({ report: 'reconciliationDetail', params: { from: day, to: day, account, bucket }, limit: 100 });
}

/** The buckets add up to the difference: Difference = A + B + C − D + E + R + F. */
function expectTiesOut(row: Record<string, unknown>) {
  const n = (k: string) => Math.round(Number(row[k]) * 100);
  expect(n('difference')).toBe(n('subledgerClosing') - n('glClosing'));
  expect(n('difference')).toBe(
    n('notYetPosted') + n('failed') + n('amountsDiffer') - n('notFromStocksheet') + n('otherPeriod') + n('rounding') + n('unexplained'),
  );
  expect(n('subledgerClosing')).toBe(
    ['subledgerOpening', 'receipts', 'sales', 'adjustments', 'stocktakes', 'production', 'openingStock', 'otherMovements']
      .map(n)
      .reduce((a, b) => a + b, 0),
  );
  expect(n('glClosing')).toBe(n('glOpening') + n('glMovement'));
}

const ZERO_BUCKETS = {
  notYetPosted: 0,
  failed: 0,
  amountsDiffer: 0,
  notFromStocksheet: 0,
  otherPeriod: 0,
  rounding: 0,
  unexplained: 0,
  flagged: false,
};

/** Every /Journals answer the stand-in gave is what Xero's OpenAPI says a 200 is. */
async function expectJournalAnswersValid() {
  const answers = xero.calls.filter((c) => c.operationId === 'getJournals' && c.answeredStatus === 200);
  expect(answers.length).toBeGreaterThan(0);
  for (const call of answers) {
    const check = await checkResponse('getJournals', 200, call.response);
    expect(check.errors, JSON.stringify(call.query)).toEqual([]);
  }
}

let product: { id: number };
let loc: { id: number };
let openingPostingId: number;

describe('without a general ledger', () => {
  it('shows the subledger, and leaves the ledger’s columns empty saying why, not zero', async () => {
    await accountant.settings.update({ accounting: STAND_IN_MAPPING });
    product = await plainProduct(admin, purchasableCodes);
    loc = await location(warehouse);
    await adjust(product.id, loc.id, 4, 10); // 40.00 before any connection: the opening balance
    openingPostingId = (await lastPosting()).id;

    const row = await summary();
    expect(row).toMatchObject({
      account: STOCK,
      from: today(),
      to: today(),
      subledgerOpening: 0,
      adjustments: 40,
      subledgerClosing: 40,
      notYetPosted: 40, // not sent: nothing is connected
      failed: 0,
      glOpening: null,
      glMovement: null,
      glClosing: null,
      difference: null,
      amountsDiffer: null,
      notFromStocksheet: null,
      otherPeriod: null,
      unexplained: null,
      flagged: null,
      glReadAt: null,
      verdict: 'Not compared: no general ledger read',
    });
    expect(row.glNote).toMatch(/^No accounting system is connected/);
    // Roles that may not see costs see no amounts at all.
    const plain = await warehouse.reports.run({ report: 'reconciliation', params: { from: today(), to: today(), account: STOCK } });
    expect(plain.columns.map((c) => c.key)).not.toContain('difference');
  });

  it('connected but not read yet: still empty, and says to read it', async () => {
    const status = await admin.accounting.connect({
      provider: 'xero',
      clientId: xero.clientId,
      clientSecret: xero.clientSecret,
      tenantId: xero.tenantId,
      refreshToken: xero.issueRefreshToken(`${DEFAULT_SCOPE} accounting.journals.read`),
    });
    expect(status.connected).toBe(true);
    const row = await summary();
    expect(row).toMatchObject({ glClosing: null, difference: null, flagged: null });
    expect(row.glNote).toMatch(/has not been read to its end yet.*\(Sync ledger\)/);
  });
});

describe('a period where everything is posted', () => {
  it('reconciles to 0 with every bucket 0', async () => {
    // The accountant enters the opening balance in Xero (Stocksheet skipped it as in the ledger).
    xero.ledger.typeManualJournal({
      narration: 'Opening stock on hand',
      date: today(),
      lines: [
        { accountCode: STOCK, lineAmount: 40 },
        { accountCode: '3100', lineAmount: -40 },
      ],
    });
    await adjust(product.id, loc.id, 10, 2.5); // 25.00
    const supplier = await admin.suppliers.create({ name: `Supplier ${key()}` });
    const order = await admin.purchaseOrders.create({
      supplierId: supplier.id,
      locationId: loc.id,
      currency: 'NZD',
      exchangeRate: 1,
      lines: [{ productId: product.id, quantity: 4, unitCost: 3.333333 }],
    });
    await admin.purchaseOrders.issue({ id: order.id });
    await admin.purchaseOrders.receive({
      purchaseOrderId: order.id,
      lines: [{ lineId: order.lines[0]!.id, quantity: 4 }],
      idempotencyKey: key(),
    });
    await drain();
    expect(await app.db.prisma.accountingPosting.findUniqueOrThrow({ where: { id: openingPostingId } })).toMatchObject({
      state: 'skipped',
      inLedger: true,
    });

    const read = await accountant.accounting.syncLedger();
    expect(read).toMatchObject({ state: 'read', message: null });
    expect(read.lines).toBeGreaterThan(0);

    const row = await summary();
    expect(row).toMatchObject({
      subledgerOpening: 0,
      adjustments: 65,
      receipts: 13.33,
      subledgerClosing: 78.33,
      glOpening: 0,
      glMovement: 78.33,
      glClosing: 78.33,
      difference: 0,
      ...ZERO_BUCKETS,
      verdict: 'Reconciled',
      glReadAt: read.readAt,
    });
    expect(row.glNote).toMatch(/^Xero general ledger read at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expectTiesOut(row);
    // The opening balance is explained: skipped as in the ledger (−40) beside the journal the accountant typed (+40).
    const d = await drillDown('D');
    expect(d.rows.map((r) => [r.item, r.amount])).toEqual(
      expect.arrayContaining([
        ['posting', -40],
        ['ledger line', 40],
      ]),
    );
    expect(d.totals).toMatchObject({ amount: 0 });
    await expectJournalAnswersValid();
  });
});

describe('each bucket shows exactly its amount', () => {
  const ids: Record<'A' | 'B' | 'C' | 'E', number> = { A: 0, B: 0, C: 0, E: 0 };

  it('not yet posted, failed, edited in Xero, a bill coded to stock, re-dated: the buckets add up and F is 0', async () => {
    // C: the 25.00 adjustment's journal is edited in Xero to 20.00.
    const edited = await app.db.prisma.accountingPosting.findFirstOrThrow({
      where: { entity: 'journal', kind: 'adjustment', state: 'posted' },
    });
    ids.C = edited.id;
    xero.ledger.editManualJournal(edited.externalId!, {
      lines: [
        { accountCode: STOCK, lineAmount: 20 },
        { accountCode: '5150', lineAmount: -20 },
      ],
    });
    // D: a supplier's bill coded to the stock account in Xero.
    xero.ledger.add({
      date: today(),
      sourceType: 'ACCPAY',
      reference: 'Bill INV-9 coded to stock',
      lines: [
        { accountCode: STOCK, netAmount: 50 },
        { accountCode: '2150', netAmount: -50 },
      ],
    });
    // B: an adjustment whose offset account is archived in Xero fails before it is sent.
    await adjust(product.id, loc.id, 3, 4, '5160'); // 12.00
    ids.B = (await lastPosting()).id;
    await drain();
    expect(await lastPosting()).toMatchObject({ state: 'failed', lastErrorCode: 'ACCOUNT_INVALID' });
    // E: Xero is locked up to today: the journal fails, is re-dated to tomorrow, and posts.
    xero.organisation = { ...xero.organisation, PeriodLockDate: today() };
    await adjust(product.id, loc.id, 2, 5); // 10.00
    ids.E = (await lastPosting()).id;
    await accountant.accounting.syncNow();
    expect(await lastPosting()).toMatchObject({ state: 'failed', lastErrorCode: 'PERIOD_LOCKED' });
    await accountant.accounting.redate({ ids: [ids.E], date: tomorrow() });
    await accountant.accounting.syncNow();
    const redated = await lastPosting();
    expect(redated.state).toBe('posted');
    expect(xero.journals().find((j) => j.ManualJournalID === redated.externalId)!.Date).toBe(tomorrow());
    const { PeriodLockDate: _unlocked, ...organisation } = xero.organisation;
    xero.organisation = organisation;
    // A: an adjustment not sent yet.
    await adjust(product.id, loc.id, 1, 7); // 7.00
    ids.A = (await lastPosting()).id;

    expect(await accountant.accounting.syncLedger()).toMatchObject({ state: 'read' });
    const row = await summary();
    expect(row).toMatchObject({
      adjustments: 65 + 12 + 10 + 7,
      subledgerClosing: 78.33 + 29,
      glClosing: 78.33 - 5 + 50,
      notYetPosted: 7,
      failed: 12,
      amountsDiffer: 5,
      notFromStocksheet: 50,
      otherPeriod: 10,
      rounding: 0,
      unexplained: 0,
      flagged: false,
      difference: 7 + 12 + 5 - 50 + 10,
      verdict: 'Difference explained: see the drill-down',
    });
    expectTiesOut(row);
    // Tomorrow, the re-dated journal is where the subledger has it: E is gone.
    expect(await summary(tomorrow())).toMatchObject({ otherPeriod: 0, notYetPosted: 7, failed: 12, amountsDiffer: 5, unexplained: 0 });
  });

  it('the drill-down lists each bucket’s documents, totalling the bucket', async () => {
    const only = async (bucket: string) => {
      const { rows, totals } = await drillDown(bucket);
      expect(rows.every((r) => r.bucket === bucket && r.account === STOCK)).toBe(true);
      return { rows, total: totals?.amount };
    };
    const a = await only('A');
    expect(a.rows).toMatchObject([{ item: 'posting', postingId: ids.A, state: 'pending', amount: 7, subledgerAmount: 7 }]);
    const b = await only('B');
    expect(b.rows).toMatchObject([{ postingId: ids.B, state: 'failed', amount: 12, note: expect.stringMatching(/^Failed: .*5160/) }]);
    const c = await only('C');
    expect(c.rows).toMatchObject([{ postingId: ids.C, state: 'posted', subledgerAmount: 25, glAmount: 20, amount: 5 }]);
    // The original journal, its reversal and the edited one.
    expect(String(c.rows[0]!.journalNumbers).split(', ')).toHaveLength(3);
    const d = await only('D');
    expect(d.total).toBe(50);
    expect(d.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          item: 'ledger line',
          sourceType: 'ACCPAY',
          reference: 'Bill INV-9 coded to stock',
          amount: 50,
          journalDate: today(),
        }),
        expect.objectContaining({ item: 'ledger line', sourceType: 'MANJOURNAL', reference: 'Opening stock on hand', amount: 40 }),
        expect.objectContaining({ item: 'posting', postingId: openingPostingId, state: 'skipped (in the ledger)', amount: -40 }),
      ]),
    );
    const e = await only('E');
    expect(e.rows).toMatchObject([
      { postingId: ids.E, journalDate: tomorrow(), amount: 10, note: expect.stringContaining(`(re-dated to ${tomorrow()})`) },
    ]);
    expect((await only('F')).rows).toEqual([]);
    for (const [bucket, figure] of [
      ['A', 7],
      ['B', 12],
      ['C', 5],
      ['E', 10],
    ] as const)
      expect((await only(bucket)).total, bucket).toBe(figure);
  });

  it('a posting skipped without being in the ledger is unexplained, and flagged', async () => {
    await accountant.accounting.skip({ ids: [ids.B], reason: 'Entered by hand somewhere else' });
    const row = await summary();
    expect(row).toMatchObject({ failed: 0, unexplained: 12, flagged: true, notYetPosted: 7, amountsDiffer: 5, notFromStocksheet: 50 });
    expect(row.verdict).toMatch(/^Unexplained difference of 12\.00/);
    expectTiesOut(row);
    const f = await drillDown('F');
    expect(f.rows).toMatchObject([
      { postingId: ids.B, state: 'skipped', amount: 12, note: 'Skipped, and not in the ledger: Entered by hand somewhere else.' },
    ]);
  });

  it('a journal posted after the ledger was read is not yet posted until the ledger is read again', async () => {
    await drain(); // the 7.00 goes to Xero
    const before = await summary();
    expect(before).toMatchObject({ notYetPosted: 7, unexplained: 12 });
    const a = await drillDown('A');
    expect(a.rows[0]!.note).toMatch(/^Posted at .* after the general ledger was read: read it again \(Sync ledger\)\.$/);
    await accountant.accounting.syncLedger();
    const after = await summary();
    expect(after).toMatchObject({ notYetPosted: 0, unexplained: 12, flagged: true });
    expect(Number(after.glClosing)).toBeCloseTo(Number(before.glClosing) + 7, 2);
    expectTiesOut(after);
  });
});

describe('reading the ledger', () => {
  it('reads a large ledger page by page within Xero’s limits (no 429), from where it stopped', { timeout: 180_000 }, async () => {
    // 6,500 journals of other sources on other accounts: 65 pages, more than Xero's 60 calls a minute.
    for (let i = 0; i < 6500; i++)
      xero.ledger.add({
        date: today(),
        sourceType: 'ACCREC',
        reference: `INV-${i}`,
        lines: [
          { accountCode: '090', netAmount: 10 },
          { accountCode: '200', netAmount: -10 },
        ],
      });
    const firstCall = xero.calls.length;
    const before = await summary();
    const runs = [];
    for (let i = 0; i < 5; i++) {
      const run = await accountant.accounting.syncLedger();
      runs.push(run.state);
      if (run.state === 'failed') console.log(run);
      if (run.state === 'read') break;
    }
    expect(runs.at(-1)).toBe('read');
    expect(runs[0]).toBe('behind'); // more than a run's pages
    const calls = xero.calls.slice(firstCall).filter((c) => c.path.endsWith('/Journals'));
    expect(calls.length).toBeGreaterThanOrEqual(66);
    expect(xero.calls.filter((c) => c.answeredStatus === 429)).toEqual([]);
    expect(xero.stats().maxPerMinute).toBeLessThanOrEqual(60);
    // Each page from the last journal number read, never the same twice.
    const offsets = calls.map((c) => Number(c.query.offset));
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(calls.every((c) => c.query.paymentsOnly === 'false')).toBe(true);
    // Lines on other accounts are kept but explain nothing on the stock account.
    expect(await summary()).toMatchObject({ glClosing: before.glClosing, difference: before.difference });
    const stored = await app.db.prisma.glJournalLine.count({ where: { accountCode: '200' } });
    expect(stored).toBe(6500);
    await expectJournalAnswersValid();
  });

  it('a full read again replaces what was read, and the figures stay', { timeout: 180_000 }, async () => {
    const before = await summary();
    const lines = await app.db.prisma.glJournalLine.count();
    for (let i = 0; i < 5; i++) if ((await accountant.accounting.syncLedger({ full: true })).state === 'read') break;
    expect(await app.db.prisma.glJournalLine.count()).toBe(lines);
    const state = await app.db.prisma.glSyncState.findUniqueOrThrow({ where: { provider: 'xero' } });
    expect(state).toMatchObject({ reading: null, behind: false, generation: 3 });
    const { glReadAt: _readAt, glNote: _note, ...figures } = before;
    expect(await summary()).toMatchObject({ ...figures, glReadAt: state.readAt!.toISOString() });
  });

  it('without the journals scope the read is refused with what to do, and postings are not paused', async () => {
    await admin.accounting.connect({
      provider: 'xero',
      clientId: xero.clientId,
      clientSecret: xero.clientSecret,
      tenantId: xero.tenantId,
      refreshToken: xero.issueRefreshToken(DEFAULT_SCOPE),
    });
    const refused = await accountant.accounting.syncLedger();
    expect(refused).toMatchObject({ state: 'refused' });
    expect(refused.message).toMatch(/not granted the accounting\.journals\.read scope/);
    expect((await accountant.accounting.status()).connected).toBe(true);
    // The report still shows the last read, saying why it is not newer.
    expect((await summary()).glNote).toMatch(/The last read stopped: Xero refused reading its general ledger/);
    // Without a period: the previous calendar month, a closed one.
    const [lastMonth] = (await accountant.reports.run({ report: 'reconciliation', params: {} })).rows;
    const now = today();
    const first = new Date(Date.UTC(Number(now.slice(0, 4)), Number(now.slice(5, 7)) - 2, 1));
    expect(lastMonth).toMatchObject({
      from: first.toISOString().slice(0, 10),
      to: new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).toISOString().slice(0, 10),
    });
  });

  it('the relay reads the ledger now and then by itself', { timeout: 180_000 }, async () => {
    await admin.accounting.connect({
      provider: 'xero',
      clientId: xero.clientId,
      clientSecret: xero.clientSecret,
      tenantId: xero.tenantId,
      refreshToken: xero.issueRefreshToken(`${DEFAULT_SCOPE} accounting.journals.read`),
    });
    xero.ledger.add({
      date: today(),
      sourceType: 'ACCPAY',
      reference: 'Another bill',
      lines: [
        { accountCode: STOCK, netAmount: 1.5 },
        { accountCode: '2150', netAmount: -1.5 },
      ],
    });
    const readBefore = (await app.db.prisma.glSyncState.findUniqueOrThrow({ where: { provider: 'xero' } })).readAt!;
    // Every minute of the stand-in's clock (a second here).
    const relay = startRelay(app.accounting, pino({ level: 'silent' }), 200, 60_000);
    try {
      await vi.waitFor(
        async () => {
          const state = await app.db.prisma.glSyncState.findUniqueOrThrow({ where: { provider: 'xero' } });
          expect(state.readAt!.getTime()).toBeGreaterThan(readBefore.getTime());
        },
        { timeout: 60_000, interval: 500 },
      );
    } finally {
      await relay.stop();
    }
    const row = await summary();
    expect(row).toMatchObject({ notFromStocksheet: 51.5, unexplained: 12 });
    expect(row.glNote).not.toMatch(/stopped/); // the refused read is behind it
  });
});

describe('with MYOB', () => {
  let other: TestApp;
  let myob: MyobStandIn;
  const MYOB_STOCK = MYOB_STAND_IN_MAPPING.stockAccount;
  const myobDay = () => dayIn(MYOB_STAND_IN_MAPPING.timezone);

  beforeAll(async () => {
    other = await testApp();
    const clock = createClock();
    myob = await startMyobStandIn({ clock });
    useMyobStandIn(other.accounting, myob, clock);
  });
  afterAll(async () => {
    await myob?.close();
    await other?.close();
  });

  it('reads the journal transactions and explains an edited journal and a bill coded to stock', async () => {
    const [admin2, accountant2, warehouse2] = (['admin', 'accountant', 'warehouse'] as const).map((r) => other.as(r));
    await admin2!.accounting.connect({
      provider: 'myob',
      clientId: myob.clientId,
      clientSecret: myob.clientSecret,
      companyFileId: myob.companyFileId,
      companyFileUser: myob.fileUser,
      companyFilePassword: myob.filePassword,
      refreshToken: myob.issueRefreshToken(),
    });
    await accountant2!.settings.update({ accounting: MYOB_STAND_IN_MAPPING });
    const thing = await plainProduct(admin2!);
    const store = await location(warehouse2!);
    const move = (quantity: number, unitCost: number) =>
      warehouse2!.stock.adjust({ productId: thing.id, locationId: store.id, quantity, glCode: '5-1150', unitCost, idempotencyKey: key() });
    await move(10, 2.5); // 25.00
    await move(3, 3); // 9.00
    await drain(other);
    const read = await accountant2!.accounting.syncLedger();
    expect(read).toMatchObject({ state: 'read' });
    const first = await summary(myobDay(), accountant2!, MYOB_STOCK);
    expect(first).toMatchObject({ subledgerClosing: 34, glClosing: 34, difference: 0, ...ZERO_BUCKETS });

    const edited = await other.db.prisma.accountingPosting.findFirstOrThrow({
      where: { entity: 'journal', state: 'posted' },
      orderBy: { id: 'asc' },
    });
    myob.ledger.editGeneralJournal(edited.externalId!, {
      lines: [
        { account: MYOB_STOCK, amount: 22 },
        { account: '5-1150', amount: -22 },
      ],
    });
    myob.ledger.add({
      date: myobDay(),
      journalType: 'Purchase',
      transactionType: 'Bill',
      description: 'Bill 00042',
      lines: [
        { account: MYOB_STOCK, amount: 40 },
        { account: '2-1500', amount: -40 },
      ],
    });
    expect(await accountant2!.accounting.syncLedger()).toMatchObject({ state: 'read' });
    const row = await summary(myobDay(), accountant2!, MYOB_STOCK);
    expect(row).toMatchObject({
      subledgerClosing: 34,
      glClosing: 22 + 9 + 40,
      amountsDiffer: 3,
      notFromStocksheet: 40,
      unexplained: 0,
      flagged: false,
      difference: 3 - 40,
    });
    expect(row.glNote).toMatch(/^MYOB general ledger read at/);
    expectTiesOut(row);
    const d = await drillDown('D', myobDay(), accountant2!, MYOB_STOCK);
    expect(d.rows).toMatchObject([{ item: 'ledger line', sourceType: 'Bill', reference: 'Bill 00042', amount: 40 }]);
    // Every read is a whole one, replacing the last.
    const state = await other.db.prisma.glSyncState.findUniqueOrThrow({ where: { provider: 'myob' } });
    expect(state).toMatchObject({ generation: 3, reading: null, position: null });
    expect(await other.db.prisma.glJournalLine.count({ where: { generation: { not: 3 } } })).toBe(0);
    expect(myob.stats().maxPerSecond).toBeLessThanOrEqual(8);
  });
});
