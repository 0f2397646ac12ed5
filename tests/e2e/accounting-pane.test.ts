// Issue #13, the pane's Accounting panel end to end: the real server (its relay included) posting to
// the Xero stand-in (tests/support/xero, every request checked against Xero's published OpenAPI),
// the pane in Chromium against the fake Office.js. An admin connects in the panel and maps the
// accounts; a posting that can never go (its movement names Xero's INVENTORY account) is written to
// a sheet and skipped with a reason; one that failed for a bad mapping posts once the mapping is
// fixed and its row retried, exactly once. The connect form offers Xero and MYOB, each with its own
// fields; Connect with Xero signs in through Xero's authorisation-code flow in an Office dialog (a
// real popup window: tests/e2e/office-dialog-shim.ts), or a browser window outside Office; Connect
// with MYOB the same way against the MYOB stand-in (tests/support/myob), the company file chosen in
// MYOB and its sign-in given in the pane.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILED_COLUMNS, FAILED_SHEET } from '../../addin/features/accounting/postings-sheet.ts';
import { createContext } from '../../server/context.ts';
import { userForToken } from '../../server/modules/users/service.ts';
import { createCaller } from '../../server/router.ts';
import { startMyobStandIn, type MyobStandIn } from '../support/myob/index.ts';
import { MYOB_STAND_IN_MAPPING, myobStandInEndpoints } from '../support/myob/stocksheet.ts';
import { startXeroStandIn, type XeroStandIn } from '../support/xero/index.ts';
import { STAND_IN_MAPPING, standInEndpoints } from '../support/xero/stocksheet.ts';
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

