import type { SecurityEvent } from '../config';
import type { ServiceContext } from './ServiceContext';

/** Calls the host's `onSecurityEvent` hook; its failure is logged, never thrown: the change already happened. */
export async function emitSecurityEvent(ctx: ServiceContext, event: SecurityEvent): Promise<void> {
  const hook = ctx.config.onSecurityEvent;
  if (!hook) return;
  try {
    await hook(event);
  } catch (err) {
    ctx.logger?.error({ event: 'security_event_hook_failed', change: event.change, err: err instanceof Error ? err.message : String(err) }, 'onSecurityEvent threw');
  }
}
