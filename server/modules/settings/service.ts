import type { Db } from '../../db/types.ts';

const SETTINGS_SELECT = { baseCurrency: true, accountingProvider: true, stocktakeGlCode: true, updatedAt: true } as const;

export async function getSettings(db: Db) {
  return db.settings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {}, select: SETTINGS_SELECT });
}

/** Connecting an accounting system makes the asset GL code required on stock-tracked products. */
export async function updateSettings(
  db: Db,
  patch: { baseCurrency?: string; accountingProvider?: 'xero' | 'myob' | null; stocktakeGlCode?: string | null },
) {
  return db.settings.upsert({ where: { id: 1 }, create: { id: 1, ...patch }, update: patch, select: SETTINGS_SELECT });
}
