import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../server/db/transaction.ts';
import { freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';

// PostgreSQL breaks a deadlock by aborting one transaction; inTransaction runs that one again.
// Needs two connections, so PostgreSQL only (PGlite runs one transaction at a time).
describe.runIf(onPostgres)('a transaction aborted as a deadlock victim', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
    await db.prisma.location.createMany({ data: [{ name: 'first' }, { name: 'second' }] });
  });
  afterAll(() => db?.drop());

  it('is run again and both transactions complete', async () => {
    const [first, second] = await db.prisma.location.findMany({ orderBy: { id: 'asc' }, select: { id: true } });
    const attempts = { ab: 0, ba: 0 };
    // Each locks one row, waits until the other has locked the other row, then wants it: a deadlock.
    const lockInOrder = (name: 'ab' | 'ba', one: number, other: number) =>
      inTransaction(db.prisma, async (tx) => {
        attempts[name]++;
        await tx.$executeRaw`UPDATE location SET name = name WHERE id = ${one}`;
        await tx.$executeRaw`SELECT pg_sleep(0.3)`;
        await tx.$executeRaw`UPDATE location SET name = name || '.' WHERE id = ${other}`;
        return name;
      });
    const results = await Promise.all([lockInOrder('ab', first!.id, second!.id), lockInOrder('ba', second!.id, first!.id)]);
    expect(results).toEqual(['ab', 'ba']);
    expect(attempts.ab + attempts.ba).toBe(3);
    const names = await db.prisma.location.findMany({ orderBy: { id: 'asc' }, select: { name: true } });
    expect(names.map((n) => n.name)).toEqual(['first.', 'second.']);
  });
});
