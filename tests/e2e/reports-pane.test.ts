// Issue #14, the pane's Reports panel end to end: the real server and its report engine, the pane
// in Chromium against the fake Office.js, whose Excel tables follow Excel's rules and calculate
// formulas over a table column (tests/support/fake-excel.ts). Stock on hand is inserted as a table
// on a new sheet; a formula on another sheet sums its "On hand" column; stock changes through the
// API and Refresh grows and then shrinks the same table (same name, same id) with the formula
// following it; a report with no rows is an empty table; a warehouse user's table has no cost
// columns; and "Look up serials" opens the serial lookup for the selected cells, or says it is not
// on the server.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../server/context.ts';
import { userForToken } from '../../server/modules/users/service.ts';
import { createCaller } from '../../server/router.ts';
import type { FakeTableState } from '../support/fake-excel.ts';
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

const SHEET = 'Stock on hand';
const TABLE = 'STK_stockOnHand';
const HEADER = ['SKU', 'Product', 'Location', 'Bay', 'Batch', 'Expiry', 'On hand', 'Allocated', 'Available', 'Unit cost', 'Value'];
const column = (name: string) => HEADER.indexOf(name);
const PROPERTY = 'stocksheet.report';

describe.skipIf(!hasChromium)('task pane in a real browser: reports inserted as Excel tables and refreshed in place', () => {
  let server: Server;
  let browser: Browser;
  let officeScript: string;
  let api: ReturnType<typeof createCaller>;
  const ids = { store: 0, empty: 0, bolt: 0, nut: 0, washer: 0, scanner: 0 };
  let key = 0;
  const adjust = (productId: number, quantity: number, unitCost: number) =>
    api.stock.adjust({ productId, locationId: ids.store, quantity, glCode: '630', unitCost, idempotencyKey: `rp-e2e-${++key}` });

  beforeAll(async () => {
    [server, officeScript] = await Promise.all([startServer(), fakeOfficeScript()]);
    browser = await launchBrowser();
    api = createCaller(createContext(server.db, await userForToken(server.db.prisma, ADMIN_TOKEN)));
    ids.store = (await api.locations.create({ name: 'Main store' })).id;
    ids.empty = (await api.locations.create({ name: 'Empty store' })).id;
    // SKUs Excel would turn into numbers or dates unless the column is Text.
    ids.bolt = (await api.products.create({ sku: '00123', name: 'Bolt', stockTracked: true })).id;
    ids.nut = (await api.products.create({ sku: '1-2', name: 'Nut', stockTracked: true })).id;
    ids.washer = (await api.products.create({ sku: 'RP-WASHER', name: 'Washer', stockTracked: true })).id;
    ids.scanner = (await api.products.create({ sku: 'RP-SCANNER', name: 'Scanner', serialised: true })).id;
    await adjust(ids.bolt, 40, 0.5);
    await adjust(ids.nut, 10, 1.25);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  const done = (page: Page) => page.getByTestId('done-bar').textContent();
  const tables = (page: Page) => fake<FakeTableState[]>(page, 'tables');
  const table = (page: Page, name: string) => fake<FakeTableState | null>(page, 'table', name);
  /** The data rows of a table, as values. */
  const body = async (page: Page, name: string) => {
    const t = (await table(page, name))!;
    const top = Number(/\d+/.exec(t.address)![0]); // header row, 1-based: the data starts under it
    return fake<unknown[][]>(page, 'values', t.sheet, top, 0, t.bodyRows, t.header.length);
  };
  const formula = async (page: Page) => (await fake<unknown[][]>(page, 'values', 'Sheet1', 0, 0, 1, 1))[0]![0];

  async function openReports(page: Page, token: string) {
    await connectPane(page, token, 'Reports');
    await expect
      .poll(() => page.getByRole('combobox', { name: 'Report' }).getAttribute('placeholder'), { timeout: 15_000 })
      .toContain('Search');
  }

  /** Types part of a report's title or a keyword into the search, and picks the report. */
  async function pickReport(page: Page, typed: string, title: string) {
    const box = page.getByRole('combobox', { name: 'Report' });
    await box.click();
    await box.fill('');
    await box.pressSequentially(typed);
    await page.getByRole('option', { name: title, exact: true }).click();
    await expect.poll(() => page.getByRole('form', { name: `${title} parameters` }).count()).toBe(1);
  }

  it('inserts stock on hand as a typed table; Refresh grows and shrinks the same table and a formula over it follows', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await openReports(page, ADMIN_TOKEN);
    await pickReport(page, 'on hand', 'Stock on hand');

    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Preview' });
    await expect.poll(() => preview.textContent(), { timeout: 15_000 }).toContain('first 2 rows');
    expect(await preview.textContent()).toContain('00123');
    expect(await preview.textContent()).toContain('Total (all rows)');

    await page.getByRole('button', { name: 'Insert into sheet' }).click();
    await expect
      .poll(() => done(page), { timeout: 30_000 })
      .toContain(`Inserted Stock on hand on sheet "${SHEET}": 2 rows in table ${TABLE}`);

    // One table, named, on a new sheet, its header the report's labels, a totals row.
    const inserted = (await table(page, TABLE))!;
    expect(inserted).toMatchObject({ sheet: SHEET, header: HEADER, bodyRows: 2, showTotals: true });
    expect(await fake(page, 'activeSheet')).toBe(SHEET);
    const rows = await body(page, TABLE);
    const bySku = new Map(rows.map((r) => [r[0], r]));
    // Typed: the SKUs stayed text (not 123, not a date), quantities and money are numbers.
    expect([...bySku.keys()].sort()).toEqual(['00123', '1-2']);
    expect(bySku.get('00123')!.slice(column('On hand'), column('Value') + 1)).toEqual([40, 0, 40, 0.5, 20]);
    expect(bySku.get('1-2')!.slice(column('On hand'), column('Value') + 1)).toEqual([10, 0, 10, 1.25, 12.5]);
    const top = Number(/\d+/.exec(inserted.address)![0]); // 0-based row of the first data row
    expect(await fake(page, 'numberFormat', SHEET, top, column('SKU'))).toBe('@');
    expect(await fake(page, 'numberFormat', SHEET, top, column('Expiry'))).toBe('yyyy-mm-dd');
    expect(await fake(page, 'numberFormat', SHEET, top, column('On hand'))).toBe('#,##0');
    expect(await fake(page, 'numberFormat', SHEET, top, column('Value'))).toBe('#,##0.00');
    // The block above: title, the parameters, who refreshed when, the row count.
    const caption = await fake<unknown[][]>(page, 'values', SHEET, 0, 0, top - 2, 2);
    expect(caption[0]![0]).toBe('Stock on hand');
    expect(caption.map((line) => line[0])).toEqual(['Stock on hand', 'Location', 'Bay', 'Product', 'Refreshed at', 'Rows']);
    expect(caption.find((line) => line[0] === 'Refreshed at')![1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(.+\) by admin$/);
    expect(caption.find((line) => line[0] === 'Rows')![1]).toBe(2);
    // What Refresh needs, in the sheet's custom property.
    const meta = JSON.parse((await fake<string>(page, 'customProperty', SHEET, PROPERTY))!);
    expect(meta).toMatchObject({ report: 'stockOnHand', params: {}, table: TABLE, rowCount: 2, complete: true, serverUrl: server.url });
    expect(meta.version).toMatch(/^[0-9a-f]{8}$/);

    // A person's formula over the table, and the totals row's.
    await fake(page, 'typeInto', 'Sheet1', 'A1', `=SUM(${TABLE}[On hand])`);
    expect(await formula(page)).toBe(50);
    const totalsRow = () => fake<unknown[][]>(page, 'values', SHEET, top + (inserted.bodyRows ?? 0), 0, 1, HEADER.length);
    expect((await totalsRow())[0]![column('On hand')]).toBe(50);
    await screenshot(page, '23-reports-inserted', SHEET);

    // Stock changes: a new level (a row more) and more bolts. Refresh: the same table, grown.
    await adjust(ids.washer, 25, 0.1);
    await adjust(ids.bolt, 5, 0.5);
    await page.getByRole('button', { name: `Refresh ${SHEET}` }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toContain(`Refreshed "${SHEET}": 3 rows (was 2), the same table ${TABLE}`);
    expect(await tables(page)).toHaveLength(1);
    const grown = (await table(page, TABLE))!;
    expect(grown).toMatchObject({ sheet: SHEET, header: HEADER, bodyRows: 3, showTotals: true });
    expect(grown.address.split(':')[0]).toBe(inserted.address.split(':')[0]);
    expect(await formula(page)).toBe(80);
    expect((await body(page, TABLE)).map((r) => r[column('SKU')]).sort()).toEqual(['00123', '1-2', 'RP-WASHER']);
    expect((await fake<unknown[][]>(page, 'values', SHEET, top + 3, 0, 1, HEADER.length))[0]![column('On hand')]).toBe(80);
    expect(JSON.parse((await fake<string>(page, 'customProperty', SHEET, PROPERTY))!)).toMatchObject({ rowCount: 3, complete: true });

    // Stock leaves: nuts and washers gone to zero (their rows go). Refresh: the same table, shrunk.
    await adjust(ids.nut, -10, 1.25);
    await adjust(ids.washer, -25, 0.1);
    await page.getByRole('button', { name: `Refresh ${SHEET}` }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toContain(`Refreshed "${SHEET}": 1 row (was 3), the same table ${TABLE}`);
    expect(await tables(page)).toHaveLength(1);
    expect(await table(page, TABLE)).toMatchObject({ sheet: SHEET, bodyRows: 1, showTotals: true });
    expect(await formula(page)).toBe(45);
    expect(await body(page, TABLE)).toEqual([['00123', 'Bolt', 'Main store', '', '', '', 45, 0, 45, 0.5, 22.5]]);
    // Nothing of the old rows is left under the totals row.
    expect(await fake<unknown[][]>(page, 'values', SHEET, top + 2, 0, 3, HEADER.length)).toEqual(
      Array.from({ length: 3 }, () => HEADER.map(() => '')),
    );
    expect((await fake<unknown[][]>(page, 'values', SHEET, 0, 0, top - 2, 2)).find((l) => l[0] === 'Rows')![1]).toBe(1);
    await screenshot(page, '24-reports-refreshed', SHEET);
    await page.context().close();
  });

  it('inserts a report with no rows as an empty table, which Refresh all fills when stock arrives', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await openReports(page, ADMIN_TOKEN);
    await pickReport(page, 'stock', 'Stock on hand');
    await page.getByRole('combobox', { name: 'Location' }).click();
    await page.getByRole('option', { name: 'Empty store' }).click();
    await page.getByRole('button', { name: 'Insert into sheet' }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toContain(`0 rows in table ${TABLE}`);
    const empty = (await table(page, TABLE))!;
    expect(empty).toMatchObject({ sheet: SHEET, header: HEADER, bodyRows: 1, showTotals: true });
    expect(await body(page, TABLE)).toEqual([HEADER.map(() => '')]);
    const top = Number(/\d+/.exec(empty.address)![0]);
    const caption = await fake<unknown[][]>(page, 'values', SHEET, 0, 0, top - 2, 2);
    expect(caption.find((l) => l[0] === 'Location')![1]).toBe('Empty store');
    expect(caption.find((l) => l[0] === 'Rows')![1]).toBe(0);
    await fake(page, 'typeInto', 'Sheet1', 'A1', `=COUNT(${TABLE}[On hand])`);
    expect(await formula(page)).toBe(0);

    await api.stock.adjust({
      productId: ids.washer,
      locationId: ids.empty,
      quantity: 7,
      glCode: '630',
      unitCost: 0.1,
      idempotencyKey: 'rp-e2e-empty',
    });
    await page.getByRole('button', { name: 'Refresh all' }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toContain(`Refreshed "${SHEET}" 1 row`);
    expect(await tables(page)).toHaveLength(1);
    expect(await body(page, TABLE)).toEqual([['RP-WASHER', 'Washer', 'Empty store', '', '', '', 7, 0, 7, 0.1, 0.7]]);
    expect(await formula(page)).toBe(1);
    await page.context().close();
  });

  it('gives a warehouse user (no costs) a table without the cost columns, and says which are not shown', async () => {
    const warehouse = await api.users.create({ name: 'rp-e2e-warehouse', role: 'warehouse' });
    const page = await openPane(browser, server.url, officeScript);
    await openReports(page, warehouse.token);
    await pickReport(page, 'inventory', 'Stock on hand');
    await page.getByRole('button', { name: 'Insert into sheet' }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toContain(`in table ${TABLE}`);
    const inserted = (await table(page, TABLE))!;
    expect(inserted.header).toEqual(HEADER.filter((h) => h !== 'Unit cost' && h !== 'Value'));
    const top = Number(/\d+/.exec(inserted.address)![0]);
    const caption = await fake<unknown[][]>(page, 'values', SHEET, 0, 0, top - 2, 2);
    expect(caption.find((l) => l[0] === 'Not shown')![1]).toContain('Unit cost, Value');
    expect(JSON.stringify(await body(page, TABLE))).not.toContain('0.5');
    await page.context().close();
  });

  it('looks up the serials in the selected cells with the serial lookup report', async () => {
    await api.serials.add({
      productId: ids.scanner,
      locationId: ids.store,
      serials: ['RP-SN-1', 'RP-SN-2'],
      unitCost: 99,
      idempotencyKey: 'rp-e2e-serials',
    });
    const page = await openPane(browser, server.url, officeScript);
    await openReports(page, ADMIN_TOKEN);
    await fake(page, 'setCells', 'Sheet1', 1, 2, [['RP-SN-2'], ['RP-SN-1'], ['RP-NOWHERE']]);
    await fake(page, 'select', 'Sheet1', 'C2:C4');
    await page.getByRole('button', { name: 'Look up serials' }).click();
    const preview = page.getByRole('region', { name: 'Preview' });
    await expect.poll(() => preview.textContent(), { timeout: 15_000 }).toContain('Serial lookup: first 3 rows');
    const text = (await preview.textContent())!;
    expect(text.indexOf('RP-SN-2')).toBeLessThan(text.indexOf('RP-SN-1'));
    expect(text).toContain('RP-NOWHERE');
    expect(text).toContain('RP-SCANNER');
    expect(await page.locator('textarea[name=serials]').inputValue()).toBe('RP-SN-2\nRP-SN-1\nRP-NOWHERE');
    await screenshot(page, '25-reports-serial-lookup');
    await page.context().close();
  });

  it('says so when the server has no serial lookup report', async () => {
    const page = await openPane(browser, server.url, officeScript);
    // The server's answer to reports.list, without the serial lookup (batched tRPC: one answer per procedure in the path).
    await page.route('**/trpc/**', async (route) => {
      const procedures = decodeURIComponent(new URL(route.request().url()).pathname.split('/trpc/')[1]!).split(',');
      const at = procedures.indexOf('reports.list');
      if (at < 0) return route.continue();
      const response = await route.fetch();
      const answers = (await response.json()) as { result?: { data?: { json?: { id: string }[] } } }[];
      const list = answers[at]?.result?.data;
      if (list?.json) list.json = list.json.filter((r) => r.id !== 'serialLookup');
      await route.fulfill({ response, json: answers });
    });
    await openReports(page, ADMIN_TOKEN);
    await expect
      .poll(() => page.getByTestId('serial-lookup-missing').textContent(), { timeout: 15_000 })
      .toBe('The serial lookup report is not on this server yet.');
    expect(await page.getByRole('button', { name: 'Look up serials' }).isDisabled()).toBe(true);
    await page.context().close();
  });
});
