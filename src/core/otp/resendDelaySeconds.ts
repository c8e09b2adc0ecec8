/**
 * How long to wait after the `sendCount`-th send before the next one is allowed: the first
 * resend after `initialSeconds`, then doubling, never more than `maxSeconds` apart.
 */
export function resendDelaySeconds(
  sendCount: number,
  { initialSeconds, maxSeconds }: { initialSeconds: number; maxSeconds: number },
): number {
  const exponent = Math.max(0, Math.min(sendCount - 1, 30));
  return Math.min(initialSeconds * 2 ** exponent, maxSeconds);
}
