import session, { type SessionData } from 'express-session';

type Entry = { json: string; expiresAtMs: number };
type Callback<T = void> = (err?: unknown, value?: T) => void;

/**
 * The demo's sessions when there is no Redis, with a bound. express-session's MemoryStore keeps
 * a session until someone reads it after it expired, and every cookieless visitor that fetches
 * a CSRF token starts one (the token's secret lives in the session): a stream of anonymous
 * requests grew the process for 12 hours each. Here sessions without a signed-in user are kept
 * at most `anonymousTtlMs` and at most `maxAnonymous` of them (the least recently used go
 * first); signed-in sessions live as their cookie says, and expired ones are swept.
 */
export class BoundedMemorySessionStore extends session.Store {
  private readonly anonymous = new Map<string, Entry>();
  private readonly signedIn = new Map<string, Entry>();
  private readonly maxAnonymous: number;
  private readonly anonymousTtlMs: number;
  private readonly now: () => number;
  private writes = 0;

  constructor(options: { maxAnonymous?: number; anonymousTtlMs?: number; now?: () => number } = {}) {
    super();
    this.maxAnonymous = options.maxAnonymous ?? 10_000;
    this.anonymousTtlMs = options.anonymousTtlMs ?? 3600_000;
    this.now = options.now ?? Date.now;
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const entry = this.anonymous.get(sid) ?? this.signedIn.get(sid);
    if (!entry || entry.expiresAtMs <= this.now()) {
      if (entry) this.forget(sid);
      setImmediate(callback, null, null);
      return;
    }
    setImmediate(callback, null, JSON.parse(entry.json) as SessionData);
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    this.keep(sid, data);
    if (callback) setImmediate(callback);
  }

  override touch(sid: string, data: SessionData, callback?: Callback): void {
    const entry = this.anonymous.get(sid) ?? this.signedIn.get(sid);
    // Only the cookie (its expiry) changes on a touch; the stored data stays as it was.
    if (entry) this.keep(sid, { ...(JSON.parse(entry.json) as SessionData), cookie: data.cookie });
    if (callback) setImmediate(callback);
  }

  override destroy(sid: string, callback?: Callback): void {
    this.forget(sid);
    if (callback) setImmediate(callback);
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    setImmediate(callback, null, this.anonymous.size + this.signedIn.size);
  }

  /** Sessions held now, by kind (tests check the bound). */
  get sizes(): { anonymous: number; signedIn: number } {
    return { anonymous: this.anonymous.size, signedIn: this.signedIn.size };
  }

  private keep(sid: string, data: SessionData): void {
    const nowMs = this.now();
    const cookieExpiry = data.cookie?.expires ? new Date(data.cookie.expires).getTime() : nowMs + 86_400_000;
    const signedIn = (data as SessionData & { passport?: { user?: unknown } }).passport?.user !== undefined;
    this.forget(sid);
    if (signedIn) {
      this.signedIn.set(sid, { json: JSON.stringify(data), expiresAtMs: cookieExpiry });
    } else {
      // Re-inserted on every write, so the first key is the least recently used.
      this.anonymous.set(sid, { json: JSON.stringify(data), expiresAtMs: Math.min(cookieExpiry, nowMs + this.anonymousTtlMs) });
      while (this.anonymous.size > this.maxAnonymous) this.anonymous.delete(this.anonymous.keys().next().value as string);
    }
    if (++this.writes % 1000 === 0) this.sweep(nowMs);
  }

  private forget(sid: string): void {
    this.anonymous.delete(sid);
    this.signedIn.delete(sid);
  }

  private sweep(nowMs: number): void {
    for (const map of [this.anonymous, this.signedIn]) for (const [sid, entry] of map) if (entry.expiresAtMs <= nowMs) map.delete(sid);
  }
}
