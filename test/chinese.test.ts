/**
 * Chinese end to end, as a client sees it: lines rendered with a Debian CJK font
 * (WenQuanYi Zen Hei, from fonts-wqy-zenhei) through SVG and sharp, read back exactly by
 * the shipped PaddleOCR recogniser (its dictionary is Chinese + English), and the request
 * found again in the history by a Chinese word, on a real SQLite file and on PostgreSQL,
 * and in the console's History page (a real Chromium) filtered by that word. And the
 * streaming rule Chinese depends on, with the shipped byte-level tokenizer: a character
 * split over several tokens is never emitted in pieces.
 */
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseKindUnderTest } from './support/databases.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql } from './support/client.js';
import { RecognizeTextDocument, RequestHistoryDocument } from './generated/graphql.js';
import { IncrementalDetokenizer } from '../src/inference/generation/detokenizer.js';
import { TextTokenizer } from '../src/inference/generation/tokenizer.js';
import { ensureWebBuild, finish, openPage, shot, SHOTS, startConsole, type ConsoleUnderTest } from './support/browser.js';

const FONT = 'WenQuanYi Zen Hei';
/** Common characters, every one in ppocr_keys_v1.txt; the first is the source material's own example. */
const LINES = ['这是一个中文文本', '今天天气很好', '欢迎你来北京学习'];

async function renderLines(lines: readonly string[]): Promise<string> {
  const body = lines.map((text, i) => `<text x="40" y="${80 + i * 90}" font-family="${FONT}" font-size="44" fill="#111">${text}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="560" height="${60 + lines.length * 90}"><rect width="100%" height="100%" fill="#fff"/>${body}</svg>`;
  return (await sharp(Buffer.from(svg)).png().toBuffer()).toString('base64');
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'tessera-chinese-'));
  await cp('models/paddleocr-v4', path.join(root, 'paddleocr-v4'), { recursive: true });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each<DatabaseKindUnderTest>(['sqlite', 'postgres'])('Chinese text on %s', (database) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ modelsDir: root, database });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('OCR reads the rendered Chinese lines back exactly, and history search by a Chinese word finds the request', async () => {
    const { body } = await gql(server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: await renderLines(LINES) } } });
    expect(body.errors).toBeUndefined();
    const result = body.data!.recognizeText;
    expect(result.lines.map((l) => l.text)).toEqual(LINES);
    expect(result.text).toBe(LINES.join('\n'));
    expect(result.request.status).toBe('COMPLETED');
    const id = result.request.id;

    const found = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 10, filter: { text: '天气' } });
    expect(found.body.errors).toBeUndefined();
    const nodes = found.body.data!.requests.edges.map((e) => e.node);
    expect(nodes.map((n) => n.id)).toContain(id);
    expect(nodes.find((n) => n.id === id)!.outputText).toContain('今天天气很好');

    const missing = await gql(server.graphqlUrl, RequestHistoryDocument, { first: 10, filter: { text: '上海' } });
    expect(missing.body.data!.requests.edges.map((e) => e.node.id)).not.toContain(id);
  });
});

describe('the console shows the Chinese request', () => {
  let web: ConsoleUnderTest;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    web = await startConsole(root, await ensureWebBuild());
  });

  afterAll(async () => {
    await web?.close();
  });

  it('History filtered by a Chinese word lists the OCR request with its Chinese text', async () => {
    const { body } = await gql(web.server.graphqlUrl, RecognizeTextDocument, { input: { image: { base64: await renderLines(LINES) } } });
    const id = body.data!.recognizeText.request.id;
    const watched = await openPage(web.context);
    const { page } = watched;
    await page.goto(`/history?text=${encodeURIComponent('天气')}`);
    const row = page.locator(`table.history tbody tr[data-id="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('这是一个中文文本');
    await shot(page, 'history-chinese');
    await page.goto(`/history?text=${encodeURIComponent('上海')}`);
    await page.waitForLoadState('networkidle');
    expect(await page.locator(`table.history tbody tr[data-id="${id}"]`).count()).toBe(0);
    await finish(watched);
  });
});

describe('streaming Chinese through the shipped byte-level tokenizer (tessera-lm)', () => {
  it('token by token, the texts add up to the whole and no piece holds half a character', async () => {
    const tokenizer = await TextTokenizer.load('models/tessera-lm');
    const text = `${LINES.join('，')}。龘`;
    const ids = tokenizer.encode(text, { addSpecialTokens: false });
    // An English-trained byte-level BPE spends several tokens on most CJK characters: the case that matters.
    expect(ids.length).toBeGreaterThan([...text].length);
    const detokenizer = new IncrementalDetokenizer(tokenizer);
    const pieces = ids.map((id) => detokenizer.push(id));
    pieces.push(detokenizer.flush());
    const emitted = pieces.map((p) => p ?? '');
    expect(emitted.join('')).toBe(text);
    expect(pieces.filter((p) => p === null).length).toBeGreaterThan(0);
    for (const piece of emitted) {
      expect(piece).not.toContain('\uFFFD');
      expect(Buffer.from(piece, 'utf8').toString('utf8')).toBe(piece);
    }
  });
});
