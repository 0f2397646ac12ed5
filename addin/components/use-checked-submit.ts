import { useState, useSyncExternalStore } from 'react';
import type { Problem } from '../api/errors.ts';
import type { CellRef, ProblemMarker } from '../excel/port.ts';
import { CheckedSubmit, type CheckEnvironment, type EntryCells, type EntrySet } from './checked-submit.ts';

/**
 * A panel's check → mark → submit loop (see CheckedSubmit): the last check's `checked` set, its
 * `problems` and `cells`, and the idempotency keys its submits use. `C` is what the panel keeps about
 * a checked set.
 */
export function useCheckedSubmit<C>(workbook: ProblemMarker | null, task: CheckEnvironment['steps'] & { fail(error: unknown): void }) {
  const [loop] = useState(() => new CheckedSubmit<C>());
  const state = useSyncExternalStore(loop.subscribe, loop.current);
  const env: CheckEnvironment = { workbook, steps: task };
  return {
    checked: state?.checked ?? null,
    problems: state?.problems ?? [],
    cells: state?.cells ?? null,
    show: (checked: C, cells: EntryCells | null, problems: Problem[]) => loop.show(env, { checked, cells }, problems),
    clear: () => loop.clear(),
    /** Sends the checked set (or `set`, when the panel gathered it again) with its key. */
    submit: <R>(request: unknown, call: (key: string) => Promise<R>, set?: EntrySet<C>) => loop.submit(env, request, call, set),
    send: <R>(request: unknown, call: (key: string) => Promise<R>) => loop.send(request, call),
    /** Selects a problem's cell in the sheet. */
    select: (cell: CellRef) => void workbook?.selectCell(cell).catch(task.fail),
  };
}

export type CheckedSubmitHook<C> = ReturnType<typeof useCheckedSubmit<C>>;
