import { describe, expect, it } from 'vitest';
import { type Caller, key, refusal, useTestApp } from '../helpers/app.ts';
import { location, plainProduct, serialisedProduct } from '../helpers/fixtures.ts';

const app = useTestApp();
const admin = app.as('admin');

let nameCounter = 0;
/** A location name no other test in this file uses. */
const uniqueName = (prefix = 'Store') => `${prefix} ${++nameCounter} ${Math.random().toString(36).slice(2, 7)}`;

async function listed(id: number) {
  const { items, nextCursor } = await admin.locations.list();
  expect(nextCursor).toBeNull();
  return items.find((l) => l.id === id);
}

async function namesListed() {
  return (await admin.locations.list()).items.map((l) => l.name);
}

async function stockAt(locationId: number) {
  return (await admin.stock.levels({ locationId, limit: 1000 })).items.map(({ productId, bayId, quantity }) => ({
    productId,
    bayId,
    quantity,
  }));
}

function adjust(api: Caller, productId: number, locationId: number, quantity: number, bayId?: number) {
  return api.stock.adjust({ productId, locationId, bayId, quantity, glCode: '630', unitCost: 4, idempotencyKey: key() });
}

describe('locations.create and list', () => {
  it('creates a location that the list shows, with no bays yet', async () => {
    const name = uniqueName();
    const created = await app.as('warehouse').locations.create({ name });
    expect(created).toMatchObject({ name, bays: [] });
    expect(created.id).toBeGreaterThan(0);
    expect(await listed(created.id)).toMatchObject({ id: created.id, name, bays: [] });
  });

  it('trims the name', async () => {
    const name = uniqueName();
    expect((await admin.locations.create({ name: `  ${name}  ` })).name).toBe(name);
  });

  it('refuses a name already used, whatever its case (LOCATION_NAME_TAKEN), creating nothing', async () => {
    const name = uniqueName('Main');
    const first = await admin.locations.create({ name });
    for (const clash of [name, name.toUpperCase(), name.toLowerCase(), ` ${name} `]) {
      const r = await refusal(admin.locations.create({ name: clash }));
      expect(r.reason, clash).toBe('LOCATION_NAME_TAKEN');
      expect(r.code).toBe('CONFLICT');
      expect(r.message.toLowerCase()).toContain(name.toLowerCase());
    }
    const same = (await namesListed()).filter((n) => n.toLowerCase() === name.toLowerCase());
    expect(same).toEqual([name]);
    expect(await listed(first.id)).toMatchObject({ name });
  });

  it('treats % and _ in a name as plain characters when checking for clashes', async () => {
    const base = uniqueName('Wild');
    await admin.locations.create({ name: `${base} A_B` });
    // "A_B" as a LIKE pattern would match "AXB"; they are different names.
    expect((await admin.locations.create({ name: `${base} AXB` })).name).toBe(`${base} AXB`);
    await admin.locations.create({ name: `${base} 100%` });
    expect((await admin.locations.create({ name: `${base} 1000` })).name).toBe(`${base} 1000`);
  });

  it('two requests creating one name at the same moment make one location', async () => {
    const name = uniqueName('Race');
    const results = await Promise.allSettled([name, name.toUpperCase(), name].map((n) => admin.locations.create({ name: n })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((await refusal(Promise.reject(r.reason))).reason).toBe('LOCATION_NAME_TAKEN');
    }
    expect((await namesListed()).filter((n) => n.toLowerCase() === name.toLowerCase())).toHaveLength(1);
  });

  it('refuses a blank or over-long name with BAD_REQUEST', async () => {
    expect((await refusal(admin.locations.create({ name: '' }))).code).toBe('BAD_REQUEST');
    expect((await refusal(admin.locations.create({ name: '   ' }))).code).toBe('BAD_REQUEST');
    expect((await refusal(admin.locations.create({ name: 'x'.repeat(101) }))).code).toBe('BAD_REQUEST');
  });
});

describe('locations.rename', () => {
  it('renames, refusing a name another location has (any case) but allowing a change of case', async () => {
    const a = await admin.locations.create({ name: uniqueName('Rename') });
    const b = await admin.locations.create({ name: uniqueName('Rename') });
    const r = await refusal(admin.locations.rename({ id: b.id, name: a.name.toUpperCase() }));
    expect(r.reason).toBe('LOCATION_NAME_TAKEN');
    expect(await listed(b.id)).toMatchObject({ name: b.name });
    expect((await admin.locations.rename({ id: b.id, name: b.name.toUpperCase() })).name).toBe(b.name.toUpperCase());
    await admin.locations.delete({ id: a.id });
    // A deleted location's name is free, and the deleted location cannot be renamed.
    expect((await admin.locations.rename({ id: b.id, name: a.name })).name).toBe(a.name);
    expect((await refusal(admin.locations.rename({ id: a.id, name: uniqueName() }))).reason).toBe('NOT_FOUND');
  });
});

describe('locations.addBay', () => {
  it('adds bays that the list shows with their location', async () => {
    const loc = await admin.locations.create({ name: uniqueName() });
    const b2 = await admin.locations.addBay({ locationId: loc.id, name: 'B2' });
    const b1 = await app.as('warehouse').locations.addBay({ locationId: loc.id, name: 'B1' });
    expect(b1).toMatchObject({ name: 'B1', locationId: loc.id });
    expect((await listed(loc.id))!.bays).toEqual([
      { id: b1.id, name: 'B1' },
      { id: b2.id, name: 'B2' },
    ]);
  });

  it('refuses a bay name the location already has (BAY_NAME_TAKEN), adding nothing', async () => {
    const loc = await location(admin, ['Shelf A']);
    const r = await refusal(admin.locations.addBay({ locationId: loc.id, name: 'Shelf A' }));
    expect(r.reason).toBe('BAY_NAME_TAKEN');
    expect(r.code).toBe('CONFLICT');
    expect(r.message).toContain('Shelf A');
    expect(r.message).toContain(loc.name);
    expect((await refusal(admin.locations.addBay({ locationId: loc.id, name: '  Shelf A ' }))).reason).toBe('BAY_NAME_TAKEN');
    expect((await listed(loc.id))!.bays.map((b) => b.name)).toEqual(['Shelf A']);
  });

  it('allows the same bay name in another location', async () => {
    const a = await location(admin, ['Rack 1']);
    const b = await location(admin);
    expect(await admin.locations.addBay({ locationId: b.id, name: 'Rack 1' })).toMatchObject({ locationId: b.id, name: 'Rack 1' });
    expect((await listed(a.id))!.bays.map((x) => x.name)).toEqual(['Rack 1']);
  });

  it('refuses a bay for a location that does not exist (NOT_FOUND)', async () => {
    const r = await refusal(admin.locations.addBay({ locationId: 999_999, name: 'Nowhere' }));
    expect(r.reason).toBe('NOT_FOUND');
    expect(r.code).toBe('NOT_FOUND');
  });
});

describe('locations.delete', () => {
  it('refuses to delete a location holding serials (LOCATION_HAS_STOCK), changing nothing', async () => {
    const loc = await location(admin, ['S1']);
    const p = await serialisedProduct(admin);
    await admin.serials.add({ productId: p.id, locationId: loc.id, bayId: loc.bayIds[0], serials: ['D-1', 'D-2'], idempotencyKey: key() });
    const r = await refusal(admin.locations.delete({ id: loc.id }));
    expect(r.reason).toBe('LOCATION_HAS_STOCK');
    expect(r.code).toBe('PRECONDITION_FAILED');
    expect(r.message).toContain(loc.name);
    expect(await listed(loc.id)).toMatchObject({ name: loc.name, bays: [{ id: loc.bayIds[0], name: 'S1' }] });
    expect(await stockAt(loc.id)).toEqual([{ productId: p.id, bayId: loc.bayIds[0], quantity: 2 }]);
    const serials = (await admin.serials.list({ locationId: loc.id })).items;
    expect(serials.map((s) => [s.serial, s.status])).toEqual([
      ['D-1', 'in_stock'],
      ['D-2', 'in_stock'],
    ]);
    // Stock can still come in.
    await admin.serials.add({ productId: p.id, locationId: loc.id, serials: ['D-3'], idempotencyKey: key() });
  });

  it('refuses to delete a location holding plain stock', async () => {
    const loc = await location(admin);
    const p = await plainProduct(admin);
    await adjust(admin, p.id, loc.id, 2.5);
    const r = await refusal(admin.locations.delete({ id: loc.id }));
    expect(r.reason).toBe('LOCATION_HAS_STOCK');
    expect(r.message).toContain(loc.name);
    expect(r.message).toContain('2.5');
    expect(await listed(loc.id)).toBeDefined();
    expect(await stockAt(loc.id)).toEqual([{ productId: p.id, bayId: null, quantity: 2.5 }]);
  });

  it('deletes an empty location: it leaves the list, its name is free again, its history stays', async () => {
    const loc = await location(admin, ['Old bay']);
    const s = await serialisedProduct(admin);
    const p = await plainProduct(admin);
    await admin.serials.add({ productId: s.id, locationId: loc.id, bayId: loc.bayIds[0], serials: ['H-1'], idempotencyKey: key() });
    await admin.serials.adjust({ productId: s.id, locationId: loc.id, remove: ['H-1'], glCode: '630', idempotencyKey: key() });
    await adjust(admin, p.id, loc.id, 3);
    await adjust(admin, p.id, loc.id, -3);

    expect(await app.as('warehouse').locations.delete({ id: loc.id })).toEqual({ id: loc.id, deleted: true });
    expect(await listed(loc.id)).toBeUndefined();
    expect(await namesListed()).not.toContain(loc.name);

    const history = await admin.serials.history({ productId: s.id, serial: 'H-1' });
    expect(history.serial).toMatchObject({ status: 'written_off', locationId: loc.id, locationName: loc.name });
    expect(history.movements.map((m) => [m.kind, m.location.name, m.bay?.name ?? null])).toEqual([
      ['opening', loc.name, 'Old bay'],
      ['adjustment', loc.name, 'Old bay'],
    ]);

    // Nothing more can land there, and it cannot be deleted twice.
    const add = await refusal(admin.serials.add({ productId: s.id, locationId: loc.id, serials: ['H-2'], idempotencyKey: key() }));
    expect(add.reason).toBe('NOT_FOUND');
    expect(add.message).toContain(loc.name);
    expect((await refusal(adjust(admin, p.id, loc.id, 1))).reason).toBe('NOT_FOUND');
    expect((await refusal(admin.locations.addBay({ locationId: loc.id, name: 'New bay' }))).reason).toBe('NOT_FOUND');
    expect((await refusal(admin.locations.delete({ id: loc.id }))).reason).toBe('NOT_FOUND');
    expect((await admin.serials.list({ productId: s.id })).items.map((x) => x.serial)).toEqual(['H-1']);

    // The name can be used for a new location.
    const again = await admin.locations.create({ name: loc.name });
    expect(again.id).not.toBe(loc.id);
    expect(await listed(again.id)).toMatchObject({ name: loc.name, bays: [] });
  });

  it('refuses a location that does not exist (NOT_FOUND)', async () => {
    expect((await refusal(admin.locations.delete({ id: 999_999 }))).reason).toBe('NOT_FOUND');
  });

  it('a location deleted while stock arrives either refuses the delete or refuses the stock', async () => {
    for (let round = 0; round < 5; round++) {
      const loc = await location(admin);
      const p = await plainProduct(admin);
      const [deleted, added] = await Promise.allSettled([admin.locations.delete({ id: loc.id }), adjust(admin, p.id, loc.id, 1)]);
      const stillListed = Boolean(await listed(loc.id));
      const onHand = await stockAt(loc.id);
      if (deleted.status === 'fulfilled') {
        // Deleted: the stock must not have landed at the deleted location.
        expect(stillListed).toBe(false);
        expect(added.status, `round ${round}: stock landed in a deleted location`).toBe('rejected');
        expect(onHand).toEqual([]);
      } else {
        expect((await refusal(Promise.reject(deleted.reason))).reason).toBe('LOCATION_HAS_STOCK');
        expect(stillListed).toBe(true);
        expect(onHand).toEqual([{ productId: p.id, bayId: null, quantity: 1 }]);
      }
    }
  });
});

describe('bays belong to their location', () => {
  it('refuses serials.add into a bay of another location (BAY_NOT_IN_LOCATION), adding nothing', async () => {
    const here = await location(admin, ['Here 1']);
    const there = await location(admin, ['There 1']);
    const p = await serialisedProduct(admin);
    const r = await refusal(
      admin.serials.add({ productId: p.id, locationId: here.id, bayId: there.bayIds[0], serials: ['B-1', 'B-2'], idempotencyKey: key() }),
    );
    expect(r.reason).toBe('BAY_NOT_IN_LOCATION');
    expect(r.code).toBe('BAD_REQUEST');
    expect(r.message).toContain('There 1');
    expect(r.message).toContain(here.name);
    expect((await admin.serials.list({ productId: p.id })).items).toEqual([]);
    expect(await stockAt(here.id)).toEqual([]);
    expect(await stockAt(there.id)).toEqual([]);
    // The same serials go in at the right bay.
    expect(
      (
        await admin.serials.add({
          productId: p.id,
          locationId: there.id,
          bayId: there.bayIds[0],
          serials: ['B-1', 'B-2'],
          idempotencyKey: key(),
        })
      ).added,
    ).toBe(2);
  });

  it('refuses serials.adjust adding into a bay of another location', async () => {
    const here = await location(admin);
    const there = await location(admin, ['Far bay']);
    const p = await serialisedProduct(admin);
    const r = await refusal(
      admin.serials.adjust({
        productId: p.id,
        locationId: here.id,
        bayId: there.bayIds[0],
        add: ['J-1'],
        glCode: '630',
        unitCost: 1,
        idempotencyKey: key(),
      }),
    );
    expect(r.reason).toBe('BAY_NOT_IN_LOCATION');
    expect((await admin.serials.list({ productId: p.id })).items).toEqual([]);
  });

  it('refuses stock.adjust into a bay of another location, changing no stock', async () => {
    const here = await location(admin, ['H1']);
    const there = await location(admin, ['T1']);
    const p = await plainProduct(admin);
    await adjust(admin, p.id, here.id, 5, here.bayIds[0]);
    const r = await refusal(adjust(admin, p.id, here.id, 1, there.bayIds[0]));
    expect(r.reason).toBe('BAY_NOT_IN_LOCATION');
    expect(r.message).toContain('T1');
    const out = await refusal(adjust(admin, p.id, there.id, -1, here.bayIds[0]));
    expect(out.reason).toBe('BAY_NOT_IN_LOCATION');
    expect(await stockAt(here.id)).toEqual([{ productId: p.id, bayId: here.bayIds[0], quantity: 5 }]);
    expect(await stockAt(there.id)).toEqual([]);
  });

  it('refuses a bay that does not exist (NOT_FOUND)', async () => {
    const here = await location(admin);
    const p = await plainProduct(admin);
    expect((await refusal(adjust(admin, p.id, here.id, 1, 999_999))).reason).toBe('NOT_FOUND');
    expect(await stockAt(here.id)).toEqual([]);
  });
});

describe('location and stock roles', () => {
  it('only admin and warehouse change locations; every role reads them', async () => {
    const loc = await location(admin);
    for (const role of ['purchasing', 'sales', 'accountant', 'viewer'] as const) {
      const api = app.as(role);
      const name = uniqueName('Forbidden');
      const r = await refusal(api.locations.create({ name }));
      expect(r.code, role).toBe('FORBIDDEN');
      expect(r.message).toContain('admin, warehouse');
      expect((await refusal(api.locations.addBay({ locationId: loc.id, name: 'X' }))).code).toBe('FORBIDDEN');
      expect((await refusal(api.locations.delete({ id: loc.id }))).code).toBe('FORBIDDEN');
      expect(await namesListed()).not.toContain(name);
      expect((await api.locations.list()).items.map((l) => l.id)).toContain(loc.id);
    }
    expect(await listed(loc.id)).toMatchObject({ name: loc.name, bays: [] });
  });

  it('warehouse and accountant may adjust stock; sales, purchasing and viewer may not', async () => {
    const loc = await location(admin);
    const p = await plainProduct(admin);
    await adjust(app.as('warehouse'), p.id, loc.id, 2);
    await adjust(app.as('accountant'), p.id, loc.id, 1);
    for (const role of ['sales', 'purchasing', 'viewer'] as const) {
      const r = await refusal(adjust(app.as(role), p.id, loc.id, 5));
      expect(r.code, role).toBe('FORBIDDEN');
      expect(r.reason).toBe('FORBIDDEN');
      expect(r.message).toContain(role);
      expect(r.message).toContain('admin, warehouse, accountant');
    }
    expect(await stockAt(loc.id)).toEqual([{ productId: p.id, bayId: null, quantity: 3 }]);
  });

  it('an anonymous caller is refused with UNAUTHORIZED', async () => {
    const name = uniqueName('Anon');
    expect((await refusal(app.anonymous.locations.create({ name }))).code).toBe('UNAUTHORIZED');
    expect((await refusal(app.anonymous.locations.list())).code).toBe('UNAUTHORIZED');
    expect(await namesListed()).not.toContain(name);
  });
});
