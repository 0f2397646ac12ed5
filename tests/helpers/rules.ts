import { expect } from 'vitest';
import { DomainError } from '../../server/domain/errors.ts';

/** The DomainError a domain rule refuses with (fails the test when the rule allows it). */
export function refusedBy(rule: () => unknown): DomainError {
  let thrown: unknown;
  try {
    rule();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected the rule to refuse').toBeInstanceOf(DomainError);
  return thrown as DomainError;
}
