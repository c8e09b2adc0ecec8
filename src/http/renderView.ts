import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ejs from 'ejs';
import { packageRoot } from './packageRoot';

export type ViewRenderer = (name: string, data: Record<string, unknown>) => Promise<string>;

/**
 * Renders stepguard's EJS pages. A host app overrides any page by putting a file of the same
 * name in `overrideDirectory`; the rest come from stepguard's own views/.
 */
export function createViewRenderer(overrideDirectory: string | undefined): ViewRenderer {
  const builtIn = join(packageRoot(), 'views');
  const resolved = new Map<string, string>();
  const locate = (name: string): string => {
    let file = resolved.get(name);
    if (!file) {
      const override = overrideDirectory ? join(overrideDirectory, `${name}.ejs`) : undefined;
      file = override && existsSync(override) ? override : join(builtIn, `${name}.ejs`);
      resolved.set(name, file);
    }
    return file;
  };
  return (name, data) => ejs.renderFile(locate(name), data, { cache: true, views: [overrideDirectory ?? builtIn, builtIn] });
}
