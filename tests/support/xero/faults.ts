// The faults a test arms on a stand-in: answers dropped after the work was done, 500/503 failures,
// bursts of 429s, slow answers; token expiry and revocation act on the identity service directly.
import type { RateLimitProblem } from './types.ts';

export class FaultPlan {
  private dropCount = 0;
  private dropProbability = 0;
  private random: () => number = Math.random;
  private tokenDrops = 0;
  private failures: { status: 500 | 503; left: number }[] = [];
  private bursts: { problem: RateLimitProblem; retryAfter: number; left: number }[] = [];
  private slows: { ms: number; left: number }[] = [];

  dropAnswers(n: number | { probability: number; seed?: number }): void {
    if (typeof n === 'number') {
      this.dropCount += n;
      return;
    }
    this.dropProbability = n.probability;
    this.random = n.seed === undefined ? Math.random : mulberry32(n.seed);
  }

  dropTokenAnswers(n: number): void {
    this.tokenDrops += n;
  }

  fail(status: 500 | 503, n = 1): void {
    this.failures.push({ status, left: n });
  }

  rateLimitBurst(n: number, problem: RateLimitProblem, retryAfterSeconds?: number): void {
    this.bursts.push({ problem, retryAfter: retryAfterSeconds ?? (problem === 'day' ? 60 : 1), left: n });
  }

  slow(ms: number, n = 1): void {
    this.slows.push({ ms, left: n });
  }

  clear(): void {
    this.dropCount = 0;
    this.dropProbability = 0;
    this.tokenDrops = 0;
    this.failures = [];
    this.bursts = [];
    this.slows = [];
  }

  /** Whether this API answer is to be dropped. */
  takeDrop(): boolean {
    if (this.dropCount > 0) {
      this.dropCount--;
      return true;
    }
    return this.dropProbability > 0 && this.random() < this.dropProbability;
  }

  takeTokenDrop(): boolean {
    if (this.tokenDrops <= 0) return false;
    this.tokenDrops--;
    return true;
  }

  takeBurst(): { problem: RateLimitProblem; retryAfter: number } | undefined {
    return take(this.bursts);
  }

  /** A 503 due now (taken before the Idempotency-Key). */
  takeUnavailable(): boolean {
    return takeWhere(this.failures, (f) => f.status === 503) !== undefined;
  }

  /** A 500 due now (taken after the Idempotency-Key). */
  takeServerError(): boolean {
    return takeWhere(this.failures, (f) => f.status === 500) !== undefined;
  }

  takeSlow(): number {
    return take(this.slows)?.ms ?? 0;
  }
}

function take<T extends { left: number }>(queue: T[]): T | undefined {
  return takeWhere(queue, () => true);
}

function takeWhere<T extends { left: number }>(queue: T[], match: (t: T) => boolean): T | undefined {
  const i = queue.findIndex((t) => t.left > 0 && match(t));
  if (i < 0) return undefined;
  const t = queue[i]!;
  t.left--;
  if (t.left <= 0) queue.splice(i, 1);
  return t;
}

/** A small seeded generator, so a test's "10 % of answers dropped" drops the same ones each run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
