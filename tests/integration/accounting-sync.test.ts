// Issue #13: every valued movement reaches Xero exactly once, as a balanced manual journal, and
// products as items. Against the Xero stand-in (tests/support/xero), which validates every request
// against Xero's published OpenAPI and behaves as Xero documents (limits, rotating tokens, lost
// answers). Runs on PGlite, or PostgreSQL with TEST_DATABASE_URL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { drainOnce } from '../../server/modules/accounting/relay.ts';
import { createClock, startXeroStandIn, type XeroStandIn } from '../support/xero/index.ts';
import { STAND_IN_MAPPING, useStandIn } from '../support/xero/stocksheet.ts';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { location, plainProduct, purchasableCodes, sellableCodes, serialisedProduct } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');
const accountant = app.as('accountant');
const warehouse = app.as('warehouse');

const MAPPING = STAND_IN_MAPPING;

let xero: XeroStandIn;
const scale = 1;

beforeAll(async () => {
  const clock = createClock({ scale });
  xero = await startXeroStandIn({ clock });
  useStandIn(app.accounting, xero, clock, scale);
});
afterAll(() => xero?.close());

/** Everything pending is sent (the relay runs until nothing is due). */
async function drain() {
  for (let i = 0; i < 20; i++) {
    const result = await drainOnce(app.accounting);
    const due = await app.db.prisma.accountingPosting.count({
      where: { state: { in: ['pending', 'in_flight'] }, nextAttemptAt: { lte: new Date(app.accounting.now()) } },
    });
    if (due === 0) return result;
  }
  throw new Error('the relay did not settle');
}

const cents = (n: number) => Math.round(n * 100);
const adjust = (productId: number, locationId: number, quantity: number, unitCost: number, glCode = '5150') =>
  warehouse.stock.adjust({ productId, locationId, quantity, glCode, unitCost, idempotencyKey: key() });
const journalsFor = (narration: string) => xero.journals().filter((j) => j.Narration.includes(narration));

async function connect() {
  return admin.accounting.connect({
    provider: 'xero',
    clientId: xero.clientId,
    clientSecret: xero.clientSecret,
    tenantId: xero.tenantId,
    refreshToken: xero.issueRefreshToken(),
  });
}

beforeEach(() => xero.faults.clear());

describe('connecting', () => {
  it('refuses details Xero does not accept, and connects with a refresh token, storing none of it in the clear', async () => {
    const wrong = await refusal(
      admin.accounting.connect({
        provider: 'xero',
        clientId: xero.clientId,
        clientSecret: xero.clientSecret,
        tenantId: xero.tenantId,
        refreshToken: 'not-a-token',
      }),
    );
    expect(wrong).toMatchObject({ code: 'BAD_REQUEST', reason: 'ACCOUNTING_CONNECT_FAILED' });
    expect(wrong.message).toMatch(/^Xero did not accept these details/);
    expect(
      (
        await refusal(
          accountant.accounting.connect({ provider: 'xero', clientId: 'a', clientSecret: 'b', tenantId: 'c', refreshToken: 'd' }),
        )
      ).code,
    ).toBe('FORBIDDEN');

    // Stock moved before the first connection is in the opening balance the accountant enters, not posted.
    const early = await plainProduct(admin, { assetGlCode: '1410' });
    const earlyLoc = await location(warehouse);
    await adjust(early.id, earlyLoc.id, 2, 3, '5150');
    const status = await connect();
    expect(status).toMatchObject({ provider: 'xero', connected: true, tenantId: xero.tenantId, pausedReason: null });
    expect(status.counts).toMatchObject({ pending: 1, skipped: 1 }); // the product's item still goes
    const [skipped] = (await accountant.accounting.postings({ state: 'skipped' })).items;
    expect(skipped!.skippedReason).toMatch(/before Stocksheet was first connected to Xero/);
    expect(skipped!.inLedger).toBe(true); // in the opening balance: explained, unlike a skip
    const stored = await app.db.prisma.accountingConnection.findUniqueOrThrow({ where: { provider: 'xero' } });
    expect(stored.clientSecret).not.toContain(xero.clientSecret);
    expect(stored.refreshToken).toMatch(/^v1\./);
    await accountant.settings.update({ accounting: MAPPING });
    // The mapping is the accountant's; the other settings stay the admin's, also sent together with it.
    expect((await refusal(accountant.settings.update({ baseCurrency: 'NZD', accounting: MAPPING }))).code).toBe('FORBIDDEN');
    expect((await admin.settings.get()).accounting).toEqual({ ...MAPPING, openingStock: 'post' });
  });
});

