import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../db/generated/client.ts';
import { inTransaction, pgErrorCode } from '../../db/transaction.ts';
import type { Db } from '../../db/types.ts';
import { DomainError } from '../../domain/errors.ts';
import type { RoleName } from '../../domain/roles.ts';
import type { AuthUser } from '../../context.ts';

/** Tokens are random and long, so a plain SHA-256 is enough to store them safely. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateToken(): string {
  return `ss_${randomBytes(32).toString('base64url')}`;
}

const USER_SELECT = { id: true, name: true, role: true } as const;

export async function userForToken(db: Db, token: string): Promise<AuthUser | null> {
  return db.user.findFirst({ where: { tokenHash: hashToken(token), active: true }, select: USER_SELECT });
}

/** Creates a user with a new token; the token is returned once and only its hash is kept. */
export async function createUser(db: Db, input: { name: string; role: RoleName; token?: string }) {
  const token = input.token ?? generateToken();
  const taken = () => new DomainError('USER_NAME_TAKEN', `A user named "${input.name}" already exists; choose another name.`);
  if (await db.user.findUnique({ where: { name: input.name }, select: { id: true } })) throw taken();
  try {
    const user = await db.user.create({
      data: { name: input.name, role: input.role, tokenHash: hashToken(token) },
      select: USER_SELECT,
    });
    return { user, token };
  } catch (error) {
    // Two admins naming a user at once: the unique index decides, and the loser hears why.
    if (pgErrorCode(error) === '23505') throw taken();
    throw error;
  }
}

export async function listUsers(db: Db) {
  return db.user.findMany({ select: { ...USER_SELECT, active: true, createdAt: true }, orderBy: { id: 'asc' } });
}

/**
 * On a database without an admin, creates the first one. Its token is STOCKSHEET_ADMIN_TOKEN when
 * set (automation, tests), else a new random one that the caller prints once. When the variable is
 * set on a later start, the admin's token is brought in line with it.
 */
export async function ensureAdmin(
  prisma: PrismaClient,
  configuredToken: string | undefined,
): Promise<{ created: boolean; token?: string }> {
  // Several servers may start together on one PostgreSQL database: without the lock each saw no
  // user and all but one failed to start on the duplicate admin.
  return inTransaction(prisma, async (db) => {
    await db.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('stocksheet.ensure_admin'))`;
    // No admin yet, not "no user yet": `npm run token` may have made other users before the first
    // start, and the first start must still hand out an admin token (or honour the configured one).
    const anyAdmin = await db.user.findFirst({ where: { role: 'admin' }, select: { id: true } });
    if (!anyAdmin) {
      const { token } = await createUser(db, { name: 'admin', role: 'admin', token: configuredToken });
      return { created: true, token: configuredToken ? undefined : token };
    }
    if (configuredToken) {
      const admin = await db.user.findFirst({ where: { name: 'admin', role: 'admin' }, select: { id: true } });
      if (admin) await db.user.update({ where: { id: admin.id }, data: { tokenHash: hashToken(configuredToken), active: true } });
    }
    return { created: false };
  });
}
