import type { Prisma, PrismaClient } from './generated/client.ts';

/** A client or an open transaction: services take either, so they compose inside one transaction. */
export type Tx = Prisma.TransactionClient;
export type Db = PrismaClient | Tx;
