// How this add-in's Office.js work changes a workbook quietly: events off and calculation suspended
// while it writes, and whatever it turned off put back afterwards, even when the work fails.

/**
 * Runs `work` with this add-in's events off and restores the previous setting afterwards, even when
 * `work` fails (a failure to restore never hides the original error).
 */
export async function withEventsDisabled<T>(context: Excel.RequestContext, work: () => Promise<T>): Promise<T> {
  context.runtime.load('enableEvents');
  await context.sync();
  const previous = context.runtime.enableEvents;
  context.runtime.enableEvents = false;
  return thenRestore(context, work, () => {
    context.runtime.enableEvents = previous;
  });
}

/**
 * Runs `work`, then queues `restore` and syncs it, even when `work` fails; a failure to restore
 * is thrown only when `work` succeeded, so it never hides the original error.
 */
export async function thenRestore<T>(context: Excel.RequestContext, work: () => Promise<T>, restore: () => void): Promise<T> {
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

/** Starts a write batch: calculation waits until the sync that sends it (call before queuing writes). */
export function beginWrite(context: Excel.RequestContext): void {
  context.application.suspendApiCalculationUntilNextSync();
}
