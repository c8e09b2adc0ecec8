import crypto from 'node:crypto';

/**
 * Runs the file's tests with scrypt at a tiny cost. The demo hashes passwords with scrypt
 * N=16384 (about 45 ms each on the CI machine); a model test that signs in thousands of times
 * measures the factor lifecycle, not the password hash, so it pays a fraction of a millisecond.
 * Verification is still real: a wrong password still fails.
 */
export function useCheapPasswordHashing(): void {
  let spy: jest.SpyInstance | undefined;
  beforeAll(() => {
    const original = crypto.scrypt.bind(crypto);
    spy = jest.spyOn(crypto, 'scrypt').mockImplementation(((password: crypto.BinaryLike, salt: crypto.BinaryLike, keylen: number, ...rest: unknown[]) => {
      const callback = rest.at(-1) as (err: Error | null, key: Buffer) => void;
      original(password, salt, keylen, { N: 4, r: 1, p: 1 }, callback);
    }) as unknown as typeof crypto.scrypt);
  });
  afterAll(() => spy?.mockRestore());
}
