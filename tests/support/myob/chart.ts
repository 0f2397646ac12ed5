// The company file a stand-in starts with: a small Australian AccountRight chart with the accounts a
// stock integration maps (a stock-on-hand asset, cost of sales, stock adjustments, received not
// billed, opening balance equity, sales and purchases), the header accounts that group them, one
// inactive account (1-1390); MYOB's Australian tax codes; preferences without a lock period.
// Classifications follow the DisplayID's first digit (GeneralLedger/Classification.cs).
import { randomUUID } from 'node:crypto';
import type { MyobAccount, MyobAccountType, MyobClassification, MyobPreferences, MyobTaxCode } from './types.ts';

const CLASSIFICATION_BY_DIGIT: Record<string, MyobClassification> = {
  '1': 'Asset',
  '2': 'Liability',
  '3': 'Equity',
  '4': 'Income',
  '5': 'CostOfSales',
  '6': 'Expense',
  '8': 'OtherIncome',
  '9': 'OtherExpense',
};

export function classificationOf(displayId: string): MyobClassification {
  const classification = CLASSIFICATION_BY_DIGIT[displayId[0] ?? ''];
  if (!classification) throw new Error(`'${displayId}' does not start with an AccountRight classification digit`);
  return classification;
}

/** The RowVersion of accounts, tax codes and preferences the stand-in starts with. */
export const INITIAL_ROW_VERSION = '1407375153102848';

export function defaultAccounts(): MyobAccount[] {
  const a = (
    DisplayID: string,
    Name: string,
    Type: MyobAccountType,
    Level: MyobAccount['Level'],
    extra: Partial<MyobAccount> = {},
  ): MyobAccount => ({
    UID: randomUUID(),
    DisplayID,
    Name,
    Classification: classificationOf(DisplayID),
    Type,
    IsActive: true,
    IsHeader: false,
    Level,
    ...(extra.IsHeader ? {} : { TaxCode: 'N-T' }),
    RowVersion: INITIAL_ROW_VERSION,
    ...extra,
  });
  const header = (DisplayID: string, Name: string, Type: MyobAccountType, Level: MyobAccount['Level']) =>
    a(DisplayID, Name, Type, Level, { IsHeader: true });
  return [
    header('1-0000', 'Assets', 'OtherCurrentAsset', 1),
    header('1-1000', 'Current Assets', 'OtherCurrentAsset', 2),
    a('1-1110', 'Business Bank Account', 'Bank', 3),
    a('1-1320', 'Stock on hand', 'OtherCurrentAsset', 3),
    a('1-1390', 'Stock on hand (old)', 'OtherCurrentAsset', 3, { IsActive: false }),
    header('2-0000', 'Liabilities', 'OtherCurrentLiability', 1),
    a('2-1310', 'GST Collected', 'OtherCurrentLiability', 2),
    a('2-1330', 'GST Paid', 'OtherCurrentLiability', 2),
    a('2-1500', 'Stock received not billed', 'OtherCurrentLiability', 2),
    header('3-0000', 'Equity', 'Equity', 1),
    a('3-0100', 'Opening balance equity', 'Equity', 2),
    header('4-0000', 'Income', 'Income', 1),
    a('4-1000', 'Sales', 'Income', 2, { TaxCode: 'GST' }),
    header('5-0000', 'Cost Of Sales', 'CostOfSales', 1),
    a('5-1000', 'Cost of sales', 'CostOfSales', 2),
    a('5-1150', 'Stock adjustments', 'CostOfSales', 2),
    header('6-0000', 'Expenses', 'Expense', 1),
    a('6-1000', 'Purchases', 'Expense', 2, { TaxCode: 'GST' }),
  ];
}

/** AccountRight's Australian codes (N-T "Not Reportable" is the one stock journals use); types as the SDK names them. */
export function defaultTaxCodes(): MyobTaxCode[] {
  const t = (Code: string, Description: string, Type: MyobTaxCode['Type'], Rate: number, linked = false): MyobTaxCode => ({
    UID: randomUUID(),
    Code,
    Description,
    Type,
    Rate,
    ...(linked ? { TaxCollectedAccount: '2-1310', TaxPaidAccount: '2-1330' } : {}),
    RowVersion: INITIAL_ROW_VERSION,
  });
  return [
    t('CAP', 'Capital Acquisitions', 'GST_VAT', 10, true),
    t('EXP', 'Export Sales', 'GST_VAT', 0, true),
    t('FRE', 'GST Free', 'GST_VAT', 0, true),
    t('GST', 'Goods & Services Tax', 'GST_VAT', 10, true),
    t('INP', 'Input Taxed', 'InputTaxed', 0),
    t('N-T', 'Not Reportable', 'GST_VAT', 0),
  ];
}

export function defaultPreferences(lockPeriodPriorTo: string | null): MyobPreferences {
  return {
    System: {
      CategoryTracking: 'Off',
      TransactionsCannotBeChangedMustBeReversed: false,
      LockPeriodPriorTo: lockPeriodPriorTo,
      UseAlphaAccountIdentifier: false,
    },
    RowVersion: INITIAL_ROW_VERSION,
  };
}
