// MYOB's rate limits: 8 calls a second and 1,000,000 a day per API key, not per company file (MYOB
// support, https://community.myob.com/discussions/accountrightapiquestions/api-v2-rate-limits/693742);
// over either, 403 with Name RateLimitError (MYOB's error-messages page). A call counts at its
// arrival, on the stand-in's clock, when it is let through (refused calls do not use up the
// budget); the windows roll ((now - 1 s, now] and (now - 24 h, now]; whether MYOB's day is a
// calendar day is not documented). The token endpoint is not counted. Also the statistics a test
// checks a client against: the most API requests in any second and at once, counted on arrival.
import type { MyobClock, MyobRateLimitProblem, MyobRateLimits, MyobStandInStats } from './types.ts';

export const MYOB_LIMITS: MyobRateLimits = { perSecond: 8, perDay: 1_000_000 };
const SECOND = 1000;
const DAY = 24 * 3600_000;

export class RateLimiter {
  private readonly second: number[] = [];
  private readonly day: number[] = [];

  constructor(
    private readonly clock: MyobClock,
    private readonly limits: MyobRateLimits,
  ) {}

  /** Counts the call, or says which limit it breaks. */
  admit(): { ok: true } | { ok: false; problem: MyobRateLimitProblem } {
    const now = this.clock.now();
    prune(this.second, now - SECOND);
    prune(this.day, now - DAY);
    if (this.day.length >= this.limits.perDay) return { ok: false, problem: 'day' };
    if (this.second.length >= this.limits.perSecond) return { ok: false, problem: 'second' };
    this.second.push(now);
    this.day.push(now);
    return { ok: true };
  }
}

/** What reached the stand-in, let through or not. */
export class Arrivals {
  private readonly window: number[] = [];
  private current = 0;
  private readonly s: MyobStandInStats = { maxPerSecond: 0, maxConcurrent: 0, total: 0, tokenRequests: 0 };

  constructor(private readonly clock: MyobClock) {}

  arrive(): () => void {
    const now = this.clock.now();
    this.s.total++;
    this.window.push(now);
    prune(this.window, now - SECOND);
    this.s.maxPerSecond = Math.max(this.s.maxPerSecond, this.window.length);
    this.current++;
    this.s.maxConcurrent = Math.max(this.s.maxConcurrent, this.current);
    let left = false;
    return () => {
      if (!left) this.current--;
      left = true;
    };
  }

  token(): void {
    this.s.tokenRequests++;
  }

  stats(): MyobStandInStats {
    return { ...this.s };
  }
}

/** Drops timestamps at or before `cutoff` (the window is (now - length, now]). */
function prune(times: number[], cutoff: number): void {
  let i = 0;
  while (i < times.length && times[i]! <= cutoff) i++;
  if (i) times.splice(0, i);
}
