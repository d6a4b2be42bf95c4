/**
 * A real Chromium (Debian's, never a downloaded one) driven by playwright-core, and the
 * built web console: web/dist is built with vite's JS API when it is missing or older
 * than its sources.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from './app.js';

export const WEB_ROOT = path.resolve('web');
export const WEB_DIST = path.join(WEB_ROOT, 'dist');
/** Where the console tests leave their screenshots. */
export const SHOTS = path.resolve('test/artifacts/web-console');

function newestMtime(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(entry).map((name) => newestMtime(path.join(entry, name))));
}

export function webBuildIsStale(): boolean {
  const index = path.join(WEB_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((name) => path.join(WEB_ROOT, name)).filter(existsSync);
  return Math.max(...sources.map(newestMtime)) > statSync(index).mtimeMs;
}

export async function ensureWebBuild(): Promise<string> {
  if (webBuildIsStale()) {
    const { build } = await import('vite');
    // Vitest sets NODE_ENV=test, which would make vite build a development bundle.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ root: WEB_ROOT, configFile: path.join(WEB_ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
  }
  return WEB_DIST;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions, as text, in the order they happened. */
  errors: string[];
}

/**
 * A page whose console errors and page errors are collected. `expected` lets a test name the
 * one line Chromium itself logs for a response it asked the server to refuse.
 */
export async function openPage(context: BrowserContext, options: { expected?: RegExp[] } = {}): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const text = `${message.text()} (${message.location().url})`;
    if (!options.expected?.some((pattern) => pattern.test(text))) errors.push(text);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { page, errors };
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Closes the page; it must have logged no error. */
export async function finish(watched: WatchedPage): Promise<void> {
  await watched.page.close();
  expect(watched.errors).toEqual([]);
}

/** The request id from the first link to a request's detail inside `scope`. */
export async function linkedRequestId(page: Page, scope: string): Promise<string> {
  const href = await page.locator(`${scope} a[href^="/requests/"]`).first().getAttribute('href');
  expect(href).toMatch(/^\/requests\/[0-9a-f-]{36}$/);
  return href!.slice('/requests/'.length);
}

/** Waits for `selector`, failing at once with the page's error box when that shows instead. */
export async function resultOrAlert(page: Page, selector: string, timeout = 30_000): Promise<void> {
  await page.locator(`${selector}, [role="alert"]`).first().waitFor({ timeout });
  const alert = page.locator('[role="alert"]');
  if (await alert.count()) throw new Error(`the page shows an error: ${await alert.first().textContent()}`);
}

/** How many pixels the page is wider than the window: 0 or less when nothing scrolls sideways. */
export async function overflowWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** The line Chromium itself logs for a GraphQL request the server refused with a 4xx. */
export const REFUSED_REQUEST = /Failed to load resource: the server responded with a status of 4\d\d .*\/graphql\)$/;

export interface ConsoleUnderTest {
  server: TestServer;
  browser: Browser;
  /** A desktop-sized context on the server. */
  context: BrowserContext;
  /** A phone-sized (375 px) context; close it when done. */
  narrow(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** A real server serving the built console from `modelsDir`, a Chromium, and a context on it once the models are ready. */
export async function startConsole(modelsDir: string, webRoot: string): Promise<ConsoleUnderTest> {
  const server = await startTestServer({ modelsDir, webRoot });
  const browser = await launchChromium();
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  for (let i = 0; i < 600 && (await fetch(`${server.url}/health/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  return {
    server,
    browser,
    context,
    narrow: () => browser.newContext({ baseURL: server.url, viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }),
    async close() {
      await context.close();
      await browser.close();
      await server.close();
    },
  };
}
