import autocannon from 'autocannon';
import { mainThreadCpuMs } from './threadCpu';

export type Measured = { rps: number; p50: number; p99: number; non2xx: number; cpuMsPerRequest: number };

/**
 * autocannon against one path for `seconds`; any non-2xx or error fails the bench. With `pid`,
 * also the server's main-thread CPU per request.
 */
export function cannon(options: { base: string; path: string; cookie: string; seconds: number; connections: number; headers?: Record<string, string>; pid?: number }): Promise<Measured> {
  const cpu0 = options.pid ? mainThreadCpuMs(options.pid) : Number.NaN;
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${options.base}${options.path}`, connections: options.connections, duration: options.seconds, headers: { cookie: options.cookie, accept: 'application/json', ...options.headers } },
      (err, result) => {
        if (err) return reject(err);
        if (result.non2xx > 0 || result.errors > 0) return reject(new Error(`${options.path}: ${result.non2xx} non-2xx, ${result.errors} errors`));
        const cpuMs = options.pid ? mainThreadCpuMs(options.pid) - cpu0 : Number.NaN;
        resolve({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, cpuMsPerRequest: cpuMs / result.requests.total });
      },
    );
  });
}
