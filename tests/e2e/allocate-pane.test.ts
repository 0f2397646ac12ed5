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
type FakeCell = { value: unknown; fill: string | null; comment: string | null };
const SERIALS = ['AL-0001', 'AL-0002', 'AL-0003', 'AL-0004', 'AL-0005', 'AL-0006'];
const TAKEN = 'AL-0002'; // the other order's serial
// Listed sheet columns: Serial A, Bay B, Received C, Use D.
const SERIAL = 0;
const USE = 3;

describe.skipIf(!hasChromium)('task pane in a real browser: allocating serials to a sales order line', () => {
  let server: Server;
  let browser: Browser;
  let officeScript: string;
  let api: ReturnType<typeof createCaller>;
  let order: { id: number; lineId: number };
  let other: { id: number; lineId: number };

  beforeAll(async () => {
    [server, officeScript] = await Promise.all([startServer(), fakeOfficeScript()]);
    browser = await launchBrowser();
    api = createCaller(createContext(server.db, await userForToken(server.db.prisma, ADMIN_TOKEN)));
    const location = await api.locations.create({ name: 'Showroom' });
    const product = await api.products.create({
      sku: 'AL-DRILL',
      name: 'Cordless drill',
      serialised: true,
      sellable: true,
      saleGlCode: '200',
      sellingTaxRate: 'GST on Income',
    });
    await api.serials.add({ productId: product.id, locationId: location.id, serials: SERIALS, idempotencyKey: 'e2e-allocate-stock' });
    const customer = await api.customers.create({ name: 'Hardware Barn' });
    const created = await api.salesOrders.create({
      customerId: customer.id,
      locationId: location.id,
      reference: 'E2E-SO',
      lines: [{ productId: product.id, quantity: 3, unitPrice: 199 }],
    });
    order = { id: created.id, lineId: created.lines[0]!.id };
    const second = await api.salesOrders.create({
      customerId: customer.id,
      locationId: location.id,
      lines: [{ productId: product.id, quantity: 1, unitPrice: 199 }],
    });
    other = { id: second.id, lineId: second.lines[0]!.id };
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('lists the serials at the order’s location, highlights one another order took, and allocates three once fixed', async () => {
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, ADMIN_TOKEN, 'Allocate');

    // Sales order is the default document type: type its number and open it.
    await page.getByRole('textbox', { name: 'Number' }).fill(String(order.id));
    await page.getByRole('button', { name: 'Open' }).click();
    const lines = page.getByTestId('document-lines');
    await expect.poll(() => lines.textContent(), { timeout: 30_000 }).toContain('AL-DRILL');
    await page.getByRole('combobox', { name: 'Line' }).click();
    await page.getByRole('option', { name: /Line 1 · AL-DRILL/ }).click();

    // One row per serial in stock at the showroom, received as text yyyy-mm-dd, nothing marked yet.
    await page.getByRole('button', { name: 'List available serials' }).click();
    const sheet = `SO ${order.id} L1`;
    await expect.poll(() => page.getByTestId('done-bar').textContent(), { timeout: 30_000 }).toContain(sheet);
    const table = await fake<unknown[][]>(page, 'values', sheet, 0, 0, SERIALS.length + 1, 4);
    expect(table[0]).toEqual(['Serial', 'Bay', 'Received', 'Use']);
    expect(
      table
        .slice(1)
        .map((row) => row[SERIAL])
        .sort(),
    ).toEqual(SERIALS);
    for (const row of table.slice(1)) {
      expect(row[2]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row[USE]).toBe('');
    }
    const rowOf = (serial: string) => table.findIndex((row) => row[SERIAL] === serial);

    // Meanwhile a colleague allocates one of the listed serials to the other order.
    await api.allocations.allocate({ type: 'salesOrder', lineId: other.lineId, serials: [TAKEN], idempotencyKey: 'e2e-allocate-other' });

    // Three rows marked, one of them the serial just taken.
    for (const serial of ['AL-0001', TAKEN, 'AL-0003']) await fake(page, 'setCells', sheet, rowOf(serial), USE, [['x']]);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const result = page.getByTestId('check-result');
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('3 serials checked');
    await expect.poll(() => result.textContent()).toContain('1 problem to fix');
    const takenCell = `A${rowOf(TAKEN) + 1}`;
    const problems = page.getByTestId('problem-list').getByRole('listitem');
    expect(await problems.count()).toBe(1);
    expect(await problems.nth(0).textContent()).toMatch(new RegExp(`^${takenCell} .*${TAKEN}.*allocated`));
    const marked = await fake<FakeCell>(page, 'cell', sheet, rowOf(TAKEN), SERIAL);
    expect(marked.fill).toBe('#FFC7CE');
    expect(marked.comment).toMatch(new RegExp(`^Stocksheet: .*${TAKEN}.*allocated`));
    expect(await fillCount(page, sheet)).toBe(1);
    // The same request to the server says why: the serial is allocated elsewhere.
    const verdict = await api.allocations.check({ type: 'salesOrder', lineId: order.lineId, serials: ['AL-0001', TAKEN, 'AL-0003'] });
    expect(verdict.problems).toEqual([expect.objectContaining({ index: 1, token: TAKEN, reason: 'SERIAL_ALLOCATED' })]);
    await screenshot(page, '11-allocate-conflict');

    // Clicking the problem selects its cell.
    await problems.nth(0).getByRole('button').or(problems.nth(0).getByRole('link')).first().click();
    await expect.poll(() => fake(page, 'selection')).toEqual({ sheet, address: takenCell });

    // Unmark it, mark another, allocate: the marks go and the line holds the three.
    await fake(page, 'setCells', sheet, rowOf(TAKEN), USE, [['']]);
    await fake(page, 'setCells', sheet, rowOf('AL-0004'), USE, [['x']]);
    await page.getByRole('button', { name: 'Allocate', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('done-bar').textContent(), { timeout: 30_000 })
      .toContain('Allocated 3 serials of AL-DRILL to line 1');
    expect(await fillCount(page, sheet)).toBe(0);
    expect(await fake<unknown[]>(page, 'comments', sheet)).toEqual([]);
    await expect.poll(() => page.getByRole('combobox', { name: 'Line' }).textContent()).toContain('3/3');
    await expect.poll(() => page.getByRole('button', { name: 'Allocate', exact: true }).isEnabled()).toBe(true);
    await screenshot(page, '12-allocated');

    const saved = await api.salesOrders.get({ id: order.id });
    expect([...saved.lines[0]!.serials].sort()).toEqual(['AL-0001', 'AL-0003', 'AL-0004']);
    expect((await api.salesOrders.get({ id: other.id })).lines[0]!.serials).toEqual([TAKEN]);

    // Listed again: the line's own serials come marked, the other order's is gone.
    await page.getByRole('button', { name: 'List available serials' }).click();
    await expect.poll(() => page.getByTestId('done-bar').textContent(), { timeout: 30_000 }).toContain('the 3 this line holds are marked');
    const relisted = await fake<unknown[][]>(page, 'values', sheet, 1, 0, SERIALS.length, 4);
    const marks = Object.fromEntries(relisted.filter((row) => row[SERIAL] !== '').map((row) => [row[SERIAL], row[USE]]));
    expect(marks).toEqual({ 'AL-0001': 'x', 'AL-0003': 'x', 'AL-0004': 'x', 'AL-0005': '', 'AL-0006': '' });
    await page.context().close();
  });

  it('lists batches with the expired one in red, refuses it at its quantity cell, and allocates a fresh one', async () => {
    const location = await api.locations.create({ name: 'Paint store' });
    const product = await api.products.create({
      sku: 'AL-PAINT',
      name: 'Deck paint',
      batchTracked: true,
      sellable: true,
      saleGlCode: '200',
      sellingTaxRate: 'GST on Income',
    });
    for (const [number, expiry, quantity] of [
      ['OLD', '2020-01-31', 5],
      ['FRESH', '2099-12-31', 10],
    ] as const) {
      await api.batches.add({
        productId: product.id,
        locationId: location.id,
        number,
        expiry,
        quantity,
        unitCost: 2,
        idempotencyKey: `e2e-allocate-${number}`,
      });
    }
    const customer = await api.customers.create({ name: 'Deck Builders' });
    const paint = await api.salesOrders.create({
      customerId: customer.id,
      locationId: location.id,
      lines: [{ productId: product.id, quantity: 4, unitPrice: 30 }],
    });

    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, ADMIN_TOKEN, 'Allocate');
    await page.getByRole('textbox', { name: 'Number' }).fill(String(paint.id));
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.getByTestId('document-lines').textContent(), { timeout: 30_000 }).toContain('AL-PAINT');

    await page.getByRole('button', { name: 'List available batches' }).click();
    const sheet = `SO ${paint.id} L1`;
    await expect.poll(() => page.getByTestId('done-bar').textContent(), { timeout: 30_000 }).toContain('1 expired, in red');
    const table = await fake<unknown[][]>(page, 'values', sheet, 0, 0, 3, 4);
    expect(table[0]).toEqual(['Batch', 'Expiry', 'Available', 'Quantity to use']);
    const rowOf = (batch: string) => table.findIndex((row) => row[0] === batch);
    expect(table[rowOf('OLD')]).toEqual(['OLD', '2020-01-31 (expired)', 5, '']);
    expect(table[rowOf('FRESH')]).toEqual(['FRESH', '2099-12-31', 10, '']);
    expect(await fake<FakeCell>(page, 'cell', sheet, rowOf('OLD'), 1)).toMatchObject({
      fill: '#FFC7CE',
      comment: expect.stringContaining('expired'),
    });

    // Two from each: the expired batch is refused where its quantity was typed; the red expiry stays.
    await fake(page, 'setCells', sheet, rowOf('OLD'), 3, [[2]]);
    await fake(page, 'setCells', sheet, rowOf('FRESH'), 3, [[2]]);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect.poll(() => page.getByTestId('check-result').textContent(), { timeout: 30_000 }).toContain('2 batches checked');
    const problems = await page.getByTestId('problem-list').getByRole('listitem').allTextContents();
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^D${rowOf('OLD') + 1} .*OLD.*expired`))]);
    expect(await fake<FakeCell>(page, 'cell', sheet, rowOf('OLD'), 3)).toMatchObject({ fill: '#FFC7CE' });
    expect(await fillCount(page, sheet)).toBe(2);
    await screenshot(page, '13-allocate-expired-batch');

    await fake(page, 'setCells', sheet, rowOf('OLD'), 3, [['']]);
    await fake(page, 'setCells', sheet, rowOf('FRESH'), 3, [[4]]);
    await page.getByRole('button', { name: 'Allocate', exact: true }).click();
    await expect.poll(() => page.getByTestId('done-bar').textContent(), { timeout: 30_000 }).toContain('Allocated 4 units of AL-PAINT');
    expect(await fillCount(page, sheet)).toBe(1); // only the expired batch's date
    expect((await api.salesOrders.get({ id: paint.id })).lines[0]!.batches).toEqual([
      { batch: 'FRESH', expiry: '2099-12-31', quantity: 4 },
    ]);
    await page.context().close();
  });

  it('lets a viewer open the order and check, but offers no allocation', async () => {
    const viewer = await api.users.create({ name: 'e2e-allocate-viewer', role: 'viewer' });
    const page = await openPane(browser, server.url, officeScript);
    await connectPane(page, viewer.token, 'Allocate');
    await page.getByRole('textbox', { name: 'Number' }).fill(String(order.id));
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.getByTestId('document-lines').textContent(), { timeout: 30_000 }).toContain('AL-DRILL');
    expect(await page.getByRole('button', { name: 'Check', exact: true }).isDisabled()).toBe(false);
    expect(await page.getByRole('button', { name: 'Allocate', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByTestId('role-note').textContent()).toContain('Your role (viewer) may not allocate');
    await page.context().close();
  });
});
