import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../server/context.ts';
import { userForToken } from '../../server/modules/users/service.ts';
import { createCaller } from '../../server/router.ts';
import {
  ADMIN_TOKEN,
  connectPane,
  fakeOfficeScript,
  fakeWorkbook as fake,
  fillCount,
  hasChromium,
  launchBrowser,
  openPane,
  screenshot,
  startServer,
} from './browser.ts';

type Server = Awaited<ReturnType<typeof startServer>>;
const CAMERAS = 3000;
const LENSES = 2000;
const cam = (n: number) => `CAM-${String(n).padStart(5, '0')}`;
const lens = (n: number) => `LENS-${String(n).padStart(5, '0')}`;
// Exported sheet columns: Line A, SKU B, Product C, Ordered D, Received E, Serial F, Bay G, Batch H, Expiry I, Quantity J.
const SERIAL = 5;
const BAY = 6;

describe.skipIf(!hasChromium)('task pane in a real browser: purchase order serials from a table', () => {
  let server: Server;
  let browser: Browser;
  let officeScript: string;
  let api: ReturnType<typeof createCaller>;
  let orderId: number;
  let locationId: number;
  const products: Record<'cam' | 'lens', number> = { cam: 0, lens: 0 };

  beforeAll(async () => {
    [server, officeScript] = await Promise.all([startServer(), fakeOfficeScript()]);
    browser = await launchBrowser();
    api = createCaller(createContext(server.db, await userForToken(server.db.prisma, ADMIN_TOKEN)));
    const codes = { purchasable: true, purchaseGlCode: '310', purchaseTaxRate: 'GST on Expenses', serialised: true };
    products.cam = (await api.products.create({ sku: 'PO-CAM', name: 'Camera body', ...codes })).id;
    products.lens = (await api.products.create({ sku: 'PO-LENS', name: 'Lens', ...codes })).id;
    const location = await api.locations.create({ name: 'Receiving dock' });
    locationId = location.id;
    await api.locations.addBay({ locationId, name: 'B1' });
    // A camera already in stock: the supplier's list will repeat it by mistake.
    await api.serials.add({ productId: products.cam, locationId, serials: ['CAM-99999'], idempotencyKey: 'e2e-po-existing' });
    const supplier = await api.suppliers.create({ name: 'Lens & Body Co' });
    const order = await api.purchaseOrders.create({
      supplierId: supplier.id,
      locationId,
      currency: 'USD',
      exchangeRate: 1.5,
      reference: 'E2E-PO',
      lines: [
        { productId: products.cam, quantity: CAMERAS, unitCost: 100 },
        { productId: products.lens, quantity: LENSES, unitCost: 40 },
      ],
    });
    orderId = order.id;
    await api.purchaseOrders.issue({ id: orderId });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('exports the order, checks a 5,000-row table, fixes three bad rows, saves and receives', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, ADMIN_TOKEN, 'Purchase orders');
    await page.getByRole('combobox', { name: 'Purchase order' }).click();
    await page.getByRole('option', { name: /E2E-PO/ }).click();
    await expect.poll(() => page.getByTestId('order-lines').textContent()).toContain('PO-LENS');

    // Export: one row per unit still to come, laid out for pasting the supplier's serials.
    await page.getByRole('button', { name: 'Export PO to sheet' }).click();
    await expect.poll(() => page.getByTestId('done-bar').textContent(), { timeout: 60_000 }).toContain(`PO ${orderId}`);
    const sheet = `PO ${orderId}`;
    const header = await fake<unknown[][]>(page, 'values', sheet, 0, 0, 1, 10);
    expect(header[0]).toEqual(['Line', 'SKU', 'Product', 'Ordered', 'Received', 'Serial', 'Bay', 'Batch', 'Expiry', 'Quantity']);
    expect(await fake<unknown[][]>(page, 'values', sheet, CAMERAS + LENSES, 0, 1, 2)).toEqual([[2, 'PO-LENS']]);

    // The supplier's list pasted into the Serial column, with three mistakes.
    const serials = [...Array.from({ length: CAMERAS }, (_, i) => cam(i + 1)), ...Array.from({ length: LENSES }, (_, i) => lens(i + 1))];
    serials[9] = 'CAM-99999'; // already in stock
    serials[19] = cam(5); // a repeat
    await fake(
      page,
      'setCells',
      sheet,
      1,
      SERIAL,
      serials.map((s) => [s]),
    );
    await fake(page, 'setCells', sheet, 3005, BAY, [['Z9']]); // no such bay at the dock
    await fake(page, 'select', sheet, `A1:J${CAMERAS + LENSES + 1}`);

    await page.getByRole('button', { name: 'Check table' }).click();
    const result = page.getByTestId('check-result');
    await expect.poll(() => result.textContent(), { timeout: 60_000 }).toContain('5,000 rows checked');
    await expect.poll(() => result.textContent()).toContain('3 problems to fix');
    const problems = await page.getByTestId('problem-list').getByRole('listitem').allTextContents();
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^F11 .*CAM-99999 already exists/);
    expect(problems[1]).toMatch(/^F21 .*listed more than once.*First in F6/);
    expect(problems[2]).toMatch(/^G3006 .*Bay Z9 is not in the order's location/);
    expect(await fillCount(page, sheet)).toBe(3);
    expect(await fake<{ fill: string | null }>(page, 'cell', sheet, 3005, BAY)).toMatchObject({ fill: '#FFC7CE' });
    expect(await page.getByRole('button', { name: 'Save serials' }).isDisabled()).toBe(true);
    await screenshot(page, '06-po-table-problems');

    // Fixed in the sheet, checked again: clean, every line fully entered.
    await fake(page, 'setCells', sheet, 10, SERIAL, [[cam(10)]]);
    await fake(page, 'setCells', sheet, 20, SERIAL, [[cam(20)]]);
    await fake(page, 'setCells', sheet, 3005, BAY, [['B1']]);
    await fake(page, 'select', sheet, `A1:J${CAMERAS + LENSES + 1}`);
    await page.getByRole('button', { name: 'Check table' }).click();
    await expect.poll(() => result.textContent(), { timeout: 60_000 }).toContain('No problems');
    expect(await page.getByTestId('line-summary').textContent()).toContain(`Line 1 PO-CAM: ${CAMERAS} entered of ${CAMERAS} expected`);
    expect(await fillCount(page, sheet)).toBe(0);

    await page.getByRole('button', { name: 'Save serials' }).click();
    await expect.poll(() => page.getByTestId('done-bar').textContent(), { timeout: 60_000 }).toContain('Serials saved');
    await page.getByRole('button', { name: 'Receive' }).click();
    await expect.poll(() => page.getByTestId('done-bar').textContent(), { timeout: 60_000 }).toContain('the order is received');
    await screenshot(page, '07-po-received');

    // Through the API: every serial in stock at the order's location, at base-currency cost.
    for (const [productId, count, name, cost] of [
      [products.cam, CAMERAS, cam, 150],
      [products.lens, LENSES, lens, 60],
    ] as const) {
      const seen = new Map<string, { bayName: string | null; unitCost: number }>();
      let cursor: number | undefined;
      do {
        const listed = await api.serials.list({ productId, locationId, status: 'in_stock', limit: 1000, cursor });
        for (const s of listed.items) seen.set(s.serial, s);
        cursor = listed.nextCursor ?? undefined;
      } while (cursor);
      const received = [...seen.keys()].filter((s) => s !== 'CAM-99999');
      expect(received).toHaveLength(count);
      for (let i = 1; i <= count; i++) expect(seen.get(name(i))?.unitCost).toBe(cost);
    }
    expect((await api.serials.history({ productId: products.lens, serial: lens(5) })).serial.bayName).toBe('B1');
    expect((await api.purchaseOrders.get({ id: orderId })).status).toBe('received');
    await page.context().close();
  });
});
