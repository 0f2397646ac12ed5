// The rules the fake Excel keeps beyond plain Office.js bookkeeping: how Excel reads typing and
// shows values, how big a request is, what protection and version checks really do, the cell text
// limit and comment paging. The port tests rely on them to fail where real Excel would.
import { describe, expect, it } from 'vitest';
import { REQUEST_BYTES_PER_OBJECT, REQUEST_BYTES_PER_OPERATION } from '../support/fake-excel.ts';
import { useFakeExcel } from '../support/fake-excel-tests.ts';

const setUp = useFakeExcel();

describe('typing into the fake Excel', () => {
  it('converts what a person types into a General cell as Excel does, and shows it as Excel would', () => {
    const f = setUp({ year: 2026 });
    const typed = ['00123', '1-2', '3/4', '1E5', '12,345', '$5', '5%', '1234567890123456789', '123456789012', 'TRUE', 'SN-00123'];
    f.workbook.typeInto('Sheet1', 'A1', [typed]);
    expect(f.workbook.values('Sheet1', 0, 0, 1, typed.length)).toEqual([
      [123, 46024, 46085, 100000, 12345, 5, 0.05, 1234567890123450000, 123456789012, true, 'SN-00123'],
    ]);
    expect(typed.map((_, c) => f.workbook.text('Sheet1', 0, c))).toEqual([
      '123',
      '2-Jan',
      '4-Mar',
      '1.00E+05',
      '12,345',
      '$5',
      '5%',
      '1.23457E+18',
      '1.23457E+11',
      'TRUE',
      'SN-00123',
    ]);
  });

  it('keeps exactly what is typed into a cell formatted as Text', async () => {
    const f = setUp();
    await f.Excel.run(async (context) => {
      context.workbook.worksheets.getItem('Sheet1').getRangeByIndexes(0, 0, 1_048_576, 1).numberFormat = [['@']];
      await context.sync();
    });
    const typed = ['00123', '1-2', '1E5', '12,345', '1234567890123456789', '=1+1'];
    f.workbook.typeInto(
      'Sheet1',
      'A1',
      typed.map((t) => [t]),
    );
    expect(f.workbook.values('Sheet1', 0, 0, typed.length, 1).flat()).toEqual(typed);
    expect(typed.map((_, r) => f.workbook.text('Sheet1', r, 0))).toEqual(typed);
    expect(f.workbook.formulaWrites).toEqual([]);
    expect(f.workbook.numberFormat('Sheet1', 500_000, 0)).toBe('@');
    expect(f.workbook.numberFormat('Sheet1', 0, 1)).toBe('General');
  });

  it('stores dates in the workbook’s date system and shows them in the cell’s date format', async () => {
    for (const date1904 of [false, true]) {
      const f = setUp({ date1904 });
      await f.Excel.run(async (context) => {
        context.workbook.worksheets.getItem('Sheet1').getRangeByIndexes(0, 0, 1_048_576, 1).numberFormat = [['yyyy-mm-dd']];
        await context.sync();
      });
      f.workbook.typeInto('Sheet1', 'A1', '3/31/2027');
      expect(f.workbook.values('Sheet1', 0, 0, 1, 1)).toEqual([[date1904 ? 45015 : 46477]]);
      expect(f.workbook.text('Sheet1', 0, 0)).toBe('2027-03-31');
    }
  });

  it('refuses typing where a person could not type: a locked cell of a protected sheet, a value the validation refuses', async () => {
    const f = setUp();
    await f.Excel.run(async (context) => {
      const range = context.workbook.worksheets.getItem('Sheet1').getRangeByIndexes(0, 1, 5, 1);
      range.format.protection.locked = false;
      range.dataValidation.rule = { decimal: { formula1: 0, operator: 'GreaterThanOrEqualTo' } };
      range.dataValidation.errorAlert = { showAlert: true, message: 'Enter a number, 0 or more.' };
      await context.sync();
    });
    f.workbook.protect('Sheet1');
    expect(() => f.workbook.typeInto('Sheet1', 'A1', 'x')).toThrow('Sheet1!A1 is locked: the sheet is protected.');
    expect(() => f.workbook.typeInto('Sheet1', 'B1', '-1')).toThrow('Sheet1!B1 refuses "-1": Enter a number, 0 or more.');
    f.workbook.typeInto('Sheet1', 'B1', '3');
    expect(f.workbook.values('Sheet1', 0, 1, 1, 1)).toEqual([[3]]);
  });

  it('refuses text over 32,767 characters, NaN and Infinity', async () => {
    const f = setUp();
    await f.Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItem('Sheet1');
      sheet.getRangeByIndexes(0, 0, 1, 1).values = [['x'.repeat(32_767)]];
      await context.sync();
      for (const value of ['y'.repeat(32_768), Number.NaN, Number.POSITIVE_INFINITY]) {
        sheet.getRangeByIndexes(1, 0, 1, 1).values = [[value]];
        await expect(context.sync()).rejects.toMatchObject({ code: 'InvalidArgument' });
      }
    });
    expect(String(f.workbook.values('Sheet1', 0, 0, 1, 1)[0]![0]).length).toBe(32_767);
    expect(f.workbook.values('Sheet1', 1, 0, 1, 1)).toEqual([['']]);
  });
});

