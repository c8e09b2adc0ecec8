import type { RunningCluster, RunningRedis } from './redisServer';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __stepguardRedis?: RunningRedis }).__stepguardRedis?.stop();
  await (globalThis as { __stepguardCluster?: RunningCluster }).__stepguardCluster?.stop();
}
