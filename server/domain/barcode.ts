// Product barcodes: GTINs (GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN-13) and GTIN-14), as GS1 defines
// them: digits only, the last one a check digit computed from the others (GS1 General
// Specifications, 7.9: weights 3 and 1 alternating from the right, the check digit taking the sum
// to a multiple of ten). Kept as typed, as text (leading zeros are part of it), and compared in
// their 14-digit form: a UPC-A 036000291452 and the EAN-13 0036000291452 are one GTIN. Pure.

import { DomainError } from './errors.ts';

/** The lengths a GTIN comes in. */
export const GTIN_LENGTHS = [8, 12, 13, 14] as const;

/** The check digit for a GTIN's digits without it (7, 11, 12 or 13 digits). */
export function gtinCheckDigit(body: string): number {
  if (!/^\d+$/.test(body)) throw new Error(`gtinCheckDigit takes digits, not "${body}"`);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // The digit next to the check digit weighs 3, the one before it 1, and so on leftwards.
    const fromRight = body.length - 1 - i;
    sum += Number(body[i]) * (fromRight % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** The digits with their check digit appended: `withCheckDigit('930060100000')` is '9300601000005'. */
export function withCheckDigit(body: string): string {
  return `${body}${gtinCheckDigit(body)}`;
}

/** A barcode in its 14-digit form (zeros in front), the form two GTINs are compared in. */
export function gtin14(barcode: string): string {
  return barcode.padStart(14, '0');
}

/**
 * Every way the GTIN in this 14-digit form can be written as a GTIN-8, -12, -13 or -14 (the ones
 * whose dropped digits are zeros): what a stored barcode equal to it may look like.
 */
export function gtinSpellings(barcode: string): string[] {
  const full = gtin14(barcode);
  return GTIN_LENGTHS.filter((length) => /^0*$/.test(full.slice(0, 14 - length))).map((length) => full.slice(14 - length));
}

export type BarcodeCheck = { barcode: string } | { problem: string };

/**
 * A barcode as typed or scanned, checked: surrounding spaces dropped, then 8, 12, 13 or 14 digits
 * whose last is the check digit of the others. The problem says what is wrong in words a person
 * can act on (for a wrong check digit, the digit expected).
 */
export function checkBarcode(typed: string): BarcodeCheck {
  const text = typed.trim();
  if (!/^\d+$/.test(text)) {
    return { problem: `Barcode "${text}" is not a GTIN: a barcode is 8, 12, 13 or 14 digits, with nothing else in it.` };
  }
  if (!(GTIN_LENGTHS as readonly number[]).includes(text.length)) {
    const droppedZero = GTIN_LENGTHS.some((length) => length === text.length + 1);
    return {
      problem:
        `Barcode ${text} has ${text.length} digits; a GTIN has 8, 12, 13 or 14.` +
        (droppedZero ? ' If it began with 0, the spreadsheet may have dropped it: format the column as Text and type it again.' : ''),
    };
  }
  if (/^0+$/.test(text)) return { problem: `Barcode ${text} is all zeros, which is no product's GTIN.` };
  const expected = gtinCheckDigit(text.slice(0, -1));
  const given = Number(text.at(-1));
  if (expected !== given) {
    return {
      problem: `Barcode ${text}: its check digit (the last digit) should be ${expected}, not ${given}. Check the number: a digit may be mistyped.`,
    };
  }
  return { barcode: text };
}

/**
 * The barcode a product gets from what was sent: null for none (null or blank), else the checked
 * GTIN, or refused with BARCODE_INVALID. `undefined` (not sent) stays undefined: unchanged.
 */
export function decideBarcode(sent: string | null | undefined): string | null | undefined {
  if (sent === undefined) return undefined;
  if (sent === null || sent.trim() === '') return null;
  const checked = checkBarcode(sent);
  if ('problem' in checked) throw new DomainError('BARCODE_INVALID', checked.problem);
  return checked.barcode;
}

/** The refusal for a barcode another product has, naming that product. */
export function barcodeTaken(barcode: string, owner: { sku: string }): DomainError {
  return new DomainError('BARCODE_TAKEN', barcodeTakenMessage(barcode, owner));
}

export function barcodeTakenMessage(barcode: string, owner: { sku: string; barcode?: string | null }): string {
  const spelled = owner.barcode && owner.barcode !== barcode ? ` (as ${owner.barcode}, the same GTIN)` : '';
  return `Barcode ${barcode} is already the barcode of ${owner.sku}${spelled}; a barcode belongs to one product.`;
}