describe('request sizes in the fake Excel', () => {
  it('counts each operation and each object it addresses, not only the values sent', async () => {
    const f = setUp();
    await f.Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItem('Sheet1');
      for (let row = 0; row < 1_000; row++) sheet.getRangeByIndexes(row, 0, 1, 1).values = [['x']];
      await context.sync();
    });
    expect(f.syncs[0]!.requestBytes).toBeGreaterThan(1_000 * (REQUEST_BYTES_PER_OPERATION + REQUEST_BYTES_PER_OBJECT));
  });

  it('answers an oversized request with GeneralException when asked to, as Excel on the web has', async () => {
    const f = setUp({ payloadLimitBytes: 10_000, oversizedError: 'generic' });
    await f.Excel.run(async (context) => {
      context.workbook.worksheets.getItem('Sheet1').getRangeByIndexes(0, 0, 1, 1).values = [['z'.repeat(20_000)]];
      await expect(context.sync()).rejects.toMatchObject({ code: 'GeneralException', message: 'An internal error has occurred.' });
    });
    expect(f.workbook.values('Sheet1', 0, 0, 1, 1)).toEqual([['']]);
  });

  it('refuses 30,000 comments loaded in one response, and gives them a page at a time', async () => {
    const f = setUp();
    const content = (i: number) => `Serial SN-${String(i).padStart(8, '0')} is already in stock at Main warehouse, bay ${i % 97}.`;
    for (let i = 0; i < 30_000; i++) f.workbook.addComment('Sheet1', i, 0, content(i));
    await f.Excel.run(async (context) => {
      const comments = context.workbook.worksheets.getItem('Sheet1').comments;
      comments.load('items/content');
      await expect(context.sync()).rejects.toMatchObject({ code: 'ResponsePayloadSizeLimitExceeded' });
      const count = comments.getCount();
      comments.load({ select: 'content', skip: 29_998, top: 5 });
      await context.sync();
      expect(count.value).toBe(30_000);
      expect(comments.items.map((c) => c.content)).toEqual([content(29_998), content(29_999)]);
    });
  });
});

describe('protection and versions in the fake Excel', () => {
  it('reports protection options with nulls, and refuses them back (office-js #1931)', async () => {
    const f = setUp();
    f.workbook.protect('Sheet1', true, { allowSort: true });
    await f.Excel.run(async (context) => {
      const protection = context.workbook.worksheets.getItem('Sheet1').protection.load('options');
      await context.sync();
      expect(protection.options).toMatchObject({ allowSort: true, allowEditObjects: null });
      protection.unprotect();
      protection.protect(protection.options);
      await expect(context.sync()).rejects.toMatchObject({ code: 'GeneralException' });
    });
    expect(f.workbook.isProtected('Sheet1')).toBe(false);
  });

  it('refuses to unprotect a sheet that is not protected, or protect one that is (office-js #6784)', async () => {
    const f = setUp();
    await f.Excel.run(async (context) => {
      const protection = context.workbook.worksheets.getItem('Sheet1').protection;
      protection.unprotect();
      await expect(context.sync()).rejects.toMatchObject({ code: 'AccessDenied' });
      protection.protect();
      await context.sync();
      protection.protect();
      await expect(context.sync()).rejects.toMatchObject({ code: 'AccessDenied' });
    });
  });

  it('refuses custom properties on a protected sheet', async () => {
    const f = setUp();
    f.workbook.protect('Sheet1');
    await f.Excel.run(async (context) => {
      context.workbook.worksheets.getItem('Sheet1').customProperties.add('k', 'v');
      await expect(context.sync()).rejects.toMatchObject({ code: 'AccessDenied' });
    });
  });

  it('compares requirement set versions part by part: 1.10 is above 1.9', () => {
    const { Office } = setUp({ excelApi: '1.10' });
    const supported = (version: string) => Office.context.requirements.isSetSupported('ExcelApi', version);
    expect(['1.1', '1.9', '1.10', '1.11', '1.12'].map(supported)).toEqual([true, true, true, false, false]);
    expect(setUp().Office.context.requirements.isSetSupported('ExcelApi', '1.12')).toBe(true);
  });

  it('leaves a recalculation pending after values written while calculation was suspended', async () => {
    const f = setUp();
    await f.Excel.run(async (context) => {
      context.application.suspendApiCalculationUntilNextSync();
      context.workbook.worksheets.getItem('Sheet1').getRangeByIndexes(0, 0, 1, 1).values = [[1]];
      await context.sync();
    });
    expect(f.workbook.calculationPending()).toBe(true);
    await f.Excel.run(async (context) => {
      context.application.calculate('Recalculate');
      await context.sync();
    });
    expect(f.workbook.calculationPending()).toBe(false);
  });
});
