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

export type OpeningStock = 'post' | 'in_ledger';

/** What settings.get gives and settings.update takes under `accounting`. */
export type AccountMapping = Record<AccountRole, string | null> & { timezone: string; openingStock: OpeningStock };
/** The form: every field as typed, and whether opening stock is posted. */
export type MappingForm = Record<AccountRole | 'timezone', string> & { openingStock: OpeningStock };

export function mappingForm(mapping: Partial<Record<AccountRole | 'timezone' | 'openingStock', unknown>>): MappingForm {
  const field = (value: unknown) => (typeof value === 'string' ? value : '');
  const codes = Object.fromEntries(ACCOUNT_ROLES.map(({ key }) => [key, field(mapping[key])])) as Record<AccountRole, string>;
  return { ...codes, timezone: field(mapping.timezone), openingStock: mapping.openingStock === 'in_ledger' ? 'in_ledger' : 'post' };
}

/** The update to send: codes trimmed, a blank code unmapped (null); a blank time zone left as it is. */
export function mappingUpdate(form: MappingForm): Partial<AccountMapping> {
  const code = (value: string) => (value.trim() === '' ? null : value.trim());
  const codes = Object.fromEntries(ACCOUNT_ROLES.map(({ key }) => [key, code(form[key])])) as Record<AccountRole, string | null>;
  const update: Partial<AccountMapping> = { ...codes, openingStock: form.openingStock };
  if (form.timezone.trim() !== '') update.timezone = form.timezone.trim();
  return update;
}
