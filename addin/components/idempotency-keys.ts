import { refusalOf } from '../api/errors.ts';

/**
 * The pane's one idempotency-key policy. A request (its body, without the key) keeps its key until
 * the server gives a definite answer: success, or a refusal with a reason code. So sending it again
 * after a lost answer (no network, a timeout, a fault without a reason) reuses the key, and the
 * server applies it at most once; a changed request, or the same one after a definite answer, gets a
 * new key.
 */
export class IdempotencyKeys {
  /** Requests sent without a definite answer yet, by their JSON, with their key. */
  private readonly unanswered = new Map<string, string>();

  constructor(private readonly newKey: () => string = () => crypto.randomUUID()) {}

  /** Calls `call` with the key of `request`; the key is forgotten once the answer is definite. */
  async send<R>(request: unknown, call: (key: string) => Promise<R>): Promise<R> {
    const identity = JSON.stringify(request);
    const key = this.unanswered.get(identity) ?? this.newKey();
    this.unanswered.set(identity, key);
    try {
      const result = await call(key);
      this.unanswered.delete(identity);
      return result;
    } catch (error) {
      if (refusalOf(error)) this.unanswered.delete(identity);
      throw error;
    }
  }
}
