// Issue #13 with MYOB: every valued movement reaches MYOB exactly once as a balanced general
// journal, and products as (non-inventoried) items, against the MYOB stand-in (tests/support/myob),
// which checks every request against MYOB's documented contract: 201 + Location, RowVersion,
// 403 RateLimitError above 8 calls a second, no idempotency key (so a lost answer is found by its
// marker, never posted twice). Runs on PGlite, or PostgreSQL with TEST_DATABASE_URL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { drainOnce } from '../../server/modules/accounting/relay.ts';
import { createClock, startMyobStandIn, type MyobStandIn } from '../support/myob/index.ts';
import { MYOB_STAND_IN_MAPPING, useMyobStandIn } from '../support/myob/stocksheet.ts';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { location, plainProduct } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');
const accountant = app.as('accountant');
const warehouse = app.as('warehouse');

let myob: MyobStandIn;

beforeAll(async () => {
  const clock = createClock();
  myob = await startMyobStandIn({ clock });
  useMyobStandIn(app.accounting, myob, clock);
});
afterAll(() => myob?.close());
beforeEach(() => myob.faults.clear());

/** Everything due is sent (the relay runs until nothing is due now). */
async function drain() {
  for (let i = 0; i < 60; i++) {
    await drainOnce(app.accounting);
    const due = await app.db.prisma.accountingPosting.count({
      where: { state: { in: ['pending', 'in_flight'] }, nextAttemptAt: { lte: new Date(app.accounting.now()) } },
    });
    if (due === 0) return;
  }
  throw new Error('the relay did not settle');
}

const connectInput = (refreshToken: string) => ({
  provider: 'myob' as const,
  clientId: myob.clientId,
  clientSecret: myob.clientSecret,
  companyFileId: myob.companyFileId,
  companyFileUser: myob.fileUser,
  companyFilePassword: myob.filePassword,
  refreshToken,
});
const adjust = (productId: number, locationId: number, quantity: number, unitCost: number, glCode = '5-1150') =>
  warehouse.stock.adjust({ productId, locationId, quantity, glCode, unitCost, idempotencyKey: key() });
const journalsWith = (marker: string) => myob.journals().filter((j) => j.Memo?.includes(marker));
const markerOf = async (postingId: number) => {
  const settings = await app.db.prisma.settings.findUniqueOrThrow({ where: { id: 1 } });
  return `[ss:${settings.installationId}:${postingId}]`;
};
const lastJournalPosting = async () =>
  (await app.db.prisma.accountingPosting.findFirstOrThrow({ where: { entity: 'journal' }, orderBy: { id: 'desc' } })).id;
const lines = (journal: ReturnType<MyobStandIn['journals']>[number]) =>
  journal.Lines.map((l) => [l.AccountDisplayID, l.IsCredit ? -l.Amount : l.Amount]);

describe('connecting to a MYOB company file', () => {
  it('refuses a refresh token MYOB does not accept, then connects, keeping the file sign-in sealed', async () => {
    const wrong = await refusal(admin.accounting.connect(connectInput('not-a-token')));
    expect(wrong).toMatchObject({ reason: 'ACCOUNTING_CONNECT_FAILED' });
    expect(wrong.message).toMatch(/^MYOB did not accept these details: MYOB refused the connection \(invalid_grant\)/);
    const badFile = await refusal(admin.accounting.connect({ ...connectInput('x'), companyFileId: 'not-a-guid' }));
    expect(badFile).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^companyFileId must be the company file's id/) });

    const status = await admin.accounting.connect(connectInput(myob.issueRefreshToken()));
    expect(status).toMatchObject({ provider: 'myob', connected: true, tenantId: myob.companyFileId, pausedReason: null });
    const stored = await app.db.prisma.accountingConnection.findUniqueOrThrow({ where: { provider: 'myob' } });
    const fileToken = Buffer.from(`${myob.fileUser}:${myob.filePassword}`).toString('base64');
    expect(stored.companyFileAuth).not.toBeNull();
    expect(stored.companyFileAuth).not.toContain(fileToken);
    await accountant.settings.update({ accounting: MYOB_STAND_IN_MAPPING });
  });
});

