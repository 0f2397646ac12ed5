// Xero's per-tenant rate limits (https://developer.xero.com/faq/limits): 60 calls in a rolling
// minute, 5,000 in a rolling day, 5 in progress at once, and 10,000 a minute for the app across
// tenants; every API answer carries X-DayLimit-Remaining, X-MinLimit-Remaining and
// X-AppMinLimit-Remaining, and a refused call gets 429 with Retry-After (seconds) and
// X-Rate-Limit-Problem. Windows run on the stand-in's clock. Also the statistics a test checks a
// client against: the most requests at once and in any minute, counted on arrival.
import type { RateLimitProblem, XeroClock, XeroRateLimits, XeroStandInStats } from './types.ts';

export const XERO_LIMITS: XeroRateLimits = { perMinute: 60, perDay: 5000, concurrent: 5, appPerMinute: 10_000 };
const MINUTE = 60_000;
const DAY = 24 * 3600_000;

export type Admission = { ok: true; release: () => void } | { ok: false; problem: RateLimitProblem; retryAfter: number };

export class RateLimiter {
  private readonly minute: number[] = [];
  private readonly day: number[] = [];
  private inFlight = 0;

  constructor(
    private readonly clock: XeroClock,
    private readonly limits: XeroRateLimits,
  ) {}

  /** Counts the call against the limits, or says which limit it breaks and for how long. */
  admit(): Admission {
    const now = this.clock.now();
    prune(this.minute, now - MINUTE);
    prune(this.day, now - DAY);
    if (this.day.length >= this.limits.perDay) return { ok: false, problem: 'day', retryAfter: secondsUntil(this.day[0]! + DAY, now) };
    if (this.minute.length >= Math.min(this.limits.perMinute, this.limits.appPerMinute)) {
      return { ok: false, problem: 'minute', retryAfter: secondsUntil(this.minute[0]! + MINUTE, now) };
    }
    if (this.inFlight >= this.limits.concurrent) return { ok: false, problem: 'concurrent', retryAfter: 1 };
    this.minute.push(now);
    this.day.push(now);
    this.inFlight++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (!released) this.inFlight--;
        released = true;
      },
    };
  }

  /** The three remaining-calls headers, as of now. */
  headers(): Record<string, string> {
    const now = this.clock.now();
    prune(this.minute, now - MINUTE);
    prune(this.day, now - DAY);
    return {
      'x-daylimit-remaining': String(Math.max(0, this.limits.perDay - this.day.length)),
      'x-minlimit-remaining': String(Math.max(0, this.limits.perMinute - this.minute.length)),
      // One tenant per stand-in, so the app's minute is the tenant's minute.
      'x-appminlimit-remaining': String(Math.max(0, this.limits.appPerMinute - this.minute.length)),
    };
  }
}

/** What reached the stand-in, whether it was let through or not. */
export class Arrivals {
  private readonly window: number[] = [];
  private current = 0;
  private readonly s: XeroStandInStats = { maxConcurrent: 0, maxPerMinute: 0, requests: 0 };

  constructor(private readonly clock: XeroClock) {}

  arrive(): () => void {
    const now = this.clock.now();
    this.s.requests++;
    this.window.push(now);
    prune(this.window, now - MINUTE);
    this.s.maxPerMinute = Math.max(this.s.maxPerMinute, this.window.length);
    this.current++;
    this.s.maxConcurrent = Math.max(this.s.maxConcurrent, this.current);
    let left = false;
    return () => {
      if (!left) this.current--;
      left = true;
    };
  }

  stats(): XeroStandInStats {
    return { ...this.s };
  }
}

/** Drops timestamps at or before `cutoff` (the window is (now - length, now]). */
function prune(times: number[], cutoff: number): void {
  let i = 0;
  while (i < times.length && times[i]! <= cutoff) i++;
  if (i) times.splice(0, i);
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
