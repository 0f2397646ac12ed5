// The stock ledger: the only code that writes stock levels, stock movements or a serial's status.
// Every area changes stock through these functions, in its own transaction, so each change is a
// ledger row (who, when, why, which document) and a valued movement can be posted from one place.
export { batchFor, dateOnly } from './batches.ts';
export { holdProduct, holdProducts, lockLevels, lockProduct } from './locks.ts';
export { moveStock, moveStockMany, type MovementInfo, type MovementInput, type Place } from './movements.ts';
export {
  changeSerialStatus,
  placeSerials,
  receiveOrderedSerials,
  stockInSerials,
  takeOutSerials,
  type SerialOut,
  type StockInSerials,
} from './serials.ts';
export { takeFromLocation } from './take-out.ts';
export { convertSerialsToBatches, retireSerials } from './tracking.ts';
