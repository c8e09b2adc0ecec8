import { randomBytes, randomInt } from 'node:crypto';
import { startupSnapshot } from 'node:v8';

/**
 * The random source, injected so tests can make it predictable. Production code only ever
 * uses {@link cryptoRandom}: codes and ids must come from a CSPRNG (crypto), never a PRNG.
 */
export interface RandomSource {
  /** A uniform integer in [minInclusive, maxExclusive). */
  int(minInclusive: number, maxExclusive: number): number;
  /** `length` uniformly random bytes. */
  bytes(length: number): Buffer;
}

/** The CSPRNG-backed random source (`crypto.randomInt`, `crypto.randomBytes`). */
export const cryptoRandom: RandomSource = {
  int: (minInclusive, maxExclusive) => randomInt(minInclusive, maxExclusive),
  bytes: (length) => pooledRandomBytes(length),
};

// Small requests (ids, tokens: 12 to 32 bytes, several per request) are cut from a block of
// CSPRNG output drawn 4 KiB at a time, as Node itself does for randomUUID and randomInt: a
// synchronous randomBytes call costs 2 to 5 µs of job set-up whatever its size, about 4 % of a
// verify (issue 12). Each byte is handed out once and wiped from the block as it goes, so the
// block never holds a value already issued.
const POOL_BYTES = 4096;
const POOLED_MAX_BYTES = 256;
let pool = Buffer.alloc(0);
let offset = 0;

// A process started from a startup snapshot (node --build-snapshot, a single executable app)
// would otherwise begin with the block drawn while the snapshot was built: the same first ids
// and secrets in every instance (red team, session 8). Node empties its own pools the same way.
if (startupSnapshot?.isBuildingSnapshot()) {
  startupSnapshot.addSerializeCallback(() => {
    pool = Buffer.alloc(0);
    offset = 0;
  });
}

function pooledRandomBytes(length: number): Buffer {
  // Large or invalid sizes go to randomBytes as before (which reports an invalid one).
  if (!Number.isInteger(length) || length < 0 || length > POOLED_MAX_BYTES) return randomBytes(length);
  if (offset + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const out = Buffer.allocUnsafe(length);
  pool.copy(out, 0, offset, offset + length);
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}

/** A 128-bit random identifier, base64url encoded (22 characters). */
export function newRandomId(random: RandomSource): string {
  return random.bytes(16).toString('base64url');
}
