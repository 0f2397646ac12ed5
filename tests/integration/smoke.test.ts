import { describe, expect, it } from 'vitest';
import { key, refusal, useTestApp } from '../helpers/app.ts';
import { location, serialisedProduct } from '../helpers/fixtures.ts';

const app = useTestApp();

describe('smoke', () => {
  it('adds serials and refuses a duplicate', async () => {
    const admin = app.as('admin');
    const loc = await location(admin);
    const product = await serialisedProduct(admin);
    const added = await admin.serials.add({ productId: product.id, locationId: loc.id, text: 'SN001-SN003', idempotencyKey: key() });
    expect(added.added).toBe(3);
    const r = await refusal(admin.serials.add({ productId: product.id, locationId: loc.id, serials: ['SN002'], idempotencyKey: key() }));
    expect(r.reason).toBe('SERIAL_EXISTS');
    expect(r.problems).toEqual([expect.objectContaining({ index: 0, reason: 'SERIAL_EXISTS' })]);
  });
});
