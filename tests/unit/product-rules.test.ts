import { describe, expect, it } from 'vitest';
import { refusedBy as refused } from '../helpers/rules.ts';
import {
  decideProductChange,
  missingAccountingDetails,
  NEW_PRODUCT_FACTS,
  type ProductFacts,
  type ProductPatch,
  type ProductState,
} from '../../server/domain/products.ts';

/** A product as stored: defaults from create, overridden. */
function product(overrides: Partial<ProductState> = {}): ProductState {
  return {
    sku: 'WIDGET-1',
    sellable: false,
    purchasable: false,
    stockTracked: false,
    serialised: false,
    batchTracked: false,
    active: true,
    saleGlCode: null,
    sellingTaxRate: null,
    purchaseGlCode: null,
    purchaseTaxRate: null,
    assetGlCode: null,
    accountingProvider: null,
    ...overrides,
  };
}

const facts = (overrides: Partial<ProductFacts> = {}): ProductFacts => ({ ...NEW_PRODUCT_FACTS, ...overrides });

const SALE = { sellable: true, saleGlCode: '200', sellingTaxRate: 'GST on Income' } as const;
const PURCHASE = { purchasable: true, purchaseGlCode: '300', purchaseTaxRate: 'GST on Expenses' } as const;

const create = (patch: ProductPatch, f: ProductFacts = NEW_PRODUCT_FACTS) => decideProductChange(null, { sku: 'WIDGET-1', ...patch }, f);

