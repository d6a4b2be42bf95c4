/**
 * The pretest check's logic on a PATH built for the test, so nothing has to be uninstalled
 * to see it name what is missing; and the script itself on the real machine.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCommand, missingPackages, onPath, PREREQUISITES } from '../scripts/test-prerequisites.js';

describe('test prerequisites', () => {
  let binA: string;
  let binB: string;

  beforeAll(async () => {
    binA = await mkdtemp(join(tmpdir(), 'tessera-path-a-'));
    binB = await mkdtemp(join(tmpdir(), 'tessera-path-b-'));
    for (const [dir, name, mode] of [
      [binA, 'sox', 0o755],
      [binB, 'ffmpeg', 0o755],
      [binB, 'fc-list', 0o755],
      // Present but not executable: does not count.
      [binB, 'espeak-ng', 0o644],
    ] as const) {
      await writeFile(join(dir, name), '#!/bin/sh\n');
      await chmod(join(dir, name), mode);
    }
  });

  afterAll(async () => {
    await rm(binA, { recursive: true, force: true });
    await rm(binB, { recursive: true, force: true });
  });

  it('finds executables on every folder of PATH and only executables', () => {
    const path = [binA, binB].join(delimiter);
    expect(onPath('sox', path)).toBe(true);
    expect(onPath('ffmpeg', path)).toBe(true);
    expect(onPath('espeak-ng', path)).toBe(false);
    expect(onPath('sox', binB)).toBe(false);
  });

  it('names the packages whose program or font is missing', () => {
    const path = [binA, binB].join(delimiter);
    expect(missingPackages(PREREQUISITES, path, '')).toEqual(['espeak-ng', 'chromium', 'fonts-dejavu-core', 'fonts-wqy-zenhei']);
    const fonts = 'DejaVu Sans,DejaVu Sans Condensed\nNoto Sans CJK SC,Noto Sans CJK SC Regular\n';
    expect(missingPackages(PREREQUISITES, path, fonts)).toEqual(['espeak-ng', 'chromium']);
    expect(missingPackages(PREREQUISITES, '', fonts)).toEqual(['espeak-ng', 'sox', 'ffmpeg', 'chromium', 'fontconfig']);
  });

  it('accepts either CJK font', () => {
    const path = [binA, binB].join(delimiter);
    expect(missingPackages(PREREQUISITES, path, 'DejaVu Sans\nWenQuanYi Zen Hei,文泉驿正黑\n')).not.toContain('fonts-wqy-zenhei');
  });

  it('gives one command that installs them', () => {
    expect(installCommand(['sox', 'chromium'])).toBe(
      'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends sox chromium',
    );
  });

  it('fails at once with the packages and the command when it cannot install them', async () => {
    // Not root would be the usual case; an empty PATH takes apt-get away just the same.
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/test-prerequisites.ts'], { env: { PATH: binA } });
    const error = (await run.then(() => undefined, (e: unknown) => e)) as { code?: number; stderr?: string } | undefined;
    expect(error?.code).toBe(1);
    expect(error?.stderr).toContain('espeak-ng: speech fixtures');
    expect(error?.stderr).toContain('apt-get install -y --no-install-recommends espeak-ng ffmpeg chromium fontconfig fonts-dejavu-core fonts-wqy-zenhei');
  });
});
