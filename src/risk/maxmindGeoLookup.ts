import maxmind, { type CityResponse } from 'maxmind';
import { normalizeIp } from './ipList';
import type { GeoLookup } from './types';

/** A geo lookup over a MaxMind-format `.mmdb` file (GeoLite2-City or GeoIP2-City, or -Country). */
export async function maxmindGeoLookup(path: string): Promise<GeoLookup> {
  const reader = await maxmind.open<CityResponse>(path);
  return {
    lookup: async (ip) => {
      const record = reader.get(normalizeIp(ip));
      const country = record?.country?.iso_code ?? record?.registered_country?.iso_code;
      if (!country) return null;
      const { latitude, longitude } = record?.location ?? {};
      return latitude !== undefined && longitude !== undefined ? { country, latitude, longitude } : { country };
    },
  };
}
