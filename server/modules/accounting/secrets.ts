import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Tokens and client secrets are stored encrypted (AES-256-GCM) with the server's secret key:
 * STOCKSHEET_SECRET_KEY (64 hex characters or 44 base64), or, when unset, a key generated in the
 * data folder on the first start (readable only by the server's OS user). Every process on one
 * database must use the same key.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('The secret key must be 32 bytes');
    return new SecretBox(key);
  }

  /** A key that lives as long as the process (tests). */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  /** STOCKSHEET_SECRET_KEY, else the data folder's key file, made on first use. */
  static forServer(configured: string | undefined, dataDir: string): SecretBox {
    if (configured) return SecretBox.fromKey(parseKey(configured));
    const file = path.join(dataDir, 'secret.key');
    try {
      return SecretBox.fromKey(parseKey(fs.readFileSync(file, 'utf8').trim()));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    fs.mkdirSync(dataDir, { recursive: true });
    const key = randomBytes(32);
    try {
      fs.writeFileSync(file, key.toString('hex'), { mode: 0o600, flag: 'wx' });
      return SecretBox.fromKey(key);
    } catch (error) {
      // Another process made it first: use theirs.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return SecretBox.fromKey(parseKey(fs.readFileSync(file, 'utf8').trim()));
      throw error;
    }
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

export function parseKey(text: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length === 32) return decoded;
  throw new Error('STOCKSHEET_SECRET_KEY must be 32 bytes, as 64 hex characters or 44 base64 characters (openssl rand -hex 32)');
}
