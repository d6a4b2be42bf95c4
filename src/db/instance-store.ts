/**
 * The replicas sharing this database, each with a heartbeat. A replica that stops beating
 * for longer than the timeout is gone (crashed, killed, cut off), and what it was running
 * will not finish; one that shuts down cleanly says so by zeroing its heartbeat.
 */
import { hostname } from 'node:os';
import type { Prisma } from './database.js';

export class InstanceStore {
  constructor(private readonly prisma: Prisma) {}

  async register(id: string): Promise<void> {
    const now = new Date();
    await this.prisma.instance.upsert({
      where: { id },
      create: { id, host: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now },
      update: { host: hostname(), pid: process.pid, startedAt: now, heartbeatAt: now },
    });
  }

  async beat(id: string): Promise<void> {
    await this.prisma.instance.updateMany({ where: { id }, data: { heartbeatAt: new Date() } });
  }

  /** A clean stop: the others need not wait for the timeout to know this one is gone. */
  async stopped(id: string): Promise<void> {
    await this.prisma.instance.updateMany({ where: { id }, data: { heartbeatAt: new Date(0) } });
  }

  /** Instances that beat since `since`. */
  live(since: Date) {
    return this.prisma.instance.findMany({ where: { heartbeatAt: { gte: since } }, orderBy: { startedAt: 'asc' } });
  }
}
