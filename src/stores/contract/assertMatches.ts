import assert from 'node:assert/strict';
import { isRecord, toPlainData } from './toPlainData';

/**
 * Partial deep equality: every field of `expected` must be in `actual` with an equal value (at
 * any depth); other fields of `actual` are ignored. Arrays must match element by element and in
 * length. Fails with node:assert's diff of `actual` cut down to the fields `expected` names.
 */
export function assertMatches(actual: unknown, expected: unknown, message?: string): void {
  assert.deepStrictEqual(projectOnto(actual, expected), toPlainData(expected), message);
}

/** `actual` keeping only what `expected` asks about, so the comparison and its diff stay partial. */
function projectOnto(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return Array.from(actual, (item, i) => (i < expected.length ? projectOnto(item, expected[i]) : toPlainData(item)));
  }
  if (isRecord(actual) && isRecord(expected)) {
    const projected: Record<string, unknown> = {};
    for (const key of Object.keys(expected)) {
      if (expected[key] === undefined) continue;
      if (key in actual) projected[key] = projectOnto(actual[key], expected[key]);
    }
    return projected;
  }
  return toPlainData(actual);
}
