// The stand-in's clock: real time by default, optionally started at a given instant and/or running
// faster than real time (a scaled clock lets a test or the bench live through Xero's minute and day
// windows quickly), and always movable forward by `advance`.
import type { XeroClock } from './types.ts';

export interface ClockOptions {
  /** The clock's reading at creation (ms since the epoch; default now). */
  start?: number;
  /** Clock milliseconds per real millisecond (default 1). */
  scale?: number;
}

export function createClock(options: ClockOptions = {}): XeroClock {
  const realStart = Date.now();
  const start = options.start ?? realStart;
  const scale = options.scale ?? 1;
  let offset = 0;
  return {
    now: () => Math.floor(start + (Date.now() - realStart) * scale + offset),
    advance: (ms: number) => {
      if (!(ms >= 0)) throw new Error(`the clock only moves forward (advance(${ms}))`);
      offset += ms;
    },
  };
}
