import { z } from 'zod';
import { id } from './inputs.ts';

/** Every list takes these: a cursor (the last id seen, an id like any other) and a bounded page size. */
export const pageInput = {
  cursor: id.optional(),
  limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1,000').default(100),
};

/** `{items, nextCursor}` from `limit + 1` rows ordered by id. */
export function page<T extends { id: number }>(rows: T[], limit: number): { items: T[]; nextCursor: number | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}
