import type { CodegenConfig } from '@graphql-codegen/cli';

// schema.graphql is printed from the Pothos schema by scripts/print-schema.ts (npm run codegen).
const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'test/generated/': {
      documents: ['test/operations/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      // Explicit .js extensions: the tests are ESM under NodeNext resolution.
      config: { useTypeImports: true, enumsAsTypes: true, emitLegacyCommonJSImports: false, scalars: { DateTime: 'string', JSON: 'unknown', File: 'File' } },
    },
    // The web console writes its documents inline with graphql(); string mode keeps the graphql
    // runtime out of the browser bundle (the query text is sent as it is).
    'web/src/gql/': {
      documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', File: 'File' },
      },
    },
  },
};

export default config;
