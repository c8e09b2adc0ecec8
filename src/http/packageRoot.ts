import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder holding stepguard's package.json, from source (ts) or build (dist) alike. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'views'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('stepguard: cannot find its package folder (views/ next to package.json)');
    dir = parent;
  }
}
