/** Where an IP address is, as far as a geo database says. */
export type GeoPoint = { country: string; latitude?: number; longitude?: number };

/** A geo lookup (MaxMind file, CSV ranges, or your own). `null` when the address is unknown. */
export interface GeoLookup {
  lookup(ip: string): Promise<GeoPoint | null>;
}

/** Carrier intelligence about a number (e.g. Twilio Lookup). */
export type PhoneIntel = { simSwappedAtMs?: number | null; lineType?: string | null };

export interface PhoneIntelProvider {
  lookup(e164: string): Promise<PhoneIntel | null>;
}
