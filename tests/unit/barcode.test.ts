import { describe, expect, it } from 'vitest';
import { checkBarcode, decideBarcode, gtin14, gtinCheckDigit, gtinSpellings, withCheckDigit } from '../../server/domain/barcode.ts';
import { refusedBy as refused } from '../helpers/rules.ts';

// Published GTINs, each with its check digit: the GS1 Digital Link standard's example GTIN-14, an
// ISBN-13 (Wikipedia's worked example), EAN-13s on a Stabilo pen and a Coca-Cola can (GB), a UPC-A
// (Wrigley's), and GS1's GTIN-8 example.
const PUBLISHED = ['09506000134352', '9780306406157', '4006381333931', '5000112548167', '036000291452', '96385074'];

describe('gtinCheckDigit', () => {
  it('gives the check digit of every published GTIN', () => {
    for (const gtin of PUBLISHED) expect(gtinCheckDigit(gtin.slice(0, -1)), gtin).toBe(Number(gtin.at(-1)));
  });

  it('weighs the digit next to the check digit 3 and alternates leftwards (GS1 General Specifications 7.9)', () => {
    // 930060100000: from the right 0·3 + 0·1 + 0·3 + 0·1 + 0·3 + 1·1 + 0·3 + 6·1 + 0·3 + 0·1 + 3·3 + 9·1 = 25, so 5.
    expect(gtinCheckDigit('930060100000')).toBe(5);
    expect(withCheckDigit('930060100000')).toBe('9300601000005');
    // A sum that is a multiple of ten already: check digit 0, not 10.
    expect(gtinCheckDigit('000000000000')).toBe(0);
    expect(gtinCheckDigit('0000000000001')).toBe(7);
    expect(gtinCheckDigit('0000000000010')).toBe(9);
  });

  it('is the same digit for a GTIN and its zero-padded 14-digit form', () => {
    for (const gtin of PUBLISHED) expect(gtinCheckDigit(gtin14(gtin).slice(0, -1))).toBe(Number(gtin.at(-1)));
  });

  it('takes digits only', () => {
    expect(() => gtinCheckDigit('93006O1')).toThrow(/digits/);
  });
});

describe('checkBarcode', () => {
  it('accepts GTIN-8, -12, -13 and -14 with the right check digit, as typed (leading zeros kept)', () => {
    for (const gtin of PUBLISHED) expect(checkBarcode(gtin)).toEqual({ barcode: gtin });
    expect(checkBarcode('  036000291452 ')).toEqual({ barcode: '036000291452' });
  });

  it('refuses every wrong check digit, naming the one expected', () => {
    for (const gtin of PUBLISHED) {
      const right = Number(gtin.at(-1));
      for (let wrong = 0; wrong <= 9; wrong++) {
        if (wrong === right) continue;
        const check = checkBarcode(`${gtin.slice(0, -1)}${wrong}`);
        expect(check, `${gtin} ending ${wrong}`).toEqual({ problem: expect.stringContaining(`should be ${right}, not ${wrong}`) });
      }
    }
  });

  it('catches one mistyped digit and two neighbours swapped', () => {
    const good = '9300601000005';
    for (let i = 0; i < good.length - 1; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === good[i]) continue;
        const typo = `${good.slice(0, i)}${d}${good.slice(i + 1)}`;
        expect('problem' in checkBarcode(typo), typo).toBe(true);
      }
    }
    // 5000112548167 with 4 and 8 swapped: differing neighbours whose difference is not 5 are always caught.
    expect('problem' in checkBarcode('5000112584167')).toBe(true);
  });

  it('refuses other lengths, letters, signs and all zeros, saying why', () => {
    expect(checkBarcode('12345')).toEqual({ problem: expect.stringContaining('has 5 digits; a GTIN has 8, 12, 13 or 14') });
    // 11 digits: a UPC-A whose leading zero a spreadsheet dropped.
    expect(checkBarcode('36000291452')).toEqual({ problem: expect.stringContaining('may have dropped it') });
    expect(checkBarcode('9300601-000005')).toEqual({ problem: expect.stringContaining('is not a GTIN') });
    expect(checkBarcode('93OO6O1OOOOO5')).toEqual({ problem: expect.stringContaining('is not a GTIN') });
    expect(checkBarcode('+9300601000005')).toEqual({ problem: expect.stringContaining('is not a GTIN') });
    expect(checkBarcode('9.300601E+12')).toEqual({ problem: expect.stringContaining('is not a GTIN') });
    expect(checkBarcode('00000000')).toEqual({ problem: expect.stringContaining('all zeros') });
    expect(checkBarcode('')).toEqual({ problem: expect.stringContaining('is not a GTIN') });
  });
});

describe('decideBarcode', () => {
  it('null or blank is no barcode, undefined is unchanged', () => {
    expect(decideBarcode(null)).toBeNull();
    expect(decideBarcode('  ')).toBeNull();
    expect(decideBarcode(undefined)).toBeUndefined();
  });

  it('refuses with BARCODE_INVALID', () => {
    const e = refused(() => decideBarcode('9300601000006'));
    expect(e.reason).toBe('BARCODE_INVALID');
    expect(e.message).toContain('should be 5, not 6');
  });
});

describe('gtinSpellings', () => {
  it('lists the lengths one GTIN can be written in, zeros dropped in front', () => {
    expect(gtinSpellings('036000291452').sort()).toEqual(['00036000291452', '0036000291452', '036000291452']);
    expect(gtinSpellings('0036000291452').sort()).toEqual(['00036000291452', '0036000291452', '036000291452']);
    expect(gtinSpellings('9300601000005')).toEqual(['9300601000005', '09300601000005']);
    expect(gtinSpellings('96385074').sort()).toEqual(['00000096385074', '0000096385074', '000096385074', '96385074']);
  });
});
