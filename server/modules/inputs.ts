import { z } from 'zod';
import { fitsQuantityPrecision } from '../domain/quantity.ts';

// Input pieces shared by several routers, each with bounds.
export const id = z.number().int().positive();
export const glCode = z.string().trim().min(1, 'GL code cannot be blank').max(32);
export const unitCost = z.number().min(0, 'unit cost cannot be negative').max(1e12).finite();
export const narrative = z.string().trim().max(500).optional();
export const idempotencyKey = z.string().min(8, 'idempotencyKey must be at least 8 characters (send a UUID)').max(100);
/** A quantity with at most 4 decimals, as stored. */
export const quantity = z.number().finite().max(1e12).min(-1e12).refine(fitsQuantityPrecision, 'quantity has at most 4 decimal places');
/** Literal serials (one per cell); syntax is only read from `text`. */
export const serialList = z.array(z.string().max(1000)).max(100_000);
export const serialText = z.string().max(5_000_000);
/** A positive quantity (ordered, shipped, made). */
export const positiveQuantity = quantity.refine((n) => n > 0, 'quantity must be more than zero');
export const batchNumber = z.string().trim().min(1, 'batch number cannot be blank').max(100);
export const expiry = z.iso.date('expiry must be a date like 2027-03-31').nullish();
/** Batch quantities naming a batch by its number. */
export const batchQuantities = z
  .array(z.object({ batch: batchNumber, quantity: positiveQuantity }))
  .min(1, 'name at least one batch')
  .max(10_000);
