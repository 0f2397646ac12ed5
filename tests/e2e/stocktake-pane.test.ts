import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../server/context.ts';
import { COUNT_COLUMNS } from '../../server/domain/count-sheet.ts';
import { userForToken } from '../../server/modules/users/service.ts';
import { createCaller } from '../../server/router.ts';
import { ADMIN_TOKEN, connectPane, fakeOfficeScript, hasChromium, launchBrowser, openPane, screenshot, startServer } from './browser.ts';

type Server = Awaited<ReturnType<typeof startServer>>;
const C = (name: (typeof COUNT_COLUMNS)[number]) => COUNT_COLUMNS.indexOf(name);
const STATUS = COUNT_COLUMNS.length;

describe.skipIf(!hasChromium)('task pane in a real browser: a stocktake counted in sheets', () => {
  let server: Server;
  let browser: Browser;
  let officeScript: string;
  let api: ReturnType<typeof createCaller>;
  const ids = { cam: 0, glue: 0, bolt: 0, location: 0 };

  beforeAll(async () => {
    [server, officeScript] = await Promise.all([startServer(), fakeOfficeScript()]);
    browser = await launchBrowser();
    api = createCaller(createContext(server.db, await userForToken(server.db.prisma, ADMIN_TOKEN)));
    const store = await api.locations.create({ name: 'Store' });
    ids.location = store.id;
    const bayA = (await api.locations.addBay({ locationId: store.id, name: 'A' })).id;
    const bayB = (await api.locations.addBay({ locationId: store.id, name: 'B' })).id;
    ids.cam = (await api.products.create({ sku: 'ST-CAM', name: 'Camera', serialised: true })).id;
    ids.glue = (await api.products.create({ sku: 'ST-GLUE', name: 'Glue', batchTracked: true })).id;
    ids.bolt = (await api.products.create({ sku: 'ST-BOLT', name: 'Bolt', stockTracked: true })).id;
    await api.serials.add({
      productId: ids.cam,
      locationId: store.id,
      bayId: bayA,
      serials: ['S1', 'S2', 'S3'],
      unitCost: 100,
      idempotencyKey: 'st-e2e-serials',
    });
    await api.batches.add({
      productId: ids.glue,
      locationId: store.id,
      bayId: bayA,
      number: 'L1',
      expiry: '2027-06-30',
      quantity: 10,
      unitCost: 3,
      idempotencyKey: 'st-e2e-batch',
    });
    await api.stock.adjust({
      productId: ids.bolt,
      locationId: store.id,
      bayId: bayB,
      quantity: 40,
      glCode: '630',
      unitCost: 0.5,
      idempotencyKey: 'st-e2e-bolts',
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  const values = (page: Page, sheet: string) =>
    page.evaluate((name) => {
      const wb = (window as any).__fake.workbook;
      return wb.values(name, 0, 0, 30, 12) as (string | number | boolean)[][];
    }, sheet);
  const setCell = (page: Page, sheet: string, row: number, column: number, value: string | number) =>
    page.evaluate(([s, r, c, v]) => (window as any).__fake.workbook.setCells(s, r, c, [[v]]), [sheet, row, column, value] as const);
  const done = (page: Page) => page.getByTestId('done-bar').textContent();

  it('lays out count sheets, takes the counts with a missing serial, an extra serial and a short count, reviews and finalises them', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, ADMIN_TOKEN, 'Stocktake');
    await page.getByRole('combobox', { name: 'Location to count' }).click();
    await page.getByRole('option', { name: 'Store' }).click();
    await page.getByRole('button', { name: 'New stocktake' }).click();
    await page.getByRole('button', { name: 'Start counting' }).click();
    await expect.poll(() => page.getByTestId('stocktake-status').textContent()).toContain('counting');
    await page.getByRole('button', { name: 'Create count sheets' }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toContain('Wrote ST1 A, ST1 B');

    // Bay A: the three serials expected (each its own row), extra rows, and the batch.
    const a = await values(page, 'ST1 A');
    expect(a[0]!.slice(0, STATUS + 1)).toEqual([...COUNT_COLUMNS, 'Status']);
    const rowOf = (rows: unknown[][], column: number, value: string) => rows.findIndex((r) => r[column] === value);
    expect([rowOf(a, C('Serial'), 'S1'), rowOf(a, C('Serial'), 'S2'), rowOf(a, C('Serial'), 'S3')].every((r) => r > 0)).toBe(true);
    const locked = await page.evaluate(() => {
      const wb = (window as any).__fake.workbook;
      return { sku: wb.locked('ST1 A', 1, 0), counted: wb.locked('ST1 A', 1, 7), protectedSheet: wb.isProtected('ST1 A') };
    });
    expect(locked).toEqual({ sku: true, counted: false, protectedSheet: true });

    // Counting: S1 and S2 found, S3 not, S9 found in an extra row; glue counted right; bolts 3 short.
    await setCell(page, 'ST1 A', rowOf(a, C('Serial'), 'S1'), C('Found'), 'x');
    await setCell(page, 'ST1 A', rowOf(a, C('Serial'), 'S2'), C('Found'), 'x');
    await setCell(page, 'ST1 A', rowOf(a, C('Serial'), 'S3') + 1, C('Serial'), 'S9');
    await setCell(page, 'ST1 A', rowOf(a, C('Batch'), 'L1'), C('Counted'), 10);
    const b = await values(page, 'ST1 B');
    await setCell(page, 'ST1 B', rowOf(b, C('SKU'), 'ST-BOLT'), C('Counted'), 37);

    await page.getByRole('button', { name: 'Submit counts' }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toMatch(/ST1 A: saved; ST1 B: saved/);
    const statusA = (await values(page, 'ST1 A')).map((r) => r[STATUS]);
    expect(statusA[rowOf(a, C('Serial'), 'S1')]).toBe('OK');
    expect(statusA[rowOf(a, C('Batch'), 'L1')]).toBe('OK');
    await screenshot(page, '08-stocktake-submitted', 'ST1 A');

    await page.getByRole('button', { name: 'Variance sheet' }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toContain('Wrote ST1 variances');
    const variances = await values(page, 'ST1 variances');
    const bolt = variances.find((r) => r[0] === 'ST-BOLT')!;
    expect(bolt.slice(3, 9)).toEqual([40, 37, 0, -3, 0.5, -1.5]);
    const cam = variances.find((r) => r[0] === 'ST-CAM')!;
    expect(cam.slice(9, 12)).toEqual(['S3', 'S9', '']);

    // Review is the approval step: while counting there is no Finalise, only the way to review.
    expect(await page.getByRole('button', { name: 'Finalise…' }).count()).toBe(0);
    expect(await page.getByTestId('stocktake-finalise-hint').textContent()).toContain('move it to review');
    await page.getByRole('button', { name: 'Move to review' }).click();
    await expect.poll(() => page.getByTestId('stocktake-status').textContent()).toContain('review');
    await expect.poll(() => done(page)).toContain('is in review: check the variances');
    expect(await page.getByRole('button', { name: 'Move to review' }).count()).toBe(0);
    expect(await page.getByTestId('stocktake-finalise-hint').count()).toBe(0);

    await page.getByRole('button', { name: 'Finalise…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Finalise' }).click();
    await expect.poll(() => done(page), { timeout: 30_000 }).toContain('is finalised');
    await screenshot(page, '09-stocktake-finalised', 'ST1 variances');

    // The ledger shows the adjustments; stock matches the count.
    const rows = await server.db.prisma.stockMovement.findMany({
      where: { kind: 'stocktake' },
      select: { productId: true, quantity: true, narrative: true },
    });
    expect(rows.map((r) => [r.productId, Number(r.quantity)]).sort()).toEqual(
      [
        [ids.bolt, -3],
        [ids.cam, -1],
        [ids.cam, 1],
      ].sort(),
    );
    expect(rows.every((r) => r.narrative === 'Stocktake #1')).toBe(true);
    const levels = await api.stock.levels({ locationId: ids.location });
    expect(levels.items.find((l) => l.productId === ids.bolt)?.quantity).toBe(37);
    const serials = await api.serials.list({ productId: ids.cam });
    expect(serials.items.map((s) => `${s.serial}:${s.status}`).sort()).toEqual([
      'S1:in_stock',
      'S2:in_stock',
      'S3:written_off',
      'S9:in_stock',
    ]);
    await page.context().close();
  });
});
