import type { PrismaClient } from '../../db/generated/client.ts';
import { pgErrorCode } from '../../db/transaction.ts';
import type { Tx } from '../../db/types.ts';
import { DomainError } from '../../domain/errors.ts';
import { applyOnceIfKeyed } from '../idempotency.ts';
import { completeWorkOrder, type OutputDetail } from './complete.ts';
import { cancelWorkOrder, getWorkOrder, startWorkOrder } from './work-orders.ts';

interface ChangeInput {
  id: number;
  idempotencyKey?: string;
}

/** A state change of a work order, once per key when the client sends one, then the order as it is. */
function change(prisma: PrismaClient, userId: number, procedure: string, input: ChangeInput, work: (tx: Tx) => Promise<unknown>) {
  const { idempotencyKey: key, ...request } = input;
  return applyOnceIfKeyed(prisma, { userId, procedure, key, input: request }, async (tx) => {
    await work(tx);
    return getWorkOrder(tx, input.id);
  });
}

export function start(prisma: PrismaClient, userId: number, input: ChangeInput) {
  return change(prisma, userId, 'workOrders.start', input, (tx) => startWorkOrder(tx, input.id));
}

export function cancel(prisma: PrismaClient, userId: number, input: ChangeInput) {
  return change(prisma, userId, 'workOrders.cancel', input, (tx) => cancelWorkOrder(tx, userId, input.id));
}

export async function complete(prisma: PrismaClient, userId: number, input: ChangeInput & { outputs?: OutputDetail[] }) {
  try {
    return await change(prisma, userId, 'workOrders.complete', input, (tx) => completeWorkOrder(tx, userId, input.id, input.outputs ?? []));
  } catch (error) {
    // Two output lines (or a request racing this one) made the same new serial.
    if (pgErrorCode(error) === '23505')
      throw new DomainError(
        'SERIAL_EXISTS',
        `Work order #${input.id}: some of the new serials already exist (or are named on two output lines); name others.`,
      );
    throw error;
  }
}
