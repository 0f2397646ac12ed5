// The faults a test arms on the MYOB stand-in: answers dropped after the work was done, 500/503/504
// failures (not carried out), bursts of 403 RateLimitError, slow answers. Token expiry and
// revocation act on the identity service directly.
import type { MyobRateLimitProblem } from './types.ts';

export type FailureStatus = 500 | 503 | 504;

export class FaultPlan {
  private dropCount = 0;
  private dropProbability = 0;
  private random: () => number = Math.random;
  private tokenDrops = 0;
  private failures: { status: FailureStatus; left: number }[] = [];
  private bursts: { problem: MyobRateLimitProblem; left: number }[] = [];
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

  fail(status: FailureStatus, n = 1): void {
    this.failures.push({ status, left: n });
  }

  rateLimitBurst(n: number, problem: MyobRateLimitProblem): void {
    this.bursts.push({ problem, left: n });
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

  takeBurst(): MyobRateLimitProblem | undefined {
    return take(this.bursts)?.problem;
  }

  takeFailure(): FailureStatus | undefined {
    return take(this.failures)?.status;
  }

  takeSlow(): number {
    return take(this.slows)?.ms ?? 0;
  }
}

function take<T extends { left: number }>(queue: T[]): T | undefined {
  const t = queue[0];
  if (!t) return undefined;
  t.left--;
  if (t.left <= 0) queue.shift();
  return t;
}

/** A small seeded generator, so "10 % of answers dropped" drops the same ones each run. */
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
