import type { Request } from 'express';

/**
 * The parts of a request the session revocation check reads (sessionLiveness.ts): a GET on
 * session `sessionId` whose stepguard state names `state`, with no body.
 */
export function fakeSessionRequest(sessionId: string, state: { userId: string; bindingId: string; generation: number; epoch: number }): Request {
  return {
    method: 'GET',
    sessionID: sessionId,
    session: { stepguard: { ...state, factors: {} }, regenerate: (done: (err?: unknown) => void) => done() },
    headers: {},
    readableEnded: false,
    res: { once: () => undefined },
  } as unknown as Request;
}
