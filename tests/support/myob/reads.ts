// The company file's settings as MYOB's GETs show them: the chart (GeneralLedger/Account, with
// Number, ParentAccount and zero balances added), tax codes (GeneralLedger/TaxCode), the System
// preferences (Company/Preferences) and the company file list (GET /accountright/). Field sets are
// the SDK contracts' (Account.cs, TaxCode.cs, CompanySystemPreferences.cs, CompanyFile.cs).
import { errorAnswer, json, type Answer } from './answers.ts';
import { settingDay } from './dates.ts';
import { collection } from './odata.ts';
import {
  accountLink,
  accountUri,
  findAccount,
  findAccountByDisplayId,
  findTaxCode,
  findTaxCodeByCode,
  taxCodeLink,
  taxCodeUri,
  type FileState,
  type OpContext,
} from './state.ts';
import type { MyobAccount, MyobTaxCode } from './types.ts';

/** The nearest header above an account in the list (same classification, a higher level). */
function parentOf(state: FileState, account: MyobAccount): MyobAccount | undefined {
  const index = state.accounts.indexOf(account);
  for (let i = index - 1; i >= 0; i--) {
    const candidate = state.accounts[i]!;
    if (candidate.IsHeader && candidate.Level < account.Level && candidate.Classification === account.Classification) return candidate;
  }
  return undefined;
}

export function accountOut(ctx: OpContext, a: MyobAccount): Record<string, unknown> {
  const parent = parentOf(ctx.state, a);
  const taxCode = a.TaxCode === undefined ? undefined : findTaxCodeByCode(ctx.state, a.TaxCode);
  return {
    UID: a.UID,
    Name: a.Name,
    DisplayID: a.DisplayID,
    Classification: a.Classification,
    Type: a.Type,
    Number: Number(a.DisplayID.replace(/^\d\D?/, '')),
    Description: a.Description ?? '',
    ParentAccount: parent ? accountLink(ctx, parent.UID) : null,
    IsActive: a.IsActive,
    TaxCode: taxCode ? taxCodeLink(ctx, taxCode.UID) : null,
    Level: a.Level,
    OpeningBalance: 0,
    CurrentBalance: 0,
    BankingDetails: null,
    IsHeader: a.IsHeader,
    LastReconciledDate: null,
    URI: accountUri(ctx, a.UID),
    RowVersion: a.RowVersion,
  };
}

export function taxCodeOut(ctx: OpContext, t: MyobTaxCode): Record<string, unknown> {
  const linked = (displayId: string | undefined) => {
    const account = displayId === undefined ? undefined : findAccountByDisplayId(ctx.state, displayId);
    return account ? accountLink(ctx, account.UID) : null;
  };
  return {
    UID: t.UID,
    Code: t.Code,
    Description: t.Description,
    Type: t.Type,
    Rate: t.Rate,
    IsRateNegative: false,
    TaxCollectedAccount: linked(t.TaxCollectedAccount),
    TaxPaidAccount: linked(t.TaxPaidAccount),
    WithholdingCreditAccount: null,
    WithholdingPayableAccount: null,
    ImportDutyPayableAccount: null,
    LinkedSupplier: null,
    LuxuryCarTaxThreshold: 0,
    URI: taxCodeUri(ctx, t.UID),
    RowVersion: t.RowVersion,
  };
}

const notFound = (what: string) => errorAnswer(404, 'ResourceNotFound', `${what} was not found`);

export const getAccounts = (ctx: OpContext): Answer =>
  collection(ctx, ctx.state.accounts, (a) => accountOut(ctx, a), ['DisplayID', 'Name'], 'Account');

export function getAccount(ctx: OpContext): Answer {
  const account = findAccount(ctx.state, ctx.uid ?? '');
  return account ? json(200, accountOut(ctx, account)) : notFound(`Account '${ctx.uid}'`);
}

export const getTaxCodes = (ctx: OpContext): Answer =>
  collection(ctx, ctx.state.taxCodes, (t) => taxCodeOut(ctx, t), ['Code', 'Description'], 'TaxCode');

export function getTaxCode(ctx: OpContext): Answer {
  const taxCode = findTaxCode(ctx.state, ctx.uid ?? '');
  return taxCode ? json(200, taxCodeOut(ctx, taxCode)) : notFound(`TaxCode '${ctx.uid}'`);
}

/**
 * GET Company/Preferences: the System section. `LockPeriodPriorTo` is the SDK's name
 * (CompanySystemPreferences.cs; the project notes' `LockPeriodPrior` is not what MYOB sends).
 */
export function getPreferences(ctx: OpContext): Answer {
  const { System, RowVersion } = ctx.state.preferences;
  const lock = System.LockPeriodPriorTo === null ? null : `${settingDay(System.LockPeriodPriorTo)}T00:00:00`;
  return json(200, { System: { ...System, LockPeriodPriorTo: lock }, RowVersion });
}

/** GET /accountright/: the company files the user may open (this stand-in has one). */
export function companyFiles(state: FileState, apiUrl: string): Answer {
  const files = [{ Id: state.companyFileId, Name: state.companyFileName }, ...(state.otherCompanyFiles ?? [])];
  return json(
    200,
    files.map((file) => ({
      Id: file.Id,
      Name: file.Name,
      LibraryPath: file.Name,
      ProductVersion: '2025.1',
      ProductLevel: { Code: 20, Name: 'Plus' },
      CheckedOutDate: null,
      CheckedOutBy: null,
      Uri: `${apiUrl}/${file.Id}`,
      Country: 'AU',
      SerialNumber: '000000000000',
    })),
  );
}
