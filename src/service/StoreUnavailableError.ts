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
 * original as `cause`), which the HTTP layer can tell apart from a bug. Each method is wrapped
 * once and the wrapper kept (re-wrapped only if the method itself is replaced): no closure is
 * made per call on the hot path (issue 12).
 */
/** Store methods that answer at once and do no I/O (see ChallengeStore.supersedesFor). */
const SYNCHRONOUS_METHODS: ReadonlySet<PropertyKey> = new Set(['supersedesFor', 'readsEpochsFrom']);

export function failClosed<T extends object>(store: T, label: string): T {
  const wrapped = new Map<PropertyKey, { of: (...a: unknown[]) => unknown; wrapper: (...a: unknown[]) => Promise<unknown> }>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      // A synchronous question about the store itself, not I/O: answered as is (wrapped, it
      // would answer a Promise, which reads as `true`).
      if (SYNCHRONOUS_METHODS.has(property)) return value;
      const known = wrapped.get(property);
      if (known && known.of === value) return known.wrapper;
      const method = value as (...a: unknown[]) => unknown;
      const wrapper = async (...args: unknown[]) => {
        try {
          return await method.apply(target, args);
        } catch (cause) {
          if (cause instanceof StoreUnavailableError) throw cause;
          throw new StoreUnavailableError(`${label}.${String(property)} failed`, { cause });
        }
      };
      wrapped.set(property, { of: method, wrapper });
      return wrapper;
    },
  });
}
