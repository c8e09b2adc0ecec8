import { SmsProviderError } from '../SmsProviderError';

export type ProviderRequest = {
  provider: string;
  url: string;
  headers: Record<string, string>;
  /** A form body (URLSearchParams) or JSON (any other object). */
  body: URLSearchParams | object;
  timeoutMs: number;
  signal?: AbortSignal;
};

export type ProviderResponse = { status: number; json: Record<string, unknown> };

/**
 * One HTTP call to a provider with a hard timeout, classified the way the router needs:
 * 2xx resolves; 429 (with its Retry-After), 5xx, timeouts and network errors throw transient
 * errors; any other status throws a permanent one. Error messages never carry the body we sent.
 */
export async function providerRequest(request: ProviderRequest): Promise<ProviderResponse> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const form = request.body instanceof URLSearchParams;
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { ...request.headers, 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json', accept: 'application/json' },
      body: form ? request.body.toString() : JSON.stringify(request.body),
      signal,
      redirect: 'error',
    });
  } catch (err) {
    const timedOut = signal.aborted;
    throw new SmsProviderError(
      timedOut ? `${request.provider} did not answer within ${request.timeoutMs} ms` : `${request.provider} could not be reached (${(err as Error).message})`,
      'transient',
      { provider: request.provider, timedOut },
    );
  }
  let json: Record<string, unknown> = {};
  try {
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    // A body that is not JSON is judged by its status alone.
  }
  if (response.ok) return { status: response.status, json };
  const status = response.status;
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
  const transient = status === 429 || status >= 500;
  throw new SmsProviderError(`${request.provider} answered HTTP ${status}`, transient ? 'transient' : 'permanent', {
    provider: request.provider,
    httpStatus: status,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

/** Retry-After is either delta-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