describe('posting', () => {
  it('an adjustment, a receipt and a stocktake each become one balanced journal, at the ledger’s cost, once', async () => {
    await drain(); // whatever earlier tests queued
    const before = xero.journals().length;
    const product = await plainProduct(admin, { ...purchasableCodes, assetGlCode: '1410' });
    const loc = await location(warehouse);
    await adjust(product.id, loc.id, 10, 2.5, '5150');
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

    const result = await drain();
    expect(result.state).toBe('idle');
    const added = xero.journals().slice(before);
    expect(added).toHaveLength(2);
    const [adjustment, receipt] = added;
    expect(adjustment!.Narration).toMatch(/^Stock adjustment \[ss:\w+:\d+\]$/);
    expect(adjustment!.JournalLines.map((l) => [l.AccountCode, l.LineAmount])).toEqual([
      ['1410', 25],
      ['5150', -25],
    ]);
    expect(receipt!.Narration).toContain(`Goods received on purchase order #${order.id}`);
    // 4 × 3.333333 = 13.333332: rounded to the cent, both sides.
    expect(receipt!.JournalLines.map((l) => [l.AccountCode, l.LineAmount])).toEqual([
      ['1410', 13.33],
      ['2150', -13.33],
    ]);
    for (const j of added) expect(j.JournalLines.reduce((s, l) => s + cents(l.LineAmount), 0)).toBe(0);
    const posted = await accountant.accounting.postings({ state: 'posted' });
    expect(posted.items.filter((p) => p.externalId === adjustment!.ManualJournalID)).toHaveLength(1);

    // Again: nothing more goes.
    await drain();
    expect(xero.journals()).toHaveLength(before + 2);
  });

  it('a stocktake is one journal against its GL code, and a shipment one cost-of-sales journal', async () => {
    await drain();
    const before = xero.journals().length;
    const product = await plainProduct(admin, sellableCodes);
    const loc = await location(warehouse);
    await adjust(product.id, loc.id, 10, 4, '5150');
    const created = await warehouse.stocktakes.create({ locationId: loc.id, productIds: [product.id] });
    await warehouse.stocktakes.start({ id: created.id });
    await warehouse.stocktakes.submitCounts({
      stocktakeId: created.id,
      sheetKey: 'all',
      rows: [{ productId: product.id, countedQuantity: 7 }],
      idempotencyKey: key(),
    });
    await warehouse.stocktakes.review({ id: created.id });
    await accountant.stocktakes.finalise({ stocktakeId: created.id, idempotencyKey: key(), glCode: '5150' });
    const customer = await app.as('sales').customers.create({ name: `Customer ${key()}` });
    const order = await app
      .as('sales')
      .salesOrders.create({ customerId: customer.id, locationId: loc.id, lines: [{ productId: product.id, quantity: 2, unitPrice: 9 }] });
    const shipment = await warehouse.shipments.create({ salesOrderId: order.id });
    await warehouse.shipments.ship({ id: shipment.id });
    await drain();
    const added = xero.journals().slice(before);
    const lines = (narration: string) =>
      added.find((j) => j.Narration.startsWith(narration))!.JournalLines.map((l) => [l.AccountCode, l.LineAmount]);
    expect(added).toHaveLength(3);
    expect(lines(`Stocktake #${created.id} variances`)).toEqual([
      ['1410', -12],
      ['5150', 12],
    ]);
    expect(lines(`Cost of goods sold: shipment #${shipment.id}`)).toEqual([
      ['1410', -8],
      ['310', 8],
    ]);
  });

  it('the product became a Xero item on its first push: it is synced, and un-serialising it is refused', async () => {
    const product = await serialisedProduct(admin, purchasableCodes);
    await drain();
    const item = xero.items().find((i) => i.Code === product.sku);
    expect(item).toMatchObject({ Code: product.sku, IsPurchased: true, PurchaseDetails: { AccountCode: '1410' } });
    const got = await admin.products.get({ id: product.id });
    expect(got).toMatchObject({ accountingProvider: 'xero', accountingExternalId: item!.ItemID });
    const r = await refusal(admin.products.update({ id: product.id, serialised: false }));
    expect(r.reason).toBe('SERIALISATION_LOCKED');
  });

  it('an answer lost after Xero stored the journal: looked up by its marker, posted once, never sent twice', async () => {
    await drain();
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    await drain(); // the product's item first
    xero.faults.dropAnswers(1);
    await adjust(product.id, loc.id, 3, 7, '5150');
    await drainOnce(app.accounting);
    const posting = await app.db.prisma.accountingPosting.findFirstOrThrow({ where: { entity: 'journal' }, orderBy: { id: 'desc' } });
    expect(posting).toMatchObject({ state: 'pending', uncertain: true });
    // It may be in Xero: nobody may skip it until the relay has looked.
    const skipped = await refusal(accountant.accounting.skip({ ids: [posting.id], reason: 'not wanted' }));
    expect(skipped).toMatchObject({ reason: 'POSTING_NOT_SKIPPABLE' });
    expect(skipped.message).toContain(`#${posting.id} may already be in the accounting system`);
    expect(journalsFor(`[ss:`).filter((j) => j.Narration.endsWith(`:${posting.id}]`))).toHaveLength(1);
    // Past Xero's idempotency window, so a blind resend would make a second journal.
    xero.clock.advance(7 * 60_000);
    await app.db.prisma.accountingPosting.update({ where: { id: posting.id }, data: { nextAttemptAt: new Date(0) } });
    await drain();
    const after = await app.db.prisma.accountingPosting.findUniqueOrThrow({ where: { id: posting.id } });
    expect(after).toMatchObject({ state: 'posted', uncertain: false });
    expect(xero.journals().filter((j) => j.Narration.endsWith(`:${posting.id}]`))).toHaveLength(1);
    expect(after.externalId).toBe(xero.journals().find((j) => j.Narration.endsWith(`:${posting.id}]`))!.ManualJournalID);
  });

  it('a mapping Xero would refuse fails before anything is sent and says what to fix; it is not re-datable, and skipped it cannot be retried', async () => {
    await drain();
    await accountant.settings.update({ accounting: { adjustmentAccount: '630' } }); // INVENTORY type
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    await adjust(product.id, loc.id, 1, 4, '630');
    const calls = xero.calls.length;
    await drain();
    const failed = await accountant.accounting.postings({ state: 'failed' });
    const mine = failed.items.at(-1)!;
    expect(mine).toMatchObject({ lastErrorCode: 'ACCOUNT_INVALID' });
    expect(mine.lastError).toMatch(/630 \(Inventory\) is an inventory-type account/);
    expect(xero.calls.slice(calls).filter((c) => c.method === 'PUT')).toHaveLength(0);
    expect((await accountant.accounting.status()).counts.failed).toBeGreaterThanOrEqual(1);

    // The movement's own GL code was the inventory account: that posting needs a new movement; skip it with a reason.
    expect((await refusal(accountant.accounting.retry({ ids: [mine.id + 100000] }))).reason).toBe('NOT_FOUND');
    const redated = await refusal(accountant.accounting.redate({ ids: [mine.id], date: '2030-01-01' }));
    expect(redated).toMatchObject({ reason: 'POSTING_NOT_REDATABLE' });
    expect(redated.message).toContain(`#${mine.id} failed for another reason`);
    await accountant.accounting.skip({ ids: [mine.id], reason: 'Adjusted to the wrong account; corrected by a reversing adjustment' });
    await accountant.settings.update({ accounting: { adjustmentAccount: '5150' } });
    expect((await refusal(accountant.accounting.retry({ ids: [mine.id] }))).reason).toBe('POSTING_NOT_RETRYABLE');
  });

  it('opening stock already in the ledger is not posted: by the setting, or marked by the accountant; nothing else can be marked', async () => {
    await drain();
    const before = xero.journals().length;
    const product = await serialisedProduct(admin, { assetGlCode: '1410' });
    const loc = await location(warehouse);
    const addSerials = (text: string) =>
      warehouse.serials.add({ productId: product.id, locationId: loc.id, text, unitCost: 7, idempotencyKey: key() });

    // The setting: every opening stock journal is taken to be in the ledger already.
    await accountant.settings.update({ accounting: { openingStock: 'in_ledger' } });
    expect((await admin.settings.get()).accounting.openingStock).toBe('in_ledger');
    await addSerials('LEDGER-1,LEDGER-2');
    await drain();
    const skipped = (await accountant.accounting.postings({ state: 'skipped' })).items.at(-1)!;
    expect(skipped).toMatchObject({ kind: 'opening', inLedger: true });
    expect(skipped.skippedReason).toMatch(/in the ledger already/);
    expect(xero.journals()).toHaveLength(before);

    // Posted as opening balances again; one that fails (no opening-balance account) is marked by hand.
    await accountant.settings.update({ accounting: { openingStock: 'post', openingBalanceAccount: null } });
    await addSerials('LEDGER-3');
    await adjust((await plainProduct(admin, { assetGlCode: '1410' })).id, loc.id, 1, 2, '630'); // INVENTORY type: fails
    await drain();
    const [opening, adjustment] = (await accountant.accounting.postings({ state: 'failed' })).items.slice(-2);
    expect(opening).toMatchObject({ kind: 'opening', lastErrorCode: 'ACCOUNT_NOT_MAPPED' });
    expect(adjustment).toMatchObject({ kind: 'adjustment' });

    expect((await refusal(warehouse.accounting.markInLedger({ ids: [opening!.id] }))).code).toBe('FORBIDDEN');
    const wrong = await refusal(accountant.accounting.markInLedger({ ids: [opening!.id, adjustment!.id] }));
    expect(wrong).toMatchObject({ reason: 'POSTING_NOT_OPENING_STOCK' });
    expect(wrong.message).toContain(`#${adjustment!.id} is not opening stock`);
    expect((await accountant.accounting.postings({ state: 'failed' })).items.map((p) => p.id)).toEqual(
      expect.arrayContaining([opening!.id, adjustment!.id]),
    );

    await accountant.accounting.markInLedger({ ids: [opening!.id] });
    const marked = (await accountant.accounting.postings({ state: 'skipped' })).items.find((p) => p.id === opening!.id)!;
    expect(marked).toMatchObject({ inLedger: true });
    expect(marked.skippedReason).toMatch(/^Already in the ledger \(marked by /);
    await accountant.accounting.skip({ ids: [adjustment!.id], reason: 'Posted to the wrong account; reversed' });
    expect((await accountant.accounting.postings({ state: 'skipped' })).items.find((p) => p.id === adjustment!.id)).toMatchObject({
      inLedger: false,
    });
    await accountant.settings.update({ accounting: { openingBalanceAccount: MAPPING.openingBalanceAccount } });
    await drain();
    expect(xero.journals()).toHaveLength(before);
  });

  it('a journal dated in a locked period fails with the lock date, and posts when re-dated to the first open day', async () => {
    await drain();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland' }).format(new Date(app.accounting.now()));
    xero.organisation = { ...xero.organisation, PeriodLockDate: today };
    xero.clock.advance(2 * 60_000); // Stocksheet reads the lock date again after a minute
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    await adjust(product.id, loc.id, 2, 1, '5150');
    await drain();
    const failed = (await accountant.accounting.postings({ state: 'failed' })).items.at(-1)!;
    expect(failed.lastErrorCode).toBe('PERIOD_LOCKED');
    expect(failed.lastError).toContain(`locked up to ${today}`);
    const next = new Date(`${today}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    const open = next.toISOString().slice(0, 10);
    await accountant.accounting.redate({ ids: [failed.id], date: open });
    await drain();
    const journal = xero.journals().find((j) => j.Narration.endsWith(`:${failed.id}]`));
    expect(journal).toBeDefined();
    expect(journal!.Date).toContain(open.slice(0, 4));
    xero.organisation = { ...xero.organisation, PeriodLockDate: undefined };
  });

  it('a revoked connection pauses the queue and says reconnect; reconnecting sends what waited', async () => {
    await drain();
    xero.faults.revoke();
    xero.faults.expireAccessTokens();
    const product = await plainProduct(admin);
    const loc = await location(warehouse);
    await adjust(product.id, loc.id, 5, 1, '5150');
    const result = await drainOnce(app.accounting);
    expect(result.state).toBe('paused');
    const status = await accountant.accounting.status();
    expect(status.connected).toBe(false);
    expect(status.pausedReason).toMatch(/reconnect/i);
    expect(status.counts.pending).toBeGreaterThanOrEqual(1);
    xero.faults.clear();
    await connect();
    await drain();
    expect((await accountant.accounting.status()).counts.pending).toBe(0);
  });
});

describe('the ledger and Xero agree', () => {
  it('the posted journal lines per account add up to the subledger’s value per account', async () => {
    await drain();
    const posted = await app.db.prisma.accountingPosting.findMany({
      where: { state: 'posted', entity: 'journal' },
      select: { externalId: true, amount: true },
    });
    const ids = new Set(posted.map((p) => p.externalId));
    const byAccount = new Map<string, number>();
    for (const j of xero.journals().filter((j) => ids.has(j.ManualJournalID))) {
      for (const l of j.JournalLines) byAccount.set(l.AccountCode!, (byAccount.get(l.AccountCode!) ?? 0) + cents(l.LineAmount));
    }
    // Stock on hand in Xero is the value of what Stocksheet posted: each posting's stock lines.
    const [ledger] = await app.db.prisma.$queryRaw<{ value: string }[]>`
      SELECT COALESCE(SUM(ROUND(v, 2)), 0)::text AS value FROM (
        SELECT SUM(m.quantity * m.unit_cost) AS v
        FROM accounting_posting p JOIN stock_movement m
          ON m.tx_id = p.tx_id AND m.kind = p.kind AND m.document_type IS NOT DISTINCT FROM p.document_type AND m.document_id IS NOT DISTINCT FROM p.document_id
        WHERE p.state = 'posted' AND p.entity = 'journal'
        GROUP BY p.id) t`;
    expect(byAccount.get('1410') ?? 0).toBe(cents(Number(ledger!.value)));
    expect([...byAccount.values()].reduce((a, b) => a + b, 0)).toBe(0);
  });
});
