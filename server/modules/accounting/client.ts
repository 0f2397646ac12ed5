import type { ChartAccount, JournalLine } from '../../domain/journals.ts';
import type { StoredConnection } from './connection.ts';
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
}

/**
 * A product's tax rate as the provider knows it: its code ("INPUT2"), or its name as people type it
 * ("GST on Expenses"). Null when it names none of the provider's active rates.
 */
export function resolveTaxRate(value: string, rates: readonly TaxRate[]): TaxRate | null {
  const wanted = value.trim().toLowerCase();
  return rates.find((r) => r.active && (r.code.toLowerCase() === wanted || r.name.toLowerCase() === wanted)) ?? null;
}

export interface JournalToSend {
  marker: string;
  narration: string;
  date: string;
  lines: JournalLine[];
}

export type ElementResult = { ok: true; id: string; warnings: string[] } | { ok: false; message: string };

/** What the relay asks of an accounting system; one implementation per provider. */
export interface ProviderClient {
  refresh(accounting: Accounting, connection: StoredConnection, refreshToken: string): Promise<import('./connection.ts').TokenSet>;
  chart(accounting: Accounting, connection: StoredConnection): Promise<ChartAccount[]>;
  /** The last day the ledger is locked to, or null. */
  lockDate(accounting: Accounting, connection: StoredConnection): Promise<string | null>;
  journalBody(journal: JournalToSend): unknown;
  postJournals(accounting: Accounting, connection: StoredConnection, bodies: unknown[], key: string): Promise<ElementResult[]>;
  /** Journals stored since `since` that carry one of these markers: marker -> external id. */
  findJournals(accounting: Accounting, connection: StoredConnection, markers: Set<string>, since: Date): Promise<Map<string, string>>;
  /** The tax rates people may name on products, by the provider's code and by name. */
  taxRates(accounting: Accounting, connection: StoredConnection): Promise<TaxRate[]>;
  /** The item body, or why this product cannot be one. */
  itemBody(product: ProductForItem, stockAccount: string | null, taxRates: TaxRate[]): { body: unknown } | { problem: string };
  postItems(accounting: Accounting, connection: StoredConnection, bodies: unknown[], key: string): Promise<ElementResult[]>;
}
