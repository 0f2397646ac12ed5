import type { Db } from '../../db/types.ts';
import { assertMayWrite, type RoleName } from '../../domain/roles.ts';

const SETTINGS_SELECT = {
  baseCurrency: true,
  accountingProvider: true,
  stocktakeGlCode: true,
  stockAccount: true,
  costOfSalesAccount: true,
  receivedNotBilledAccount: true,
  adjustmentAccount: true,
  openingBalanceAccount: true,
  accountingTimezone: true,
  openingStockInLedger: true,
  updatedAt: true,
} as const;

type Row = { [K in keyof typeof SETTINGS_SELECT]: unknown };

function toDto<T extends Row>(row: T) {
  const {
    stockAccount,
    costOfSalesAccount,
    receivedNotBilledAccount,
    adjustmentAccount,
    openingBalanceAccount,
    accountingTimezone,
    openingStockInLedger,
    ...rest
  } = row;
  return {
    ...rest,
    accounting: {
      stockAccount,
      costOfSalesAccount,
      receivedNotBilledAccount,
      adjustmentAccount,
      openingBalanceAccount,
      timezone: accountingTimezone,
      openingStock: openingStockInLedger ? ('in_ledger' as const) : ('post' as const),
    },
  };
}

export async function getSettings(db: Db) {
  return toDto(await db.settings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {}, select: SETTINGS_SELECT }));
}

export interface AccountingSettings {
  stockAccount?: string | null;
  costOfSalesAccount?: string | null;
  receivedNotBilledAccount?: string | null;
  adjustmentAccount?: string | null;
  openingBalanceAccount?: string | null;
  timezone?: string;
  /** Opening stock posted against the opening-balance account, or already in the ledger (not posted). */
  openingStock?: 'post' | 'in_ledger';
}

/**
 * The account mapping is the accountant's (accounting.manage); every other setting is the admin's.
 * Connecting an accounting system makes the asset GL code required on stock-tracked products.
 */
export async function updateSettings(
  db: Db,
  role: RoleName,
  input: {
    baseCurrency?: string;
    accountingProvider?: 'xero' | 'myob' | null;
    stocktakeGlCode?: string | null;
    accounting?: AccountingSettings;
  },
) {
  const { accounting, ...patch } = input;
  assertMayWrite(role, Object.keys(patch).length === 0 && accounting ? 'accounting.manage' : 'settings.update');
  const { timezone, openingStock, ...accounts } = accounting ?? {};
  const data = {
    ...patch,
    ...accounts,
    ...(timezone !== undefined ? { accountingTimezone: timezone } : {}),
    ...(openingStock !== undefined ? { openingStockInLedger: openingStock === 'in_ledger' } : {}),
  };
  return toDto(await db.settings.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: data, select: SETTINGS_SELECT }));
}
