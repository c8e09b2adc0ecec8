import type { PhoneIntel, PhoneIntelProvider } from './types';

// Twilio's line types in libphonenumber's names, which the phone policy speaks.
const TWILIO_LINE_TYPES: Record<string, string> = {
  mobile: 'MOBILE',
  landline: 'FIXED_LINE',
  fixedVoip: 'VOIP',
  nonFixedVoip: 'VOIP',
  tollFree: 'TOLL_FREE',
  premium: 'PREMIUM_RATE',
  sharedCost: 'SHARED_COST',
  uan: 'UAN',
  voicemail: 'VOICEMAIL',
  pager: 'PAGER',
  personal: 'PERSONAL_NUMBER',
};

/**
 * Twilio Lookup v2 (`line_type_intelligence` and `sim_swap`), with a configurable base URL so a
 * test or a proxy can stand in. A failed lookup answers `null`: no intel, not an outage.
 */
export function twilioLookupProvider(options: {
  accountSid: string;
  authToken: string;
  /** @default 'https://lookups.twilio.com' */
  baseUrl?: string;
  /** @default 3000 */
  timeoutMs?: number;
}): PhoneIntelProvider {
  const base = (options.baseUrl ?? 'https://lookups.twilio.com').replace(/\/$/, '');
  const auth = Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
  return {
    async lookup(e164) {
      const url = `${base}/v2/PhoneNumbers/${encodeURIComponent(e164)}?Fields=line_type_intelligence,sim_swap`;
      try {
        const res = await fetch(url, { headers: { authorization: `Basic ${auth}` }, signal: AbortSignal.timeout(options.timeoutMs ?? 3000) });
        if (!res.ok) return null;
        const body = (await res.json()) as {
          line_type_intelligence?: { type?: string | null } | null;
          sim_swap?: { last_sim_swap?: { last_sim_swap_date?: string | null } | null } | null;
        };
        const swapped = body.sim_swap?.last_sim_swap?.last_sim_swap_date;
        const type = body.line_type_intelligence?.type;
        const intel: PhoneIntel = {
          // Twilio's `unknown` ("valid, type undetermined") is no answer: the numbering plan's type
          // applies. A type not mapped here yet is UNKNOWN, which the default policy refuses.
          lineType: !type || type === 'unknown' ? null : Object.hasOwn(TWILIO_LINE_TYPES, type) ? (TWILIO_LINE_TYPES[type] as string) : 'UNKNOWN',
          simSwappedAtMs: swapped ? Date.parse(swapped) : null,
        };
        return intel;
      } catch {
        return null;
      }
    },
  };
}
