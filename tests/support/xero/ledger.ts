// The general ledger as Xero's `GET /Journals` shows it (the spec's Journals, Journal and
// JournalLine): a journal, numbered in order, for every change a posted transaction makes to the
// ledger. The stand-in derives them from its manual journals, and tests add the others:
//   - a manual journal POSTED adds a journal (SourceType MANJOURNAL, SourceID its ManualJournalID,
//     Reference its narration, dated on its Date); an edit of a posted one (lines or date) adds a
//     reversal of its last journal (same date, amounts negated) and a new journal; VOIDED or
//     DELETED adds the reversal. That is how integrations describe Xero's journals; it is not
//     checked against a live organisation;
//   - `xero.ledger.add(...)` adds a journal of another source, e.g. a bill coded to the stock
//     account (ACCPAY); `xero.ledger.typeManualJournal(...)` stores a manual journal as a person
//     types one in Xero; `xero.ledger.editManualJournal(...)` changes one as a person would.
// Journals are numbered when `/Journals` (or a test's change) next looks, in the order the manual
// journals changed (UpdatedDateUTC): a client sees the numbering it would have seen.
//
// `offset`: journals numbered after it, 100 at most (Xero's page). `paymentsOnly=true` answers
// only journals of payment source types (the stand-in's simplification of the cash basis).
// `If-Modified-Since`: journals created at or after it. Lines show NetAmount (LineAmount less any
// tax included), TaxAmount and GrossAmount; the tax is not journaled to a tax account (the default
// chart has none), so taxed journals show unbalanced nets.
import { randomUUID } from 'node:crypto';
import { json, type Answer } from './answers.ts';
import { msDate, parseIsoDate } from './dates.ts';
import { cents, envelope, findAccountByCode, findTaxRate, modifiedSince, type OpContext, type OrgState } from './state.ts';
import type { StoredJournalLine, StoredManualJournal, XeroAccountType } from './types.ts';

/** The spec's Journal.SourceType values. */
export type XeroJournalSourceType =
  | 'ACCREC'
  | 'ACCPAY'
  | 'ACCRECCREDIT'
  | 'ACCPAYCREDIT'
  | 'ACCRECPAYMENT'
  | 'ACCPAYPAYMENT'
  | 'ARCREDITPAYMENT'
  | 'APCREDITPAYMENT'
  | 'CASHREC'
  | 'CASHPAID'
  | 'TRANSFER'
  | 'ARPREPAYMENT'
  | 'APPREPAYMENT'
  | 'AROVERPAYMENT'
  | 'APOVERPAYMENT'
  | 'EXPCLAIM'
  | 'EXPPAYMENT'
  | 'MANJOURNAL'
  | 'PAYSLIP'
  | 'WAGEPAYABLE'
  | 'INTEGRATEDPAYROLLPE'
  | 'INTEGRATEDPAYROLLPT'
  | 'EXTERNALSPENDMONEY'
  | 'INTEGRATEDPAYROLLPTPAYMENT'
  | 'INTEGRATEDPAYROLLCN';

const PAYMENT_TYPES = new Set<string>([
  'ACCRECPAYMENT',
  'ACCPAYPAYMENT',
  'ARCREDITPAYMENT',
  'APCREDITPAYMENT',
  'CASHREC',
  'CASHPAID',
  'EXPPAYMENT',
]);

/** Xero's page of journals. */
export const JOURNALS_PAGE = 100;

export interface StoredLedgerLine {
  JournalLineID: string;
  AccountID: string;
  AccountCode?: string;
  AccountType: XeroAccountType;
  AccountName: string;
  Description?: string;
  /** Debit positive, credit negative. */
  NetAmount: number;
  TaxAmount: number;
  TaxType?: string;
  TaxName?: string;
  TrackingCategories: { TrackingCategoryID: string; TrackingOptionID: string; Name: string; Option: string }[];
}

/** One journal of the ledger as the stand-in keeps it (dates as `YYYY-MM-DD` and milliseconds). */
export interface StoredLedgerJournal {
  JournalID: string;
  JournalNumber: number;
  JournalDate: string;
  /** On the stand-in's clock. */
  CreatedDateUTC: number;
  Reference?: string;
  SourceID: string;
  SourceType: XeroJournalSourceType;
  JournalLines: StoredLedgerLine[];
}

/** A journal a test adds: lines by account code, debit positive. */
export interface LedgerJournalInput {
  /** `YYYY-MM-DD` */
  date: string;
  sourceType: XeroJournalSourceType;
  /** The source transaction (an invoice's InvoiceID, …); a new id when not given. */
  sourceId?: string;
  reference?: string;
  lines: { accountCode: string; netAmount: number; taxAmount?: number; description?: string }[];
}

