import { DomainError } from './errors.ts';

/** Who may write what. Reads are open to every role; admin may do everything. */
export const ROLES = ['admin', 'purchasing', 'warehouse', 'sales', 'accountant', 'viewer'] as const;
export type RoleName = (typeof ROLES)[number];

export const WRITE_PERMISSIONS = {
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
} as const satisfies Record<string, readonly RoleName[]>;

export type WriteAction = keyof typeof WRITE_PERMISSIONS;

const ACTION_WORDS: Record<WriteAction, string> = {
  'users.manage': 'manage users and tokens',
  'settings.update': 'change the organisation settings',
  'products.edit': 'create or change products',
  'products.linkAccounting': 'link products to the accounting system',
  'locations.edit': 'create or change locations and bays',
  'serials.add': 'add serial numbers or batches',
  'stock.adjust': 'adjust stock',
  'purchasing.edit': 'create or change suppliers and purchase orders',
  'purchasing.receive': 'receive goods on purchase orders',
  'stocktakes.count': 'run stocktakes and submit counts',
  'stocktakes.finalise': 'finalise stocktakes into stock adjustments',
  'sales.edit': 'create or change customers and sales orders',
  'sales.allocate': 'allocate serials and batches to sales orders, shipments and invoices',
  'sales.ship': 'create and ship shipments',
  'sales.invoice': 'create and issue invoices',
  'production.edit': 'create, allocate, start, complete or cancel work orders',
  'accounting.connect': 'connect or disconnect the accounting system',
  'accounting.manage': 'map accounts and retry, skip or re-date postings to the accounting system',
};

/**
 * Who may see costs and values (unit costs, stock value, journal amounts) in reports: those who buy,
 * count money or run the place. Others see quantities only.
 */
export const COST_READERS: readonly RoleName[] = ['admin', 'accountant', 'purchasing'];

export function maySeeCosts(role: RoleName): boolean {
  return COST_READERS.includes(role);
}

export function mayWrite(role: RoleName, action: WriteAction): boolean {
  return role === 'admin' || (WRITE_PERMISSIONS[action] as readonly RoleName[]).includes(role);
}

/** The 403 message: what was refused and which roles may do it. */
export function refusalMessage(role: RoleName, action: WriteAction): string {
  const allowed = ['admin', ...WRITE_PERMISSIONS[action]].join(', ');
  return `Your role (${role}) may not ${ACTION_WORDS[action]}; that needs a token with one of these roles: ${allowed}.`;
}

/** Refuses (FORBIDDEN, naming the roles that may) unless the role may do the action. */
export function assertMayWrite(role: RoleName, action: WriteAction): void {
  if (!mayWrite(role, action)) throw new DomainError('FORBIDDEN', refusalMessage(role, action));
}
