import { refusal } from './app.ts';

/** The outcome of one of several calls raced together: its result, or how it was refused. */
export type Settled<T> = { ok: true; value: T } | { ok: false; refusal: Awaited<ReturnType<typeof refusal>> };

/** Waits for a call without letting its rejection go unhandled while others still run. */
export async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    () => null,
  );
  return outcome ?? { ok: false, refusal: await refusal(promise) };
}

/** Starts every call at once and waits for all; each outcome is a result or a refusal. */
export function all<T>(calls: (() => Promise<T>)[]): Promise<Settled<T>[]> {
  return Promise.all(calls.map((call) => settle(call())));
}

export const succeeded = <T>(outcomes: Settled<T>[]) => outcomes.filter((o): o is { ok: true; value: T } => o.ok).map((o) => o.value);
export const refused = <T>(outcomes: Settled<T>[]) =>
  outcomes.filter((o): o is Extract<Settled<T>, { ok: false }> => !o.ok).map((o) => o.refusal);
