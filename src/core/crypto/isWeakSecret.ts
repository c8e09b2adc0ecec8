/** Why a secret was judged weak. */
export type SecretWeakness = 'one_symbol' | 'repeated_pattern' | 'sequence' | 'low_entropy';

export type SecretStrength = { weak: false; estimatedBits: number } | { weak: true; reason: SecretWeakness; estimatedBits: number };

/**
 * The least estimated entropy a production secret may have. Random secrets of the usual shapes
 * stay well above it: over a million draws each, the lowest estimates were about 90 bits for
 * `openssl rand -hex 16`, 138 for 32 raw key bytes and 185 for `openssl rand -base64 32`.
 * Strings of 32 characters drawn from 5 or fewer symbols fall below it.
 */
export const MIN_SECRET_ESTIMATED_BITS = 80;

/**
 * Judges whether a secret looks hand-made rather than random: all one symbol (`'a' × 32`, an
 * all-zero key), a repeated pattern (`abcabc…`, a 16-character value typed twice), a run with a
 * constant step (`abcdef…`, `0123…`), or too little entropy for its length, estimated as
 * length × the empirical Shannon entropy of its symbols.
 *
 * Strings are judged by code point, keys by byte. It cannot prove a secret random (nothing
 * can, and a long varied passphrase passes); it refuses the obviously hand-made. A
 * distinct-symbol count would not do: a quarter of `openssl rand -hex 32` secrets lack one of
 * the 16 hex digits.
 *
 * @param minBits @default MIN_SECRET_ESTIMATED_BITS
 */
export function isWeakSecret(secret: string | Uint8Array, minBits: number = MIN_SECRET_ESTIMATED_BITS): SecretStrength {
  const symbols = typeof secret === 'string' ? Array.from(secret, (ch) => ch.codePointAt(0) as number) : Array.from(secret);
  const estimatedBits = estimateBits(symbols);
  const n = symbols.length;
  if (n === 0 || symbols.every((s) => s === symbols[0])) return { weak: true, reason: 'one_symbol', estimatedBits };
  if (shortestPeriod(symbols) <= n / 2) return { weak: true, reason: 'repeated_pattern', estimatedBits };
  if (n >= 3 && constantSteps(symbols) * 2 >= n - 2) return { weak: true, reason: 'sequence', estimatedBits };
  if (estimatedBits < minBits) return { weak: true, reason: 'low_entropy', estimatedBits };
  return { weak: false, estimatedBits };
}

/** Length × empirical Shannon entropy per symbol, in bits. */
function estimateBits(symbols: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const s of symbols) counts.set(s, (counts.get(s) ?? 0) + 1);
  let perSymbol = 0;
  for (const count of counts.values()) {
    const p = count / symbols.length;
    perSymbol -= p * Math.log2(p);
  }
  return perSymbol * symbols.length;
}

/** The smallest p with s[i] === s[i - p] for every i >= p (a tail shorter than p counts too). */
function shortestPeriod(symbols: readonly number[]): number {
  // Knuth–Morris–Pratt failure function: the period is n minus the longest proper border.
  const n = symbols.length;
  const border = new Array<number>(n).fill(0);
  for (let i = 1, k = 0; i < n; i += 1) {
    while (k > 0 && symbols[i] !== symbols[k]) k = border[k - 1] as number;
    if (symbols[i] === symbols[k]) k += 1;
    border[i] = k;
  }
  return n - (border[n - 1] ?? 0);
}

/** How many positions continue the previous step (s[i] - s[i-1] === s[i-1] - s[i-2]). */
function constantSteps(symbols: readonly number[]): number {
  let same = 0;
  for (let i = 2; i < symbols.length; i += 1) {
    if ((symbols[i] as number) - (symbols[i - 1] as number) === (symbols[i - 1] as number) - (symbols[i - 2] as number)) same += 1;
  }
  return same;
}
