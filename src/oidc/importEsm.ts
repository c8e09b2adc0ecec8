// A real dynamic import from CommonJS: TypeScript (module: commonjs) would turn `import()` into
// `require()`, which loads ES modules only on Node >= 20.19.
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/**
 * Loads an ES-module-only package (oidc-provider, openid-client) from stepguard's CommonJS build.
 * Jest's CommonJS runtime has no dynamic import; there the package is required (jest transforms it).
 */
export async function importEsm<T>(specifier: string): Promise<T> {
  try {
    return (await nativeImport(specifier)) as T;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG') throw err;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(specifier) as T;
  }
}
