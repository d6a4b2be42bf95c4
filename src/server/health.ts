import type { Services } from '../contracts/context.js';
import { readMigrations } from '../db/migrate.js';

export interface Readiness {
  ready: boolean;
  checks: { database: boolean; migrations: boolean; models: boolean };
  reasons: string[];
}

/** Ready means: the database answers, every migration on disk is applied, every preload model is loaded. */
export async function checkReadiness(services: Services): Promise<Readiness> {
  const reasons: string[] = [];
  let database = false;
  let migrations = false;
  try {
    await services.db.ping();
    database = true;
    const rows = await services.db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    const pending = readMigrations(services.db.kind).filter((m) => !applied.has(m.name));
    migrations = pending.length === 0;
    if (!migrations) reasons.push(`migrations not applied: ${pending.map((m) => m.name).join(', ')}`);
  } catch (error) {
    reasons.push(`database: ${(error as Error).message}`);
  }
  const engine = services.engine.ready();
  reasons.push(...engine.reasons);
  if (services.runs.isClosing) reasons.push('shutting down');
  return {
    ready: database && migrations && engine.ready && !services.runs.isClosing,
    checks: { database, migrations, models: engine.ready },
    reasons,
  };
}
