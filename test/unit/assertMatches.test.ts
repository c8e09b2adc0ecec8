import { AssertionError } from 'node:assert';
import { assertMatches } from '../../src/stores/contract/assertMatches';
import { assertSameData } from '../../src/stores/contract/assertSameData';

/** The contract's own assertions (node:assert based, so that it runs under any test runner). */
describe('assertMatches', () => {
  it('accepts extra fields at any depth', () => {
    expect(() => assertMatches({ ok: true, a: 1, record: { status: 'sent', extra: 2 } }, { ok: true, record: { status: 'sent' } })).not.toThrow();
  });

  it('rejects a different or missing field at any depth, with the cut-down diff', () => {
    expect(() => assertMatches({ ok: true, record: { status: 'sent' } }, { record: { status: 'delivered' } })).toThrow(AssertionError);
    expect(() => assertMatches({ ok: true }, { ok: true, lockedUntilMs: null })).toThrow(/lockedUntilMs/);
    expect(() => assertMatches(null, { ok: false })).toThrow(AssertionError);
  });

  it('matches arrays element by element and in length', () => {
    expect(() => assertMatches([{ id: 1, x: 1 }], [{ id: 1 }])).not.toThrow();
    expect(() => assertMatches([{ id: 1 }, { id: 2 }], [{ id: 1 }])).toThrow(AssertionError);
  });
});

describe('assertSameData', () => {
  it('ignores undefined fields and prototypes, but not values or extra fields', () => {
    const fromClass = new (class Row { constructor(public a = 1, public b: number | undefined = undefined) {} })();
    expect(() => assertSameData(fromClass, { a: 1 })).not.toThrow();
    expect(() => assertSameData(Object.assign(Object.create(null), { a: 1 }), { a: 1 })).not.toThrow();
    expect(() => assertSameData({ a: 1, b: 2 }, { a: 1 })).toThrow(AssertionError);
    expect(() => assertSameData({ a: '1' }, { a: 1 })).toThrow(AssertionError);
  });
});
