import type { ChartAccount, JournalLine } from '../../domain/journals.ts';
import type { StoredConnection } from './connection.ts';
import type { ProviderFactsNow } from './provider-facts.ts';
import type { Accounting } from './runtime.ts';

/** A product as the relay pushes it. */
export interface ProductForItem {
  id: number;
  sku: string;
  name: string;
  sellable: boolean;
  purchasable: boolean;
  stockTracked: boolean;
  saleGlCode: string | null;
  sellingTaxRate: string | null;
  purchaseGlCode: string | null;
  purchaseTaxRate: string | null;
  assetGlCode: string | null;
  externalId: string | null;
}

export interface TaxRate {
  code: string;
  name: string;
  active: boolean;
  /** The provider's own id for it, where requests name tax codes by id (MYOB's UID). */
  id?: string;
}

/**
 * A product's tax rate as the provider knows it: its code ("INPUT2"), or its name as people type it
 * ("GST on Expenses"). Null when it names none of the provider's active rates.
 */
export function resolveTaxRate(value: string, rates: readonly TaxRate[]): TaxRate | null {
  const wanted = value.trim().toLowerCase();
  return rates.find((r) => r.active && (r.code.toLowerCase() === wanted || r.name.toLowerCase() === wanted)) ?? null;
}

/** The active tax rates, as a refusal lists them: "GST on Expenses (INPUT2), …". */
const rateNames = (rates: readonly TaxRate[]) =>
  rates
    .filter((r) => r.active)
    .map((r) => `${r.name} (${r.code})`)
    .join(', ');

/**
 * The provider's tax rates for a product's sales and purchases (null where it names none or does
 * not sell or buy), or what to fix: a rate the provider does not have, or a SKU longer than its
 * item codes.
 */
export function itemTaxesAndCode(
  product: ProductForItem,
  taxRates: readonly TaxRate[],
  provider: { name: string; codeMax: number },
): { selling: TaxRate | null; buying: TaxRate | null } | { problem: string } {
  const rate = (value: string | null): TaxRate | null | string => {
    if (!value) return null;
    return (
      resolveTaxRate(value, taxRates) ??
      `${product.sku}'s tax rate "${value}" is not one of ${provider.name}'s active tax rates (${rateNames(taxRates)}): choose one of those, then retry.`
    );
  };
  const selling = product.sellable ? rate(product.sellingTaxRate) : null;
  const buying = product.purchasable ? rate(product.purchaseTaxRate) : null;
  if (typeof selling === 'string') return { problem: selling };
  if (typeof buying === 'string') return { problem: buying };
  if (product.sku.length > provider.codeMax)
    return {
      problem: `${provider.name} item codes are at most ${provider.codeMax} characters, and ${product.sku} has ${product.sku.length}: shorten the SKU, or link the product to an existing item.`,
    };
  return { selling, buying };
}

/** The account bills for this product go to: stock for stock it tracks (Stocksheet keeps the quantities), else its purchase account. */
export const purchaseAccountOf = (product: ProductForItem, stockAccount: string | null) =>
  product.stockTracked ? (product.assetGlCode ?? stockAccount) : product.purchaseGlCode;

/** A name cut to the provider's length, marked as cut. */
export const fitted = (name: string, max: number) => (name.length > max ? `${name.slice(0, max - 1)}…` : name);

export interface JournalToSend {
  marker: string;
  narration: string;
  date: string;
  lines: JournalLine[];
}

/** One element's outcome; a refusal may name its reason (PERIOD_LOCKED), else the relay reads the message. */
export type ElementResult = { ok: true; id: string; warnings: string[] } | { ok: false; message: string; code?: string };

/** One line of the general ledger as the accounting system reports it (on any account). */
export interface LedgerLine {
  /** The journal's id (Xero's JournalID, MYOB's JournalTransaction UID), lower case. */
  journalId: string;
  /** Xero's JournalNumber, MYOB's DisplayID. */
  journalNumber: string | null;
  /** YYYY-MM-DD */
  journalDate: string;
  /** What made the journal: Xero's SourceType (MANJOURNAL, ACCPAY, …), MYOB's TransactionType (GeneralJournal, Bill, …). */
  sourceType: string | null;
  /** The source transaction's id, lower case: a posting's external_id for Stocksheet's own journals. */
  sourceId: string | null;
  reference: string | null;
  /** The line's place in its journal (from 0). */
  lineNo: number;
  accountCode: string | null;
  accountId: string | null;
  description: string | null;
  /** Net of tax, in cents text, debit positive ("-12.50"). */
  amount: string;
}

/** A page of the general ledger: its lines, where the next page starts, and whether this one reached the end. */
export interface LedgerPage {
  lines: LedgerLine[];
  position: string | null;
  done: boolean;
}

/** How a provider's general ledger is read. */
export interface LedgerFacts {
  /** The source type of the journals Stocksheet posts there (Xero's MANJOURNAL, MYOB's GeneralJournal). */
  ownSourceType: string;
  /**
   * True when a read goes on from where the last one ended (Xero numbers its journals in order and
   * an edit adds journals rather than changing one); false when every read starts over (MYOB has no
   * such number).
   */
  incremental: boolean;
}

/** What the relay asks of an accounting system; one implementation per provider. */
export interface ProviderClient {
  refresh(accounting: Accounting, connection: StoredConnection, refreshToken: string): Promise<import('./connection.ts').TokenSet>;
  chart(accounting: Accounting, connection: StoredConnection): Promise<ChartAccount[]>;
  /** The last day the ledger is locked to, or null. */
  lockDate(accounting: Accounting, connection: StoredConnection): Promise<string | null>;
  journalBody(journal: JournalToSend, facts: ProviderFactsNow): unknown;
  postJournals(accounting: Accounting, connection: StoredConnection, bodies: unknown[], key: string): Promise<ElementResult[]>;
  /** Journals stored since `since` that carry one of these markers: marker -> external id. */
  findJournals(accounting: Accounting, connection: StoredConnection, markers: Set<string>, since: Date): Promise<Map<string, string>>;
  /** The tax rates people may name on products, by the provider's code and by name. */
  taxRates(accounting: Accounting, connection: StoredConnection): Promise<TaxRate[]>;
  /** The item body, or why this product cannot be one. */
  itemBody(product: ProductForItem, stockAccount: string | null, facts: ProviderFactsNow): { body: unknown } | { problem: string };
  postItems(accounting: Accounting, connection: StoredConnection, bodies: unknown[], key: string): Promise<ElementResult[]>;
  ledger: LedgerFacts;
  /** One page of the general ledger's lines after `position` (null: from the start), every account's: one call. */
  ledgerLines(accounting: Accounting, connection: StoredConnection, position: string | null): Promise<LedgerPage>;
}
