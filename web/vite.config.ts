import { defineConfig } from 'vite';

// Preact through the JSX transform vite already has (oxc); no framework plugin is needed.
export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: {
    // `vite web` during development talks to a Tessera started with `npm start` on 4000.
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:4000', ws: true },
      '/artifacts': 'http://127.0.0.1:4000',
    },
  },
});
