import type { PrismaClient } from '../../db/generated/client.ts';
import { pgErrorCode } from '../../db/transaction.ts';
import type { Db } from '../../db/types.ts';
import { DomainError } from '../../domain/errors.ts';

const SUPPLIER_SELECT = { id: true, name: true, createdAt: true } as const;

export async function createSupplier(prisma: PrismaClient, name: string) {
  try {
    return await prisma.supplier.create({ data: { name }, select: SUPPLIER_SELECT });
  } catch (error) {
    if (pgErrorCode(error) === '23505') throw new DomainError('SUPPLIER_NAME_TAKEN', `A supplier named "${name}" already exists.`);
    throw error;
  }
}

export async function listSuppliers(db: Db) {
  return { items: await db.supplier.findMany({ select: SUPPLIER_SELECT, orderBy: { name: 'asc' } }), nextCursor: null };
}
