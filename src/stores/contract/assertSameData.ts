import assert from 'node:assert/strict';
import { toPlainData } from './toPlainData';

/** Deep equality of data (undefined fields and prototypes aside), with node:assert's diff. */
export function assertSameData(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(toPlainData(actual), toPlainData(expected), message);
}
