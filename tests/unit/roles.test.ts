import { describe, expect, it } from 'vitest';
import { mayWrite, refusalMessage, ROLES, WRITE_PERMISSIONS, type RoleName, type WriteAction } from '../../server/domain/roles.ts';

const ACTIONS = Object.keys(WRITE_PERMISSIONS) as WriteAction[];

/** Who may do each write besides admin: the table the product owner agreed, written out again. */
const EXPECTED: Record<WriteAction, RoleName[]> = {
  'users.manage': [],
  'settings.update': [],
  'products.edit': ['purchasing'],
  'products.linkAccounting': ['accountant'],
  'locations.edit': ['warehouse'],
  'serials.add': ['warehouse', 'purchasing'],
  'stock.adjust': ['warehouse', 'accountant'],
  'purchasing.edit': ['purchasing'],
  'purchasing.receive': ['purchasing', 'warehouse'],
  'stocktakes.count': ['warehouse'],
  'stocktakes.finalise': ['accountant'],
  'sales.edit': ['sales'],
  'sales.allocate': ['sales', 'warehouse'],
  'sales.ship': ['sales', 'warehouse'],
  'sales.invoice': ['sales', 'accountant'],
  'production.edit': ['warehouse'],
  'accounting.connect': [],
  'accounting.manage': ['accountant'],
};

describe('roles', () => {
  it('has the six roles of the spec', () => {
    expect([...ROLES].sort()).toEqual(['accountant', 'admin', 'purchasing', 'sales', 'viewer', 'warehouse']);
  });

  it('covers every write action in the expected table', () => {
    expect(ACTIONS.sort()).toEqual((Object.keys(EXPECTED) as WriteAction[]).sort());
  });

  it('lets admin do everything', () => {
    for (const action of ACTIONS) expect(mayWrite('admin', action), action).toBe(true);
  });

  it('lets viewer do nothing', () => {
    for (const action of ACTIONS) expect(mayWrite('viewer', action), action).toBe(false);
  });

  it.each(ACTIONS)('%s: exactly admin and the roles whose work it is', (action) => {
    const allowed = ROLES.filter((role) => mayWrite(role, action));
    expect(allowed.sort()).toEqual(['admin', ...EXPECTED[action]].sort());
  });

  it('refusal messages name the role, the action and every role that may do it', () => {
    for (const action of ACTIONS) {
      for (const role of ROLES.filter((r) => !mayWrite(r, action))) {
        const message = refusalMessage(role, action);
        expect(message).toContain(`(${role})`);
        expect(message).toContain(['admin', ...EXPECTED[action]].join(', '));
        expect(message).not.toMatch(/users\.manage|settings\.update|\.edit|\.add|\.adjust/); // words, not codes
      }
    }
    expect(refusalMessage('viewer', 'stock.adjust')).toBe(
      'Your role (viewer) may not adjust stock; that needs a token with one of these roles: admin, warehouse, accountant.',
    );
    expect(refusalMessage('warehouse', 'users.manage')).toMatch(/one of these roles: admin\.$/);
  });
});
