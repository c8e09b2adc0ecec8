import { performance } from 'node:perf_hooks';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { StepGuardConfig } from '../config';
import type { StepGuardService } from '../service/createStepGuardService';
import { epochOf, readState } from './sessionState';

const checked = new WeakMap<Request, Promise<boolean>>();

type SessionIdentity = { userId: string; bindingId: string; generation: number; epoch: number };
type Standing = 'live' | 'revoked' | 'superseded';
type Prefetch = { identity: SessionIdentity; live: Promise<Standing>; settledAtMs: number | null };

/**
 * A prefetched answer is used only this soon after it arrived (monotonic time, not the injected
 * clock: this bounds how old the answer is, which no fake clock must stretch). A request whose
 * body came long after its headers (held across a "sign out everywhere") reads again, as the
 * sequential check would have read after the body.
 */
const PREFETCH_MAX_AGE_MS = 100;

/** At most this many session ids remembered per node for the prefetch (oldest forgotten first). */
const MAX_REMEMBERED_SESSIONS = 10_000;

/**
 * The revocation check started together with the session load (issue 12: one round trip
 * instead of two on every request). A session id seen before on this node is remembered with
 * the user, binding and generation its state named at the end of that request; when the
 * session store loads that id again, the same revocation read starts at once, beside the
 * session GET. The check then uses it only if the loaded session still names that identity
 * (otherwise it reads as before). The read starts after the request arrived, as the sequential
 * one did, so a revocation written before the request is seen just the same.
 */
class SessionCheckPrefetcher {
  private readonly known = new Map<string, SessionIdentity>();
  private readonly started = new Map<string, Prefetch>();

  constructor(private readonly service: StepGuardService) {}

  /** The session store is about to load `sessionId`. */
  loading(sessionId: string): void {
    // Every load replaces what an earlier load started, so the entry a check finds was always
    // started by its own request's load or a later one, never before its request arrived
    // (bounded too: one entry per known id).
    this.started.delete(sessionId);
    const identity = this.known.get(sessionId);
    if (!identity) return;
    const live = this.service.sessionStanding(identity);
    const entry: Prefetch = { identity, live, settledAtMs: null };
    // Whoever takes it awaits it; one nobody takes must not become an unhandled rejection. A
    // failed read is no answer to share: the next request of the session reads for itself.
    live.then(
      () => void (entry.settledAtMs = performance.now()),
      () => {
        if (this.started.get(sessionId) === entry) this.started.delete(sessionId);
      },
    );
    // Requests that never reach the check leave theirs behind: bounded like the ids.
    if (this.started.size >= MAX_REMEMBERED_SESSIONS) this.started.delete(this.started.keys().next().value as string);
    this.started.set(sessionId, entry);
  }

  /**
   * The newest check started for this session, if it was started for exactly `identity`. It is
   * shared, not taken once: requests of one session in flight together (two tabs, a page's
   * parallel fetches) each load the session, and each load replaces the entry, so a request
   * finds its own load's check or a newer one. Taking it once made every request but the newest
   * read again: about 1.9 revocation reads per request with 32 in flight (issue 12).
   */
  take(sessionId: string, identity: SessionIdentity): Promise<Standing> | undefined {
    const prefetch = this.started.get(sessionId);
    if (!prefetch) return undefined;
    if (prefetch.settledAtMs !== null && performance.now() - prefetch.settledAtMs > PREFETCH_MAX_AGE_MS) {
      this.started.delete(sessionId);
      return undefined;
    }
    return sameIdentity(prefetch.identity, identity) ? prefetch.live : undefined;
  }

  remember(sessionId: string, identity: SessionIdentity | null): void {
    const known = this.known.get(sessionId);
    // Already known as exactly this: nothing to write (the common case, every guarded read).
    if (known && identity && sameIdentity(known, identity)) return;
    this.known.delete(sessionId);
    if (!identity) return;
    if (this.known.size >= MAX_REMEMBERED_SESSIONS) this.known.delete(this.known.keys().next().value as string);
    this.known.set(sessionId, identity);
  }
}

function sameIdentity(a: SessionIdentity, b: SessionIdentity): boolean {
  return a.userId === b.userId && a.bindingId === b.bindingId && a.generation === b.generation && a.epoch === b.epoch;
}

/** The identity a session's stepguard state names (a session without state: generation and epoch 0). */
function identityOf(userId: string, state: { bindingId?: string; generation?: number; epoch?: number } | undefined): SessionIdentity {
  return { userId, bindingId: state?.bindingId ?? '', generation: state?.generation ?? 0, epoch: epochOf(state) };
}

const prefetchers = new WeakMap<StepGuardService, SessionCheckPrefetcher>();

/**
 * For the session store's client (`ioredisSessionClient(redis, { keyPrefix, onLoad })`): tells
 * the guard a session id is being loaded, so its revocation check rides in the same round trip.
 */
