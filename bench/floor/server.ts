/**
 * The bench's floor as a process (bench/floor/floorApp.ts): a typical Express + Passport app
 * without stepguard. Env: PORT, REDIS_URL; FLOOR_REVOCATION_READ=1 and FLOOR_STEPGUARD_SESSION=1
 * start the reference variants.
 */
import { Redis } from 'ioredis';
import { createFloorApp } from './floorApp';

// The same client options as the demo's (stepguard's createRedisClient: auto-pipelining among
// them), so the comparison measures what stepguard adds, not how the Redis client is set up.
const redis = new Redis(process.env.REDIS_URL as string, { enableAutoPipelining: true });
const app = createFloorApp({ redis, revocationRead: process.env.FLOOR_REVOCATION_READ === '1', stepguardSession: process.env.FLOOR_STEPGUARD_SESSION === '1' });
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
// A clean exit on SIGTERM, so `--cpu-prof` writes its profile.
process.on('SIGTERM', () => {
  server.close();
  redis.disconnect();
  process.exit(0);
});
