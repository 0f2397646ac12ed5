// The general ledger as MYOB's `GeneralLedger/JournalTransaction` shows it (SDK
// GeneralLedger/JournalTransaction.cs and JournalTransactionLine.cs; the endpoint page
// https://developer.myob.com/api/accountright/v2/generalledger/journaltransaction lists the
// JournalTypes and SourceTransaction.TransactionTypes): one journal transaction per transaction,
// lines with an AccountLink, a positive Amount and IsCredit.
//   - every stored general journal is one (JournalType General, SourceTransaction {UID: the
//     journal's, TransactionType GeneralJournal}, DateOccurred and Description its own), as it is
//     now: an edit in the file changes it in place, as AccountRight does unless "transactions
//     cannot be changed" is on (not modelled);
//   - `myob.ledger.add(...)` adds one of another source, e.g. a bill coded to the stock account
//     (JournalType Purchase, TransactionType Bill); `myob.ledger.editGeneralJournal(...)` changes a
//     stored journal's lines or date as a person would in AccountRight.
// A collection: $top, $skip, NextPageLink and a $filter on DisplayID, as odata.ts serves them. What
// MYOB fills in DatePosted is not documented beyond "Date of the transaction": the stand-in gives
// the moment it was stored.
import { randomUUID } from 'node:crypto';
import type { Answer } from './answers.ts';
import { collection } from './odata.ts';
import { accountLink, cents, findAccountByDisplayId, journalUri, newUid, nextRowVersion, type FileState, type OpContext } from './state.ts';
import type { StoredJournal } from './types.ts';

/** JournalTransaction.JournalType (the endpoint page's list). */
export type MyobJournalType = 'General' | 'Sale' | 'Purchase' | 'CashPayment' | 'CashReceipt' | 'Inventory';
/** SourceTransaction.TransactionType (the endpoint page's list). */
export type MyobTransactionType =
  | 'Bill'
  | 'Invoice'
  | 'SupplierPayment'
  | 'CustomerPayment'
  | 'SpendMoneyTxn'
  | 'ReceiveMoneyTxn'
  | 'TransferMoneyTxn'
  | 'GeneralJournal'
  | 'InventoryAdjustment'
  | 'CreditRefund'
  | 'CreditSettlement'
  | 'DebitRefund'
  | 'DebitSettlement';

export interface StoredJournalTransactionLine {
  /** Account UID. */
  Account: string;
  /** Always positive; IsCredit gives the side. */
  Amount: number;
  IsCredit: boolean;
  LineDescription: string | null;
}

/** A journal transaction of another source than the general journals, as a test adds it. */
export interface StoredJournalTransaction {
  UID: string;
  DisplayID: string;
  JournalType: MyobJournalType;
  /** `YYYY-MM-DDTHH:MM:SS` */
  DateOccurred: string;
  DatePosted: string;
  Description: string | null;
  SourceTransaction: { UID: string; TransactionType: MyobTransactionType };
  Lines: StoredJournalTransactionLine[];
  RowVersion: string;
}

/** What tests do to the company file's ledger, on the handle as `myob.ledger`. */
export interface MyobLedger {
  /** Journal transactions of other sources (the general journals' own come from `myob.journals()`). */
  added(): StoredJournalTransaction[];
  /** Adds a journal transaction of another source: lines by account DisplayID, debit positive. */
  add(input: {
    date: string;
    journalType: MyobJournalType;
    transactionType: MyobTransactionType;
    displayId?: string;
    description?: string;
    lines: { account: string; amount: number; description?: string }[];
  }): StoredJournalTransaction;
  /** Changes a stored general journal's lines (balanced, debit positive) or date, as a person does in AccountRight. */
  editGeneralJournal(uid: string, change: { lines?: { account: string; amount: number }[]; date?: string }): void;
}

interface LedgerState {
  added: StoredJournalTransaction[];
  /** Each general journal's journal transaction UID (its own, not the journal's). */
  uids: Map<string, string>;
}

const LEDGERS = new WeakMap<FileState, LedgerState>();

function ledgerOf(state: FileState): LedgerState {
  let ledger = LEDGERS.get(state);
  if (!ledger) {
    ledger = { added: [], uids: new Map() };
    LEDGERS.set(state, ledger);
  }
  return ledger;
}

const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 19);

