/**
 * The repository root (the folder holding package.json), found from a module's own folder, so
 * paths come out the same whether the module runs as source (scripts/…, through ts-node or jest)
 * or compiled (dist/scripts/…, through scripts/run.js or the toolkit image's /app/dist/…).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function projectRoot(from: string = __dirname): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: run from the repository (or the image's /app)`);
  }
}
