// Xero's Idempotency-Key (https://developer.xero.com/documentation/guides/idempotent-requests/idempotency/,
// as quoted by integration vendors): at most 128 characters on a PUT or POST; the first answer is
// kept 6 minutes from the first call; the same key with the same request gets that answer again
// (a repeat that arrives while the first is still running waits for it); the same key with another
// request gets 400; a 500 is kept like any other answer. The caller checks rate limits first, so a
// 429 never reaches this store.
import { createHash } from 'node:crypto';
import type { Answer } from './answers.ts';
import type { XeroClock } from './types.ts';

export const IDEMPOTENCY_TTL_MS = 6 * 60_000;
export const IDEMPOTENCY_KEY_MAX = 128;

interface Entry {
  fingerprint: string;
  firstAt: number;
  answer?: Answer;
  done: Promise<Answer>;
}

export type Claim = { kind: 'new'; settle: (answer: Answer) => void } | { kind: 'replay'; answer: Promise<Answer> } | { kind: 'mismatch' };

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: XeroClock) {}

  /** Takes the key for this request, or says it was already used (by this request or another). */
  claim(key: string, request: { method: string; path: string; query: string; body: string }): Claim {
    const now = this.clock.now();
    for (const [k, e] of this.entries) if (now - e.firstAt >= IDEMPOTENCY_TTL_MS) this.entries.delete(k);
    const fingerprint = createHash('sha256').update(`${request.method} ${request.path}?${request.query}\n${request.body}`).digest('hex');
    const existing = this.entries.get(key);
    if (existing) return existing.fingerprint === fingerprint ? { kind: 'replay', answer: existing.done } : { kind: 'mismatch' };
    let settle!: (answer: Answer) => void;
    const done = new Promise<Answer>((resolve) => (settle = resolve));
    const entry: Entry = { fingerprint, firstAt: now, done };
    this.entries.set(key, entry);
    return {
      kind: 'new',
      settle: (answer) => {
        entry.answer = answer;
        settle(answer);
      },
    };
  }
}
