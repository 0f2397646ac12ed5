import { DomainError, type Reason } from './errors.ts';

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

/** One rule a product change breaks, at the field to fix (a sheet's cell, when the change came from one). */
export interface ProductProblem {
  reason: Reason;
  field: keyof ProductState;
  message: string;
}

/**
 * Decides the product's next state from its current one (null when creating) and a patch, or
 * refuses with the rule that forbids it. Every product change, whichever procedure makes it,
 * passes through here (or through judgeProductChange, which it is made of).
 */
export function decideProductChange(
  current: ProductState | null,
  patch: ProductPatch,
  facts: ProductFacts,
  options: { convertSerialsToBatches?: boolean } = {},
): { next: ProductState; effect: TrackingEffect } {
  const { next, effect, problems } = judgeProductChange(current, patch, facts, options);
  const first = problems[0];
  if (!first) return { next, effect };
  if (first.reason === 'ACCOUNTING_DETAILS_REQUIRED') {
    // One refusal naming everything missing, as one product at a time has always answered.
    const missing = problems.filter((p) => p.reason === 'ACCOUNTING_DETAILS_REQUIRED').map((p) => MISSING_WORDS[p.field]!);
    throw new DomainError('ACCOUNTING_DETAILS_REQUIRED', `${next.sku}: fill in ${missing.join(', ')}.`);
  }
  throw new DomainError(first.reason, first.message);
}

/**
 * The product rules, every one of them: the next state and what it does to stock, with every rule
 * the change breaks (in the order decideProductChange refuses them), each at its field. A sheet of
 * products is judged row by row with this, so it gets the same answers as one product at a time.
 */
export function judgeProductChange(
  current: ProductState | null,
  patch: ProductPatch,
  facts: ProductFacts,
  options: { convertSerialsToBatches?: boolean } = {},
): { next: ProductState; effect: TrackingEffect; problems: ProductProblem[] } {
  const before: ProductState = current ?? { ...DEFAULTS, sku: patch.sku ?? '' };
  const next: ProductState = { ...before };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  const sku = next.sku;
  const problems: ProductProblem[] = [];
  const refuse = (reason: Reason, field: keyof ProductState, message: string) => problems.push({ reason, field, message });

  // Serialisation and batch tracking turn stock tracking on with them.
  const trackingTurnedOn = (next.serialised && !before.serialised) || (next.batchTracked && !before.batchTracked);
  if (trackingTurnedOn) {
    if (patch.stockTracked === false) {
      refuse(
        'TRACKING_CONFLICT',
        'stockTracked',
        `${sku}: a serialised or batch-tracked product is always stock tracked; leave stock tracking on.`,
      );
    }
    next.stockTracked = true;
  }
  if (next.serialised && next.batchTracked) {
    refuse(
      'TRACKING_CONFLICT',
      patch.batchTracked && !before.batchTracked ? 'batchTracked' : 'serialised',
      `${sku}: a product is either serialised or batch tracked, not both; choose one.`,
    );
  }
  if ((next.serialised || next.batchTracked) && !next.stockTracked) {
    refuse(
      'TRACKING_CONFLICT',
      'stockTracked',
      `${sku}: turn off ${next.serialised ? 'serialisation' : 'batch tracking'} before turning off stock tracking.`,
    );
  }

  if (before.serialised && !next.serialised && before.accountingProvider) {
    refuse(
      'SERIALISATION_LOCKED',
      'serialised',
      `${sku} is synced to ${providerName(before.accountingProvider)}, so serialisation cannot be turned off. Ask Stocksheet support to help if it must change.`,
    );
  }
  if (current && next.stockTracked !== before.stockTracked && facts.hasStockHistory) {
    refuse(
      'STOCK_TRACKING_LOCKED',
      'stockTracked',
      `${sku} already has stock movements, so stock tracking cannot be turned ${next.stockTracked ? 'on' : 'off'}; create a new product instead.`,
    );
  }

  let effect: TrackingEffect = 'none';
  if (current) {
    const leavingSerials = before.serialised && !next.serialised;
    const leavingBatches = before.batchTracked && !next.batchTracked;
    const enteringSerials = next.serialised && !before.serialised;
    const enteringTracking = enteringSerials || (next.batchTracked && !before.batchTracked);
    if (leavingSerials && facts.allocatedSerials > 0) {
      refuse(
        'SERIALS_ALLOCATED',
        'serialised',
        `${sku} has ${facts.allocatedSerials} serial(s) allocated to open documents; ship or release them before changing serialisation.`,
      );
    }
    if (leavingSerials && facts.serialsOnOrders > 0) {
      refuse(
        'SERIALS_ON_ORDERS',
        'serialised',
        `${sku} has ${facts.serialsOnOrders} serial(s) entered on open purchase orders; receive them or remove them from the orders before changing serialisation.`,
      );
    }
    if (leavingSerials) {
      effect = next.batchTracked && options.convertSerialsToBatches ? 'serials_to_batches' : 'retire_serials';
    }
    if (facts.hasStockOnHand && ((enteringTracking && effect !== 'serials_to_batches') || leavingBatches)) {
      refuse(
        'STOCK_ON_HAND',
        enteringSerials ? 'serialised' : 'batchTracked',
        `${sku} has stock on hand, so its tracking cannot change from ${describeTracking(before)} to ${describeTracking(next)}. ` +
          'Adjust the stock to zero first, change the tracking, then bring the stock back in with its serials or batches.',
      );
    }
  }

  const connected = facts.accountingConnected || next.accountingProvider !== null;
  for (const field of missingAccountingFields(next, connected, facts.defaultStockAccount ?? false)) {
    refuse('ACCOUNTING_DETAILS_REQUIRED', field, `${sku}: fill in ${MISSING_WORDS[field]}.`);
  }
  return { next, effect, problems };
}

