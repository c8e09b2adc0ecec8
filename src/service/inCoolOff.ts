import type { PhoneBinding } from '../stores/types';

/** Whether the number was changed recently enough that SMS to it is not trusted for high-risk actions. */
export function inCoolOff(binding: PhoneBinding, coolOffSeconds: number, nowMs: number): boolean {
  return binding.changedAtMs !== null && nowMs - binding.changedAtMs < coolOffSeconds * 1000;
}