describe.skipIf(!hasChromium)('task pane in a real browser: the Accounting panel against the Xero and MYOB stand-ins', () => {
  let xero: XeroStandIn;
  let myob: MyobStandIn;
  let server: Server;
  let browser: Browser;
  let officeScript: string;
  let api: ReturnType<typeof createCaller>;
  const ids = { product: 0, location: 0 };

  beforeAll(async () => {
    xero = await startXeroStandIn();
    // The company file's password has spaces at both ends: it must reach MYOB as typed.
    myob = await startMyobStandIn({ filePassword: '  pass word  ' });
    [server, officeScript] = await Promise.all([
      // The server's relay runs when woken (connect, retry) and on Sync now; its own tick is far off.
      startServer({
        accountingEndpoints: { xero: standInEndpoints(xero), myob: myobStandInEndpoints(myob) },
        relayIntervalMs: 600_000,
      }),
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
    await myob?.close();
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
    await form.getByRole('button', { name: 'Connect with a refresh token' }).click();
    const refused = card(page).getByTestId('failure-bar');
    await expect.poll(() => refused.textContent(), { timeout: 15_000 }).toContain('Xero did not accept these details');
    await screenshot(page, '14-accounting-connect-refused');

    await form.locator('input[name=refreshToken]').fill(xero.issueRefreshToken());
    await form.getByRole('button', { name: 'Connect with a refresh token' }).click();
    await expect.poll(() => card(page).getByTestId('accounting-connection-badge').textContent(), { timeout: 15_000 }).toBe('Connected');
    expect(await card(page).getByTestId('accounting-connection').textContent()).toContain(xero.tenantId);
    expect(await page.getByRole('form', { name: 'Connect to Xero' }).count()).toBe(0);

    await saveMapping(page, MAPPING);
    expect((await api.settings.get()).accounting).toMatchObject(MAPPING);
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

  const fields = (form: ReturnType<Page['getByRole']>) =>
    form.locator('input:not([type=radio])').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).name));
  const connection = () => server.db.prisma.accountingConnection.findUniqueOrThrow({ where: { provider: 'xero' } });

  it('the connect form offers Xero and MYOB with their own fields; Connect with Xero in an Office dialog: Cancel says so, Allow connects', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, ADMIN_TOKEN, 'Accounting');
    await expect.poll(() => card(page).getByTestId('accounting-connection-badge').textContent(), { timeout: 15_000 }).toBe('Connected');
    await card(page).getByRole('button', { name: 'Change connection…' }).click();
    const xeroForm = page.getByRole('form', { name: 'Connect to Xero' });
    expect(await fields(xeroForm)).toEqual(['clientId', 'clientSecret', 'tenantId', 'refreshToken']);

    // MYOB: its own fields, sent as the server's contract names them; the server's answer is the message.
    await xeroForm.getByRole('radio', { name: 'MYOB' }).check();
    const myob = page.getByRole('form', { name: 'Connect to MYOB' });
    expect(await fields(myob)).toEqual([
      'clientId',
      'clientSecret',
      'companyFileId',
      'companyFileUser',
      'companyFilePassword',
      'refreshToken',
    ]);
    for (const label of ['API key', 'API secret', 'Company file id', 'Company file user name', 'Company file password', 'Refresh token'])
      expect(await myob.textContent()).toContain(label);
    expect(await myob.getByRole('button', { name: 'Connect with Xero' }).count()).toBe(0);
    expect(await myob.locator('input[name=companyFilePassword]').getAttribute('type')).toBe('password');
    await myob.locator('input[name=clientId]').fill('myob-api-key');
    await myob.locator('input[name=clientSecret]').fill('myob-api-secret');
    await myob.locator('input[name=refreshToken]').fill('myob-refresh-token');
    await myob.locator('input[name=companyFileId]').fill('not-a-guid');
    const submit = myob.getByRole('button', { name: 'Connect with a refresh token' });
    expect(await submit.isDisabled()).toBe(true);
    expect(await myob.getByRole('button', { name: 'Connect with MYOB' }).isDisabled()).toBe(true);
    expect(await myob.textContent()).toContain('A company file id is a GUID');
    const fileId = '6f0c1a52-3d55-4c7e-9d1e-2b8f3c4a5e61';
    await myob.locator('input[name=companyFileId]').fill(fileId);
    await myob.locator('input[name=companyFileUser]').fill('Administrator');
    await myob.locator('input[name=companyFilePassword]').fill('  pass word  ');
    await screenshot(page, '20-accounting-connect-myob');
    const sent = page.waitForRequest((r) => r.url().includes('accounting.connect'));
    await submit.click();
    await expect.poll(() => card(page).getByTestId('failure-bar').textContent(), { timeout: 15_000 }).toMatch(/MYOB/);
    const body = (await sent).postData() ?? '';
    expect(JSON.parse(body)['0'].json).toEqual({
      provider: 'myob',
      clientId: 'myob-api-key',
      clientSecret: 'myob-api-secret',
      companyFileId: fileId,
      companyFileUser: 'Administrator',
      companyFilePassword: '  pass word  ',
      refreshToken: 'myob-refresh-token',
    });
    expect(await connection()).toMatchObject({ tenantId: xero.tenantId, pausedReason: null });
    expect((await server.db.prisma.settings.findUniqueOrThrow({ where: { id: 1 } })).accountingProvider).toBe('xero');

    // Xero without a tenant id or refresh token: only Connect with Xero can go.
    await myob.getByRole('radio', { name: 'Xero' }).check();
    await xeroForm.locator('input[name=clientId]').fill(xero.clientId);
    await xeroForm.locator('input[name=clientSecret]').fill(xero.clientSecret);
    await xeroForm.locator('input[name=tenantId]').fill('');
    await xeroForm.locator('input[name=refreshToken]').fill('');
    expect(await xeroForm.getByRole('button', { name: 'Connect with a refresh token' }).isDisabled()).toBe(true);
    const withXero = xeroForm.getByRole('button', { name: 'Connect with Xero' });
    expect(await withXero.isDisabled()).toBe(false);

    // Cancel in Xero: the dialog's page says so, the pane shows it, and the connection is as it was.
    const before = await connection();
    xero.answerNextConsent({ deny: true });
    await withXero.click();
    await expect
      .poll(() => card(page).getByTestId('failure-bar').textContent(), { timeout: 20_000 })
      .toContain('Stocksheet was not allowed to connect');
    let dialogs = await page.evaluate(() =>
      (window as any).__dialogs.map((d: any) => ({ url: d.url, closed: d.closed, messages: d.messages })),
    );
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0].url).toMatch(new RegExp(`^${server.url}/accounting/oauth/start\\?state=[\\w-]{43}$`));
    expect(dialogs[0].closed).toBe(true);
    expect(JSON.parse(dialogs[0].messages[0])).toMatchObject({ type: 'stocksheet-oauth', ok: false });
    expect(await connection()).toEqual(before);

    // Allow: connected to the organisation chosen in Xero, named, with new tokens that post.
    const journals = xero.journals().length;
    await screenshot(page, '21-accounting-connect-with-xero');
    await withXero.click();
    await expect
      .poll(() => card(page).getByTestId('done-bar').textContent(), { timeout: 20_000 })
      .toContain(`Connected to Xero (${xero.organisation.Name})`);
    dialogs = await page.evaluate(() => (window as any).__dialogs.map((d: any) => ({ closed: d.closed, messages: d.messages })));
    expect(dialogs).toHaveLength(2);
    expect(dialogs[1].closed).toBe(true);
    expect(JSON.parse(dialogs[1].messages[0])).toMatchObject({ ok: true, organisation: xero.organisation.Name });
    const after = await connection();
    expect(after).toMatchObject({ tenantId: xero.tenantId, tenantName: xero.organisation.Name, pausedReason: null });
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await page.getByRole('form', { name: 'Connect to Xero' }).count()).toBe(0);
    await screenshot(page, '22-accounting-connected-with-xero');
    await adjust('5150', 1, 2, 'e2e-accounting-after-oauth');
    await syncNow(page);
    expect(xero.journals()).toHaveLength(journals + 1);
    await page.context().close();
  });

  it('outside Office the sign-in opens in a browser window, which tells the pane when Xero has connected', async () => {
    const page = await openPane(browser, server.url, officeScript);
    // A plain browser tab: no Dialog API.
    await page.evaluate(() => delete (window as any).Office.context.ui);
    await connectPane(page, ADMIN_TOKEN, 'Accounting');
    await expect.poll(() => card(page).getByTestId('accounting-connection-badge').textContent(), { timeout: 15_000 }).toBe('Connected');
    const before = await connection();
    await card(page).getByRole('button', { name: 'Change connection…' }).click();
    const form = page.getByRole('form', { name: 'Connect to Xero' });
    await form.locator('input[name=clientId]').fill(xero.clientId);
    await form.locator('input[name=clientSecret]').fill(xero.clientSecret);
    await form.locator('input[name=tenantId]').fill(xero.tenantId);
    const opened = page.context().waitForEvent('page');
    await form.getByRole('button', { name: 'Connect with Xero' }).click();
    const popup = await opened;
    await expect.poll(() => card(page).getByTestId('done-bar').textContent(), { timeout: 20_000 }).toContain('Connected to Xero');
    await expect.poll(() => popup.isClosed(), { timeout: 5000 }).toBe(true);
    expect(await page.evaluate(() => (window as any).__dialogs.length)).toBe(0);
    const after = await connection();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.tenantName).toBe(xero.organisation.Name);
    await page.context().close();
  });

  // Last: it leaves the server connected to MYOB.
  it('Connect with MYOB in an Office dialog: Cancel says so; Allow connects the company file chosen in MYOB, with its sign-in, and posts', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, ADMIN_TOKEN, 'Accounting');
    await expect.poll(() => card(page).getByTestId('accounting-connection-badge').textContent(), { timeout: 15_000 }).toBe('Connected');
    await card(page).getByRole('button', { name: 'Change connection…' }).click();
    await page.getByRole('form', { name: 'Connect to Xero' }).getByRole('radio', { name: 'MYOB' }).check();
    const form = page.getByRole('form', { name: 'Connect to MYOB' });
    await form.locator('input[name=clientId]').fill(myob.clientId);
    await form.locator('input[name=clientSecret]').fill(myob.clientSecret);
    await form.locator('input[name=companyFileUser]').fill(myob.fileUser);
    await form.locator('input[name=companyFilePassword]').fill(myob.filePassword);
    // No company file id or refresh token: only Connect with MYOB can go.
    for (const field of ['companyFileId', 'refreshToken']) await form.locator(`input[name=${field}]`).fill('');
    expect(await form.getByRole('button', { name: 'Connect with a refresh token' }).isDisabled()).toBe(true);
    const withMyob = form.getByRole('button', { name: 'Connect with MYOB' });
    expect(await withMyob.isDisabled()).toBe(false);
    const xeroBefore = await connection();
    const dialogsBefore = await page.evaluate(() => (window as any).__dialogs.length as number);

    // Cancel in MYOB: the dialog's page says so and nothing changes.
    myob.answerNextConsent({ deny: true });
    const begun = page.waitForRequest((r) => r.url().includes('accounting.beginAuthorization'));
    await withMyob.click();
    expect(JSON.parse((await begun).postData() ?? '')['0'].json).toEqual({
      provider: 'myob',
      clientId: myob.clientId,
      clientSecret: myob.clientSecret,
      companyFileUser: myob.fileUser,
      companyFilePassword: '  pass word  ',
    });
    await expect
      .poll(() => card(page).getByTestId('failure-bar').textContent(), { timeout: 20_000 })
      .toContain('Stocksheet was not allowed to connect');
    expect(await server.db.prisma.accountingConnection.findUnique({ where: { provider: 'myob' } })).toBeNull();
    expect((await server.db.prisma.settings.findUniqueOrThrow({ where: { id: 1 } })).accountingProvider).toBe('xero');

    // Allow: the company file MYOB's consent names is connected, by its name.
    await screenshot(page, '22a-accounting-connect-with-myob');
    await withMyob.click();
    await expect
      .poll(() => card(page).getByTestId('done-bar').textContent(), { timeout: 20_000 })
      .toContain(`Connected to MYOB (${myob.companyFileName})`);
    const dialogs = await page.evaluate(() =>
      (window as any).__dialogs.map((d: any) => ({ url: d.url, closed: d.closed, messages: d.messages })),
    );
    expect(dialogs).toHaveLength(dialogsBefore + 2);
    for (const dialog of dialogs.slice(dialogsBefore)) {
      expect(dialog.url).toMatch(new RegExp(`^${server.url}/accounting/oauth/start\\?state=[\\w-]{43}$`));
      expect(dialog.closed).toBe(true);
    }
    expect(JSON.parse(dialogs.at(-1).messages[0])).toMatchObject({
      type: 'stocksheet-oauth',
      ok: true,
      organisation: myob.companyFileName,
    });
    const stored = await server.db.prisma.accountingConnection.findUniqueOrThrow({ where: { provider: 'myob' } });
    expect(stored).toMatchObject({ tenantId: myob.companyFileId, tenantName: myob.companyFileName, pausedReason: null });
    expect(stored.companyFileAuth).toMatch(/^v1\./);
    expect((await server.db.prisma.settings.findUniqueOrThrow({ where: { id: 1 } })).accountingProvider).toBe('myob');
    expect(await connection()).toEqual(xeroBefore);
    expect(await card(page).getByTestId('accounting-connection').textContent()).toContain(myob.companyFileName);
    await screenshot(page, '22b-accounting-connected-with-myob');

    // Postings go to the company file, each call with its sign-in (the stand-in refuses them otherwise).
    await api.settings.update({ accounting: MYOB_STAND_IN_MAPPING });
    await adjust('5-1150', 2, 1.5, 'e2e-accounting-after-myob-oauth');
    await postings(page).getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toMatch(/sent to MYOB|Nothing was waiting/);
    await expect.poll(() => myob.journals().length, { timeout: 15_000 }).toBe(1);
    expect(myob.journals().map((j) => j.Lines.map((l) => [l.AccountDisplayID, l.IsCredit ? -l.Amount : l.Amount]))).toEqual([
      [
        ['1-1320', 3],
        ['5-1150', -3],
      ],
    ]);
    await page.context().close();
  });
});
