import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { ConfigError, loadConfig } from '../../server/config';
import { iceServersFor } from '../../server/domains/calls/turn';

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
    ['TURN_URLS', 'stun:turn.example.com'],
    ['TURN_SECRET', 'short'],
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

  it('a TURN server with a shared secret: both variables or neither; browsers get credentials minted per participant', () => {
    expect(loadConfig({}).turn).toBeNull();
    expect(() => loadConfig({ TURN_URLS: 'turn:turn.example.com:3478' })).toThrow(/TURN_SECRET/);
    expect(() => loadConfig({ TURN_SECRET: 'a-long-enough-shared-secret' })).toThrow(/TURN_URLS/);
    const c = loadConfig({ TURN_URLS: 'turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349', TURN_SECRET: 'a-long-enough-shared-secret', STUN_URL: 'stun:stun.example.com' });
    expect(c.turn).toEqual({ urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'], secret: 'a-long-enough-shared-secret', ttlSeconds: 12 * 3600 });
    const now = Date.UTC(2026, 10, 27, 12, 0, 0);
    const servers = iceServersFor(c, 'p-1', now);
    expect(servers[0]).toEqual({ urls: 'stun:stun.example.com' });
    const turn = servers[1];
    expect(turn.urls).toEqual(c.turn!.urls);
    // The TURN REST scheme: "<expiry>:<who>", and the base64 HMAC-SHA1 of it under the shared secret.
    expect(turn.username).toBe(`${now / 1000 + 12 * 3600}:p-1`);
    expect(turn.credential).toBe(createHmac('sha1', 'a-long-enough-shared-secret').update(turn.username!).digest('base64'));
    expect(iceServersFor(c, 'p-2', now)[1].credential).not.toBe(turn.credential);
  });
});
