import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { generate } from '@graphql-codegen/cli';
import { buildSchema } from '../src/schema/index.js';
import codegenConfig from '../codegen.js';

describe('generated artifacts are current', () => {
  it('schema.graphql matches the code-first schema (run `npm run codegen`)', () => {
    expect(readFileSync('schema.graphql', 'utf8')).toBe(printSchema(buildSchema()) + '\n');
  });

  it('the typed documents match the schema and the operations (run `npm run codegen`)', async () => {
    const outputs = await generate({ ...codegenConfig, silent: true }, false);
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      expect(readFileSync(output.filename, 'utf8'), output.filename).toBe(output.content);
    }
  });
});
