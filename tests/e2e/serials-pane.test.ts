import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../server/context.ts';
import { userForToken } from '../../server/modules/users/service.ts';
import { createCaller } from '../../server/router.ts';
import { ADMIN_TOKEN, connectPane, fakeOfficeScript, hasChromium, launchBrowser, openPane, screenshot, startServer } from './browser.ts';

type Server = Awaited<ReturnType<typeof startServer>>;
type FakeCell = { value: unknown; fill: string | null; comment: string | null };

const ROWS = 1000; // A1:B1000, 2,000 cells
const serialAt = (index: number) => `E2E-${String(index + 1).padStart(4, '0')}`;
// Row-major: index = row * 2 + column.
const DUPLICATE = { row: 499, column: 1, address: 'B500', value: serialAt(18) }; // repeats A10
const EXISTING = { row: 749, column: 1, address: 'B750', value: serialAt(1499) }; // added through the API first

describe.skipIf(!hasChromium)('task pane in a real browser: serials from a selection', () => {
  let server: Server;
  let browser: Browser;
  let officeScript: string;
  let api: ReturnType<typeof createCaller>;
  let product: { id: number; sku: string };
  let location: { id: number; name: string };

  beforeAll(async () => {
    [server, officeScript] = await Promise.all([startServer(), fakeOfficeScript()]);
    browser = await launchBrowser();
    // The test sets up and reads back through the same router, as the admin, in-process.
    api = createCaller(createContext(server.db, await userForToken(server.db.prisma, ADMIN_TOKEN)));
    product = await api.products.create({ sku: 'E2E-SCANNER', name: 'Barcode scanner', serialised: true });
    location = await api.locations.create({ name: 'Dock 1' });
    await api.serials.add({
      productId: product.id,
      locationId: location.id,
      serials: [EXISTING.value],
      idempotencyKey: 'e2e-existing-serial',
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  const cell = (page: Page, row: number, column: number) =>
    page.evaluate(([r, c]) => (window as any).__fake.workbook.cell('Sheet1', r, c), [row, column] as const) as Promise<FakeCell>;

  /** As a person does it: type part of the SKU, pick the product, then pick the location. */
  async function chooseProductAndLocation(page: Page) {
    const productBox = page.getByRole('combobox', { name: 'Product' });
    await productBox.click();
    await productBox.pressSequentially('E2E-SCAN');
    await page.getByRole('option', { name: /E2E-SCANNER/ }).click();
    await page.getByRole('combobox', { name: 'Location' }).click();
    await page.getByRole('option', { name: 'Dock 1' }).click();
  }

  it('checks 2,000 selected cells, highlights the duplicate and the existing serial, and adds them once fixed', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await page.evaluate((rows) => {
      const fake = (window as any).__fake;
      const values = Array.from({ length: rows }, (_, r) => [0, 1].map((c) => `E2E-${String(r * 2 + c + 1).padStart(4, '0')}`));
      fake.workbook.setCells('Sheet1', 0, 0, values);
      fake.workbook.select('Sheet1', 'A1:B1000');
    }, ROWS);
    await page.evaluate(
      ([d, e]) => {
        const fake = (window as any).__fake;
        fake.workbook.setCells('Sheet1', d.row, d.column, [[d.value]]);
        fake.workbook.setCells('Sheet1', e.row, e.column, [[e.value]]);
      },
      [DUPLICATE, EXISTING] as const,
    );
    await screenshot(page, '01-connect');
    await connectPane(page, ADMIN_TOKEN);

    await chooseProductAndLocation(page);
    await page.getByRole('button', { name: 'Check selection' }).click();

    const result = page.getByTestId('check-result');
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('2,000 serials found');
    await expect.poll(() => result.textContent()).toContain('2 problems to fix');
    const problems = page.getByTestId('problem-list').getByRole('listitem');
    expect(await problems.count()).toBe(2);
    expect(await problems.nth(0).textContent()).toMatch(new RegExp(`${DUPLICATE.address}.*listed more than once`));
    expect(await problems.nth(1).textContent()).toMatch(new RegExp(`${EXISTING.address}.*already exists`));
    await screenshot(page, '02-two-problems');

    // Both cells are highlighted in the sheet, each with its reason; no other cell is.
    for (const spot of [DUPLICATE, EXISTING]) {
      const marked = await cell(page, spot.row, spot.column);
      expect(marked.fill).toBe('#FFC7CE');
      expect(marked.comment).toMatch(/^Stocksheet: /);
    }
    const fills = await page.evaluate(() => [...(window as any).__fake.workbook.fills('Sheet1').keys()]);
    expect(fills.sort()).toEqual([DUPLICATE, EXISTING].map((spot) => `${spot.row},${spot.column}`).sort());
    expect(await page.getByRole('button', { name: /Add/ }).isDisabled()).toBe(true);

    // Clicking a problem selects its cell.
    await problems.nth(1).getByRole('button').or(problems.nth(1).getByRole('link')).first().click();
    await expect
      .poll(() => page.evaluate(() => (window as any).__fake.workbook.selection()))
      .toEqual({ sheet: 'Sheet1', address: EXISTING.address });

    // Fix both cells, select the range again and re-check: clean, and the marks are gone.
    await page.evaluate(
      ([d, e]) => {
        const fake = (window as any).__fake;
        fake.workbook.setCells('Sheet1', d.row, d.column, [['E2E-1000']]);
        fake.workbook.setCells('Sheet1', e.row, e.column, [['E2E-9999']]);
        fake.workbook.select('Sheet1', 'A1:B1000');
      },
      [DUPLICATE, EXISTING] as const,
    );
    await page.getByRole('button', { name: 'Check selection' }).click();
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('No problems');
    expect(await page.evaluate(() => (window as any).__fake.workbook.fills('Sheet1').size)).toBe(0);
    expect(await page.evaluate(() => (window as any).__fake.workbook.comments('Sheet1').length)).toBe(0);

    await page.getByRole('button', { name: 'Add 2,000 serials' }).click();
    await expect
      .poll(() => page.getByTestId('done-bar').textContent(), { timeout: 30_000 })
      .toContain('Added 2,000 serials of E2E-SCANNER');
    await screenshot(page, '03-added');

    // Read back through the API: the 2,000 from the sheet plus the one added before.
    const seen = new Set<string>();
    let cursor: number | undefined;
    do {
      const listed = await api.serials.list({ productId: product.id, status: 'in_stock', limit: 1000, cursor });
      listed.items.forEach((s) => seen.add(s.serial));
      cursor = listed.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.size).toBe(2001);
    for (let i = 0; i < 2 * ROWS; i++) if (i !== EXISTING.row * 2 + EXISTING.column) expect(seen.has(serialAt(i))).toBe(true);
    expect(seen.has('E2E-9999')).toBe(true);
    const levels = await api.stock.levels({ productId: product.id });
    expect(levels.items.map((l) => l.quantity)).toEqual([2001]);
    await page.context().close();
  });

  it('shows the error bar for a wrong token and connects with the right one', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, 'ss_not-a-real-token-at-all');
    const bar = page.getByTestId('failure-bar');
    await expect.poll(() => bar.textContent(), { timeout: 15_000 }).toContain('Token not accepted');
    await screenshot(page, '04-wrong-token');
    await connectPane(page, ADMIN_TOKEN);
    await expect.poll(() => page.getByRole('button', { name: /admin \(admin\)/ }).count(), { timeout: 15_000 }).toBe(1);
    await page.context().close();
  });

  it('shows the error bar when a role may not add serials', async () => {
    const viewer = await api.users.create({ name: 'e2e-viewer', role: 'viewer' });
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, viewer.token);
    await page.getByRole('tab', { name: 'Type or paste' }).click();
    await chooseProductAndLocation(page);
    await page.getByTestId('serial-text').locator('textarea').or(page.locator('textarea')).first().fill('VW001-VW003');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.getByRole('button', { name: 'Add 3 serials' }).click();
    const bar = page.getByTestId('failure-bar');
    await expect.poll(() => bar.textContent(), { timeout: 15_000 }).toContain('Not allowed');
    expect(await bar.textContent()).toContain('warehouse');
    await screenshot(page, '05-role-refused');
    await page.context().close();
  });
});
