// General journals as MYOB validates and stores them (GeneralLedger/GeneralJournal.cs and
// GeneralJournalLine.cs; https://developer.myob.com/api/accountright/v2/generalledger/generaljournal).
// Every error found is listed in one 400 answer.
//   - the body matches the contract (schemas.ts): GSTReportingMethod Sale|Purchase is required,
//     DateOccurred is `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS` (SerializationError otherwise);
//   - DateOccurred on or after the start of the financial year (DatePriorToBeginningOfFinancialYear,
//     25008) and after the lock date, `Company/Preferences` System.LockPeriodPriorTo: a date on or
//     before it is refused with BusinessEvent_DateOccured_InLockPeriod (the SDK says entries "prior
//     to" the value are disallowed; Ocerra's KB reports the lock date itself refused too, and the
//     stand-in follows the stricter reading);
//   - at least two lines; each line's Account exists (NotFound), is not a header account
//     (Line_AccountHeaderNotAllowed, Ocerra's KB) and is active (Line_AccountInactive: the stand-in
//     refuses inactive accounts although Account.cs says they "can still be assigned to a
//     transaction"); its TaxCode (default: the account's) exists; Job and Category name nothing
//     here (NotFound: the stand-in has no jobs or categories); Amount > 0 (always positive, IsCredit
//     gives the side);
//   - Σ debits = Σ credits in integer cents, with each line's tax added when not IsTaxInclusive
//     (OutOfBalance, the stand-in's name; tax: Amount × rate, or TaxAmount when IsOverriddenTaxAmount);
//   - a POST with UID, RowVersion or a line's RowID/RowVersion is refused with 409 (as for items).
// Stored journals get a UID, DisplayID GJ000001… when none is given, and RowVersions.
import { errorAnswer, errorsAnswer, json, myobError, type Answer, type MyobError } from './answers.ts';
import { parseMyobDateTime, settingDay } from './dates.ts';
import { collection } from './odata.ts';
import { GeneralJournalBody, parseBody, type GeneralJournalInput } from './schemas.ts';
import {
  accountLink,
  cents,
  findAccount,
  findJournal,
  findTaxCode,
  findTaxCodeByCode,
  journalUri,
  money,
  newUid,
  nextRowVersion,
  returnBody,
  taxCodeLink,
  type FileState,
  type OpContext,
} from './state.ts';
import type { StoredJournal, StoredJournalLine } from './types.ts';

export function journalOut(ctx: OpContext, j: StoredJournal): Record<string, unknown> {
  return {
    UID: j.UID,
    DisplayID: j.DisplayID,
    DateOccurred: j.DateOccurred,
    IsTaxInclusive: j.IsTaxInclusive,
    Memo: j.Memo,
    GSTReportingMethod: j.GSTReportingMethod,
    IsYearEndAdjustment: j.IsYearEndAdjustment,
    Category: null,
    Lines: j.Lines.map((l) => ({
      RowID: l.RowID,
      Account: accountLink(ctx, l.Account),
      Job: null,
      Memo: l.Memo,
      TaxCode: taxCodeLink(ctx, l.TaxCode),
      Amount: l.Amount,
      IsCredit: l.IsCredit,
      TaxAmount: l.TaxAmount,
      IsOverriddenTaxAmount: l.IsOverriddenTaxAmount,
      RowVersion: l.RowVersion,
    })),
    URI: journalUri(ctx, j.UID),
    RowVersion: j.RowVersion,
  };
}

export const getJournals = (ctx: OpContext): Answer =>
  collection(ctx, ctx.state.journals, (j) => journalOut(ctx, j), ['Memo', 'DisplayID'], 'GeneralJournal');

export function getJournal(ctx: OpContext): Answer {
  const journal = findJournal(ctx.state, ctx.uid ?? '');
  return journal ? json(200, journalOut(ctx, journal)) : errorAnswer(404, 'ResourceNotFound', `GeneralJournal '${ctx.uid}' was not found`);
}

/** POST GeneralLedger/GeneralJournal */
export function postJournal(ctx: OpContext): Answer {
  const parsed = parseBody(GeneralJournalBody, ctx.body, 'GeneralJournal');
  if (!parsed.ok) return parsed.answer;
  const input = parsed.value;
  const given = (v: unknown) => v !== undefined && v !== null;
  if (given(input.UID) || given(input.RowVersion) || input.Lines.some((l) => given(l.RowID) || given(l.RowId) || given(l.RowVersion))) {
    return errorAnswer(
      409,
      'IncorrectRowVersionSupplied',
      'A new general journal must not carry a UID, RowID or RowVersion',
      'POST creates a journal; remove the identifiers of an existing one',
    );
  }
  const checked = checkJournal(ctx.state, input);
  if (!checked.ok) return errorsAnswer(400, checked.errors);
  const { state } = ctx;
  const displayId = input.DisplayID?.trim() || `GJ${String(++state.journalNumber).padStart(6, '0')}`;
  const journal: StoredJournal = {
    UID: newUid(),
    DisplayID: displayId,
    DateOccurred: checked.date,
    IsTaxInclusive: input.IsTaxInclusive ?? false,
    IsYearEndAdjustment: input.IsYearEndAdjustment ?? false,
    Memo: input.Memo ?? null,
    GSTReportingMethod: input.GSTReportingMethod,
    Lines: checked.lines.map((line) => ({ ...line, RowVersion: nextRowVersion(state) })),
    RowVersion: nextRowVersion(state),
    createdAt: ctx.now,
  };
  state.journals.push(journal);
  const location = journalUri(ctx, journal.UID);
  return returnBody(ctx) ? json(201, journalOut(ctx, journal), { location }) : { status: 201, headers: { location } };
}

