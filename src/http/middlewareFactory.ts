import { StepGuardConfigError } from '../errors';

/**
 * Marks one of the guard's middleware factories (`guard.router`, `guard.requireStepUp`, ...) so
 * that handing the factory itself to Express — `app.use(guard.router)`, forgetting the call —
 * fails when the app is built instead of hanging every request. Express reads a handler's
 * `name` once, when it builds the route layer (express 4 `lib/router/layer.js`, express 5
 * `router/lib/layer.js`); the getter throws only when that constructor is its direct caller, so
 * logging, inspecting the guard or reading the name inside a request still works. A factory called as middleware (a router that does not read the name)
 * throws the same message on the first request.
 */
export function middlewareFactory<F extends (...args: never[]) => unknown>(name: string, factory: F): F {
  const message = `stepguard: ${name} is a factory: use ${name}(...) — with the call — where Express expects middleware`;
  const wrapped = function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    if (looksLikeRequest(args[0])) throw new StepGuardConfigError(message);
    return factory.apply(this, args) as ReturnType<F>;
  };
  Object.defineProperty(wrapped, 'name', {
    configurable: true,
    get() {
      // Only Express's own read (the Layer constructor, the getter's direct caller) throws: a
      // handler that reads the name while Express is on the stack further down does not.
      const caller = (new Error().stack ?? '').split('\n')[2] ?? '';
      if (/[\\/]lib[\\/](?:router[\\/])?layer\.js/.test(caller)) throw new StepGuardConfigError(message);
      return name;
    },
  });
  return Object.assign(wrapped, factory) as unknown as F;
}

function looksLikeRequest(value: unknown): boolean {
  const v = value as { method?: unknown; headers?: unknown; url?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.method === 'string' && typeof v.url === 'string' && typeof v.headers === 'object';
}
