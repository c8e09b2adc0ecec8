import type { StepGuardConfig } from './config';

/**
 * With `stores: { redis }` and no `mongo`, sessions and challenges survive a restart but phone
 * bindings, enrolled factors (and the audit trail unless `audit` is given) live in this
 * process's memory and vanish with it: users find their authenticator app "gone". Production
 * refuses that (checkProductionConfig); elsewhere it is said on stderr, whether or not a logger
 * is set, because a missing logger is exactly how it went unnoticed. Returns the warning, or null.
 */
export function warnMemoryDurableStores(config: Pick<StepGuardConfig, 'stores' | 'logger'>, stderr: { write(text: string): unknown } = process.stderr): string | null {
  const stores = config.stores;
  if (stores === 'memory' || 'custom' in stores || stores.mongo || !stores.redis || stores.allowMemoryDurableStores) return null;
  const inMemory = stores.audit ? 'phone bindings and enrolled factors' : 'phone bindings, enrolled factors and the audit trail';
  const warning =
    `stepguard: WARNING: stores: { redis } without mongo keeps ${inMemory} in this process's memory: ` +
    'they are lost on restart and differ between nodes, while sessions in Redis live on. ' +
    'Pass stores.mongo (a mongoose Connection) or your own stores ({ custom }, tested with the contract suite in stepguard/stores); ' +
    'to keep them in memory on purpose, set stores.allowMemoryDurableStores: true.';
  stderr.write(`${warning}\n`);
  config.logger?.warn({ event: 'memory_durable_stores' }, warning);
  return warning;
}
