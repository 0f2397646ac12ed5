// The account mapping as the panel's form holds it (text fields) and as settings.update takes it.
// Pure.

export const ACCOUNT_ROLES = [
  { key: 'stockAccount', label: 'Stock', hint: 'The asset account stock is held in (a product’s asset GL code overrides it)' },
  {
    key: 'costOfSalesAccount',
    label: 'Cost of sales',
    hint: 'Debited when stock goes out on a shipment or invoice (a product’s cost-of-sales GL code overrides it)',
  },
  { key: 'receivedNotBilledAccount', label: 'Received not billed', hint: 'Credited when goods are received on a purchase order' },
  {
    key: 'adjustmentAccount',
    label: 'Adjustments',
    hint: 'Stocktake variances and work orders without a GL code of their own (an adjustment posts to its own)',
  },
  { key: 'openingBalanceAccount', label: 'Opening balance', hint: 'Credited for opening stock' },
] as const;

export type AccountRole = (typeof ACCOUNT_ROLES)[number]['key'];

/** What settings.get gives and settings.update takes under `accounting`. */
export type AccountMapping = Record<AccountRole, string | null> & { timezone: string };
/** The form: every field as typed. */
export type MappingForm = Record<AccountRole | 'timezone', string>;

export function mappingForm(mapping: Partial<Record<AccountRole | 'timezone', unknown>>): MappingForm {
  const field = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    stockAccount: field(mapping.stockAccount),
    costOfSalesAccount: field(mapping.costOfSalesAccount),
    receivedNotBilledAccount: field(mapping.receivedNotBilledAccount),
    adjustmentAccount: field(mapping.adjustmentAccount),
    openingBalanceAccount: field(mapping.openingBalanceAccount),
    timezone: field(mapping.timezone),
  };
}

/** The update to send: codes trimmed, a blank code unmapped (null); a blank time zone left as it is. */
export function mappingUpdate(form: MappingForm): Partial<AccountMapping> {
  const code = (value: string) => (value.trim() === '' ? null : value.trim());
  const update: Partial<AccountMapping> = {
    stockAccount: code(form.stockAccount),
    costOfSalesAccount: code(form.costOfSalesAccount),
    receivedNotBilledAccount: code(form.receivedNotBilledAccount),
    adjustmentAccount: code(form.adjustmentAccount),
    openingBalanceAccount: code(form.openingBalanceAccount),
  };
  if (form.timezone.trim() !== '') update.timezone = form.timezone.trim();
  return update;
}
