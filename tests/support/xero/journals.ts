// Manual journals as Xero validates and stores them (what the spec cannot say). Texts quoted from
// Xero where known: the balance message is the spec's example, the inventory-account and lock-date
// messages are those users report, the unknown-code warning is the spec's example; the others are
// the stand-in's own wording (see schemas/xero/README.md).
//   - Narration required (the spec) and not blank; Date `YYYY-MM-DD` (default today); Status DRAFT
//     (the default) or POSTED on create;
//   - at least two lines; LineAmount debit positive, credit negative, rounded to cents, and the
//     journal balancing in integer cents (with the tax of Exclusive lines);
//   - a line's account (AccountCode or AccountID) exists, is ACTIVE and is not INVENTORY-typed; an
//     unknown AccountCode is a warning and the line is dropped, as Xero does;
//   - TaxType exists, is ACTIVE and may be used on the account's class;
//   - at most two tracking categories a line, each an existing category and option;
//   - Date after the end-of-year and period lock dates;
//   - PUT creates only; POST creates, or updates the journal its ManualJournalID names.
import { randomUUID } from 'node:crypto';
import { json, problem, type Answer } from './answers.ts';
import { batchAnswer, type ElementResult } from './batch.ts';
import { accountClass, taxRateAppliesTo } from './chart.ts';
import { isoDate, lockDateText, msDate, parseIsoDate } from './dates.ts';
import {
  cents,
  envelope,
  findAccountByCode,
  findAccountById,
  findTaxRate,
  isRecord,
  modifiedSince,
  money,
  NIL_UUID,
  type OpContext,
  type OrgState,
} from './state.ts';
import type { StoredJournalLine, StoredManualJournal } from './types.ts';
import { parseOrder, parseWhere } from './where.ts';

type Mode = 'create' | 'upsert' | 'update';
const LINE_AMOUNT_TYPES = ['NoTax', 'Exclusive', 'Inclusive'] as const;
const PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** PUT /ManualJournals, POST /ManualJournals, POST /ManualJournals/{ManualJournalID}. */
export function writeManualJournals(ctx: OpContext, mode: Mode): Answer {
  const elements: unknown[] = isRecord(ctx.body) && Array.isArray(ctx.body.ManualJournals) ? ctx.body.ManualJournals : [];
  const results = elements.map((element): ElementResult => writeOne(ctx, mode, isRecord(element) ? element : {}));
  return batchAnswer(ctx, 'ManualJournals', results);
}

function writeOne(ctx: OpContext, mode: Mode, el: Record<string, unknown>): ElementResult {
  const { state } = ctx;
  const givenId = typeof el.ManualJournalID === 'string' ? el.ManualJournalID : mode === 'update' ? ctx.params.ManualJournalID : undefined;
  let existing: StoredManualJournal | undefined;
  if (givenId !== undefined && givenId !== NIL_UUID) {
    if (mode === 'create')
      return failed(el, [`ManualJournalID '${givenId}' was given: PUT creates manual journals, use POST to update one`], []);
    if (mode === 'update' && ctx.params.ManualJournalID && givenId.toLowerCase() !== ctx.params.ManualJournalID.toLowerCase()) {
      return failed(el, ['The ManualJournalID in the body does not match the one in the URL'], []);
    }
    existing = state.journals.find((j) => j.ManualJournalID.toLowerCase() === givenId.toLowerCase());
    if (!existing) return failed(el, [`Manual journal '${givenId}' could not be found`], []);
  }
  const checked = checkJournal(state, el, existing, ctx.now);
  if (checked.errors.length) return failed(el, checked.errors, checked.warnings, existing?.ManualJournalID);
  const journal = checked.journal!;
  let stored: StoredManualJournal;
  if (existing) {
    Object.assign(existing, journal, { UpdatedDateUTC: ctx.now });
    stored = existing;
  } else {
    stored = { ManualJournalID: randomUUID(), ...journal, UpdatedDateUTC: ctx.now, ...(ctx.key ? { createdWithKey: ctx.key } : {}) };
    state.journals.push(stored);
  }
  return { ok: true, element: { ...journalOut(stored, true), StatusAttributeString: 'OK', ...warningsOut(checked.warnings) } };
}