describe('posting to MYOB', () => {
  it('an adjustment is one balanced general journal against the accounts’ UIDs, with N-T lines and its marker', async () => {
    await drain();
    const product = await plainProduct(admin, { assetGlCode: '1-1320' });
    const loc = await location(warehouse);
    await adjust(product.id, loc.id, 4, 3.333333);
    await drain();
    const id = await lastJournalPosting();
    const [journal, ...others] = journalsWith(await markerOf(id));
    expect(others).toHaveLength(0);
    expect(journal!.Memo).toMatch(/^Stock adjustment \[ss:\w+:\d+\]$/);
    expect(journal!.GSTReportingMethod).toBe('Purchase');
    // 4 × 3.333333 = 13.333332: to the cent on both sides.
    expect(lines(journal!)).toEqual([
      ['1-1320', 13.33],
      ['5-1150', -13.33],
    ]);
    const nt = myob.taxCodes.find((t) => t.Code === 'N-T')!;
    expect(journal!.Lines.every((l) => l.TaxCode === nt.UID)).toBe(true);
    const posting = await app.db.prisma.accountingPosting.findUniqueOrThrow({ where: { id } });
    expect(posting).toMatchObject({ state: 'posted', externalId: journal!.UID });
  });

  it('a product becomes one MYOB item, found and updated with its RowVersion when it changes, never made twice', async () => {
    await drain();
    const product = await admin.products.create({
      sku: `MY-${key().slice(0, 8)}`,
      name: 'Widget for MYOB',
      stockTracked: true,
      sellable: true,
      saleGlCode: '4-1000',
      sellingTaxRate: 'GST',
      purchasable: true,
      purchaseGlCode: '6-1000',
      purchaseTaxRate: 'GST',
      assetGlCode: '1-1320',
    });
    await drain();
    const items = () => myob.items().filter((i) => i.Number === product.sku);
    expect(items()).toHaveLength(1);
    const [item] = items();
    const accountUid = (displayId: string) => myob.accounts.find((a) => a.DisplayID === displayId)!.UID;
    // Not inventoried (Stocksheet keeps the quantities); bills for it go to the stock account.
    expect(item).toMatchObject({
      IsInventoried: false,
      IsSold: true,
      IsBought: true,
      IncomeAccount: accountUid('4-1000'),
      ExpenseAccount: accountUid('1-1320'),
    });
    const linked = await admin.products.get({ id: product.id });
    expect(linked).toMatchObject({ accountingProvider: 'myob', accountingExternalId: item!.UID });

    await admin.products.update({ id: product.id, name: 'Widget for MYOB, blue' });
    // The answer to the update is lost: sent again, it finds the item by its UID and updates it again.
    myob.faults.dropAnswers(1);
    await drain();
    await app.db.prisma.accountingPosting.updateMany({ where: { entity: 'item', state: 'pending' }, data: { nextAttemptAt: new Date(0) } });
    await drain();
    expect(items()).toHaveLength(1);
    expect(items()[0]).toMatchObject({ UID: item!.UID, Name: 'Widget for MYOB, blue' });
    expect(Number(items()[0]!.RowVersion)).toBeGreaterThan(Number(item!.RowVersion));
  });

  it('an answer lost after MYOB stored the journal: found by its marker, posted once, never sent twice', async () => {
    await drain();
    const product = await plainProduct(admin, { assetGlCode: '1-1320' });
    const loc = await location(warehouse);
    await drain(); // its item first, so the lost answer is the journal's
    await adjust(product.id, loc.id, 2, 5);
    myob.faults.dropAnswers(1);
    await drain();
    const id = await lastJournalPosting();
    const marker = await markerOf(id);
    expect(journalsWith(marker)).toHaveLength(1);
    const waiting = await app.db.prisma.accountingPosting.findUniqueOrThrow({ where: { id } });
    expect(waiting).toMatchObject({ state: 'pending', uncertain: true });

    await app.db.prisma.accountingPosting.update({ where: { id }, data: { nextAttemptAt: new Date(0) } });
    const posts = () => myob.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/GeneralLedger/GeneralJournal')).length;
    const before = posts();
    await drain();
    expect(posts()).toBe(before); // looked up, not sent again
    expect(journalsWith(marker)).toHaveLength(1);
    const posted = await app.db.prisma.accountingPosting.findUniqueOrThrow({ where: { id } });
    expect(posted).toMatchObject({ state: 'posted', externalId: journalsWith(marker)[0]!.UID, uncertain: false });
    const lookup = myob.calls.filter((c) => c.method === 'GET' && c.path.endsWith('/GeneralLedger/GeneralJournal')).at(-1)!;
    expect(lookup.query.$filter).toBe(`substringof('${marker}', Memo) eq true`);
  });

  it('stays under 8 calls a second, and waits out a burst of 403 RateLimitErrors', async () => {
    await drain();
    const product = await plainProduct(admin, { assetGlCode: '1-1320' });
    const loc = await location(warehouse);
    for (let i = 0; i < 24; i++) await adjust(product.id, loc.id, 1, 1 + i);
    myob.faults.rateLimitBurst(2, 'second');
    const started = myob.calls.length;
    await drain();
    const since = await app.db.prisma.accountingPosting.findMany({ where: { entity: 'journal' }, orderBy: { id: 'desc' }, take: 24 });
    expect(since.every((p) => p.state === 'posted')).toBe(true);
    for (const p of since) expect(journalsWith(await markerOf(p.id))).toHaveLength(1);
    expect(myob.stats().maxPerSecond).toBeLessThanOrEqual(8);
    // The two armed 403s, and none of MYOB's own.
    expect(myob.calls.slice(started).filter((c) => c.status === 403)).toHaveLength(2);
  });

  it('refuses a header account before sending, and a journal in MYOB’s locked period until it is re-dated', async () => {
    await drain();
    const product = await plainProduct(admin, { assetGlCode: '1-1320' });
    const loc = await location(warehouse);
    await adjust(product.id, loc.id, 1, 9, '1-1000'); // a header account
    await drain();
    const header = await app.db.prisma.accountingPosting.findUniqueOrThrow({ where: { id: await lastJournalPosting() } });
    expect(header).toMatchObject({ state: 'failed', lastErrorCode: 'ACCOUNT_INVALID' });
    expect(header.lastError).toMatch(/1-1000 \(.*\) is a header account/);
    await accountant.accounting.skip({ ids: [header.id], reason: 'Adjusted to a header account; corrected by a new adjustment' });

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Sydney' }).format(new Date(app.accounting.now()));
    myob.preferences = { ...myob.preferences, System: { ...myob.preferences.System, LockPeriodPriorTo: `${today}T00:00:00` } };
    await accountant.accounting.syncNow(); // reads the lock date afresh
    await adjust(product.id, loc.id, 1, 9);
    await accountant.accounting.syncNow();
    const locked = await app.db.prisma.accountingPosting.findUniqueOrThrow({ where: { id: await lastJournalPosting() } });
    expect(locked).toMatchObject({ state: 'failed', lastErrorCode: 'PERIOD_LOCKED' });
    expect(locked.lastError).toContain(`MYOB is locked up to ${today}`);

    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await accountant.accounting.redate({ ids: [locked.id], date: tomorrow });
    await accountant.accounting.syncNow();
    const [journal] = journalsWith(await markerOf(locked.id));
    expect(journal!.DateOccurred).toBe(`${tomorrow}T00:00:00`);
    myob.preferences = { ...myob.preferences, System: { ...myob.preferences.System, LockPeriodPriorTo: null } };
  });

  it('a revoked connection pauses the queue and says reconnect', async () => {
    await drain();
    myob.faults.revoke();
    myob.faults.expireAccessTokens();
    const product = await plainProduct(admin, { assetGlCode: '1-1320' });
    const loc = await location(warehouse);
    await adjust(product.id, loc.id, 1, 2);
    expect((await drainOnce(app.accounting)).state).toBe('paused');
    const status = await accountant.accounting.status();
    expect(status.connected).toBe(false);
    expect(status.pausedReason).toMatch(/reconnect Stocksheet to MYOB/);
    expect(status.counts.pending).toBeGreaterThanOrEqual(1);
  });
});
