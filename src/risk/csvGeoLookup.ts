import { readFileSync } from 'node:fs';
import { ipListFrom, type IpList } from './ipList';
import type { GeoLookup, GeoPoint } from './types';

/**
 * A geo lookup from a small CSV of ranges: `cidr,country[,latitude,longitude]` per line. For
 * development, tests and private networks; use a MaxMind database in production.
 */
export function csvGeoLookup(path: string): GeoLookup {
  const rows: { range: IpList; point: GeoPoint }[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const [cidr, country, lat, lon] = trimmed.split(',').map((s) => s.trim());
      if (!cidr || !country || !/^[A-Z]{2}$/.test(country)) throw new Error(`${path}:${i + 1}: expected "cidr,XX[,lat,lon]"`);
      const point: GeoPoint = { country };
      if (lat !== undefined && lon !== undefined) {
        point.latitude = Number(lat);
        point.longitude = Number(lon);
      }
      rows.push({ range: ipListFrom([cidr], `${path}:${i + 1}`, { allowHostBits: true }), point });
    });
  return { lookup: async (ip) => rows.find((r) => r.range.has(ip))?.point ?? null };
}