interface Checked {
  errors: string[];
  warnings: string[];
  journal?: Omit<StoredManualJournal, 'ManualJournalID' | 'UpdatedDateUTC' | 'createdWithKey'>;
}

function checkJournal(state: OrgState, el: Record<string, unknown>, existing: StoredManualJournal | undefined, now: number): Checked {
  const errors: string[] = [];
  const warnings: string[] = [];
  const narration = typeof el.Narration === 'string' ? el.Narration : (existing?.Narration ?? '');
  if (!narration.trim()) errors.push('Narration cannot be empty');

  let date = existing?.Date ?? isoDate(now);
  if (el.Date !== undefined) {
    if (typeof el.Date === 'string' && parseIsoDate(el.Date) !== undefined) date = el.Date;
    else errors.push(`'${String(el.Date)}' is not a valid date: Date must be YYYY-MM-DD`);
  }

  const status = typeof el.Status === 'string' ? el.Status : (existing?.Status ?? 'DRAFT');
  const allowed = !existing
    ? ['DRAFT', 'POSTED']
    : existing.Status === 'DRAFT'
      ? ['DRAFT', 'POSTED', 'DELETED']
      : existing.Status === 'POSTED'
        ? ['POSTED', 'VOIDED']
        : [];
  if (!allowed.includes(status)) {
    errors.push(
      existing
        ? `A ${existing.Status} manual journal cannot be changed to ${status}`
        : `A manual journal can only be created as DRAFT or POSTED, not ${status}`,
    );
  }

  const lineAmountTypes = (
    typeof el.LineAmountTypes === 'string' ? el.LineAmountTypes : (existing?.LineAmountTypes ?? 'Exclusive')
  ) as StoredManualJournal['LineAmountTypes'];
  if (!LINE_AMOUNT_TYPES.includes(lineAmountTypes)) errors.push(`LineAmountTypes '${lineAmountTypes}' is not valid for a manual journal`);

  const lock = lockDateError(state, date);
  if (lock) errors.push(lock);

  let lines: StoredJournalLine[] = existing?.JournalLines ?? [];
  if (Array.isArray(el.JournalLines) || !existing) {
    const given = Array.isArray(el.JournalLines) ? el.JournalLines.filter(isRecord) : [];
    if (given.length < 2) errors.push('The JournalLines element must contain at least two individual JournalLine sub-elements');
    lines = [];
    let inventoryRefused = false;
    for (const line of given) {
      const checkedLine = checkLine(state, line, lineAmountTypes, errors, warnings);
      if (!checkedLine) continue;
      if (checkedLine.inventory && !inventoryRefused) errors.push('You cannot save this transaction using an inventory account type');
      inventoryRefused ||= checkedLine.inventory;
      lines.push(checkedLine.line);
    }
    if (given.length >= 2) {
      let debits = 0;
      let credits = 0;
      for (const line of lines) {
        const total = cents(line.LineAmount) + (lineAmountTypes === 'Exclusive' ? cents(line.TaxAmount) : 0);
        if (total > 0) debits += total;
        else credits += total;
      }
      if (debits + credits !== 0) errors.push(`The total debits (${money(debits)}) must equal total credits (${money(credits)})`);
    }
  }

  if (errors.length) return { errors, warnings };
  return {
    errors,
    warnings,
    journal: {
      Narration: narration,
      Date: date,
      Status: status as StoredManualJournal['Status'],
      LineAmountTypes: lineAmountTypes,
      ...(typeof el.Url === 'string' ? { Url: el.Url } : existing?.Url !== undefined ? { Url: existing.Url } : {}),
      ShowOnCashBasisReports:
        typeof el.ShowOnCashBasisReports === 'boolean' ? el.ShowOnCashBasisReports : (existing?.ShowOnCashBasisReports ?? true),
      JournalLines: lines,
    },
  };
}

