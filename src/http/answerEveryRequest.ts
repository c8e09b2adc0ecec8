import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errorBody } from '../errors';

export type AnswerEveryRequestOptions = {
  /**
   * A body declared larger than this is refused at once (`413`, `Connection: close`) instead of
   * being read. Keep it at or above the largest body any route accepts. @default 1 MiB
   */
  maxBodyBytes?: number;
  /**
   * A response that goes out before its request body has arrived keeps the connection only when
   * the body is at most this long (what is left is then read and dropped); a longer or unknown
   * (chunked) body closes the connection after the response. @default 64 KiB
   */
  maxDrainBytes?: number;
  /**
   * A connection closed this way first half-closes, then keeps reading (and dropping) what the
   * client still sends, for at most this long and `maxDrainBytes`, before it is torn down.
   * @default 2000
   */
  lingerMs?: number;
};

/**
 * Makes sure every request gets its answer, however malformed. Mount it first.
 *
 * Node answers whatever a route sends, but when a response (a `404`, a `403` from CSRF, an early
 * `413`) goes out before the request body has been read and the connection is to close, Node
 * destroys the socket right after the response: the client, still sending its body, gets a TCP
 * reset, and its kernel throws away the response it had not read yet. (RFC 9112 §9.6 asks a
 * server to close in stages for exactly this reason.) So:
 *
 * - a body declared larger than `maxBodyBytes` is refused at once with `413`;
 * - when a response starts while the body is still arriving, a short body is drained after the
 *   response (the connection stays usable); a long or chunked one gets `Connection: close`;
 * - every connection that closes with body bytes still to come closes in stages: the response
 *   is flushed, the server half-closes, reads and drops what the client still sends (bounded by
 *   `lingerMs` and `maxDrainBytes`), and only then tears the socket down.
 */
export function answerEveryRequest(options: AnswerEveryRequestOptions = {}): RequestHandler {
  const maxBodyBytes = positive('maxBodyBytes', options.maxBodyBytes, 1024 * 1024);
  const maxDrainBytes = positive('maxDrainBytes', options.maxDrainBytes, 64 * 1024);
  const lingerMs = positive('lingerMs', options.lingerMs, 2000);

  return function answerEveryRequestMiddleware(req: Request, res: Response, next: NextFunction): void {
    const declared = declaredLength(req);
    if (declared === 0) return next();
    if (declared !== null && declared > maxBodyBytes) {
      res.setHeader('Connection', 'close');
      closeInStages(req, lingerMs, maxDrainBytes);
      res.status(413).json(errorBody('payload_too_large'));
      return;
    }
    beforeHeaders(res, () => {
      if (req.complete) return;
      const keepAlive = declared !== null && declared <= maxDrainBytes && !res.getHeader('connection')?.toString().toLowerCase().includes('close');
      if (keepAlive) {
        // What is left is short: read and drop it after the response, so the next request on this connection parses.
        res.once('finish', () => drain(req));
        return;
      }
      res.setHeader('Connection', 'close');
      closeInStages(req, lingerMs, maxDrainBytes);
    });
    // A client that asked to close (or HTTP/1.0) closes after this response too: in stages, when the body is unread.
    if (!req.complete && /close/i.test(req.headers.connection ?? '')) closeInStages(req, lingerMs, maxDrainBytes);
    next();
  };
}

/** The declared body length: 0 without a body, null when chunked (unknown until it ends). */
function declaredLength(req: IncomingMessage): number | null {
  if (req.headers['transfer-encoding'] !== undefined) return null;
  const length = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(length) && length >= 0 ? length : null;
}

/** Runs `hook` right before the status line and headers are written (what `on-headers` does). */
function beforeHeaders(res: ServerResponse, hook: () => void): void {
  const writeHead = res.writeHead;
  let ran = false;
  res.writeHead = function writeHeadWithHook(this: ServerResponse, ...args: unknown[]) {
    if (!ran) {
      ran = true;
      hook();
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

function drain(req: IncomingMessage): void {
  if (req.complete) return;
  req.unpipe();
  req.resume();
}

/**
 * Replaces the socket's `destroySoon` (what Node calls after a `Connection: close` response)
 * with a staged close: end our side after the response, keep reading the client's body for a
 * while, then destroy.
 */
function closeInStages(req: IncomingMessage, lingerMs: number, maxBytes: number): void {
  const socket = req.socket as Socket & { destroySoon?: () => void; stagedClose?: boolean };
  if (!socket || socket.stagedClose) return;
  socket.stagedClose = true;
  const nodeDestroySoon = socket.destroySoon;
  socket.destroySoon = function destroyInStages(this: Socket) {
    if (this.destroyed) return;
    // The body arrived in full: nothing is left to reset the connection, close as Node does.
    if (req.complete && nodeDestroySoon) return nodeDestroySoon.call(this);
    if (this.writable) this.end();
    let read = 0;
    const stop = () => {
      clearTimeout(timer);
      this.destroy();
    };
    const timer = setTimeout(stop, lingerMs);
    timer.unref();
    // The parser reads the socket directly; the body's bytes show up on the request.
    req.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > maxBytes) stop();
    });
    // The whole body is in (nothing left to reset with), or the client closed: done.
    req.once('end', stop);
    this.once('end', stop);
    this.once('close', () => clearTimeout(timer));
    drain(req);
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`answerEveryRequest: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}
