import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql ships CJS and .mjs builds; Node (and so Pothos and yoga) loads the CJS one. Vite would
  // pick the .mjs one for our files, and two graphql instances reject each other's types.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    // Real ONNX sessions and real servers: two cores, so keep files in few forks.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