function checkLine(
  state: OrgState,
  line: Record<string, unknown>,
  lineAmountTypes: StoredManualJournal['LineAmountTypes'],
  errors: string[],
  warnings: string[],
): { line: StoredJournalLine; inventory: boolean } | undefined {
  const code = typeof line.AccountCode === 'string' ? line.AccountCode : undefined;
  const id = typeof line.AccountID === 'string' ? line.AccountID : undefined;
  const account = id !== undefined ? findAccountById(state, id) : code !== undefined ? findAccountByCode(state, code) : undefined;
  if (!account) {
    if (id !== undefined) errors.push(`The account with AccountID '${id}' could not be found`);
    else if (code !== undefined) warnings.push(`Account code '${code}' has been removed as it does not match a recognised account.`);
    else errors.push('Each journal line must have an AccountCode or an AccountID');
    return undefined;
  }
  const label = account.Code ?? account.AccountID;
  if (account.Status !== 'ACTIVE') {
    errors.push(`Account code '${label}' has been archived, or has been deleted. Each line item must reference a valid account.`);
    return undefined;
  }
  if (typeof line.LineAmount !== 'number') {
    errors.push('Each journal line must have a LineAmount');
    return undefined;
  }
  const taxType = typeof line.TaxType === 'string' ? line.TaxType : account.TaxType;
  const rate = findTaxRate(state, taxType);
  if (!rate || rate.Status !== 'ACTIVE') {
    errors.push(`The TaxType code '${taxType}' is not valid`);
    return undefined;
  }
  if (!taxRateAppliesTo(rate, account.Type)) {
    errors.push(`The TaxType code '${taxType}' cannot be used with account code '${label}' (${accountClass(account.Type)})`);
    return undefined;
  }
  const tracking = checkTracking(state, line.Tracking, errors);
  const amount = cents(line.LineAmount) / 100;
  const taxAmount =
    lineAmountTypes === 'NoTax'
      ? 0
      : lineAmountTypes === 'Exclusive'
        ? cents((amount * rate.Rate) / 100) / 100
        : cents((amount * rate.Rate) / (100 + rate.Rate)) / 100;
  const stored: StoredJournalLine = {
    AccountID: account.AccountID,
    ...(account.Code !== undefined ? { AccountCode: account.Code } : {}),
    LineAmount: amount,
    TaxType: rate.TaxType,
    TaxAmount: taxAmount,
    ...(typeof line.Description === 'string' ? { Description: line.Description } : {}),
    Tracking: tracking,
  };
  return { line: stored, inventory: account.Type === 'INVENTORY' };
}

function checkTracking(state: OrgState, given: unknown, errors: string[]): StoredJournalLine['Tracking'] {
  if (!Array.isArray(given)) return [];
  if (given.length > 2) {
    errors.push('A journal line can have at most two tracking categories');
    return [];
  }
  const out: StoredJournalLine['Tracking'] = [];
  for (const t of given.filter(isRecord)) {
    const category = state.trackingCategories.find((c) =>
      typeof t.TrackingCategoryID === 'string'
        ? c.TrackingCategoryID.toLowerCase() === t.TrackingCategoryID.toLowerCase()
        : typeof t.Name === 'string' && c.Name.toLowerCase() === t.Name.toLowerCase(),
    );
    const option = category?.Options.find((o) =>
      typeof t.TrackingOptionID === 'string'
        ? o.TrackingOptionID.toLowerCase() === t.TrackingOptionID.toLowerCase()
        : typeof t.Option === 'string' && o.Name.toLowerCase() === t.Option.toLowerCase(),
    );
    if (!category || category.Status !== 'ACTIVE' || !option || option.Status !== 'ACTIVE') {
      errors.push(
        `Tracking category '${String(t.Name ?? t.TrackingCategoryID)}' has no active option '${String(t.Option ?? t.TrackingOptionID)}'`,
      );
      continue;
    }
    out.push({
      TrackingCategoryID: category.TrackingCategoryID,
      TrackingOptionID: option.TrackingOptionID,
      Name: category.Name,
      Option: option.Name,
    });
  }
  return out;
}

function lockDateError(state: OrgState, date: string): string | undefined {
  const { EndOfYearLockDate: endOfYear, PeriodLockDate: period } = state.organisation;
  if (endOfYear && date <= endOfYear)
    return `The document date cannot be before the end of year lock date, currently set at ${lockDateText(endOfYear)}`;
  if (period && date <= period) return `The document date cannot be before the period lock date, currently set at ${lockDateText(period)}`;
  return undefined;
}