/** What tests do to the ledger, on the handle as `xero.ledger`. */
export interface XeroLedger {
  /** Copies of the ledger's journals, in number order. */
  journals(): StoredLedgerJournal[];
  /** Adds a journal of another source than the manual journals (a bill coded to stock, a spend-money line…). */
  add(journal: LedgerJournalInput): StoredLedgerJournal;
  /** Stores a POSTED manual journal as a person types one in Xero (no Idempotency-Key, no Stocksheet marker). */
  typeManualJournal(journal: {
    narration: string;
    date: string;
    lines: { accountCode: string; lineAmount: number }[];
  }): StoredManualJournal;
  /**
   * Changes a stored manual journal as a person does in Xero: its lines (balanced) and/or date,
   * or voids it. The ledger then shows the reversal of its last journal and, unless voided, a new one.
   */
  editManualJournal(
    manualJournalId: string,
    change: { lines?: { accountCode: string; lineAmount: number }[]; date?: string; status?: 'VOIDED' },
  ): StoredManualJournal;
}

interface Ledger {
  journals: StoredLedgerJournal[];
  /** Each manual journal's last journal in the ledger, and what it was made of. */
  last: Map<string, { key: string; journal: StoredLedgerJournal }>;
}

const LEDGERS = new WeakMap<OrgState, Ledger>();

/** The organisation's ledger, with every manual journal change since it last looked numbered in. */
function ledgerOf(state: OrgState): Ledger {
  let ledger = LEDGERS.get(state);
  if (!ledger) {
    ledger = { journals: [], last: new Map() };
    LEDGERS.set(state, ledger);
  }
  const changed = state.journals
    .map((manual, index) => ({ manual, index }))
    .sort((a, b) => a.manual.UpdatedDateUTC - b.manual.UpdatedDateUTC || a.index - b.index);
  for (const { manual } of changed) {
    const current = manual.Status === 'POSTED' ? JSON.stringify([manual.Date, manual.JournalLines.map(lineKey)]) : null;
    const last = ledger.last.get(manual.ManualJournalID);
    if ((last?.key ?? null) === current) continue;
    const at = manual.UpdatedDateUTC;
    if (last) append(ledger, { ...reversalOf(last.journal), CreatedDateUTC: at });
    if (current === null) {
      ledger.last.delete(manual.ManualJournalID);
      continue;
    }
    const journal = append(ledger, {
      JournalDate: manual.Date,
      CreatedDateUTC: at,
      Reference: manual.Narration,
      SourceID: manual.ManualJournalID,
      SourceType: 'MANJOURNAL',
      JournalLines: manual.JournalLines.map((l) => ledgerLine(state, l, manual.LineAmountTypes)),
    });
    ledger.last.set(manual.ManualJournalID, { key: current, journal });
  }
  return ledger;
}

const lineKey = (l: StoredJournalLine) => [l.AccountID, l.LineAmount, l.TaxAmount, l.TaxType];

function append(ledger: Ledger, journal: Omit<StoredLedgerJournal, 'JournalID' | 'JournalNumber'>): StoredLedgerJournal {
  const stored = { JournalID: randomUUID(), JournalNumber: ledger.journals.length + 1, ...journal };
  ledger.journals.push(stored);
  return stored;
}

function reversalOf(journal: StoredLedgerJournal): Omit<StoredLedgerJournal, 'JournalID' | 'JournalNumber'> {
  const { JournalID: _id, JournalNumber: _number, ...rest } = journal;
  return {
    ...rest,
    JournalLines: journal.JournalLines.map((l) => ({
      ...l,
      JournalLineID: randomUUID(),
      NetAmount: -l.NetAmount,
      TaxAmount: -l.TaxAmount,
    })),
  };
}

function ledgerLine(state: OrgState, line: StoredJournalLine, amountTypes: StoredManualJournal['LineAmountTypes']): StoredLedgerLine {
  const account = state.accounts.find((a) => a.AccountID === line.AccountID)!;
  const rate = findTaxRate(state, line.TaxType);
  const net = amountTypes === 'Inclusive' ? cents(line.LineAmount) - cents(line.TaxAmount) : cents(line.LineAmount);
  return {
    JournalLineID: randomUUID(),
    AccountID: account.AccountID,
    ...(account.Code !== undefined ? { AccountCode: account.Code } : {}),
    AccountType: account.Type,
    AccountName: account.Name,
    ...(line.Description !== undefined ? { Description: line.Description } : {}),
    NetAmount: net / 100,
    TaxAmount: line.TaxAmount,
    TaxType: line.TaxType,
    ...(rate ? { TaxName: rate.Name } : {}),
    TrackingCategories: line.Tracking,
  };
}

