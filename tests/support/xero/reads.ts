// The organisation's settings as Xero's GETs show them: the chart of accounts (with the class of
// each type; accounts without a code have none), tax rates, tracking categories and the
// organisation (base currency and lock dates, as JSON dates).
import { json, type Answer } from './answers.ts';
import { accountClass } from './chart.ts';
import { msDate, msDateTime, parseIsoDate } from './dates.ts';
import { envelope, modifiedSince, type OpContext } from './state.ts';
import type { XeroAccount } from './types.ts';
import { parseOrder, parseWhere } from './where.ts';

function accountOut(a: XeroAccount, updatedAt: number): Record<string, unknown> {
  return {
    AccountID: a.AccountID,
    ...(a.Code !== undefined ? { Code: a.Code } : {}),
    Name: a.Name,
    Status: a.Status,
    Type: a.Type,
    TaxType: a.TaxType,
    ...(a.Description !== undefined ? { Description: a.Description } : {}),
    Class: accountClass(a.Type),
    EnablePaymentsToAccount: false,
    ShowInExpenseClaims: false,
    BankAccountType: a.Type === 'BANK' ? 'BANK' : '',
    ReportingCode: '',
    HasAttachments: false,
    UpdatedDateUTC: msDate(updatedAt),
    AddToWatchlist: false,
  };
}

/** Filters and orders a list by `where` and `order` on what the answer shows. */
function filtered<T>(ctx: OpContext, list: T[], view: (t: T) => Record<string, unknown>, fields: string[], typeName: string): T[] {
  let rows = list.map((t) => ({ t, v: view(t) }));
  if (ctx.query.where) {
    const match = parseWhere(ctx.query.where, fields, typeName);
    rows = rows.filter(({ v }) => match(v));
  }
  if (ctx.query.order) {
    const compare = parseOrder(ctx.query.order, fields, typeName);
    rows = [...rows].sort((a, b) => compare(a.v, b.v));
  }
  return rows.map(({ t }) => t);
}

export function getAccounts(ctx: OpContext, fields: string[]): Answer {
  const since = modifiedSince(ctx);
  const list = since && !since(ctx.state.createdAt) ? [] : ctx.state.accounts;
  const rows = filtered(
    ctx,
    list,
    (a) => ({ ...accountOut(a, ctx.state.createdAt), UpdatedDateUTC: ctx.state.createdAt }),
    fields,
    'Account',
  );
  return json(200, { ...envelope(ctx), Accounts: rows.map((a) => accountOut(a, ctx.state.createdAt)) });
}

export function getTaxRates(ctx: OpContext, fields: string[]): Answer {
  const out = (t: OpContext['state']['taxRates'][number]) => ({
    Name: t.Name,
    TaxType: t.TaxType,
    ReportTaxType: t.ReportTaxType,
    CanApplyToAssets: t.CanApplyToAssets,
    CanApplyToEquity: t.CanApplyToEquity,
    CanApplyToExpenses: t.CanApplyToExpenses,
    CanApplyToLiabilities: t.CanApplyToLiabilities,
    CanApplyToRevenue: t.CanApplyToRevenue,
    DisplayTaxRate: t.Rate,
    EffectiveRate: t.Rate,
    Status: t.Status,
    TaxComponents: [{ Name: 'GST', Rate: t.Rate, IsCompound: false, IsNonRecoverable: false }],
  });
  const rows = filtered(ctx, ctx.state.taxRates, out, fields, 'TaxRate');
  return json(200, { ...envelope(ctx), TaxRates: rows.map(out) });
}

export function getTrackingCategories(ctx: OpContext, fields: string[]): Answer {
  const includeArchived = (ctx.query.includeArchived ?? '').toLowerCase() === 'true';
  const out = (c: OpContext['state']['trackingCategories'][number]) => ({
    Name: c.Name,
    Status: c.Status,
    TrackingCategoryID: c.TrackingCategoryID,
    Options: c.Options.filter((o) => includeArchived || o.Status === 'ACTIVE').map((o) => ({
      TrackingOptionID: o.TrackingOptionID,
      Name: o.Name,
      Status: o.Status,
    })),
  });
  const list = ctx.state.trackingCategories.filter((c) => includeArchived || c.Status === 'ACTIVE');
  const rows = filtered(ctx, list, out, fields, 'TrackingCategory');
  return json(200, { ...envelope(ctx), TrackingCategories: rows.map(out) });
}

export function getOrganisations(ctx: OpContext): Answer {
  const o = ctx.state.organisation;
  const lock = (day: string | undefined) => {
    const ms = day === undefined ? undefined : parseIsoDate(day);
    return ms === undefined ? undefined : msDate(ms);
  };
  const periodLock = lock(o.PeriodLockDate);
  const endOfYearLock = lock(o.EndOfYearLockDate);
  return json(200, {
    ...envelope(ctx),
    Organisations: [
      {
        OrganisationID: o.OrganisationID,
        APIKey: '',
        Name: o.Name,
        LegalName: o.Name,
        PaysTax: true,
        Version: o.CountryCode === 'NZ' ? 'NZ' : 'GLOBAL',
        OrganisationType: 'COMPANY',
        BaseCurrency: o.BaseCurrency,
        CountryCode: o.CountryCode,
        IsDemoCompany: false,
        OrganisationStatus: 'ACTIVE',
        FinancialYearEndDay: 31,
        FinancialYearEndMonth: 3,
        SalesTaxBasis: 'INVOICE',
        SalesTaxPeriod: 'TWOMONTHS',
        DefaultSalesTax: 'Tax Exclusive',
        DefaultPurchasesTax: 'Tax Exclusive',
        ...(periodLock ? { PeriodLockDate: periodLock } : {}),
        ...(endOfYearLock ? { EndOfYearLockDate: endOfYearLock } : {}),
        CreatedDateUTC: msDateTime(ctx.state.createdAt),
        OrganisationEntityType: 'COMPANY',
        Timezone: 'NEWZEALANDSTANDARDTIME',
        ShortCode: '!stand',
        Edition: 'BUSINESS',
        Class: 'STANDARD',
        LineOfBusiness: 'Wholesale',
        Addresses: [],
        Phones: [],
        ExternalLinks: [],
        PaymentTerms: {},
      },
    ],
  });
}