export function sessionLoadingHook(service: StepGuardService): (sessionId: string) => void {
  let prefetcher = prefetchers.get(service);
  if (!prefetcher) {
    prefetcher = new SessionCheckPrefetcher(service);
    prefetchers.set(service, prefetcher);
  }
  const p = prefetcher;
  return (sessionId) => p.loading(sessionId);
}

const remembering = new WeakSet<Request>();

/**
 * The identity the session (perhaps under a new id) names, for the next request's prefetch: at
 * the end of a request that may change it (a sign-in, a step-up, a reissue), at once for a read
 * (GET, HEAD), which costs no listener per request (issue 12). A read that did change it (a
 * dead session signed out) leaves an entry the next load's identity check refuses: the
 * revocation check then reads as it would without a prefetch, never less.
 */
function rememberAtEnd(prefetcher: SessionCheckPrefetcher, req: Request): void {
  if (remembering.has(req)) return;
  remembering.add(req);
  const remember = () => {
    const state = req.session?.stepguard;
    if (!req.sessionID) return;
    prefetcher.remember(req.sessionID, state ? identityOf(state.userId, state) : null);
  };
  if (req.method === 'GET' || req.method === 'HEAD') remember();
  else req.res?.once('finish', remember);
}

/**
 * Whether the session on this request is still valid (not logged out, not under a "sign out
 * everywhere"), asked of the revocation store once per request however many checks run. A
 * signed-in session without stepguard state (the host signed in without `guard.firstFactor()`)
 * is checked as one issued under generation 0, so a "sign out everywhere" ends it too.
 * A dead session is signed out on the spot: its data is replaced by an empty session under a
 * new id and `req.user` cleared, so neither this request nor any later one with the same cookie
 * finds the user in it, whichever check saw it first.
 */
export function sessionLive(service: StepGuardService, req: Request, userId: string): Promise<boolean> {
  const known = checked.get(req);
  if (known) return known;
  const state = readState(req, userId);
  const identity = identityOf(userId, state);
  const prefetcher = prefetchers.get(service);
  const taken = prefetcher && req.sessionID ? prefetcher.take(req.sessionID, identity) : undefined;
  // A body read since the load (the host's parser ran before this check) may have been held
  // back for as long as the sender liked (across a "sign out everywhere"): the answer read at the
  // load is older than the body, so read again, as the sequential check would after the body.
  const prefetched = taken && !(req.readableEnded && hasBody(req)) ? taken : undefined;
  if (prefetcher) rememberAtEnd(prefetcher, req);
  // A shared read that failed (a Redis blip on another request's read) is read once more: the
  // new read also starts after this request's load, and a second failure still fails closed.
  // Without it, one failed read failed every request of the session in flight (red team, session 9).
  const standing = prefetched ? prefetched.catch(() => service.sessionStanding(identity)) : service.sessionStanding(identity);
  const answer = standing.then(
    async (standing) => {
      if (standing === 'revoked') await signOutDeadSession(req);
      // A copy from before a step-up (the old id, used by a tab or a request still in flight) is
      // signed out for this request only: its record is dead wherever it is, and a new empty
      // session's cookie on this answer could overwrite, in the browser, the id the step-up
      // just issued to the same browser.
      else if (standing === 'superseded') (req as Request & { user?: unknown }).user = undefined;
      return standing === 'live';
    },
    (err: unknown) => {
      // Fail closed: a store that rejects with a falsy reason (undefined, null) would otherwise
      // reach `next(err)` as `next()` in every caller and pass the request on unchecked.
      throw err || new Error('stepguard: the session check failed without a reason');
    },
  );
  checked.set(req, answer);
  return answer;
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

async function signOutDeadSession(req: Request): Promise<void> {
  (req as Request & { user?: unknown }).user = undefined;
  if (!req.session) return;
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

let warnedAboutOrder = false;

/**
 * Middleware run by `guard.router()` on every request: a request whose session was revoked
 * (logout elsewhere, sign out everywhere, a factor removed) continues as signed out. Mounted
 * before `passport.session()` it still works — the session's stepguard state names the user —
 * and says once that the order is unusual.
 */
export function createSessionCheck(config: StepGuardConfig, service: StepGuardService): RequestHandler {
  return async function stepguardSessionCheck(req: Request, _res: Response, next: NextFunction): Promise<void> {
    try {
      const signedIn = config.getUserId(req);
      const stateUser = req.session?.stepguard?.userId;
      if (!signedIn && stateUser && !warnedAboutOrder) {
        warnedAboutOrder = true;
        config.logger?.warn({ event: 'mounting_order' }, 'guard.router() runs before passport.session() (or the user was signed out without guard.signOut): mount it after passport.session()');
      }
      const userId = signedIn ?? stateUser;
      // A sign-in on this request (a new session id) is remembered too, for the next one.
      const prefetcher = prefetchers.get(service);
      if (prefetcher && req.session) rememberAtEnd(prefetcher, req);
      if (!userId || !req.session) return next();
      await sessionLive(service, req, userId);
      next();
    } catch (err) {
      next(err);
    }
  };
}