function describeTracking(state: ProductState): string {
  if (state.serialised) return 'serialised';
  if (state.batchTracked) return 'batch tracked';
  return state.stockTracked ? 'stock tracked' : 'not stock tracked';
}

/** How a missing GL code or tax rate is named, with why the product needs it. */
const MISSING_WORDS: Partial<Record<keyof ProductState, string>> = {
  saleGlCode: 'the sale GL code (needed because it is sellable)',
  sellingTaxRate: 'the selling tax rate (needed because it is sellable)',
  purchaseGlCode: 'the purchase GL code (needed because it is purchasable)',
  purchaseTaxRate: 'the purchase tax rate (needed because it is purchasable)',
  assetGlCode:
    'the asset GL code (needed because it is stock tracked and an accounting system is connected; or set the default stock account in the accounting settings)',
};

/** The fields of the GL codes and tax rates a product's flags call for and it does not have. */
function missingAccountingFields(state: ProductState, accountingConnected: boolean, defaultStockAccount: boolean): (keyof ProductState)[] {
  const missing: (keyof ProductState)[] = [];
  const blank = (value: string | null) => value === null || value.trim() === '';
  if (state.sellable && blank(state.saleGlCode)) missing.push('saleGlCode');
  if (state.sellable && blank(state.sellingTaxRate)) missing.push('sellingTaxRate');
  if (state.purchasable && blank(state.purchaseGlCode)) missing.push('purchaseGlCode');
  if (state.purchasable && blank(state.purchaseTaxRate)) missing.push('purchaseTaxRate');
  if (state.stockTracked && accountingConnected && !defaultStockAccount && blank(state.assetGlCode)) missing.push('assetGlCode');
  return missing;
}

/** The GL codes and tax rates a product's flags call for and it does not have. */
export function missingAccountingDetails(state: ProductState, accountingConnected: boolean, defaultStockAccount = false): string[] {
  return missingAccountingFields(state, accountingConnected, defaultStockAccount).map((field) => MISSING_WORDS[field]!);
}

/**
 * Whether a product's unit cost (its weighted average cost, in base currency) may be set to
 * `given`. A new product, or one with no stock on hand, takes it as its starting cost (the first
 * receipt or adjustment with a cost replaces it, and a stocktake values stock it finds at it). With
 * stock on hand the average is the value of that stock, which only receipts, adjustments and their
 * journals change: setting it would revalue the stock with no movement and no journal. So it is
 * refused then, unless it is the cost the product already has (as exported, to the sixth decimal).
 */
export function decideUnitCost(
  product: { sku: string; averageCost: number } | null,
  given: number | undefined,
  facts: Pick<ProductFacts, 'hasStockOnHand'>,
): { averageCost: number | undefined; problem?: { reason: Reason; message: string } } {
  if (given === undefined) return { averageCost: undefined };
  if (!product || !facts.hasStockOnHand) return { averageCost: roundCost(given) };
  if (Math.abs(roundCost(given) - product.averageCost) < 5e-7) return { averageCost: undefined };
  return {
    averageCost: undefined,
    problem: {
      reason: 'UNIT_COST_LOCKED',
      message:
        `${product.sku} has stock on hand at an average cost of ${product.averageCost}; its unit cost changes with receipts and ` +
        'stock adjustments (which post their journals), not by editing it. Put the cost back, or leave the cell blank.',
    },
  };
}

/** Average costs keep six decimals (numeric(18,6)). */
const roundCost = (n: number) => Math.round(n * 1e6) / 1e6;

export function providerName(provider: 'xero' | 'myob'): string {
  return provider === 'xero' ? 'Xero' : 'MYOB';
}
