import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const manifestPath = path.join(root, 'manifest.xml');
const manifest = readFileSync(manifestPath, 'utf8');
// The repository's own copy: a fresh clone has nothing beside it.
const schemas = path.join(root, 'schemas/office');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
if (!hasXmllint) console.warn('SKIPPED: manifest XSD validation needs xmllint (apt-get install libxml2-utils); .ci/run installs it.');

describe('manifest.xml', () => {
  it.skipIf(!hasXmllint)('validates against the Office add-in XSDs (offline)', () => {
    expect(existsSync(path.join(schemas, 'OfficeAppManifestV1_1.xsd'))).toBe(true);
    const out = execFileSync('xmllint', ['--noout', '--schema', 'OfficeAppManifestV1_1.xsd', manifestPath], {
      cwd: schemas,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toBe('');
  });

  it('resolves every resid to a resource', () => {
    const defined = new Set([...manifest.matchAll(/<bt:(?:Image|Url|String) id="([^"]+)"/g)].map((m) => m[1]));
    const used = [...manifest.matchAll(/resid="([^"]+)"/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((id) => !defined.has(id))).toEqual([]);
  });

  it('uses only https URLs, all on the one server origin', () => {
    const urls = [...manifest.matchAll(/(?:DefaultValue="|<AppDomain>)(\w+:\/\/[^"<]+)/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.filter((url) => !url.startsWith('https://'))).toEqual([]);
    expect(new Set(urls.map((url) => new URL(url).origin))).toEqual(new Set(['https://localhost:3000']));
  });

  it('points at icons and a task pane page the build produces', () => {
    const paths = [...manifest.matchAll(/https:\/\/localhost:3000(\/[^"<]*)/g)].map((m) => m[1]!).filter((p) => p !== '/');
    for (const p of new Set(paths)) {
      const file = p === '/index.html' ? path.join(root, 'addin/index.html') : path.join(root, 'addin/public', p);
      expect(existsSync(file), `${p} is served from ${file}`).toBe(true);
    }
  });
});