describe('decideProductChange: creating', () => {
  it('defaults every flag to false except active, and has no accounting link', () => {
    const { next, effect } = create({});
    expect(next).toEqual(product());
    expect(effect).toBe('none');
  });

  it('turns stock tracking on with serialisation', () => {
    const { next } = create({ serialised: true });
    expect(next).toMatchObject({ serialised: true, stockTracked: true, batchTracked: false });
  });

  it('turns stock tracking on with batch tracking', () => {
    const { next } = create({ batchTracked: true });
    expect(next).toMatchObject({ batchTracked: true, stockTracked: true, serialised: false });
  });

  it('keeps an explicit stockTracked:true with serialisation', () => {
    expect(create({ serialised: true, stockTracked: true }).next.stockTracked).toBe(true);
  });

  it('refuses serialised and batch tracked together', () => {
    const e = refused(() => create({ serialised: true, batchTracked: true }));
    expect(e.reason).toBe('TRACKING_CONFLICT');
    expect(e.message).toContain('WIDGET-1');
    expect(e.message).toMatch(/serialised or batch tracked/);
  });

  it('refuses serialised with stock tracking explicitly off', () => {
    const e = refused(() => create({ serialised: true, stockTracked: false }));
    expect(e.reason).toBe('TRACKING_CONFLICT');
    expect(e.message).toContain('WIDGET-1');
  });

  it('refuses batch tracked with stock tracking explicitly off', () => {
    expect(refused(() => create({ batchTracked: true, stockTracked: false })).reason).toBe('TRACKING_CONFLICT');
  });

  it('requires the sale GL code and selling tax rate when sellable, naming exactly those', () => {
    const e = refused(() => create({ sellable: true }));
    expect(e.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(e.message).toContain('WIDGET-1');
    expect(e.message).toContain('sale GL code');
    expect(e.message).toContain('selling tax rate');
    expect(e.message).not.toContain('purchase');
    expect(e.message).not.toContain('asset');
  });

  it('names only the missing one when one of the pair is given', () => {
    const e = refused(() => create({ sellable: true, saleGlCode: '200' }));
    expect(e.message).toContain('selling tax rate');
    expect(e.message).not.toContain('sale GL code');
    const p = refused(() => create({ purchasable: true, purchaseTaxRate: 'GST on Expenses' }));
    expect(p.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(p.message).toContain('purchase GL code');
    expect(p.message).not.toContain('purchase tax rate');
  });

  it('requires the purchase GL code and tax rate when purchasable', () => {
    const e = refused(() => create({ purchasable: true }));
    expect(e.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(e.message).toContain('purchase GL code');
    expect(e.message).toContain('purchase tax rate');
    expect(e.message).not.toContain('sale GL code');
  });

  it('accepts sellable and purchasable products with their codes', () => {
    const { next } = create({ ...SALE, ...PURCHASE });
    expect(next).toMatchObject({ ...SALE, ...PURCHASE });
  });

  it('treats a blank code as missing', () => {
    const e = refused(() => create({ sellable: true, saleGlCode: '   ', sellingTaxRate: 'GST' }));
    expect(e.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(e.message).toContain('sale GL code');
  });

  it('asks for the asset GL code of a stock-tracked product only when accounting is connected', () => {
    expect(create({ stockTracked: true }).next.stockTracked).toBe(true);
    const e = refused(() => create({ stockTracked: true }, facts({ accountingConnected: true })));
    expect(e.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(e.message).toContain('asset GL code');
    expect(create({ stockTracked: true, assetGlCode: '630' }, facts({ accountingConnected: true })).next.assetGlCode).toBe('630');
    // Not stock tracked: no asset account needed even when connected.
    expect(create({}, facts({ accountingConnected: true })).next.stockTracked).toBe(false);
  });

  it('a serialised product needs the asset GL code when accounting is connected (serialisation turns stock tracking on)', () => {
    const e = refused(() => create({ serialised: true }, facts({ accountingConnected: true })));
    expect(e.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(e.message).toContain('asset GL code');
  });
});

describe('decideProductChange: changing', () => {
  const plain = product({ stockTracked: true });
  const serialised = product({ stockTracked: true, serialised: true });
  const batch = product({ stockTracked: true, batchTracked: true });

  it('applies a patch and leaves other fields as they were', () => {
    const current = product({ ...SALE });
    const { next, effect } = decideProductChange(current, { sellingTaxRate: 'GST Free' }, facts());
    expect(next).toEqual({ ...current, sellingTaxRate: 'GST Free' });
    expect(effect).toBe('none');
  });

  it('ignores undefined patch values', () => {
    const current = product({ ...SALE });
    expect(decideProductChange(current, { saleGlCode: undefined }, facts()).next).toEqual(current);
  });

  it('turning serialisation on turns stock tracking on', () => {
    const { next, effect } = decideProductChange(product(), { serialised: true }, facts());
    expect(next).toMatchObject({ serialised: true, stockTracked: true });
    expect(effect).toBe('none');
  });

  it('turning serialisation on must pass the GL and tax checks', () => {
    const e = refused(() =>
      decideProductChange(
        product({ sellable: true, saleGlCode: '200', sellingTaxRate: 'GST' }),
        { serialised: true },
        facts({ accountingConnected: true }),
      ),
    );
    expect(e.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(e.message).toContain('asset GL code');
    expect(e.message).not.toContain('sale GL code');
  });

  it('refuses serialising a batch-tracked product without turning batch tracking off', () => {
    expect(refused(() => decideProductChange(batch, { serialised: true }, facts())).reason).toBe('TRACKING_CONFLICT');
    expect(refused(() => decideProductChange(serialised, { batchTracked: true }, facts())).reason).toBe('TRACKING_CONFLICT');
  });

  it('refuses turning stock tracking off while serialised or batch tracked', () => {
    const e = refused(() => decideProductChange(serialised, { stockTracked: false }, facts()));
    expect(e.reason).toBe('TRACKING_CONFLICT');
    expect(e.message).toContain('serialisation');
    expect(refused(() => decideProductChange(batch, { stockTracked: false }, facts())).reason).toBe('TRACKING_CONFLICT');
  });

  it('refuses turning serialisation on with stock tracking off in the same patch', () => {
    expect(refused(() => decideProductChange(plain, { serialised: true, stockTracked: false }, facts())).reason).toBe('TRACKING_CONFLICT');
  });

  it('refuses turning serialisation off once linked to the accounting system, naming the system', () => {
    const linked = { ...serialised, accountingProvider: 'xero' as const, assetGlCode: '630' };
    const e = refused(() => decideProductChange(linked, { serialised: false }, facts()));
    expect(e.reason).toBe('SERIALISATION_LOCKED');
    expect(e.message).toContain('WIDGET-1');
    expect(e.message).toContain('Xero');
    const myob = refused(() =>
      decideProductChange({ ...linked, accountingProvider: 'myob' }, { serialised: false, batchTracked: true }, facts(), {
        convertSerialsToBatches: true,
      }),
    );
    expect(myob.reason).toBe('SERIALISATION_LOCKED');
    expect(myob.message).toContain('MYOB');
  });

  it('allows turning serialisation on for a linked product', () => {
    const linked = { ...plain, accountingProvider: 'xero' as const, assetGlCode: '630' };
    expect(decideProductChange(linked, { serialised: true }, facts()).next.serialised).toBe(true);
  });

  it('a linked product needs its asset GL code even when no accounting system is connected', () => {
    const linked = { ...plain, accountingProvider: 'xero' as const, assetGlCode: '630' };
    const e = refused(() => decideProductChange(linked, { assetGlCode: null }, facts({ accountingConnected: false })));
    expect(e.reason).toBe('ACCOUNTING_DETAILS_REQUIRED');
    expect(e.message).toContain('asset GL code');
  });

  it('turning serialisation off before linking retires the serials', () => {
    const { next, effect } = decideProductChange(serialised, { serialised: false }, facts({ hasStockHistory: true, hasStockOnHand: true }));
    expect(next).toMatchObject({ serialised: false, stockTracked: true, batchTracked: false });
    expect(effect).toBe('retire_serials');
  });

  it('converting to batch tracked turns serials into batches, even with stock on hand', () => {
    const { next, effect } = decideProductChange(
      serialised,
      { serialised: false, batchTracked: true },
      facts({ hasStockHistory: true, hasStockOnHand: true }),
      { convertSerialsToBatches: true },
    );
    expect(next).toMatchObject({ serialised: false, batchTracked: true, stockTracked: true });
    expect(effect).toBe('serials_to_batches');
  });

  it('switching to batch tracking without the conversion is refused while stock is on hand', () => {
    const e = refused(() =>
      decideProductChange(serialised, { serialised: false, batchTracked: true }, facts({ hasStockHistory: true, hasStockOnHand: true })),
    );
    expect(e.reason).toBe('STOCK_ON_HAND');
  });

  it('refuses changing serialisation while serials are allocated', () => {
    const e = refused(() =>
      decideProductChange(serialised, { serialised: false }, facts({ hasStockHistory: true, hasStockOnHand: true, allocatedSerials: 2 })),
    );
    expect(e.reason).toBe('SERIALS_ALLOCATED');
    expect(e.message).toContain('2');
    expect(e.message).toContain('WIDGET-1');
  });

  it('refuses switching stock tracking either way once there are stock movements', () => {
    const off = refused(() => decideProductChange(plain, { stockTracked: false }, facts({ hasStockHistory: true })));
    expect(off.reason).toBe('STOCK_TRACKING_LOCKED');
    expect(off.message).toContain('WIDGET-1');
    expect(off.message).toContain('off');
    const on = refused(() => decideProductChange(product(), { stockTracked: true }, facts({ hasStockHistory: true })));
    expect(on.reason).toBe('STOCK_TRACKING_LOCKED');
    expect(on.message).toContain(' on');
    // Serialising a product that is not stock tracked would switch stock tracking on too.
    expect(refused(() => decideProductChange(product(), { serialised: true }, facts({ hasStockHistory: true }))).reason).toBe(
      'STOCK_TRACKING_LOCKED',
    );
  });

  it('allows switching stock tracking either way before any stock movement', () => {
    expect(decideProductChange(plain, { stockTracked: false }, facts()).next.stockTracked).toBe(false);
    expect(decideProductChange(product(), { stockTracked: true }, facts()).next.stockTracked).toBe(true);
  });

  it('keeping stock tracking as it is is not a switch, even with history', () => {
    expect(decideProductChange(plain, { stockTracked: true }, facts({ hasStockHistory: true })).next.stockTracked).toBe(true);
  });

  it('refuses turning serialisation or batch tracking on while stock is on hand', () => {
    const onHand = facts({ hasStockHistory: true, hasStockOnHand: true });
    const s = refused(() => decideProductChange(plain, { serialised: true }, onHand));
    expect(s.reason).toBe('STOCK_ON_HAND');
    expect(s.message).toContain('WIDGET-1');
    expect(s.message).toContain('stock tracked to serialised');
    expect(refused(() => decideProductChange(plain, { batchTracked: true }, onHand)).reason).toBe('STOCK_ON_HAND');
    expect(refused(() => decideProductChange(batch, { batchTracked: false }, onHand)).reason).toBe('STOCK_ON_HAND');
  });

  it('allows turning serialisation on once the stock is back to zero', () => {
    const { next } = decideProductChange(plain, { serialised: true }, facts({ hasStockHistory: true, hasStockOnHand: false }));
    expect(next.serialised).toBe(true);
  });

  it('does not itself change the current state object', () => {
    const current = product({ stockTracked: true });
    const copy = { ...current };
    decideProductChange(current, { serialised: true }, facts());
    expect(current).toEqual(copy);
  });
});

describe('missingAccountingDetails', () => {
  it('is empty for a product that needs nothing', () => {
    expect(missingAccountingDetails(product(), true)).toEqual([]);
    expect(missingAccountingDetails(product({ stockTracked: true }), false)).toEqual([]);
  });

  it('lists each missing code and rate with why it is needed', () => {
    const all = missingAccountingDetails(product({ sellable: true, purchasable: true, stockTracked: true }), true);
    expect(all).toHaveLength(5);
    expect(all[0]).toMatch(/sale GL code.*sellable/);
    expect(all[1]).toMatch(/selling tax rate.*sellable/);
    expect(all[2]).toMatch(/purchase GL code.*purchasable/);
    expect(all[3]).toMatch(/purchase tax rate.*purchasable/);
    expect(all[4]).toMatch(/asset GL code.*stock tracked/);
  });

  it('asks for the asset GL code only when connected', () => {
    expect(missingAccountingDetails(product({ stockTracked: true }), false)).toEqual([]);
    expect(missingAccountingDetails(product({ stockTracked: true }), true)).toHaveLength(1);
    expect(missingAccountingDetails(product({ stockTracked: true, assetGlCode: '630' }), true)).toEqual([]);
  });

  it('counts blank strings as missing', () => {
    expect(missingAccountingDetails(product({ ...SALE, saleGlCode: '' }), false)).toHaveLength(1);
    expect(missingAccountingDetails(product({ ...PURCHASE, purchaseTaxRate: ' ' }), false)).toHaveLength(1);
  });
});
