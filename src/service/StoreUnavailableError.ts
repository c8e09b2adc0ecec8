/**
 * A store (Redis, MongoDB) could not answer. Always becomes `503` at the edge: stepguard
 * fails closed, so a request that needed the store never gets access without it.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly status = 503;
}

/**
 * Wraps every method of a store so that any failure surfaces as StoreUnavailableError (with the
 * original as `cause`), which the HTTP layer can tell apart from a bug.
 */
export function failClosed<T extends object>(store: T, label: string): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (cause) {
          if (cause instanceof StoreUnavailableError) throw cause;
          throw new StoreUnavailableError(`${label}.${String(property)} failed`, { cause });
        }
      };
    },
  });
}
