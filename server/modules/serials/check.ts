import type { Db } from '../../db/types.ts';
import { DomainError, found, type Problem } from '../../domain/errors.ts';
import { checkSerialList, expandSerialText, higherSerial, storableSerials } from '../../domain/serial-syntax.ts';
import { holdProduct } from '../../ledger/index.ts';

export interface SerialInput {
  /** Literal values, one per cell; no syntax is read. */
  serials?: string[];
  /** Typed or pasted text with the serial syntax (ranges, `+`, `~`). */
  text?: string;
  /** How many serials are expected, when known. */
  quantity?: number;
  /** Serials the same request creates elsewhere (another line): taken, and where `~` continues from. */
  alsoNew?: string[];
}

export interface CheckedSerials {
  serials: string[];
  /** For each serial, the index of the input entry (list value or text token) it came from. */
  sources: number[];
  problems: Problem[];
}

/** The serialised product a serial operation is for, or a clear refusal. */
export async function serialisedProduct(db: Db, productId: number) {
  await holdProduct(db, productId);
  const product = found(
    await db.product.findUnique({ where: { id: productId }, select: { id: true, sku: true, serialised: true, active: true } }),
    'Product',
    productId,
  );
  if (!product.serialised) {
    throw new DomainError(
      'PRODUCT_NOT_SERIALISED',
      `${product.sku} is not serialised; mark it as serialised before adding serial numbers.`,
    );
  }
  return product;
}

/** The product's serial with the highest trailing number: where `~` continues from. */
export async function highestSerial(db: Db, productId: number): Promise<string | null> {
  const [row] = await db.$queryRaw<{ serial: string }[]>`
    SELECT serial FROM serial_number
    WHERE product_id = ${productId} AND serial ~ '[0-9]$'
    ORDER BY substring(serial from '([0-9]+)$')::numeric DESC, length(serial) DESC, serial DESC
    LIMIT 1`;
  return row?.serial ?? null;
}

/**
 * Expands and checks serials that are to be created for a product: the syntax and values, then
 * which already exist (one set-based query). Every problem is returned, by input index.
 */
export async function checkNewSerials(db: Db, productId: number, input: SerialInput): Promise<CheckedSerials> {
  const parsed =
    input.text !== undefined
      ? expandSerialText(input.text, {
          quantity: input.quantity,
          highestExisting: input.text.includes('~') ? higherSerial(await highestSerial(db, productId), ...(input.alsoNew ?? [])) : null,
        })
      : checkSerialList(input.serials ?? [], { quantity: input.quantity });
  const problems: Problem[] = [...parsed.problems];
  const alsoNew = new Set(input.alsoNew ?? []);
  parsed.serials.forEach((serial, i) => {
    if (alsoNew.has(serial))
      problems.push({
        index: parsed.sources[i]!,
        token: serial,
        reason: 'DUPLICATE_SERIAL',
        message: `Serial ${serial} is also made on another line of this request`,
      });
  });
  // A serial waiting on a purchase order arrives with that order; it is not entered again here.
  const { existing, onOrders } = await serialConflicts(db, productId, parsed.serials);
  if (existing.size > 0 || onOrders.size > 0) {
    parsed.serials.forEach((serial, i) => {
      const index = parsed.sources[i]!;
      if (existing.has(serial)) {
        problems.push({ index, token: serial, reason: 'SERIAL_EXISTS', message: `Serial ${serial} already exists for this product` });
      }
      const order = onOrders.get(serial);
      if (order) {
        problems.push({
          index,
          token: serial,
          reason: 'SERIAL_ON_OTHER_ORDER',
          message: `Serial ${serial} is expected on purchase order #${order.orderId} line ${order.lineNumber}; receive it there`,
        });
      }
    });
    problems.sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
  }
  return { serials: parsed.serials, sources: parsed.sources, problems };
}

/**
 * Which of these serials the product already has, and which are on order on purchase order lines
 * (other than `exceptLines`, whose entries are being replaced): one pass over the list, since both
 * are asked of every serial entered. A serial is one row for its whole life, so one lookup does.
 */
export async function serialConflicts(db: Db, productId: number, entered: string[], exceptLines: number[] = []) {
  const existing = new Set<string>();
  const onOrders = new Map<string, { orderId: number; lineNumber: number }>();
  const serials = storableSerials(entered);
  if (serials.length === 0) return { existing, onOrders };
  const rows = await db.$queryRaw<
    { serial: string; status: string; line_id: number | null; order_id: number | null; line_number: number | null }[]
  >`
    SELECT s.serial, s.status::text, s.po_line_id AS line_id, l.purchase_order_id AS order_id, l.line_number
    FROM serial_number s
    JOIN unnest(${serials}::text[]) AS w(serial) ON w.serial = s.serial
    LEFT JOIN purchase_order_line l ON l.id = s.po_line_id
    WHERE s.product_id = ${productId}`;
  for (const row of rows) {
    if (row.status !== 'on_order') existing.add(row.serial);
    else if (!exceptLines.includes(row.line_id!)) onOrders.set(row.serial, { orderId: row.order_id!, lineNumber: row.line_number! });
  }
  return { existing, onOrders };
}
