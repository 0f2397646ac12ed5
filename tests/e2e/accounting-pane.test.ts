// Issue #13, the pane's Accounting panel end to end: the real server (its relay included) posting to
// the Xero stand-in (tests/support/xero, every request checked against Xero's published OpenAPI),
// the pane in Chromium against the fake Office.js. An admin connects in the panel and maps the
// accounts; a posting that can never go (its movement names Xero's INVENTORY account) is written to
// a sheet and skipped with a reason; one that failed for a bad mapping posts once the mapping is
// fixed and its row retried, exactly once.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILED_COLUMNS, FAILED_SHEET } from '../../addin/features/accounting/postings-sheet.ts';
import { createContext } from '../../server/context.ts';
import { userForToken } from '../../server/modules/users/service.ts';
import { createCaller } from '../../server/router.ts';
import { startXeroStandIn, type XeroStandIn } from '../support/xero/index.ts';
import { STAND_IN_MAPPING } from '../support/xero/stocksheet.ts';
import {
  ADMIN_TOKEN,
  connectPane,
  fakeOfficeScript,
  fakeWorkbook as fake,
  hasChromium,
  launchBrowser,
  openPane,
  screenshot,
  startServer,
} from './browser.ts';

type Server = Awaited<ReturnType<typeof startServer>>;
const column = (name: (typeof FAILED_COLUMNS)[number]) => FAILED_COLUMNS.indexOf(name);

const MAPPING = STAND_IN_MAPPING;

