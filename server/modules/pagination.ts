import { z } from 'zod';

/** Every list takes these: a cursor (the last id seen) and a bounded page size. */
export const pageInput = {
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(1000).default(100),
};

/** `{items, nextCursor}` from `limit + 1` rows ordered by id. */
export function page<T extends { id: number }>(rows: T[], limit: number): { items: T[]; nextCursor: number | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}
