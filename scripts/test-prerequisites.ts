/**
 * `pretest`: the Debian packages the tests use for real (speech synthesis, audio tools,
 * Chromium, fonts for rendered OCR pages). A missing one would otherwise surface as
 * `spawnSync espeak-ng ENOENT` deep in the suite; here it is installed when we are root
 * with apt, or named at once with the command that installs it.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Prerequisite {
  /** The Debian package installed when it is missing. */
  package: string;
  why: string;
  /** A program that must be on PATH. */
  command?: string;
  /** Any of these font family names (as `fc-list` prints them) will do. */
  fontFamilies?: string[];
}

export const PREREQUISITES: readonly Prerequisite[] = [
  { package: 'espeak-ng', command: 'espeak-ng', why: 'speech fixtures for VAD, ASR and pipelines; phonemes for every TEXT_TO_SPEECH voice' },
  { package: 'sox', command: 'sox', why: 'audio fixtures' },
  { package: 'ffmpeg', command: 'ffmpeg', why: 'non-WAV audio decoding' },
  { package: 'chromium', command: 'chromium', why: 'the web console and GraphiQL browser tests' },
  { package: 'fontconfig', command: 'fc-list', why: 'finding the fonts that OCR pages are rendered with' },
  { package: 'fonts-dejavu-core', fontFamilies: ['DejaVu Sans'], why: 'rendered OCR pages' },
  // The smaller of the two CJK fonts is installed; either one serves the Chinese OCR pages.
  { package: 'fonts-wqy-zenhei', fontFamilies: ['WenQuanYi Zen Hei', 'Noto Sans CJK'], why: 'rendered Chinese OCR pages' },
];

/** Whether `name` is an executable file in one of PATH's folders. */
export function onPath(name: string, path: string): boolean {
  return path
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** The packages whose program is not on `path` or whose font is not in `fontList` (`fc-list` output). */
export function missingPackages(prerequisites: readonly Prerequisite[], path: string, fontList: string): string[] {
  const fonts = fontList.toLowerCase();
  return prerequisites
    .filter((p) => (p.command !== undefined && !onPath(p.command, path)) || (p.fontFamilies !== undefined && !p.fontFamilies.some((f) => fonts.includes(f.toLowerCase()))))
    .map((p) => p.package);
}

export function installCommand(packages: readonly string[]): string {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

function fontList(path: string): string {
  if (!onPath('fc-list', path)) return '';
  try {
    return execFileSync('fc-list', [':', 'family'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

function main(): number {
  const path = process.env.PATH ?? '';
  const missing = missingPackages(PREREQUISITES, path, fontList(path));
  if (missing.length === 0) return 0;
  const canInstall = process.getuid?.() === 0 && onPath('apt-get', path);
  if (canInstall) {
    process.stderr.write(`pretest: installing ${missing.join(', ')}\n`);
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (error) {
      process.stderr.write(`pretest: apt-get failed (${(error as Error).message})\n`);
    }
    const still = missingPackages(PREREQUISITES, path, fontList(path));
    if (still.length === 0) return 0;
    missing.splice(0, missing.length, ...still);
  }
  const reasons = PREREQUISITES.filter((p) => missing.includes(p.package)).map((p) => `  ${p.package}: ${p.why}`);
  process.stderr.write(`The tests need Debian packages that are not installed:\n${reasons.join('\n')}\nInstall them as root:\n  ${installCommand(missing)}\n`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main();
}
