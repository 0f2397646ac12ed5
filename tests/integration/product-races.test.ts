import { describe, expect, it } from 'vitest';
import { key, useTestApp } from '../helpers/app.ts';
import { location, plainProduct, serialisedProduct } from '../helpers/fixtures.ts';

// A product's tracking changing while stock moves: whichever commits first, the other sees it.
// On PostgreSQL these race for real (row locks decide); on PGlite transactions run one at a time.
const app = useTestApp();

const settle = (promises: Promise<unknown>[]) => Promise.allSettled(promises);

describe('tracking changes racing stock changes', () => {
  it('never leaves serials in stock on a product that is no longer serialised', async () => {
    const admin = app.as('admin');
    for (let round = 0; round < 8; round++) {
      const loc = await location(admin);
      const product = await serialisedProduct(admin);
      await settle([
        admin.serials.add({ productId: product.id, locationId: loc.id, serials: [`R${round}-1`, `R${round}-2`], idempotencyKey: key() }),
        admin.products.setSerialised({ id: product.id, serialised: false }),
      ]);
      const after = await admin.products.get({ id: product.id });
      const inStock = await admin.serials.list({ productId: product.id, status: 'in_stock' });
      const levels = await admin.stock.levels({ productId: product.id });
      const onHand = levels.items.reduce((sum, l) => sum + l.quantity, 0);
      if (after.serialised) expect(inStock.items).toHaveLength(onHand);
      else expect(inStock.items).toHaveLength(0);
    }
  });

  it('never leaves quantity without serials on a product that just became serialised', async () => {
    const admin = app.as('admin');
    for (let round = 0; round < 8; round++) {
      const loc = await location(admin);
      const product = await plainProduct(admin);
      await settle([
        admin.stock.adjust({ productId: product.id, locationId: loc.id, quantity: 5, glCode: '630', unitCost: 2, idempotencyKey: key() }),
        admin.products.setSerialised({ id: product.id, serialised: true }),
      ]);
      const after = await admin.products.get({ id: product.id });
      const levels = await admin.stock.levels({ productId: product.id });
      const onHand = levels.items.reduce((sum, l) => sum + l.quantity, 0);
      const serials = await admin.serials.list({ productId: product.id, status: 'in_stock' });
      if (after.serialised) expect(onHand).toBe(serials.items.length);
    }
  });
});