type Checked = { ok: true; date: string; lines: Omit<StoredJournalLine, 'RowVersion'>[] } | { ok: false; errors: MyobError[] };

function checkJournal(state: FileState, input: GeneralJournalInput): Checked {
  const errors: MyobError[] = [];
  const date = parseMyobDateTime(input.DateOccurred);
  if (!date) {
    errors.push(
      myobError(
        'SerializationError',
        `Error converting value ${JSON.stringify(input.DateOccurred)} to type 'System.DateTime'`,
        "Path 'DateOccurred'",
      ),
    );
  } else {
    const yearStart = settingDay(state.financialYearStart);
    const lock = state.preferences.System.LockPeriodPriorTo;
    if (date.day < yearStart) {
      errors.push(
        myobError(
          'DatePriorToBeginningOfFinancialYear',
          'Date cannot be prior to the beginning of the financial year',
          `The financial year began on ${yearStart}`,
        ),
      );
    } else if (lock !== null && date.day <= settingDay(lock)) {
      errors.push(
        myobError(
          'BusinessEvent_DateOccured_InLockPeriod',
          `DateOccurred ${date.day} is in a locked period`,
          `Company/Preferences locks entries on or before ${settingDay(lock)}`,
        ),
      );
    }
  }
  if (input.Category) errors.push(myobError('NotFound', `Category: no category with UID '${input.Category.UID}'`, "Path 'Category.UID'"));
  if (input.Lines.length < 2) errors.push(myobError('Required', 'Lines is required', 'A general journal needs at least two lines'));

  const lines: Omit<StoredJournalLine, 'RowVersion'>[] = [];
  let debits = 0;
  let credits = 0;
  input.Lines.forEach((line, index) => {
    const at = `Lines[${index}]`;
    const account = findAccount(state, line.Account.UID);
    if (!account) errors.push(myobError('NotFound', `${at}: no account with UID '${line.Account.UID}'`, `Path '${at}.Account.UID'`));
    else if (account.IsHeader)
      errors.push(
        myobError(
          'Line_AccountHeaderNotAllowed',
          `${at}: ${account.DisplayID} is a header account`,
          'Only detail accounts take transactions',
        ),
      );
    else if (!account.IsActive) errors.push(myobError('Line_AccountInactive', `${at}: account ${account.DisplayID} is inactive`));
    if (line.Job) errors.push(myobError('NotFound', `${at}: no job with UID '${line.Job.UID}'`, `Path '${at}.Job.UID'`));
    if (!(line.Amount > 0))
      errors.push(myobError('Line_AmountNotPositive', `${at}: Amount must be positive (IsCredit gives the side), not ${line.Amount}`));
    const taxCode = line.TaxCode
      ? findTaxCode(state, line.TaxCode.UID)
      : account?.TaxCode !== undefined
        ? findTaxCodeByCode(state, account.TaxCode)
        : undefined;
    if (line.TaxCode && !taxCode)
      errors.push(myobError('NotFound', `${at}: no tax code with UID '${line.TaxCode.UID}'`, `Path '${at}.TaxCode.UID'`));
    const rate = taxCode?.Rate ?? 0;
    const amount = cents(line.Amount);
    const overridden = line.IsOverriddenTaxAmount ?? false;
    const tax = overridden
      ? cents(line.TaxAmount ?? 0)
      : input.IsTaxInclusive
        ? Math.round((amount * rate) / (100 + rate))
        : Math.round((amount * rate) / 100);
    const total = amount + (input.IsTaxInclusive ? 0 : tax);
    if (line.IsCredit) credits += total;
    else debits += total;
    lines.push({
      RowID: index + 1,
      Account: account?.UID ?? line.Account.UID,
      AccountDisplayID: account?.DisplayID ?? '',
      Memo: line.Memo ?? null,
      TaxCode: taxCode?.UID ?? null,
      Amount: amount / 100,
      IsCredit: line.IsCredit,
      TaxAmount: tax / 100,
      IsOverriddenTaxAmount: overridden,
    });
  });
  if (input.Lines.length >= 2 && debits !== credits) {
    errors.push(
      myobError(
        'OutOfBalance',
        `The journal is out of balance: debits ${money(debits)}, credits ${money(credits)}`,
        'Σ debits must equal Σ credits',
      ),
    );
  }
  if (errors.length || !date) return { ok: false, errors };
  return { ok: true, date: date.text, lines };
}
