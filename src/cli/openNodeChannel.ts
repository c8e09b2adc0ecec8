import type { Redis } from 'ioredis';
import type { AdminCommandArgs, AdminCommandName } from '../admin/adminCommands';
import { sendAdminCommand } from '../admin/sendAdminCommand';
import { createRedisClient } from '../stores/redis/createRedisClient';
import type { CliStore } from './cliStoreFor';

export type NodeChannel = {
  run<C extends AdminCommandName>(cmd: C, args: AdminCommandArgs<C>): AsyncIterable<string[]>;
  close(): Promise<void>;
};

/** The CLI's connection to the nodes' Redis, for commands run by a node (see sendAdminCommand). */
export async function openNodeChannel(store: Extract<CliStore, { kind: 'node' }>, pepper: string): Promise<NodeChannel> {
  // Blocking reads wait up to the timeout (no command timeout); a Redis that cannot be reached fails at once.
  const redis: Redis = await createRedisClient(store.redisUrl, { commandTimeout: undefined, retryStrategy: () => null });
  return {
    run: (cmd, args) => sendAdminCommand({ redis, keyPrefix: store.keyPrefix, pepper, cmd, args, timeoutMs: store.timeoutMs }),
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}
