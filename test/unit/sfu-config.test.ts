/**
 * The Janus configuration writer (sfu/janus/config.ts) as a pure function, and the secrets file it keeps.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { janusConfigFiles, loadSecrets, parseStun, writeJanusConfig, type JanusConfigOptions } from '../../sfu/janus/config';

const base: JanusConfigOptions = {
  dir: '/data/janus',
  wsPort: 8188,
  apiSecret: 'sekret',
  adminKey: 'adm"in',
  rtpPorts: [40000, 40199],
  available: {
    plugins: ['libjanus_videoroom.so', 'libjanus_echotest.so', 'libjanus_streaming.so', 'libjanus_sip.so'],
    transports: ['libjanus_websockets.so', 'libjanus_http.so', 'libjanus_pfunix.so'],
    events: ['libjanus_wsevh.so'],
    loggers: ['libjanus_jsonlog.so'],
  },
};

const section = (text: string, name: string) => new RegExp(`(?:^|\\n)${name}: \\{([^}]*)\\}`).exec(text)?.[1] ?? '';

describe('janusConfigFiles', () => {
  it('writes exactly the three files', () => {
    expect(Object.keys(janusConfigFiles(base)).sort()).toEqual(['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg']);
  });

  it('the API: WebSocket on 127.0.0.1 only, no wss, no admin API; the API secret', () => {
    const f = janusConfigFiles(base);
    const ws = f['janus.transport.websockets.jcfg'];
    expect(section(ws, 'general')).toMatch(/ws = true/);
    expect(section(ws, 'general')).toMatch(/ws_port = 8188/);
    expect(section(ws, 'general')).toMatch(/ws_ip = "127\.0\.0\.1"/);
    expect(section(ws, 'general')).toMatch(/wss = false/);
    expect(section(ws, 'admin')).toMatch(/admin_ws = false/);
    expect(section(ws, 'admin')).toMatch(/admin_wss = false/);
    expect(section(f['janus.jcfg'], 'general')).toMatch(/api_secret = "sekret"/);
    expect(section(f['janus.jcfg'], 'general')).toMatch(/session_timeout = 60/);
    expect(section(f['janus.jcfg'], 'general')).toMatch(/log_to_stdout = true/);
  });

  it('VideoRoom: the admin key (quoted safely) and string ids', () => {
    const room = section(janusConfigFiles(base)['janus.plugin.videoroom.jcfg'], 'general');
    expect(room).toContain('admin_key = "adm\\"in"');
    expect(room).toMatch(/string_ids = true/);
  });

  it('only VideoRoom and WebSockets load: everything else found is disabled; no event handlers, no loggers', () => {
    const main = janusConfigFiles(base)['janus.jcfg'];
    expect(section(main, 'plugins')).toMatch(/disable = "libjanus_echotest\.so,libjanus_sip\.so,libjanus_streaming\.so"/);
    expect(section(main, 'transports')).toMatch(/disable = "libjanus_http\.so,libjanus_pfunix\.so"/);
    expect(section(main, 'events')).toMatch(/broadcast = false/);
    expect(section(main, 'events')).toMatch(/disable = "libjanus_wsevh\.so"/);
    expect(section(main, 'loggers')).toMatch(/disable = "libjanus_jsonlog\.so"/);
  });

  it('the RTP range; NAT mapping and STUN only when given', () => {
    const plain = janusConfigFiles(base)['janus.jcfg'];
    expect(section(plain, 'media')).toMatch(/rtp_port_range = "40000-40199"/);
    expect(section(plain, 'nat')).not.toMatch(/nat_1_1_mapping|stun_server/);
    const nat = section(janusConfigFiles({ ...base, publicIp: '203.0.113.7', stunUrl: 'stun:stun.example.org:19302' })['janus.jcfg'], 'nat');
    expect(nat).toMatch(/nat_1_1_mapping = "203\.0\.113\.7"/);
    expect(nat).toMatch(/stun_server = "stun\.example\.org"/);
    expect(nat).toMatch(/stun_port = 19302/);
  });

  it('refuses what would make a broken Janus', () => {
    expect(() => janusConfigFiles({ ...base, rtpPorts: [40000, 30000] })).toThrow(/port range/);
    expect(() => janusConfigFiles({ ...base, rtpPorts: [80, 1000] })).toThrow(/port range/);
    expect(() => janusConfigFiles({ ...base, wsPort: 0 })).toThrow(/port/);
    expect(() => janusConfigFiles({ ...base, apiSecret: '' })).toThrow(/secret/);
    expect(() => janusConfigFiles({ ...base, stunUrl: 'not a url' })).toThrow(/STUN/);
  });

  it('parseStun', () => {
    expect(parseStun('stun:stun.l.google.com:19302')).toEqual({ host: 'stun.l.google.com', port: 19302 });
    expect(parseStun('stun.example.org')).toEqual({ host: 'stun.example.org', port: 3478 });
    expect(parseStun('stun:[2001:db8::1]:3478')).toEqual({ host: '2001:db8::1', port: 3478 });
    expect(parseStun('stun:host:99999')).toBeNull();
  });
});

describe('secrets', () => {
  it('made once (random, 0600), kept across writes, given ones win', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'artel-janus-unit-'));
    try {
      const first = writeJanusConfig(dataDir, { wsPort: 9000, rtpPorts: [40000, 40099], libDir: path.join(dataDir, 'nolib') });
      expect(first.secrets.apiSecret).toMatch(/^[0-9a-f]{64}$/);
      expect(first.secrets.adminKey).toMatch(/^[0-9a-f]{64}$/);
      expect(first.secrets.adminKey).not.toBe(first.secrets.apiSecret);
      const file = path.join(dataDir, 'janus', 'secrets.json');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(loadSecrets(path.join(dataDir, 'janus'))).toEqual(first.secrets);
      const again = writeJanusConfig(dataDir, { wsPort: 9001, rtpPorts: [40000, 40099], libDir: path.join(dataDir, 'nolib') });
      expect(again.secrets).toEqual(first.secrets);
      const given = writeJanusConfig(dataDir, { wsPort: 9001, rtpPorts: [40000, 40099], apiSecret: 'mine', libDir: path.join(dataDir, 'nolib') });
      expect(given.secrets).toEqual({ apiSecret: 'mine', adminKey: first.secrets.adminKey });
      expect(fs.readFileSync(path.join(dataDir, 'janus', 'janus.jcfg'), 'utf8')).toContain('api_secret = "mine"');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
