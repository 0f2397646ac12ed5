import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../server/context.ts';
import { withCheckDigit } from '../../server/domain/barcode.ts';
import { productSheetHeader } from '../../server/domain/product-sheet.ts';
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
const HEADER = productSheetHeader({ withCost: true });
const SHEET = 'Products';
/** A1-style column letter of a header. */
const col = (name: string) => String.fromCharCode(65 + HEADER.indexOf(name));

describe.skipIf(!hasChromium)('task pane in a real browser: products from a sheet', () => {
  let server: Server;
  let browser: Browser;
  let officeScript: string;
  let api: ReturnType<typeof createCaller>;

  beforeAll(async () => {
    [server, officeScript] = await Promise.all([startServer(), fakeOfficeScript()]);
    browser = await launchBrowser();
    api = createCaller(createContext(server.db, await userForToken(server.db.prisma, ADMIN_TOKEN)));
    await api.products.create({ sku: '000123', name: 'Cable', stockTracked: true, barcode: '036000291452' });
    await api.products.create({
      sku: 'SER-1',
      name: 'Camera',
      serialised: true,
      sellable: true,
      saleGlCode: '200',
      sellingTaxRate: 'GST on Income',
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it(
    'exports the products, checks an edited cell and a new row, marks the bad cells, and applies them once fixed',
    { timeout: 180_000 },
    async () => {
      const page = await openPane(browser, server.url, officeScript);
      await connectPane(page, ADMIN_TOKEN, 'Products');

      // Export: a table of every product, SKUs and barcodes as text (zeros kept), flags as TRUE/FALSE.
      await page.getByRole('button', { name: 'Export products to sheet' }).click();
      await expect.poll(() => page.getByTestId('done-bar').textContent(), { timeout: 30_000 }).toContain('Wrote 2 products');
      const written = await fake<unknown[][]>(page, 'values', SHEET, 0, 0, 3, HEADER.length);
      expect(written[0]).toEqual(HEADER);
      expect(written[1]).toEqual([
        '000123',
        'Cable',
        true,
        false,
        false,
        false,
        false,
        true,
        '',
        '',
        '',
        '',
        '',
        '',
        '036000291452',
        0,
        '',
      ]);
      expect(written[2]!.slice(0, 10)).toEqual(['SER-1', 'Camera', true, true, false, true, false, true, '200', 'GST on Income']);
      expect(await fake<string>(page, 'numberFormat', SHEET, 1, HEADER.indexOf('Barcode'))).toBe('@');
      expect(await fake<string>(page, 'numberFormat', SHEET, 5, HEADER.indexOf('SKU'))).toBe('@');

      // Edited as a person would: a renamed product, and a new one typed in row 4 with two mistakes
      // (sellable without its selling tax rate, a barcode whose check digit is wrong).
      const gtin = withCheckDigit('930060100042');
      const mistyped = `${gtin.slice(0, -1)}${(Number(gtin.at(-1)) + 3) % 10}`;
      await fake(page, 'typeInto', SHEET, `${col('Name')}2`, 'Cable, 2 m');
      await fake(page, 'typeInto', SHEET, 'A4', [['NEW-1', 'Tripod', 'TRUE', 'FALSE', 'FALSE', 'TRUE', 'FALSE', 'TRUE', '200']]);
      await fake(page, 'typeInto', SHEET, `${col('Barcode')}4`, mistyped);
      await fake(page, 'typeInto', SHEET, `${col('Unit cost')}4`, '12.5');

      await page.getByRole('button', { name: 'Check' }).click();
      const result = page.getByTestId('check-result');
      await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('3 rows checked');
      await expect.poll(() => result.textContent()).toContain('2 problems to fix');
      const problems = await page.getByTestId('problem-list').getByRole('listitem').allTextContents();
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(new RegExp(`^${col('Selling tax rate')}4 .*selling tax rate`));
      expect(problems[1]).toMatch(new RegExp(`^${col('Barcode')}4 .*check digit .* should be ${gtin.at(-1)}`));
      expect(await fillCount(page, SHEET)).toBe(2);
      expect(await fake<{ fill: string | null }>(page, 'cell', SHEET, 3, HEADER.indexOf('Barcode'))).toMatchObject({ fill: '#FFC7CE' });
      expect(await page.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
      await screenshot(page, '30-products-problems', SHEET);
      // Nothing is written by a check.
      expect((await api.products.export()).products.map((p) => p.name)).toEqual(['Cable', 'Camera']);

      // Fixed in the sheet and checked again: clean, the marks gone.
      await fake(page, 'typeInto', SHEET, `${col('Selling tax rate')}4`, 'GST on Income');
      await fake(page, 'typeInto', SHEET, `${col('Barcode')}4`, gtin);
      await page.getByRole('button', { name: 'Check' }).click();
      await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('No problems');
      expect(await result.textContent()).toContain('creates 1 product, updates 1 and leaves 1 unchanged');
      expect(await fillCount(page, SHEET)).toBe(0);

      await page.getByRole('button', { name: 'Apply' }).click();
      await expect
        .poll(() => page.getByTestId('done-bar').textContent(), { timeout: 30_000 })
        .toContain('Imported: 1 created, 1 updated, 1 unchanged.');
      expect(await page.getByTestId('product-changes').getByRole('listitem').allTextContents()).toEqual(['000123: Name', 'NEW-1: created']);
      await screenshot(page, '31-products-applied', SHEET);

      const after = (await api.products.export()).products;
      expect(after.map((p) => [p.sku, p.name, p.barcode])).toEqual([
        ['000123', 'Cable, 2 m', '036000291452'],
        ['NEW-1', 'Tripod', gtin],
        ['SER-1', 'Camera', null],
      ]);
      expect(after.find((p) => p.sku === 'NEW-1')).toMatchObject({ stockTracked: true, sellable: true, unitCost: 12.5 });

      // An edit after the check is not applied unchecked.
      await fake(page, 'typeInto', SHEET, `${col('Name')}3`, 'Camera body');
      await page.getByRole('button', { name: 'Check' }).click();
      await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('No problems');
      await fake(page, 'typeInto', SHEET, `${col('Name')}3`, 'Camera body, black');
      await page.getByRole('button', { name: 'Apply' }).click();
      await expect.poll(() => page.getByTestId('failure-bar').textContent(), { timeout: 30_000 }).toMatch(/changed since it was checked/);
      expect((await api.products.export()).products.find((p) => p.sku === 'SER-1')!.name).toBe('Camera');
      await page.context().close();
    },
  );
});