function journalOut(j: StoredLedgerJournal): Record<string, unknown> {
  return {
    JournalID: j.JournalID,
    JournalDate: msDate(parseIsoDate(j.JournalDate)!),
    JournalNumber: j.JournalNumber,
    CreatedDateUTC: msDate(j.CreatedDateUTC),
    ...(j.Reference !== undefined ? { Reference: j.Reference } : {}),
    SourceID: j.SourceID,
    SourceType: j.SourceType,
    JournalLines: j.JournalLines.map((l) => ({
      JournalLineID: l.JournalLineID,
      AccountID: l.AccountID,
      ...(l.AccountCode !== undefined ? { AccountCode: l.AccountCode } : {}),
      AccountType: l.AccountType,
      AccountName: l.AccountName,
      ...(l.Description !== undefined ? { Description: l.Description } : {}),
      NetAmount: l.NetAmount,
      GrossAmount: (cents(l.NetAmount) + cents(l.TaxAmount)) / 100,
      TaxAmount: l.TaxAmount,
      ...(l.TaxType !== undefined ? { TaxType: l.TaxType } : {}),
      ...(l.TaxName !== undefined ? { TaxName: l.TaxName } : {}),
      TrackingCategories: l.TrackingCategories,
    })),
  };
}

/** GET /Journals */
export function getJournals(ctx: OpContext): Answer {
  const ledger = ledgerOf(ctx.state);
  const offset = ctx.query.offset === undefined ? 0 : Number(ctx.query.offset);
  const paymentsOnly = (ctx.query.paymentsOnly ?? 'false').toLowerCase() === 'true';
  const since = modifiedSince(ctx);
  const list = ledger.journals.filter(
    (j) => j.JournalNumber > offset && (!paymentsOnly || PAYMENT_TYPES.has(j.SourceType)) && (!since || since(j.CreatedDateUTC)),
  );
  return json(200, { ...envelope(ctx), Journals: list.slice(0, JOURNALS_PAGE).map(journalOut) });
}

function accountFor(state: OrgState, code: string) {
  const account = findAccountByCode(state, code);
  if (!account) throw new Error(`the Xero stand-in's chart has no account ${code}`);
  return account;
}

function manualLines(state: OrgState, lines: { accountCode: string; lineAmount: number }[]): StoredJournalLine[] {
  const total = lines.reduce((sum, l) => sum + cents(l.lineAmount), 0);
  if (lines.length < 2 || total !== 0) throw new Error('a manual journal needs two lines or more that balance');
  return lines.map((l) => {
    const account = accountFor(state, l.accountCode);
    return {
      AccountID: account.AccountID,
      ...(account.Code !== undefined ? { AccountCode: account.Code } : {}),
      LineAmount: cents(l.lineAmount) / 100,
      TaxType: 'NONE',
      TaxAmount: 0,
      Tracking: [],
    };
  });
}

/** The handle's `ledger`: what tests do to the organisation's general ledger. */
export function ledgerHandle(state: OrgState, clock: { now(): number }): XeroLedger {
  return {
    journals: () => structuredClone(ledgerOf(state).journals),
    add(input) {
      const ledger = ledgerOf(state);
      const journal = append(ledger, {
        JournalDate: input.date,
        CreatedDateUTC: clock.now(),
        ...(input.reference !== undefined ? { Reference: input.reference } : {}),
        SourceID: input.sourceId ?? randomUUID(),
        SourceType: input.sourceType,
        JournalLines: input.lines.map((l) => {
          const account = accountFor(state, l.accountCode);
          return {
            JournalLineID: randomUUID(),
            AccountID: account.AccountID,
            ...(account.Code !== undefined ? { AccountCode: account.Code } : {}),
            AccountType: account.Type,
            AccountName: account.Name,
            ...(l.description !== undefined ? { Description: l.description } : {}),
            NetAmount: cents(l.netAmount) / 100,
            TaxAmount: cents(l.taxAmount ?? 0) / 100,
            TrackingCategories: [],
          };
        }),
      });
      return structuredClone(journal);
    },
    typeManualJournal(input) {
      ledgerOf(state);
      const journal: StoredManualJournal = {
        ManualJournalID: randomUUID(),
        Narration: input.narration,
        Date: input.date,
        Status: 'POSTED',
        LineAmountTypes: 'NoTax',
        ShowOnCashBasisReports: true,
        JournalLines: manualLines(state, input.lines),
        UpdatedDateUTC: clock.now(),
      };
      state.journals.push(journal);
      ledgerOf(state);
      return structuredClone(journal);
    },
    editManualJournal(id, change) {
      ledgerOf(state);
      const journal = state.journals.find((j) => j.ManualJournalID.toLowerCase() === id.toLowerCase());
      if (!journal) throw new Error(`the Xero stand-in has no manual journal ${id}`);
      if (change.lines) journal.JournalLines = manualLines(state, change.lines);
      if (change.date) journal.Date = change.date;
      if (change.status) journal.Status = change.status;
      journal.UpdatedDateUTC = Math.max(clock.now(), journal.UpdatedDateUTC + 1);
      ledgerOf(state);
      return structuredClone(journal);
    },
  };
}