function fromJournal(ctx: OpContext, ledger: LedgerState, j: StoredJournal): Record<string, unknown> {
  let uid = ledger.uids.get(j.UID);
  if (!uid) {
    uid = newUid();
    ledger.uids.set(j.UID, uid);
  }
  return {
    UID: uid,
    DisplayID: j.DisplayID,
    JournalType: 'General',
    DateOccurred: j.DateOccurred,
    DatePosted: isoOf(j.createdAt),
    Description: j.Memo,
    Lines: j.Lines.map((l) => ({
      Account: accountLink(ctx, l.Account),
      Amount: l.Amount,
      Job: null,
      IsCredit: l.IsCredit,
      LineDescription: l.Memo,
      ReconciledDate: null,
      UnitCount: null,
    })),
    SourceTransaction: { UID: j.UID, TransactionType: 'GeneralJournal', URI: journalUri(ctx, j.UID) },
    URI: `${ctx.fileUrl}/GeneralLedger/JournalTransaction/${uid}`,
    RowVersion: j.RowVersion,
  };
}

function fromAdded(ctx: OpContext, t: StoredJournalTransaction): Record<string, unknown> {
  return {
    UID: t.UID,
    DisplayID: t.DisplayID,
    JournalType: t.JournalType,
    DateOccurred: t.DateOccurred,
    DatePosted: t.DatePosted,
    Description: t.Description,
    Lines: t.Lines.map((l) => ({
      Account: accountLink(ctx, l.Account),
      Amount: l.Amount,
      Job: null,
      IsCredit: l.IsCredit,
      LineDescription: l.LineDescription,
      ReconciledDate: null,
      UnitCount: null,
    })),
    SourceTransaction: { UID: t.SourceTransaction.UID, TransactionType: t.SourceTransaction.TransactionType, URI: null },
    URI: `${ctx.fileUrl}/GeneralLedger/JournalTransaction/${t.UID}`,
    RowVersion: t.RowVersion,
  };
}

/** GET GeneralLedger/JournalTransaction: the general journals' transactions, then the others, in the order they were made. */
export function getJournalTransactions(ctx: OpContext): Answer {
  const ledger = ledgerOf(ctx.state);
  type Row = { at: number; view: () => Record<string, unknown> };
  const rows: Row[] = [
    ...ctx.state.journals.map((j) => ({ at: j.createdAt, view: () => fromJournal(ctx, ledger, j) })),
    ...ledger.added.map((t) => ({ at: Date.parse(`${t.DatePosted}Z`), view: () => fromAdded(ctx, t) })),
  ].sort((a, b) => a.at - b.at);
  return collection(ctx, rows, (r) => r.view(), ['DisplayID'], 'JournalTransaction');
}

function linesOf(state: FileState, lines: { account: string; amount: number; description?: string }[]): StoredJournalTransactionLine[] {
  return lines.map((l) => {
    const account = findAccountByDisplayId(state, l.account);
    if (!account) throw new Error(`the MYOB stand-in's chart has no account ${l.account}`);
    const amount = cents(l.amount);
    return { Account: account.UID, Amount: Math.abs(amount) / 100, IsCredit: amount < 0, LineDescription: l.description ?? null };
  });
}

/** The handle's `ledger`. */
export function ledgerHandle(state: FileState, clock: { now(): number }): MyobLedger {
  return {
    added: () => structuredClone(ledgerOf(state).added),
    add(input) {
      const ledger = ledgerOf(state);
      const transaction: StoredJournalTransaction = {
        UID: newUid(),
        DisplayID:
          input.displayId ?? `${input.transactionType.slice(0, 2).toUpperCase()}${String(ledger.added.length + 1).padStart(6, '0')}`,
        JournalType: input.journalType,
        DateOccurred: `${input.date}T00:00:00`,
        DatePosted: isoOf(clock.now()),
        Description: input.description ?? null,
        SourceTransaction: { UID: randomUUID(), TransactionType: input.transactionType },
        Lines: linesOf(state, input.lines),
        RowVersion: nextRowVersion(state),
      };
      ledger.added.push(transaction);
      return structuredClone(transaction);
    },
    editGeneralJournal(uid, change) {
      const journal = state.journals.find((j) => j.UID.toLowerCase() === uid.toLowerCase());
      if (!journal) throw new Error(`the MYOB stand-in has no general journal ${uid}`);
      if (change.lines) {
        if (change.lines.reduce((sum, l) => sum + cents(l.amount), 0) !== 0) throw new Error('a general journal must balance');
        journal.Lines = linesOf(state, change.lines).map((l, i) => ({
          RowID: i + 1,
          Account: l.Account,
          AccountDisplayID: state.accounts.find((a) => a.UID === l.Account)!.DisplayID,
          Memo: l.LineDescription,
          TaxCode: null,
          Amount: l.Amount,
          IsCredit: l.IsCredit,
          TaxAmount: 0,
          IsOverriddenTaxAmount: false,
          RowVersion: nextRowVersion(state),
        }));
      }
      if (change.date) journal.DateOccurred = `${change.date}T00:00:00`;
      journal.RowVersion = nextRowVersion(state);
    },
  };
}
