import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has working defaults for a first start', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(4000);
    expect(config.DATABASE_URL).toBe('file:./data/tessera.db');
    expect(config.MODELS_DIR).toBe('./models');
    expect(config.MAX_UPLOAD_BYTES).toBe(25 * 1024 * 1024);
    expect(config.EXECUTION_PROVIDER).toBe('cpu');
    expect(config.ORT_SESSION_THREAD).toBe('worker');
  });

  it('listens on loopback by default, where keys are off; anywhere else requires keys unless told', () => {
    expect(loadConfig({}).HOST).toBe('127.0.0.1');
    expect(loadConfig({}).AUTH).toBe('off');
    expect(loadConfig({ HOST: '::1' }).AUTH).toBe('off');
    expect(loadConfig({ HOST: '0.0.0.0' }).AUTH).toBe('required');
    expect(loadConfig({ HOST: '192.168.1.5' }).AUTH).toBe('required');
    expect(loadConfig({ HOST: '0.0.0.0', AUTH: 'off' }).AUTH).toBe('off');
    expect(loadConfig({ AUTH: 'required' }).AUTH).toBe('required');
    expect(() => loadConfig({ AUTH: 'maybe' })).toThrow(/AUTH="maybe"/);
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
  });

  it('chooses where sessions run and refuses anything else', () => {
    expect(loadConfig({ ORT_SESSION_THREAD: 'main' }).ORT_SESSION_THREAD).toBe('main');
    expect(() => loadConfig({ ORT_SESSION_THREAD: 'gpu' })).toThrow(/ORT_SESSION_THREAD="gpu"/);
  });

  it('sizes the prefix cache from PREFIX_CACHE_BYTES, leaves the default to the engine, and refuses a negative size', () => {
    expect(loadConfig({}).PREFIX_CACHE_BYTES).toBeUndefined();
    expect(loadConfig({ PREFIX_CACHE_BYTES: '0' }).PREFIX_CACHE_BYTES).toBe(0);
    expect(loadConfig({ PREFIX_CACHE_BYTES: '268435456' }).PREFIX_CACHE_BYTES).toBe(268435456);
    expect(() => loadConfig({ PREFIX_CACHE_BYTES: '-1' })).toThrow(/PREFIX_CACHE_BYTES/);
  });

  it('reads the security limits and the CORS allow-list', () => {
    const config = loadConfig({ CORS_ORIGINS: ' https://a.example/, https://b.example ' });
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    expect(loadConfig({}).MAX_QUERY_DEPTH).toBe(12);
    expect(() => loadConfig({ MAX_QUERY_COST: '0' })).toThrow(/MAX_QUERY_COST/);
  });

  it('reads sizes with units', () => {
    expect(loadConfig({ MAX_UPLOAD_BYTES: '512kb' }).MAX_UPLOAD_BYTES).toBe(512 * 1024);
    expect(loadConfig({ MAX_BODY_BYTES: '2mb' }).MAX_BODY_BYTES).toBe(2 * 1024 * 1024);
    expect(loadConfig({ MAX_UPLOAD_BYTES: '1000' }).MAX_UPLOAD_BYTES).toBe(1000);
  });

  it('names every bad variable and its value', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', EXECUTION_PROVIDER: 'tpu', MAX_UPLOAD_BYTES: 'lots' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT="eighty"/);
    expect(problems).toMatch(/DATABASE_URL="mysql:\/\/x".*file:/);
    expect(problems).toMatch(/EXECUTION_PROVIDER="tpu"/);
    expect(problems).toMatch(/MAX_UPLOAD_BYTES="lots"/);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('accepts PostgreSQL URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' }).DATABASE_URL).toMatch(/^postgres/);
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).DATABASE_URL).toMatch(/^postgresql/);
  });
});
