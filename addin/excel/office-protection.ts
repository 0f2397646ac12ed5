// Sheets laid out with formatEntrySheet are protected; this add-in's own writes lift that protection
// for their work and put it back. Protection a person set stays.

/**
 * Sheet custom property formatEntrySheet leaves on the sheets it lays out and protects: the A1
 * address of the area it laid out (e.g. "A1:F101"). It tells this add-in's writes that the sheet's
 * protection is the add-in's own to lift, and a later formatEntrySheet what to reset.
 */
export const ENTRY_LAYOUT_PROPERTY = 'Stocksheet.entryLayout';
/** How an entry sheet is protected (no password): columns can still be resized, filtered and sorted. */
export const ENTRY_PROTECTION: Excel.WorksheetProtectionOptions = { allowFormatColumns: true, allowAutoFilter: true, allowSort: true };

/**
 * Runs `work` (writes to `worksheet`) with the sheet's protection lifted when that protection is
 * this add-in's own (formatEntrySheet left ENTRY_LAYOUT_PROPERTY on the sheet), then protects it
 * again with ENTRY_PROTECTION, even when `work` fails (a failure to re-protect never hides the
 * original error). The options Excel reports for a protected sheet are not used to protect it
 * again: they can hold nulls that make protect() fail (office-js #1931), which would leave the
 * sheet unprotected. A sheet a person protected is left protected: the writes then fail as Excel
 * refuses them.
 */
export async function withOwnProtectionLifted<T>(
  context: Excel.RequestContext,
  worksheet: Excel.Worksheet,
  work: () => Promise<T>,
): Promise<T> {
  const protection = worksheet.protection.load('protected');
  const layout = worksheet.customProperties.getItemOrNullObject(ENTRY_LAYOUT_PROPERTY);
  await context.sync();
  if (!protection.protected || layout.isNullObject) return work();
  protection.unprotect();
  await context.sync();
  return thenRestore(context, work, () => protection.protect(ENTRY_PROTECTION));
}

/**
 * Runs `work`, then queues `restore` and syncs it, even when `work` fails; a failure to restore
 * is thrown only when `work` succeeded, so it never hides the original error.
 */
async function thenRestore<T>(context: Excel.RequestContext, work: () => Promise<T>, restore: () => void): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    restore();
    await context.sync().catch(() => undefined);
    throw error;
  }
  restore();
  await context.sync();
  return result;
}
