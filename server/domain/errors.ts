/**
 * Every rule the server refuses carries one of these stable reason codes (in `error.data.reason`)
 * and a message that says what to fix. Add codes here, each with its tRPC code: that is the one
 * mapping, and the HTTP status follows from the tRPC code for tRPC and plain HTTP routes alike
 * (`trpcErrorOf` in server/trpc.ts, `errorResponse` in server/http/respond.ts).
 */
export const REASONS = {
  // Malformed or unknown input
  INVALID_INPUT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  /** A number its column cannot hold (server/domain/limits.ts), given or computed (a sum, a cost times a rate). */
  NUMBER_TOO_LARGE: 'BAD_REQUEST',
  // Requests tRPC itself refuses before any procedure runs (server/trpc.ts gives each its reason)
  MALFORMED_REQUEST: 'BAD_REQUEST',
  UNKNOWN_PROCEDURE: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_SUPPORTED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  REQUEST_CANCELLED: 'CLIENT_CLOSED_REQUEST',
  REQUEST_REFUSED: 'BAD_REQUEST',
  /** Not a refusal: the server failed. The message is generic; the details are in the server log. */
  INTERNAL_ERROR: 'INTERNAL_SERVER_ERROR',
  // Auth
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  // Products
  SKU_TAKEN: 'CONFLICT',
  TRACKING_CONFLICT: 'BAD_REQUEST',
  ACCOUNTING_DETAILS_REQUIRED: 'BAD_REQUEST',
  SERIALISATION_LOCKED: 'PRECONDITION_FAILED',
  STOCK_TRACKING_LOCKED: 'PRECONDITION_FAILED',
  STOCK_ON_HAND: 'PRECONDITION_FAILED',
  SERIALS_ALLOCATED: 'PRECONDITION_FAILED',
  SERIALS_ON_ORDERS: 'PRECONDITION_FAILED',
  PRODUCT_NOT_SERIALISED: 'BAD_REQUEST',
  PRODUCT_NOT_BATCH_TRACKED: 'BAD_REQUEST',
  PRODUCT_NOT_STOCK_TRACKED: 'BAD_REQUEST',
  PRODUCT_INACTIVE: 'PRECONDITION_FAILED',
  ALREADY_LINKED: 'CONFLICT',
  /** Not a GTIN-8/12/13/14, or its check digit is wrong (the message names the digit expected). */
  BARCODE_INVALID: 'BAD_REQUEST',
  /** Another product has this GTIN (in any of its spellings); the message names it. */
  BARCODE_TAKEN: 'CONFLICT',
  /** Product import: the same SKU, or the same barcode, on two rows of one sheet. */
  DUPLICATE_SKU: 'CONFLICT',
  DUPLICATE_BARCODE: 'CONFLICT',
  /** The average cost of a product with stock on hand changes with receipts and adjustments, not by editing it. */
  UNIT_COST_LOCKED: 'PRECONDITION_FAILED',
  // Locations
  LOCATION_NAME_TAKEN: 'CONFLICT',
  BAY_NAME_TAKEN: 'CONFLICT',
  LOCATION_HAS_STOCK: 'PRECONDITION_FAILED',
  BAY_NOT_IN_LOCATION: 'BAD_REQUEST',
  // Serials, batches and stock
  INVALID_SERIALS: 'BAD_REQUEST',
  EMPTY_SERIAL: 'BAD_REQUEST',
  SERIAL_TOO_LONG: 'BAD_REQUEST',
  /**
   * A character the field cannot hold: NUL in any text; control or invisible ones (bidi controls,
   * zero-width) in serials, names and codes; in a serial, whitespace the serial syntax splits on.
   */
  INVALID_CHARACTERS: 'BAD_REQUEST',
  INVALID_RANGE: 'BAD_REQUEST',
  RANGE_TOO_LARGE: 'BAD_REQUEST',
  QUANTITY_REQUIRED: 'BAD_REQUEST',
  NO_PREVIOUS_SERIAL: 'BAD_REQUEST',
  SERIAL_COUNT_MISMATCH: 'BAD_REQUEST',
  DUPLICATE_SERIAL: 'CONFLICT',
  SERIAL_EXISTS: 'CONFLICT',
  SERIAL_NOT_IN_STOCK: 'PRECONDITION_FAILED',
  SERIAL_NOT_FOUND: 'NOT_FOUND',
  BATCH_REQUIRED: 'BAD_REQUEST',
  BATCH_EXPIRY_MISMATCH: 'CONFLICT',
  INSUFFICIENT_STOCK: 'PRECONDITION_FAILED',
  USE_SERIAL_ADJUSTMENT: 'BAD_REQUEST',
  // Purchasing
  SUPPLIER_NAME_TAKEN: 'CONFLICT',
  PRODUCT_NOT_PURCHASABLE: 'BAD_REQUEST',
  ORDER_NOT_OPEN: 'PRECONDITION_FAILED',
  ORDER_HAS_RECEIPTS: 'PRECONDITION_FAILED',
  LINE_NOT_ON_ORDER: 'BAD_REQUEST',
  SERIAL_ON_OTHER_ORDER: 'CONFLICT',
  OVER_RECEIPT: 'PRECONDITION_FAILED',
  BATCH_QUANTITY_MISMATCH: 'BAD_REQUEST',
  INVALID_ROWS: 'BAD_REQUEST',
  // Selling
  CUSTOMER_NAME_TAKEN: 'CONFLICT',
  USER_NAME_TAKEN: 'CONFLICT',
  // Accounting sync
  ACCOUNTING_NOT_CONNECTED: 'PRECONDITION_FAILED',
  ACCOUNTING_CONNECT_FAILED: 'BAD_REQUEST',
  POSTING_NOT_RETRYABLE: 'CONFLICT',
  POSTING_NOT_SKIPPABLE: 'CONFLICT',
  POSTING_NOT_REDATABLE: 'CONFLICT',
  POSTING_NOT_OPENING_STOCK: 'CONFLICT',
  REPORT_NOT_FOUND: 'NOT_FOUND',
  INVALID_CURSOR: 'BAD_REQUEST',
  PRODUCT_NOT_SELLABLE: 'BAD_REQUEST',
  SERIAL_ALLOCATED: 'CONFLICT',
  SERIALS_REQUIRED: 'PRECONDITION_FAILED',
  ALLOCATION_EXCEEDS_LINE: 'PRECONDITION_FAILED',
  DUPLICATE_BATCH: 'BAD_REQUEST',
  BATCH_NOT_FOUND: 'NOT_FOUND',
  BATCH_EXPIRED: 'PRECONDITION_FAILED',
  OVER_SHIPMENT: 'PRECONDITION_FAILED',
  NOTHING_TO_SHIP: 'PRECONDITION_FAILED',
  DOCUMENT_NOT_OPEN: 'PRECONDITION_FAILED',
  // Stocktakes
  STOCKTAKE_FINALISED: 'PRECONDITION_FAILED',
  STOCKTAKE_NOT_OPEN: 'PRECONDITION_FAILED',
  /** Finalising needs review first: review is the approval step. */
  STOCKTAKE_NOT_IN_REVIEW: 'PRECONDITION_FAILED',
  STOCKTAKE_BLIND: 'FORBIDDEN',
  UNCOUNTED_LINES: 'PRECONDITION_FAILED',
  NOT_IN_STOCKTAKE: 'BAD_REQUEST',
  // Retries
  IDEMPOTENCY_KEY_REUSED: 'CONFLICT',
  DATABASE_BUSY: 'SERVICE_UNAVAILABLE', // the request did not start (nothing changed): send it again in a few seconds
} as const;

