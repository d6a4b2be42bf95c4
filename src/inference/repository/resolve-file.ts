/**
 * Turns a manifest file path into an absolute path. `npm:<package>/<subpath>` finds the
 * package folder the way Node does, walking up node_modules from the model folder and then
 * from Tessera's own installation (a MODELS_DIR elsewhere on disk still finds the packages
 * that Tessera's package.json pins), and reads the file from there.
 * The package's `exports` map is deliberately bypassed: model packages rarely export
 * their asset files, but the files are on disk all the same.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';

const NPM_PREFIX = 'npm:';

export class FileResolutionError extends Error {
  override name = 'FileResolutionError';
}

export function splitNpmSpecifier(specifier: string): { packageName: string; subpath: string } {
  const parts = specifier.split('/');
  const scoped = specifier.startsWith('@');
  const nameParts = scoped ? 2 : 1;
  if (parts.length <= nameParts || parts.slice(0, nameParts).some((p) => p === '')) {
    throw new FileResolutionError(`"${NPM_PREFIX}${specifier}" must name a package and a file inside it`);
  }
  return { packageName: parts.slice(0, nameParts).join('/'), subpath: parts.slice(nameParts).join('/') };
}

function packageFolder(packageName: string, fromDir: string): string {
  const lookup = [
    ...(createRequire(join(resolve(fromDir), 'noop.js')).resolve.paths(packageName) ?? []),
    ...(createRequire(import.meta.url).resolve.paths(packageName) ?? []),
  ];
  for (const nodeModules of lookup) {
    const candidate = join(nodeModules, packageName);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  throw new FileResolutionError(`npm package "${packageName}" is not installed (looked from ${fromDir})`);
}

/** Rejects paths that climb out of their base folder, so a manifest cannot point anywhere on disk. */
function inside(base: string, subpath: string, what: string): string {
  if (isAbsolute(subpath)) throw new FileResolutionError(`${what} must be relative, got "${subpath}"`);
  const full = resolve(base, normalize(subpath));
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new FileResolutionError(`${what} "${subpath}" leaves its folder`);
  }
  return full;
}

export function resolveModelFile(modelDir: string, path: string): string {
  if (path.startsWith(NPM_PREFIX)) {
    const { packageName, subpath } = splitNpmSpecifier(path.slice(NPM_PREFIX.length));
    return inside(packageFolder(packageName, modelDir), subpath, path);
  }
  return inside(modelDir, path, 'file path');
}