describe.skipIf(!hasChromium)('task pane in a real browser: the Accounting panel against the Xero stand-in', () => {
  let xero: XeroStandIn;
  let server: Server;
  let browser: Browser;
  let officeScript: string;
  let api: ReturnType<typeof createCaller>;
  const ids = { product: 0, location: 0 };

  beforeAll(async () => {
    xero = await startXeroStandIn();
    [server, officeScript] = await Promise.all([
      // The server's relay runs when woken (connect, retry) and on Sync now; its own tick is far off.
      startServer({ accountingEndpoints: { xero: { apiUrl: xero.apiUrl, identityUrl: xero.identityUrl } }, relayIntervalMs: 600_000 }),
      fakeOfficeScript(),
    ]);
    browser = await launchBrowser();
    api = createCaller(createContext(server.db, await userForToken(server.db.prisma, ADMIN_TOKEN)));
    ids.location = (await api.locations.create({ name: 'Main store' })).id;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
    await xero?.close();
  });

  const card = (page: Page) => page.getByTestId('accounting-status');
  const postings = (page: Page) => page.getByRole('region', { name: 'Postings' });
  const mapping = (page: Page) => page.getByRole('region', { name: 'Account mapping' });
  const count = (page: Page, state: string) => card(page).getByTestId(`count-${state}`).locator('span').first().textContent();
  const done = (page: Page) => postings(page).getByTestId('done-bar').textContent();
  const sheetRows = (page: Page) => fake<unknown[][]>(page, 'values', FAILED_SHEET, 0, 0, 6, FAILED_COLUMNS.length);
  const adjust = (glCode: string, quantity: number, unitCost: number, idempotencyKey: string) =>
    api.stock.adjust({ productId: ids.product, locationId: ids.location, quantity, glCode, unitCost, idempotencyKey });

  async function saveMapping(page: Page, values: Partial<typeof MAPPING>) {
    for (const [name, value] of Object.entries(values)) await mapping(page).locator(`input[name=${name}]`).fill(value);
    await mapping(page).getByRole('button', { name: 'Save mapping' }).click();
    await expect.poll(() => mapping(page).getByTestId('done-bar').textContent(), { timeout: 15_000 }).toContain('Account mapping saved');
  }

  async function syncNow(page: Page) {
    await postings(page).getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toMatch(/sent to Xero|Nothing was waiting/);
  }

  it('connects, maps the accounts, skips a posting that cannot go, and posts one retried after its mapping was fixed, once', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, ADMIN_TOKEN, 'Accounting');
    await expect
      .poll(() => card(page).getByTestId('accounting-connection').textContent(), { timeout: 15_000 })
      .toContain('No accounting system is connected');

    // Details Xero does not accept: its refusal is the message, and nothing is connected.
    const form = page.getByRole('form', { name: 'Connect to Xero' });
    await form.locator('input[name=clientId]').fill(xero.clientId);
    await form.locator('input[name=clientSecret]').fill(xero.clientSecret);
    await form.locator('input[name=tenantId]').fill(xero.tenantId);
    await form.locator('input[name=refreshToken]').fill('not-a-refresh-token');
    expect(await form.locator('input[name=clientSecret]').getAttribute('type')).toBe('password');
    expect(await form.locator('input[name=refreshToken]').getAttribute('type')).toBe('password');
    await form.getByRole('button', { name: 'Connect' }).click();
    const refused = card(page).getByTestId('failure-bar');
    await expect.poll(() => refused.textContent(), { timeout: 15_000 }).toContain('Xero did not accept these details');
    await screenshot(page, '14-accounting-connect-refused');

    await form.locator('input[name=refreshToken]').fill(xero.issueRefreshToken());
    await form.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => card(page).getByTestId('accounting-connection-badge').textContent(), { timeout: 15_000 }).toBe('Connected');
    expect(await card(page).getByTestId('accounting-connection').textContent()).toContain(xero.tenantId);
    expect(await page.getByRole('form', { name: 'Connect to Xero' }).count()).toBe(0);

    await saveMapping(page, MAPPING);
    expect((await api.settings.get()).accounting).toEqual(MAPPING);
    await screenshot(page, '15-accounting-connected');

    // A product (its item goes to Xero too) and an adjustment against Xero's INVENTORY account 630:
    // that journal can never post, whatever the mapping.
    ids.product = (await api.products.create({ sku: 'AC-WIDGET', name: 'Widget', stockTracked: true })).id;
    await adjust('630', 2, 5, 'e2e-accounting-wrong-gl');
    await syncNow(page);
    await expect.poll(() => count(page, 'failed')).toBe('1');

    await postings(page).getByRole('button', { name: 'Failed postings to sheet' }).click();
    await expect.poll(() => done(page), { timeout: 15_000 }).toContain(`Wrote 1 failed posting to "${FAILED_SHEET}"`);
    let rows = await sheetRows(page);
    expect(rows[0]).toEqual([...FAILED_COLUMNS]);
    const wrongGl = rows[1]!;
    expect(wrongGl.slice(column('Kind'), column('Document') + 1)).toEqual(['Stock adjustment', '']);
    expect(wrongGl[column('Error code')]).toBe('ACCOUNT_INVALID');
    expect(String(wrongGl[column('Error')])).toMatch(/630 \(Inventory\) is an inventory-type account/);
    expect(wrongGl[column('Date')]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await fake(page, 'selection')).toEqual({ sheet: FAILED_SHEET, address: 'A2' });
    await screenshot(page, '16-accounting-failed-sheet', FAILED_SHEET);

    // Its row selected (one cell of it, away from the Id). Not a locked period: no re-dating it.
    await fake(page, 'select', FAILED_SHEET, 'G2');
    await postings(page).getByRole('button', { name: 'Re-date selected…' }).click();
    await expect
      .poll(() => postings(page).getByTestId('failure-bar').textContent(), { timeout: 15_000 })
      .toContain(`#${wrongGl[column('Id')]} failed with ACCOUNT_INVALID`);
    expect(await page.getByRole('dialog').count()).toBe(0);
    // Skipped with a reason.
    await postings(page).getByRole('button', { name: 'Skip selected…' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('Skip 1 posting?');
    await dialog.locator('input[name=skipReason]').fill('Adjusted to the wrong account; reversed by a new adjustment');
    await screenshot(page, '17-accounting-skip-reason', FAILED_SHEET);
    await dialog.getByRole('button', { name: 'Skip' }).click();
    await expect.poll(() => done(page), { timeout: 15_000 }).toContain(`Skipped #${wrongGl[column('Id')]}`);
    await expect.poll(() => count(page, 'skipped')).toBe('1');
    expect(await count(page, 'failed')).toBe('0');
    const skipped = await api.accounting.postings({ state: 'skipped' });
    expect(skipped.items.map((p) => [p.id, p.skippedReason])).toEqual([
      [wrongGl[column('Id')], 'Adjusted to the wrong account; reversed by a new adjustment'],
    ]);
    rows = await sheetRows(page);
    expect(rows[1]!.every((cell) => cell === '')).toBe(true);

    // The stock account mapped to the INVENTORY account: the next adjustment fails before anything is sent.
    await saveMapping(page, { stockAccount: '630' });
    await adjust('5150', 4, 2.5, 'e2e-accounting-bad-mapping');
    await syncNow(page);
    await expect.poll(() => count(page, 'failed')).toBe('1');
    await postings(page).getByRole('button', { name: 'Failed postings to sheet' }).click();
    await expect.poll(() => done(page), { timeout: 15_000 }).toContain('Wrote 1 failed posting');
    rows = await sheetRows(page);
    const badMapping = rows[1]!;
    expect(badMapping[column('Error code')]).toBe('ACCOUNT_INVALID');
    expect(String(badMapping[column('Error')])).toContain('630');
    expect(xero.calls.filter((c) => c.method === 'PUT' && c.path.includes('ManualJournals'))).toHaveLength(0);

    // Fixed, selected, retried: one journal, Dr stock 1410 / Cr 5150, and nothing left failed.
    await saveMapping(page, { stockAccount: '1410' });
    await fake(page, 'select', FAILED_SHEET, `A2:${String.fromCharCode(64 + FAILED_COLUMNS.length)}2`);
    await postings(page).getByRole('button', { name: 'Retry selected' }).click();
    await expect.poll(() => done(page), { timeout: 15_000 }).toContain(`Posting #${badMapping[column('Id')]} will be sent again`);
    await syncNow(page);
    await expect.poll(() => count(page, 'failed')).toBe('0');
    await expect.poll(() => card(page).getByTestId('accounting-last-posted').textContent()).toMatch(/^Last posted \d{4}-\d{2}-\d{2}/);
    const posted = await api.accounting.postings({ state: 'posted' });
    const journal = posted.items.find((p) => p.id === badMapping[column('Id')]);
    expect(journal).toMatchObject({ entity: 'journal', state: 'posted', amount: 10 });
    expect(await count(page, 'posted')).toBe(String(posted.items.length));
    const journals = xero.journals();
    expect(journals).toHaveLength(1);
    expect(journals[0]!.ManualJournalID).toBe(journal!.externalId);
    expect(journals[0]!.JournalLines.map((l) => [l.AccountCode, l.LineAmount])).toEqual([
      ['1410', 10],
      ['5150', -10],
    ]);
    await screenshot(page, '18-accounting-retried-posted', FAILED_SHEET);

    // Syncing again sends nothing more.
    await syncNow(page);
    expect(xero.journals()).toHaveLength(1);
    await page.context().close();
  });

  it('a journal in a locked period is re-dated to the day after the lock, proposed from the error, and posts', async () => {
    const zone = MAPPING.timezone;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date());
    const next = new Date(`${today}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    const open = next.toISOString().slice(0, 10);
    xero.organisation = { ...xero.organisation, PeriodLockDate: today };
    try {
      await adjust('5150', 1, 3, 'e2e-accounting-locked');
      const page = await openPane(browser, server.url, officeScript);
      await connectPane(page, ADMIN_TOKEN, 'Accounting');
      await syncNow(page);
      await expect.poll(() => count(page, 'failed')).toBe('1');
      await postings(page).getByRole('button', { name: 'Failed postings to sheet' }).click();
      await expect.poll(() => done(page), { timeout: 15_000 }).toContain('Wrote 1 failed posting');
      const locked = (await sheetRows(page))[1]!;
      expect(locked[column('Error code')]).toBe('PERIOD_LOCKED');
      expect(locked[column('Date')]).toBe(today);

      await fake(page, 'select', FAILED_SHEET, 'B2:C2');
      await postings(page).getByRole('button', { name: 'Re-date selected…' }).click();
      const dialog = page.getByRole('dialog');
      await expect.poll(() => dialog.locator('input[name=redate]').inputValue(), { timeout: 15_000 }).toBe(open);
      await screenshot(page, '19-accounting-redate', FAILED_SHEET);
      await dialog.getByRole('button', { name: 'Re-date' }).click();
      await expect.poll(() => done(page), { timeout: 15_000 }).toContain(`Re-dated #${locked[column('Id')]} to ${open}`);
      await syncNow(page);
      await expect.poll(() => count(page, 'failed')).toBe('0');
      const posting = (await api.accounting.postings({ state: 'posted' })).items.find((p) => p.id === locked[column('Id')]);
      expect(posting).toMatchObject({ state: 'posted', redatedTo: open });
      expect(xero.journals().filter((j) => j.ManualJournalID === posting!.externalId)).toHaveLength(1);
      await page.context().close();
    } finally {
      xero.organisation = { ...xero.organisation, PeriodLockDate: undefined };
    }
  });

  it('an accountant maps accounts and works the queue but does not connect; other roles have no Accounting tab', async () => {
    const accountant = await api.users.create({ name: 'e2e-accountant', role: 'accountant' });
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, accountant.token, 'Accounting');
    await expect.poll(() => card(page).getByTestId('accounting-connection-badge').textContent(), { timeout: 15_000 }).toBe('Connected');
    expect(await page.getByRole('form', { name: 'Connect to Xero' }).count()).toBe(0);
    expect(await card(page).getByRole('button', { name: 'Disconnect' }).count()).toBe(0);
    expect(await mapping(page).locator('input[name=stockAccount]').isDisabled()).toBe(false);
    expect(await postings(page).getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(false);
    await page.context().close();

    const warehouse = await api.users.create({ name: 'e2e-warehouse', role: 'warehouse' });
    const other = await openPane(browser, server.url, officeScript);
    await connectPane(other, warehouse.token);
    await expect.poll(() => other.getByRole('tab', { name: 'Stocktake' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await other.getByRole('tab', { name: 'Accounting' }).count()).toBe(0);
    await other.context().close();
  });
});