export type Reason = keyof typeof REASONS;
export type TrpcErrorCode = (typeof REASONS)[Reason];

/** One problem in a list input, by position, so a client can point at the cell or line. */
export interface Problem {
  index: number | null;
  token: string | null;
  reason: Reason;
  message: string;
  /** Which list the index is in, when a request carries more than one (e.g. `add`, `remove`). */
  field?: string;
  /** For a duplicate: the index of the entry it repeats. */
  firstIndex?: number;
}

export class DomainError extends Error {
  readonly reason: Reason;
  readonly problems: Problem[] | undefined;

  constructor(reason: Reason, message: string, problems?: Problem[]) {
    super(message);
    this.name = 'DomainError';
    this.reason = reason;
    this.problems = problems;
  }
}

/** Throws NOT_FOUND naming what was looked for, so `const p = found(await ..., 'Product', id)` reads well. */
export function found<T>(value: T | null | undefined, what: string, id: number | string): T {
  if (value == null) throw new DomainError('NOT_FOUND', `${what} ${id} does not exist.`);
  return value;
}

/**
 * Refuses a list input with every problem at once. The reason is the problems' own when they all
 * share one (e.g. DUPLICATE_SERIAL), else INVALID_SERIALS; `problems` always has each one.
 */
export function listRejected(problems: Problem[], what = 'serial'): DomainError {
  const reasons = new Set(problems.map((p) => p.reason));
  const reason: Reason = reasons.size === 1 ? problems[0]!.reason : 'INVALID_SERIALS';
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}; see the list)` : '';
  return new DomainError(
    reason,
    `Nothing was saved: ${first.message.replace(/\.$/, '')}${more}. Fix the ${what}s listed and send them again.`,
    problems,
  );
}
