/** Who the attacker is in a run of the attacker model (issue 11 item 5). */
export type AttackerKind = 'password' | 'stolen-cookie' | 'other-user';

export const ALICE = { id: 'u1', username: 'alice', password: 'alice-demo-password', phone: '+14155550123' } as const;
export const BOB = { username: 'bob', password: 'bob-demo-password-123' } as const;

/** Numbers only the owner's phone receives (index 0 is alice's original number). */
export const ownerNumber = (n: number): string => (n === 0 ? ALICE.phone : `+1415555100${n}`);
/** Numbers the attacker holds: it reads every SMS sent to them. */
export const attackerNumber = (n: number): string => `+1415555900${n}`;
/** Bob's own numbers. */
export const bobNumber = (n: number): string => `+1415555800${n}`;
export const isAttackerNumber = (e164: string): boolean => e164.startsWith('+1415555900');
export const isBobNumber = (e164: string): boolean => e164.startsWith('+1415555800');

/** DESIGN.md §8 and the issue-11 contract. */
export const COOL_OFF_MS = 7 * 86_400_000;

export type CheckName = 'attacker' | 'revocation' | 'accounting' | 'cooloff' | 'errors';
export const ALL_CHECKS: readonly CheckName[] = ['attacker', 'revocation', 'accounting', 'cooloff', 'errors'];

/**
 * What the model believes; updated from the real answers during a run (fast-check only needs it
 * to decide which commands apply next).
 */
export type Model = {
  tabs: { signedIn: boolean; acr: string | null; pendingTotp: string | null }[];
  /** Attacker (a): its own session, signed in with alice's password. */
  attackerSignedIn: boolean;
  /**
   * Attacker (b): the captured session cookie. `aal1`: captured before a step-up (usable by the
   * attacker, must never rise); `live`: captured after a step-up and not yet revoked (the attacker
   * waits); `dead`: revoked, must stay dead.
   */
  captured: 'none' | 'aal1' | 'live' | 'dead';
  bobSignedIn: boolean;
  /** Authenticator apps alice enrolled in this run, with their secrets. */
  totp: { secret: string; factorId: string }[];
  backupCodes: string[];
  /** When alice's current number was bound (by a change); -Infinity for the seeded one. */
  phoneAddedAtMs: number;
  /**
   * The attacker's recovery of alice's account, as the answers told it. `lost`: one completed
   * that alice did not cancel (after its wait and its notices): the account is the attacker's
   * from then on, and the attacker checks no longer apply (recoveryMoves.ts).
   */
  recovery: { state: 'none' | 'pending' | 'cancelled' | 'completed'; completesAtMs: number; lost: boolean };
};

export function initialModel(): Model {
  return {
    tabs: [
      { signedIn: false, acr: null, pendingTotp: null },
      { signedIn: false, acr: null, pendingTotp: null },
    ],
    attackerSignedIn: false,
    captured: 'none',
    bobSignedIn: false,
    totp: [],
    backupCodes: [],
    phoneAddedAtMs: Number.NEGATIVE_INFINITY,
    recovery: { state: 'none', completesAtMs: Number.POSITIVE_INFINITY, lost: false },
  };
}

/** What the host hook is told (src/config.ts SecurityEvent), as far as the test reads it. */
export type SecurityEventSeen = { type: string; userId: string; change?: string; factor?: string | null; atMs?: number };
