import type { Caller } from './app.ts';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

/** Builders for the things most tests need, through the public API. */
export async function location(api: Caller, bays: string[] = []) {
  const created = await api.locations.create({ name: unique('Warehouse') });
  const bayIds: number[] = [];
  for (const name of bays) bayIds.push((await api.locations.addBay({ locationId: created.id, name })).id);
  return { ...created, bayIds };
}

export function serialisedProduct(api: Caller, extra: Record<string, unknown> = {}) {
  return api.products.create({ sku: unique('SER'), name: 'Serialised thing', serialised: true, ...extra });
}

export function batchProduct(api: Caller, extra: Record<string, unknown> = {}) {
  return api.products.create({ sku: unique('BAT'), name: 'Batch thing', batchTracked: true, ...extra });
}

export function plainProduct(api: Caller, extra: Record<string, unknown> = {}) {
  return api.products.create({ sku: unique('PLN'), name: 'Plain thing', stockTracked: true, ...extra });
}

export const sellableCodes = { sellable: true, saleGlCode: '200', sellingTaxRate: 'GST on Income' };
export const purchasableCodes = { purchasable: true, purchaseGlCode: '300', purchaseTaxRate: 'GST on Expenses' };
