import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

/**
 * A self-signed certificate for localhost, generated once into the data folder: Office loads task
 * panes over HTTPS only. Trust it once on the machine running Excel (see the README).
 */
export async function localhostCertificate(dataDir: string): Promise<{ key: string; cert: string; certPath: string }> {
  const dir = path.join(dataDir, 'tls');
  const keyPath = path.join(dir, 'localhost-key.pem');
  const certPath = path.join(dir, 'localhost-cert.pem');
  if (!existsSync(keyPath) || !existsSync(certPath)) {
    mkdirSync(dir, { recursive: true });
    const notAfterDate = new Date();
    notAfterDate.setFullYear(notAfterDate.getFullYear() + 2);
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256', notAfterDate });
    writeFileSync(keyPath, pems.private, { mode: 0o600 });
    writeFileSync(certPath, pems.cert);
  }
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}
