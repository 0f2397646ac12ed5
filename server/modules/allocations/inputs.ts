import { z } from 'zod';
import { DOCUMENT_TYPES } from '../../domain/allocation.ts';
import { batchQuantities, id, idempotencyKey, serialList, serialText } from '../inputs.ts';

const named = { serials: serialList.optional(), text: serialText.optional(), batches: batchQuantities.optional() };
const exactlyOne = (input: { serials?: unknown; text?: unknown; batches?: unknown }) =>
  [input.serials, input.text, input.batches].filter((v) => v !== undefined).length === 1;
const oneMessage = { message: 'Send one of `serials` (one per cell), `text` (serial syntax) or `batches` (batch and quantity).' };

/** A document's own allocate procedure (salesOrders.allocateSerials, workOrders.allocateSerials, ...). */
export const lineAllocationInput = z.object({ lineId: id, ...named, idempotencyKey }).refine(exactlyOne, oneMessage);

/** The generic procedures the pane uses: which kind of document, which line. */
export const documentType = z.enum(DOCUMENT_TYPES);
export const allocationCheckInput = z.object({ type: documentType, lineId: id, ...named }).refine(exactlyOne, oneMessage);
export const allocationInput = z.object({ type: documentType, lineId: id, ...named, idempotencyKey }).refine(exactlyOne, oneMessage);
