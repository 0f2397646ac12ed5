// The fake Excel as the unit tests use it: a fresh workbook installed as the `Excel` and `Office`
// globals, and taken down after each test with the checks every port test shares.
import { afterEach, expect } from 'vitest';
import { createFakeExcel, type FakeExcel, type FakeExcelOptions } from './fake-excel.ts';

/**
 * Registers the after-each checks and returns `setUp`, which installs a fresh fake workbook (in place
 * of one the test installed before). After
 * each test: no property was read without load + sync (even one the code under test caught and
 * ignored), and the port synced everything it queued itself.
 */
export function useFakeExcel(): (options?: FakeExcelOptions) => FakeExcel {
  let fake: FakeExcel | null = null;
  let uninstall: (() => void) | null = null;
  afterEach(() => {
    uninstall?.();
    uninstall = null;
    if (fake) {
      expect(fake.notLoadedReads).toEqual([]);
      expect(fake.syncs.filter((s) => s.final)).toEqual([]);
    }
    fake = null;
  });
  return (options) => {
    uninstall?.(); // a second workbook in one test replaces the first
    fake = createFakeExcel(options);
    uninstall = fake.install(globalThis);
    return fake;
  };
}
