/** A provider call that did not answer in time (it may still have been carried out). */
export class ProviderTimeoutError extends Error {
  override readonly name = 'ProviderTimeoutError';
  readonly timedOut = true;
}

/**
 * Runs `call` with an abort signal and rejects with ProviderTimeoutError once `ms` pass,
 * aborting the call: a hanging provider must not hang the request.
 */
export async function withTimeout<T>(call: (signal: AbortSignal) => Promise<T>, ms: number, what: string): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProviderTimeoutError(`${what} did not answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([call(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