function failed(el: Record<string, unknown>, errors: string[], warnings: string[], id = NIL_UUID): ElementResult {
  const echo: Record<string, unknown> = { ManualJournalID: id };
  if (typeof el.Narration === 'string') echo.Narration = el.Narration;
  if (typeof el.Date === 'string') {
    const ms = parseIsoDate(el.Date);
    if (ms !== undefined) echo.Date = msDate(ms);
  }
  for (const key of ['Status', 'LineAmountTypes', 'Url', 'ShowOnCashBasisReports'] as const) if (el[key] !== undefined) echo[key] = el[key];
  echo.JournalLines = (Array.isArray(el.JournalLines) ? el.JournalLines.filter(isRecord) : []).map((line) => ({ ...line, IsBlank: false }));
  echo.HasAttachments = false;
  return {
    ok: false,
    element: {
      ...echo,
      StatusAttributeString: 'ERROR',
      ValidationErrors: errors.map((Message) => ({ Message })),
      ...warningsOut(warnings),
    },
  };
}

function warningsOut(warnings: string[]): Record<string, unknown> {
  return warnings.length ? { Warnings: warnings.map((Message) => ({ Message })) } : {};
}

/** A stored journal as Xero's JSON shows it. */
export function journalOut(j: StoredManualJournal, withLines: boolean): Record<string, unknown> {
  return {
    Date: msDate(parseIsoDate(j.Date)!),
    Status: j.Status,
    LineAmountTypes: j.LineAmountTypes,
    UpdatedDateUTC: msDate(j.UpdatedDateUTC),
    ManualJournalID: j.ManualJournalID,
    Narration: j.Narration,
    ...(j.Url !== undefined ? { Url: j.Url } : {}),
    JournalLines: withLines
      ? j.JournalLines.map((l) => ({
          ...(l.Description !== undefined ? { Description: l.Description } : {}),
          TaxType: l.TaxType,
          TaxAmount: l.TaxAmount,
          LineAmount: l.LineAmount,
          ...(l.AccountCode !== undefined ? { AccountCode: l.AccountCode } : {}),
          Tracking: l.Tracking,
          AccountID: l.AccountID,
          IsBlank: false,
        }))
      : [],
    ShowOnCashBasisReports: j.ShowOnCashBasisReports,
    HasAttachments: false,
  };
}

/** What `where` and `order` see of a journal: its fields, with dates as milliseconds. */
function journalView(j: StoredManualJournal): Record<string, unknown> {
  return { ...journalOut(j, false), Date: parseIsoDate(j.Date), UpdatedDateUTC: j.UpdatedDateUTC };
}

/**
 * GET /ManualJournals: `where`, `order`, `If-Modified-Since`; with `page` (1-based; 100 a page, or
 * `pageSize` up to 1,000) the journals come with their lines and a `pagination` block; without it,
 * every journal, without lines (Xero returns line details only when paging).
 */
export function getManualJournals(ctx: OpContext, fields: string[]): Answer {
  let list = ctx.state.journals.map((j) => ({ j, view: journalView(j) }));
  const since = modifiedSince(ctx);
  if (since) list = list.filter(({ j }) => since(j.UpdatedDateUTC));
  if (ctx.query.where) {
    const match = parseWhere(ctx.query.where, fields, 'ManualJournal');
    list = list.filter(({ view }) => match(view));
  }
  if (ctx.query.order) {
    const compare = parseOrder(ctx.query.order, fields, 'ManualJournal');
    list = [...list].sort((a, b) => compare(a.view, b.view));
  }
  if (ctx.query.page === undefined) return json(200, { ...envelope(ctx), ManualJournals: list.map(({ j }) => journalOut(j, false)) });
  const page = Math.max(1, Number(ctx.query.page));
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(ctx.query.pageSize ?? PAGE_SIZE)));
  const slice = list.slice((page - 1) * pageSize, page * pageSize);
  return json(200, {
    ...envelope(ctx),
    pagination: { page, pageSize, pageCount: Math.ceil(list.length / pageSize), itemCount: list.length },
    ManualJournals: slice.map(({ j }) => journalOut(j, true)),
  });
}

/** GET /ManualJournals/{ManualJournalID} */
export function getManualJournal(ctx: OpContext): Answer {
  const id = (ctx.params.ManualJournalID ?? '').toLowerCase();
  const j = ctx.state.journals.find((x) => x.ManualJournalID.toLowerCase() === id);
  if (!j) return problem(404, 'Not Found', 'The resource you have specified cannot be found');
  return json(200, { ...envelope(ctx), ManualJournals: [journalOut(j, true)] });
}
