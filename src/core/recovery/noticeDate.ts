/**
 * A time as a message states it: `2026-01-18 09:00 UTC`. UTC, to the minute: an SMS is read on
 * a phone in any time zone and has no room for more.
 */
export function noticeDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
