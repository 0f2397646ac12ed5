// The organisation a stand-in starts with: a small New Zealand chart of accounts with the accounts a
// stock integration posts to (a CURRENT-asset stock account, Xero's INVENTORY-type account that must
// not be used, cost of sales, adjustments, received-not-billed, opening balance), one archived
// account and one without a code; NZ tax rates (plus BASEXCLUDED and an archived rate); one tracking
// category; base currency NZD and no lock dates.
import { randomUUID } from 'node:crypto';
import type { XeroAccount, XeroAccountType, XeroOrganisationSettings, XeroTaxRate, XeroTrackingCategory } from './types.ts';

export function defaultAccounts(): XeroAccount[] {
  const a = (Code: string | undefined, Name: string, Type: XeroAccountType, TaxType: string, Status: 'ACTIVE' | 'ARCHIVED' = 'ACTIVE') => ({
    AccountID: randomUUID(),
    ...(Code === undefined ? {} : { Code }),
    Name,
    Type,
    Status,
    TaxType,
  });
  return [
    a('090', 'Business Bank Account', 'BANK', 'NONE'),
    a('200', 'Sales', 'REVENUE', 'OUTPUT2'),
    a('300', 'Purchases', 'DIRECTCOSTS', 'INPUT2'),
    a('310', 'Cost of Goods Sold', 'DIRECTCOSTS', 'INPUT2'),
    a('429', 'General Expenses', 'EXPENSE', 'INPUT2'),
    a('630', 'Inventory', 'INVENTORY', 'INPUT2'),
    a('1410', 'Stock on Hand', 'CURRENT', 'NONE'),
    a('2150', 'Stock Received Not Billed', 'CURRLIAB', 'NONE'),
    a('3100', 'Opening Balance', 'EQUITY', 'NONE'),
    a('5150', 'Inventory Adjustments', 'DIRECTCOSTS', 'NONE'),
    a('5160', 'Stock Write-offs (old)', 'DIRECTCOSTS', 'NONE', 'ARCHIVED'),
    a(undefined, 'Owner Funds Introduced', 'EQUITY', 'NONE'),
  ];
}

export function defaultTaxRates(): XeroTaxRate[] {
  const all = {
    CanApplyToAssets: true,
    CanApplyToEquity: true,
    CanApplyToExpenses: true,
    CanApplyToLiabilities: true,
    CanApplyToRevenue: true,
  };
  return [
    { Name: 'No GST', TaxType: 'NONE', Status: 'ACTIVE', Rate: 0, ReportTaxType: 'NONE', ...all },
    { Name: 'BAS Excluded', TaxType: 'BASEXCLUDED', Status: 'ACTIVE', Rate: 0, ReportTaxType: 'BASEXCLUDED', ...all },
    { Name: 'GST on Income', TaxType: 'OUTPUT2', Status: 'ACTIVE', Rate: 15, ReportTaxType: 'OUTPUT', ...all, CanApplyToExpenses: false },
    { Name: 'GST on Expenses', TaxType: 'INPUT2', Status: 'ACTIVE', Rate: 15, ReportTaxType: 'INPUT', ...all, CanApplyToRevenue: false },
    { Name: 'Zero Rated', TaxType: 'ZERORATED', Status: 'ACTIVE', Rate: 0, ReportTaxType: 'OUTPUT', ...all },
    { Name: 'GST on Imports (old)', TaxType: 'GSTONIMPORTS', Status: 'ARCHIVED', Rate: 0, ReportTaxType: 'GSTONIMPORTS', ...all },
  ];
}

export function defaultTrackingCategories(): XeroTrackingCategory[] {
  return [
    {
      TrackingCategoryID: randomUUID(),
      Name: 'Region',
      Status: 'ACTIVE',
      Options: [
        { TrackingOptionID: randomUUID(), Name: 'North', Status: 'ACTIVE' },
        { TrackingOptionID: randomUUID(), Name: 'South', Status: 'ACTIVE' },
      ],
    },
  ];
}

export function defaultOrganisation(): XeroOrganisationSettings {
  return { OrganisationID: randomUUID(), Name: 'Demo Company (NZ)', BaseCurrency: 'NZD', CountryCode: 'NZ' };
}

export type AccountClass = 'ASSET' | 'EQUITY' | 'EXPENSE' | 'LIABILITY' | 'REVENUE';

/** Xero's account class of each account type. */
export function accountClass(type: XeroAccountType): AccountClass {
  switch (type) {
    case 'BANK':
    case 'CURRENT':
    case 'FIXED':
    case 'INVENTORY':
    case 'NONCURRENT':
    case 'PREPAYMENT':
      return 'ASSET';
    case 'CURRLIAB':
    case 'LIABILITY':
    case 'TERMLIAB':
    case 'PAYG':
      return 'LIABILITY';
    case 'EQUITY':
      return 'EQUITY';
    case 'DEPRECIATN':
    case 'DIRECTCOSTS':
    case 'EXPENSE':
    case 'OVERHEADS':
      return 'EXPENSE';
    case 'OTHERINCOME':
    case 'REVENUE':
    case 'SALES':
      return 'REVENUE';
  }
}

/** Whether a tax rate may be used on an account of this type. */
export function taxRateAppliesTo(rate: XeroTaxRate, type: XeroAccountType): boolean {
  switch (accountClass(type)) {
    case 'ASSET':
      return rate.CanApplyToAssets;
    case 'EQUITY':
      return rate.CanApplyToEquity;
    case 'EXPENSE':
      return rate.CanApplyToExpenses;
    case 'LIABILITY':
      return rate.CanApplyToLiabilities;
    case 'REVENUE':
      return rate.CanApplyToRevenue;
  }
}
