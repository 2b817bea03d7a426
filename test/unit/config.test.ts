import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';

describe('configuration', () => {
  it('has embedded defaults: port 3000, ./data, no database URL, no Redis', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://127.0.0.1:3000');
    expect(c.publicOrigin).toBe('http://127.0.0.1:3000');
    expect(c.databaseUrl).toBeNull();
    expect(c.redisUrl).toBeNull();
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.secureCookies).toBe(false);
  });

  it('switches to real services and https cookies', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/artel',
      REDIS_URL: 'redis://cache:6379',
      PUBLIC_URL: 'https://artel.example.com/',
      PORT: '8080',
      DATA_DIR: '/var/lib/artel',
    });
    expect(c).toMatchObject({
      databaseUrl: 'postgres://u@db:5432/artel',
      redisUrl: 'redis://cache:6379',
      publicUrl: 'https://artel.example.com',
      port: 8080,
      dataDir: '/var/lib/artel',
      secureCookies: true,
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://cache'],
    ['PUBLIC_URL', 'ftp://x'],
    ['PUBLIC_URL', 'https://example.com/artel'],
    ['LOG_LEVEL', 'loud'],
    ['SMTP_RELAY_URL', 'mail.example.com'],
  ])('a wrong %s (%s) is refused with a message naming it', (variable, value) => {
    let caught: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
    expect((caught as Error).message).toContain(variable);
  });
});
