import { constantTimeEqual } from '../../src/core/otp/constantTimeEqual';
import { failClosed, StoreUnavailableError } from '../../src/service/StoreUnavailableError';

describe('constantTimeEqual (issue 12: one compare, no hashing)', () => {
  it('is true only for the same bytes', () => {
    expect(constantTimeEqual('123456', '123456')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('123456', '123457')).toBe(false);
    expect(constantTimeEqual('123456', '023456')).toBe(false);
  });

  it('is false for a prefix, a longer guess, and same-length strings of other byte lengths', () => {
    expect(constantTimeEqual('12345', '123456')).toBe(false);
    expect(constantTimeEqual('1234567', '123456')).toBe(false);
    expect(constantTimeEqual('', '123456')).toBe(false);
    // Same string length, different UTF-8 byte length: no index past either buffer is read.
    expect(constantTimeEqual('ab', 'aé')).toBe(false);
    expect(constantTimeEqual('aé', 'ab')).toBe(false);
  });

  it('hashes neither side', () => {
    // The module object itself (a namespace import cannot be spied on).
    const spy = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'createHash');
    try {
      constantTimeEqual('nonce.mac-value', 'nonce.mac-value');
      constantTimeEqual('short', 'a much longer secret value');
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('failClosed (issue 12: no closure per call)', () => {
  class Store {
    calls = 0;
    async get(key: string): Promise<string> {
      this.calls += 1;
      if (key === 'down') throw new Error('ECONNREFUSED');
      return `v:${key}`;
    }
    boom(): string {
      throw new Error('sync failure');
    }
  }

  it('hands out one wrapper per method, not a new closure per access', () => {
    const store = failClosed(new Store(), 'test');
    expect(store.get).toBe(store.get);
  });

  it('still answers, keeps `this`, and turns any failure (async or sync) into StoreUnavailableError naming the call', async () => {
    const store = failClosed(new Store(), 'test');
    await expect(store.get('a')).resolves.toBe('v:a');
    expect(store.calls).toBe(1);
    const err = await store.get('down').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toBe('test.get failed');
    expect(((err as Error).cause as Error).message).toBe('ECONNREFUSED');
    await expect(Promise.resolve().then(() => store.boom())).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('wraps a method replaced after the first call, not the old one', async () => {
    const inner = new Store();
    const store = failClosed(inner, 'test');
    await store.get('a');
    inner.get = async () => {
      throw new Error('replaced');
    };
    const err = await store.get('a').catch((e: unknown) => e);
    expect(((err as Error).cause as Error).message).toBe('replaced');
  });
});
