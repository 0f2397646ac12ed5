// The check → mark → submit loop every entry panel runs: a check's problems are marked at their cells
// and listed; submitting sends the set with its idempotency key (IdempotencyKeys); the server's
// refusal is marked and listed the same way; success clears the marks. Plain TypeScript (no React):
// useCheckedSubmit puts it in a panel, and tests drive it with an in-memory workbook.

import { refusalOf, type Problem } from '../api/errors.ts';
import type { CellMark, ProblemMarker, Progress } from '../excel/port.ts';
import { IdempotencyKeys } from './idempotency-keys.ts';
import { problemMarks, type LocateCell } from './problem-marks.ts';

/** Where a checked set's entries sit in the workbook, so its problems are marked at their cells. */
export interface EntryCells {
  sheet: string;
  locate: LocateCell;
  /** Marks that stay on the sheet whatever a check finds (e.g. expired batches). */
  keep?: CellMark[];
}

/** A set of entries: the panel's own account of it (counts, where it came from) and, when read from the workbook, its cells. */
export interface EntrySet<C> {
  checked: C;
  cells: EntryCells | null;
}

/** What the last check (or refusal) found about a set. */
export interface CheckedState<C> extends EntrySet<C> {
  problems: Problem[];
}

/** What the loop works with: the workbook (when the pane runs in Excel) and the panel's progress steps. */
export interface CheckEnvironment {
  workbook: ProblemMarker | null;
  steps: { step(label: string, value?: number): void; report(label: string): Progress };
}

const MARKING = 'Marking problems in the sheet…';

export class CheckedSubmit<C> {
  private state: CheckedState<C> | null = null;
  /** The sheet this loop last marked, so a check of another sheet (or a success) clears it. */
  private markedSheet: string | null = null;
  private readonly keys: IdempotencyKeys;
  private readonly listeners = new Set<() => void>();

  constructor(newKey?: () => string) {
    this.keys = new IdempotencyKeys(newKey);
  }

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  readonly current = (): CheckedState<C> | null => this.state;

  /** Shows what a check found: its problems marked at their cells (only those: earlier marks go) and listed. */
  async show(env: CheckEnvironment, set: EntrySet<C>, problems: Problem[]): Promise<void> {
    const { workbook, steps } = env;
    if (workbook && this.markedSheet !== null && this.markedSheet !== set.cells?.sheet) await this.forgetMarks(workbook);
    if (workbook && set.cells) {
      steps.step(MARKING, 0);
      const marks = [...(set.cells.keep ?? []), ...problemMarks(problems, set.cells.locate)];
      await workbook.markProblems(set.cells.sheet, marks, steps.report(MARKING));
      this.markedSheet = set.cells.sheet;
    }
    this.update({ ...set, problems });
  }

  /** Hides the result (e.g. when the panel's choices change); the marks stay until the next check. */
  clear(): void {
    this.update(null);
  }

  /**
   * Sends `request` (a set's body, without its key) through `call` with its key. On success the
   * set's marks go (but for the ones it keeps) and the result is hidden; when the server refuses it
   * with problems, they are marked and listed like a check's. `set` is the checked one unless given.
   */
  async submit<R>(
    env: CheckEnvironment,
    request: unknown,
    call: (key: string) => Promise<R>,
    set: EntrySet<C> | null = this.state,
  ): Promise<R> {
    let result: R;
    try {
      result = await this.keys.send(request, call);
    } catch (error) {
      const refused = refusalOf(error);
      if (set && refused?.problems.length) await this.show(env, set, refused.problems);
      throw error;
    }
    const { workbook } = env;
    if (workbook && set?.cells) {
      const { sheet, keep = [] } = set.cells;
      await (keep.length ? workbook.markProblems(sheet, keep) : workbook.clearProblems(sheet));
      if (this.markedSheet === sheet) this.markedSheet = null;
    }
    if (workbook && this.markedSheet !== null) await this.forgetMarks(workbook);
    this.update(null);
    return result;
  }

  /** Sends a request that is not a checked set (a receipt, a finalise) under the same key policy. */
  send<R>(request: unknown, call: (key: string) => Promise<R>): Promise<R> {
    return this.keys.send(request, call);
  }

  /** Clears the marks of the sheet marked last; that sheet may be gone meanwhile. */
  private async forgetMarks(workbook: ProblemMarker): Promise<void> {
    await workbook.clearProblems(this.markedSheet!).catch(() => undefined);
    this.markedSheet = null;
  }

  private update(state: CheckedState<C> | null): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}
