import { describe, expect, it } from 'vitest';
import {
  accountProblem,
  buildJournal,
  centsText,
  scaled,
  toCents,
  type PostingAccounts,
  type ValuedMovement,
} from '../../server/domain/journals.ts';

const accounts: PostingAccounts = {
  stockAccount: '1410',
  costOfSalesAccount: '310',
  receivedNotBilledAccount: '2150',
  adjustmentAccount: '5150',
  openingBalanceAccount: '3100',
};
const move = (quantity: string, unitCost: string, extra: Partial<ValuedMovement> = {}): ValuedMovement => ({
  sku: 'W-1',
  quantity,
  unitCost,
  glCode: null,
  assetGlCode: null,
  cogsGlCode: null,
  ...extra,
});
const lines = (result: ReturnType<typeof buildJournal>) => {
  if (!('journal' in result)) throw new Error(JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  return result.journal.lines.map((l) => [l.account, centsText(l.cents)]);
};

describe('exact values and rounding', () => {
  it('parses decimals exactly and rounds half away from zero', () => {
    expect(scaled('12.34', 4)).toBe(123400n);
    expect(scaled('-0.0001', 4)).toBe(-1n);
    expect(scaled('99999999999999.9999', 4)).toBe(999999999999999999n);
    expect(toCents(5n, 3)).toBe(1n); // 0.005 -> 0.01
    expect(toCents(-5n, 3)).toBe(-1n);
    expect(toCents(4n, 3)).toBe(0n);
    expect(centsText(-5n)).toBe('-0.05');
    expect(centsText(123456n)).toBe('1234.56');
  });
});

describe('buildJournal', () => {
  it('a receipt: Dr stock, Cr received not billed, at the cost the ledger recorded', () => {
    expect(lines(buildJournal('receipt', [move('3', '12.5'), move('2', '1.25')], accounts))).toEqual([
      ['1410', '40.00'],
      ['2150', '-40.00'],
    ]);
  });

  it('a sale: Dr cost of sales (the product’s own code first), Cr stock (the product’s asset code first)', () => {
    const result = buildJournal('sale', [move('-2', '10'), move('-1', '4', { assetGlCode: '1420', cogsGlCode: '320' })], accounts);
    expect(lines(result)).toEqual([
      ['1410', '-20.00'],
      ['1420', '-4.00'],
      ['310', '20.00'],
      ['320', '4.00'],
    ]);
  });

  it('a stocktake nets gains and losses per account, against its GL code', () => {
    const result = buildJournal('stocktake', [move('3', '12', { glCode: '631' }), move('-20', '4.5', { glCode: '631' })], accounts);
    expect(lines(result)).toEqual([
      ['1410', '-54.00'],
      ['631', '54.00'],
    ]);
  });

  it('balances to the cent when rounding per account leaves a cent over: it goes to the largest line off stock', () => {
    // A third of a cent in each of three stock accounts: each stock line rounds to zero, so the
    // offset is balanced to zero too and nothing is posted (the stock accounts did not change by a cent).
    const third = '0.003333';
    const tiny = buildJournal(
      'adjustment',
      [move('1', third, { assetGlCode: 'A' }), move('1', third, { assetGlCode: 'B' }), move('1', '0.004', { assetGlCode: 'C' })],
      accounts,
    );
    expect(tiny).toMatchObject({ nothing: expect.any(String) });
    const uneven = buildJournal(
      'adjustment',
      [move('1', '0.005', { assetGlCode: 'A' }), move('1', '0.005', { assetGlCode: 'B' })],
      accounts,
    );
    // 0.005 + 0.005: each stock line rounds up to 0.01, the exact offset is -0.01: the offset takes the difference.
    expect(lines(uneven)).toEqual([
      ['A', '0.01'],
      ['B', '0.01'],
      ['5150', '-0.02'],
    ]);
    if ('journal' in uneven) expect(uneven.journal.lines.reduce((s, l) => s + l.cents, 0n)).toBe(0n);
  });

  it('a work order moves value between stock accounts; the unit cost’s rounding goes to adjustments', () => {
    const result = buildJournal(
      'production',
      [move('-1', '10', { assetGlCode: '1410' }), move('-1', '0.01'), move('3', '3.336667', { assetGlCode: '1450' })],
      accounts,
    );
    // In: 10.01 out of 1410; out: 10.010001 into 1450 (rounds to 10.01): the residual rounds to zero.
    expect(lines(result)).toEqual([
      ['1410', '-10.01'],
      ['1450', '10.01'],
    ]);
  });

  it('nothing to post when the value nets to zero (a move within one stock account, or zero cost)', () => {
    expect(buildJournal('production', [move('-1', '5'), move('1', '5')], accounts)).toEqual({
      nothing: 'The movements net to zero value: there is nothing to post.',
    });
    expect(buildJournal('opening', [move('10', '0')], accounts)).toMatchObject({ nothing: expect.any(String) });
  });

  it('names the account role that is not set, so the accountant knows what to fix', () => {
    expect(buildJournal('sale', [move('-1', '1')], { ...accounts, costOfSalesAccount: null })).toEqual({
      missing: {
        role: 'costOfSalesAccount',
        message: 'No cost of sales account is set: choose one in the accounting settings, then retry.',
      },
    });
  });

  it('holds stock levels of 10^14 at six-decimal costs exactly', () => {
    const result = buildJournal('opening', [move('99999999999999.9999', '999999999999.999999')], accounts);
    expect(lines(result)[0]![1]).toBe('99999999999999999800000000.00');
  });
});

describe('accountProblem', () => {
  const chart = new Map([
    ['1410', { code: '1410', name: 'Stock on Hand', type: 'CURRENT', active: true }],
    ['630', { code: '630', name: 'Inventory', type: 'INVENTORY', active: true }],
    ['999', { code: '999', name: 'Old', type: 'EXPENSE', active: false }],
  ]);
  it('accepts an active current account and refuses missing, archived and inventory-type ones with what to do', () => {
    expect(accountProblem('1410', 'stock on hand', chart)).toBeNull();
    expect(accountProblem('1', 'stock on hand', chart)).toMatch(/not in the chart of accounts/);
    expect(accountProblem('999', 'stock adjustments', chart)).toMatch(/archived/);
    expect(accountProblem('630', 'stock on hand', chart)).toMatch(/inventory-type account/);
  });
});
