import { DomainError } from './errors.ts';

export interface ProductState {
  sku: string;
  sellable: boolean;
  purchasable: boolean;
  stockTracked: boolean;
  serialised: boolean;
  batchTracked: boolean;
  active: boolean;
  saleGlCode: string | null;
  sellingTaxRate: string | null;
  purchaseGlCode: string | null;
  purchaseTaxRate: string | null;
  assetGlCode: string | null;
  accountingProvider: 'xero' | 'myob' | null;
}

export type ProductPatch = Partial<Omit<ProductState, 'sku' | 'accountingProvider'>> & { sku?: string };

/** What the database knows that the rules need; the service gathers it before deciding. */
export interface ProductFacts {
  /** Any ledger movement (receipts, sales, adjustments) for the product. */
  hasStockHistory: boolean;
  hasStockOnHand: boolean;
  /** Serials promised to open documents. */
  allocatedSerials: number;
  /** Serials entered on open purchase order lines, waiting to be received. */
  serialsOnOrders: number;
  /** An accounting system (Xero, MYOB) is connected to the organisation. */
  accountingConnected: boolean;
  /** The accounting settings name a stock account, which a product without its own asset GL code posts to. */
  defaultStockAccount?: boolean;
}

export const NEW_PRODUCT_FACTS: ProductFacts = {
  hasStockHistory: false,
  hasStockOnHand: false,
  allocatedSerials: 0,
  serialsOnOrders: 0,
  accountingConnected: false,
};

const DEFAULTS: Omit<ProductState, 'sku'> = {
  sellable: false,
  purchasable: false,
  stockTracked: false,
  serialised: false,
  batchTracked: false,
  active: true,
  saleGlCode: null,
  sellingTaxRate: null,
  purchaseGlCode: null,
  purchaseTaxRate: null,
  assetGlCode: null,
  accountingProvider: null,
};

/** What a change to tracking does to existing stock, for the service to carry out. */
export type TrackingEffect = 'none' | 'retire_serials' | 'serials_to_batches';

/**
 * Decides the product's next state from its current one (null when creating) and a patch, or
 * refuses with the rule that forbids it. Every product change, whichever procedure makes it,
 * passes through here.
 */
export function decideProductChange(
  current: ProductState | null,
  patch: ProductPatch,
  facts: ProductFacts,
  options: { convertSerialsToBatches?: boolean } = {},
): { next: ProductState; effect: TrackingEffect } {
  const before: ProductState = current ?? { ...DEFAULTS, sku: patch.sku ?? '' };
  const next: ProductState = { ...before };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  const sku = next.sku;

  // Serialisation and batch tracking turn stock tracking on with them.
  const trackingTurnedOn = (next.serialised && !before.serialised) || (next.batchTracked && !before.batchTracked);
  if (trackingTurnedOn) {
    if (patch.stockTracked === false) {
      throw new DomainError(
        'TRACKING_CONFLICT',
        `${sku}: a serialised or batch-tracked product is always stock tracked; leave stock tracking on.`,
      );
    }
    next.stockTracked = true;
  }
  if (next.serialised && next.batchTracked) {
    throw new DomainError('TRACKING_CONFLICT', `${sku}: a product is either serialised or batch tracked, not both; choose one.`);
  }
  if ((next.serialised || next.batchTracked) && !next.stockTracked) {
    throw new DomainError(
      'TRACKING_CONFLICT',
      `${sku}: turn off ${next.serialised ? 'serialisation' : 'batch tracking'} before turning off stock tracking.`,
    );
  }

  if (before.serialised && !next.serialised && before.accountingProvider) {
    throw new DomainError(
      'SERIALISATION_LOCKED',
      `${sku} is synced to ${providerName(before.accountingProvider)}, so serialisation cannot be turned off. Ask Stocksheet support to help if it must change.`,
    );
  }
  if (current && next.stockTracked !== before.stockTracked && facts.hasStockHistory) {
    throw new DomainError(
      'STOCK_TRACKING_LOCKED',
      `${sku} already has stock movements, so stock tracking cannot be turned ${next.stockTracked ? 'on' : 'off'}; create a new product instead.`,
    );
  }

  let effect: TrackingEffect = 'none';
  if (current) {
    const leavingSerials = before.serialised && !next.serialised;
    const leavingBatches = before.batchTracked && !next.batchTracked;
    const enteringTracking = (next.serialised && !before.serialised) || (next.batchTracked && !before.batchTracked);
    if (leavingSerials && facts.allocatedSerials > 0) {
      throw new DomainError(
        'SERIALS_ALLOCATED',
        `${sku} has ${facts.allocatedSerials} serial(s) allocated to open documents; ship or release them before changing serialisation.`,
      );
    }
    if (leavingSerials && facts.serialsOnOrders > 0) {
      throw new DomainError(
        'SERIALS_ON_ORDERS',
        `${sku} has ${facts.serialsOnOrders} serial(s) entered on open purchase orders; receive them or remove them from the orders before changing serialisation.`,
      );
    }
    if (leavingSerials) {
      effect = next.batchTracked && options.convertSerialsToBatches ? 'serials_to_batches' : 'retire_serials';
    }
    if (facts.hasStockOnHand && ((enteringTracking && effect !== 'serials_to_batches') || leavingBatches)) {
      throw new DomainError(
        'STOCK_ON_HAND',
        `${sku} has stock on hand, so its tracking cannot change from ${describeTracking(before)} to ${describeTracking(next)}. ` +
          'Adjust the stock to zero first, change the tracking, then bring the stock back in with its serials or batches.',
      );
    }
  }

  const missing = missingAccountingDetails(
    next,
    facts.accountingConnected || next.accountingProvider !== null,
    facts.defaultStockAccount ?? false,
  );
  if (missing.length > 0) {
    throw new DomainError('ACCOUNTING_DETAILS_REQUIRED', `${sku}: fill in ${missing.join(', ')}.`);
  }
  return { next, effect };
}

function describeTracking(state: ProductState): string {
  if (state.serialised) return 'serialised';
  if (state.batchTracked) return 'batch tracked';
  return state.stockTracked ? 'stock tracked' : 'not stock tracked';
}

/** The GL codes and tax rates a product's flags call for and it does not have. */
export function missingAccountingDetails(state: ProductState, accountingConnected: boolean, defaultStockAccount = false): string[] {
  const missing: string[] = [];
  const blank = (value: string | null) => value === null || value.trim() === '';
  if (state.sellable && blank(state.saleGlCode)) missing.push('the sale GL code (needed because it is sellable)');
  if (state.sellable && blank(state.sellingTaxRate)) missing.push('the selling tax rate (needed because it is sellable)');
  if (state.purchasable && blank(state.purchaseGlCode)) missing.push('the purchase GL code (needed because it is purchasable)');
  if (state.purchasable && blank(state.purchaseTaxRate)) missing.push('the purchase tax rate (needed because it is purchasable)');
  if (state.stockTracked && accountingConnected && !defaultStockAccount && blank(state.assetGlCode)) {
    missing.push(
      'the asset GL code (needed because it is stock tracked and an accounting system is connected; or set the default stock account in the accounting settings)',
    );
  }
  return missing;
}

export function providerName(provider: 'xero' | 'myob'): string {
  return provider === 'xero' ? 'Xero' : 'MYOB';
}
