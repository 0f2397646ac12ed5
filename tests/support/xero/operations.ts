// The operations the stand-in carries out, by the spec's operationId; every other operation of
// the spec answers 501 (routed and validated, but not modelled here).
import type { Answer } from './answers.ts';
import { getItem, getItems, writeItems } from './items.ts';
import { getManualJournal, getManualJournals, writeManualJournals } from './journals.ts';
import { getJournals } from './ledger.ts';
import { getAccounts, getOrganisations, getTaxRates, getTrackingCategories } from './reads.ts';
import { schemaFields } from './spec.ts';
import type { OpContext } from './state.ts';

export const OPERATIONS: Record<string, (ctx: OpContext) => Answer> = {
  getAccounts: (ctx) => getAccounts(ctx, schemaFields('Account')),
  getTaxRates: (ctx) => getTaxRates(ctx, schemaFields('TaxRate')),
  getTrackingCategories: (ctx) => getTrackingCategories(ctx, schemaFields('TrackingCategory')),
  getOrganisations: (ctx) => getOrganisations(ctx),
  getManualJournals: (ctx) => getManualJournals(ctx, schemaFields('ManualJournal')),
  getManualJournal: (ctx) => getManualJournal(ctx),
  createManualJournals: (ctx) => writeManualJournals(ctx, 'create'),
  updateOrCreateManualJournals: (ctx) => writeManualJournals(ctx, 'upsert'),
  updateManualJournal: (ctx) => writeManualJournals(ctx, 'update'),
  getJournals: (ctx) => getJournals(ctx),
  getItems: (ctx) => getItems(ctx, schemaFields('Item')),
  getItem: (ctx) => getItem(ctx),
  createItems: (ctx) => writeItems(ctx, 'create'),
  updateOrCreateItems: (ctx) => writeItems(ctx, 'upsert'),
  updateItem: (ctx) => writeItems(ctx, 'update'),
};
