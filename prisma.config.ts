import { defineConfig } from 'prisma/config';

// The CLI only generates the client here; migrations are applied by the server itself
// (src/db/migrate.ts), because the CLI's schema engine cannot be downloaded offline.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
