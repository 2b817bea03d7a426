import { describe, expect, it } from 'vitest';
import { decodeClientMessage, PROTOCOL_VERSION, RESUME_CAP } from '../../shared/protocol';

const UUID = '0b8f6f4e-5d43-4c1e-9a51-2d7f0f3c6a11';
const decode = (frame: unknown) => decodeClientMessage(typeof frame === 'string' ? frame : JSON.stringify(frame));

/** Decoding must fail with this code and `re`; returns the error for further checks. */
function refused(frame: unknown, code: 'bad_frame' | 'unknown_type', re: string | null) {
  const r = decode(frame);
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.error.code).toBe(code);
  expect(r.re).toBe(re);
  expect(typeof r.error.message).toBe('string');
  return r.error;
}

describe('decodeClientMessage: valid frames', () => {
  const valid: Record<string, unknown>[] = [
    { id: 'h', type: 'hello', v: PROTOCOL_VERSION },
    { id: 'h2', type: 'hello', v: 99 }, // the version is checked by the hub, not the decoder
    { id: 'p', type: 'ping' },
    { id: 's', type: 'subscribe', streams: [{ stream: 'directory' }] },
    { id: 's2', type: 'subscribe', streams: [{ stream: 'directory', after: 0 }, { stream: 'chat:room_1-A', after: 42 }] },
    { id: 'u', type: 'unsubscribe', streams: ['directory'] },
    { id: 'f', type: 'fetch', stream: 'directory', after: 0 },
    { id: 'f2', type: 'fetch', stream: 'directory', after: 10, limit: RESUME_CAP },
    { id: 'q', type: 'presence_query', userIds: [] },
    { id: 'q2', type: 'presence_query', userIds: [UUID] },
    { id: 'x'.repeat(64), type: 'ping' },
  ];
  for (const frame of valid) {
    it(`accepts ${JSON.stringify(frame).slice(0, 90)}`, () => {
      const r = decode(frame);
      expect(r).toEqual({ ok: true, message: frame });
    });
  }

  it('accepts the largest arrays the schema allows', () => {
    expect(decode({ id: 'a', type: 'subscribe', streams: Array.from({ length: 100 }, (_, i) => ({ stream: `chat:c${i}` })) }).ok).toBe(true);
    expect(decode({ id: 'b', type: 'unsubscribe', streams: Array.from({ length: 100 }, (_, i) => `chat:c${i}`) }).ok).toBe(true);
    expect(decode({ id: 'c', type: 'presence_query', userIds: Array.from({ length: 1000 }, () => UUID) }).ok).toBe(true);
  });

  it('accepts surrounding whitespace and returns a fresh object', () => {
    const r = decode('  {"id":"p","type":"ping"}\n');
    expect(r).toEqual({ ok: true, message: { id: 'p', type: 'ping' } });
  });
});

describe('decodeClientMessage: frames that are not JSON objects', () => {
  const notJson = ['', ' ', '{', '{"id":"a","type":"ping"', "{'id':'a'}", 'ping', '{"id":"a",}', '\u0000'];
  for (const text of notJson) {
    it(`invalid JSON ${JSON.stringify(text)} -> bad_frame, re null`, () => {
      const e = refused(text, 'bad_frame', null);
      expect(e.message).toMatch(/JSON/);
    });
  }

  const notObjects = ['[]', '[{"id":"a","type":"ping"}]', 'null', '1', '"ping"', 'true'];
  for (const text of notObjects) {
    it(`${text} (not an object) -> bad_frame, re null`, () => {
      refused(text, 'bad_frame', null);
    });
  }
});

describe('decodeClientMessage: unknown types', () => {
  it('an unknown type name -> unknown_type with the id echoed', () => {
    refused({ id: 'r1', type: 'send_message' }, 'unknown_type', 'r1');
  });
  it('a missing type -> unknown_type', () => {
    refused({ id: 'r2' }, 'unknown_type', 'r2');
  });
  it('type with the wrong case or padding -> unknown_type', () => {
    refused({ id: 'r3', type: 'PING' }, 'unknown_type', 'r3');
    refused({ id: 'r4', type: ' ping' }, 'unknown_type', 'r4');
  });
  it('inherited property names are not types', () => {
    for (const t of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) refused({ id: 'r5', type: t }, 'unknown_type', 'r5');
  });
  it('non-string types (number, null, array, object) -> unknown_type', () => {
    for (const t of [1, null, ['ping'], { a: 1 }, true]) refused({ id: 'r6', type: t }, 'unknown_type', 'r6');
  });
  it('the message quotes at most 40 characters of the type', () => {
    const e = refused({ id: 'r7', type: 'z'.repeat(5000) }, 'unknown_type', 'r7');
    expect(e.message.length).toBeLessThan(120);
  });

  it('never throws: a type whose string conversion fails -> unknown_type', () => {
    for (const text of ['{"id":"r8","type":{"toString":1}}', '{"id":"r8","type":{"toString":{},"valueOf":{}}}']) {
      let r: ReturnType<typeof decodeClientMessage> | undefined;
      expect(() => (r = decodeClientMessage(text))).not.toThrow();
      expect(r).toMatchObject({ ok: false, re: 'r8', error: { code: 'unknown_type' } });
    }
  });
});

describe('decodeClientMessage: the request id', () => {
  it('a missing id -> bad_frame with re null and the field named', () => {
    const e = refused({ type: 'ping' }, 'bad_frame', null);
    expect(e.fields).toHaveProperty('id');
  });
  it('an empty id -> bad_frame; re echoes it as given', () => {
    const e = refused({ id: '', type: 'ping' }, 'bad_frame', '');
    expect(e.fields).toHaveProperty('id');
  });
  it('an id over 64 characters is not echoed', () => {
    const e = refused({ id: 'x'.repeat(65), type: 'ping' }, 'bad_frame', null);
    expect(e.fields).toHaveProperty('id');
  });
  it('a non-string id is not echoed', () => {
    for (const id of [7, null, ['a'], { a: 1 }]) refused({ id, type: 'ping' }, 'bad_frame', null);
  });
});

describe('decodeClientMessage: schema mismatches name the fields', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['extra top-level field', { id: 'e1', type: 'ping', extra: 1 }, '_'],
    ['extra field on hello', { id: 'e2', type: 'hello', v: 1, token: 'x' }, '_'],
    ['extra field inside a subscribe entry', { id: 'e3', type: 'subscribe', streams: [{ stream: 'directory', admin: true }] }, 'streams.0'],
    ['hello without v', { id: 'e4', type: 'hello' }, 'v'],
    ['hello with a string v', { id: 'e5', type: 'hello', v: '1' }, 'v'],
    ['hello with a fractional v', { id: 'e6', type: 'hello', v: 1.5 }, 'v'],
    ['subscribe with streams a string', { id: 'e7', type: 'subscribe', streams: 'x' }, 'streams'],
    ['subscribe with no streams', { id: 'e8', type: 'subscribe', streams: [] }, 'streams'],
    ['subscribe with a bad stream name', { id: 'e9', type: 'subscribe', streams: [{ stream: '../etc' }] }, 'streams.0.stream'],
    ['subscribe with upper-case stream kind', { id: 'e10', type: 'subscribe', streams: [{ stream: 'Directory' }] }, 'streams.0.stream'],
    ['subscribe with a negative after', { id: 'e11', type: 'subscribe', streams: [{ stream: 'directory', after: -1 }] }, 'streams.0.after'],
    ['subscribe with a fractional after', { id: 'e12', type: 'subscribe', streams: [{ stream: 'directory', after: 0.5 }] }, 'streams.0.after'],
    ['unsubscribe with objects', { id: 'e13', type: 'unsubscribe', streams: [{ stream: 'directory' }] }, 'streams.0'],
    ['fetch without after', { id: 'e14', type: 'fetch', stream: 'directory' }, 'after'],
    ['fetch with limit 0', { id: 'e15', type: 'fetch', stream: 'directory', after: 0, limit: 0 }, 'limit'],
    ['fetch with limit over the cap', { id: 'e16', type: 'fetch', stream: 'directory', after: 0, limit: RESUME_CAP + 1 }, 'limit'],
    ['presence_query with a non-uuid', { id: 'e17', type: 'presence_query', userIds: ['not-a-uuid'] }, 'userIds.0'],
    ['stream name over 200 characters', { id: 'e18', type: 'fetch', stream: 'chat:' + 'a'.repeat(200), after: 0 }, 'stream'],
  ];
  for (const [what, frame, field] of cases) {
    it(`${what} -> bad_frame naming ${field}`, () => {
      const e = refused(frame, 'bad_frame', frame.id as string);
      expect(e.fields).toBeDefined();
      expect(Object.keys(e.fields!)).toContain(field);
    });
  }

  it('the unknown key is named in the message of the "_" field', () => {
    const e = refused({ id: 'e19', type: 'ping', sneaky: 1 }, 'bad_frame', 'e19');
    expect(e.fields!._).toMatch(/sneaky/);
  });

  it('a "__proto__" key in the JSON is an unknown field, not a prototype', () => {
    const e = refused('{"id":"e20","type":"ping","__proto__":{"isAdmin":true}}', 'bad_frame', 'e20');
    expect(e.fields).toHaveProperty('_');
  });
});

describe('decodeClientMessage: oversized arrays', () => {
  it('subscribe with 101 streams', () => {
    const e = refused({ id: 'o1', type: 'subscribe', streams: Array.from({ length: 101 }, () => ({ stream: 'directory' })) }, 'bad_frame', 'o1');
    expect(e.fields).toHaveProperty('streams');
  });
  it('unsubscribe with 101 streams', () => {
    const e = refused({ id: 'o2', type: 'unsubscribe', streams: Array.from({ length: 101 }, () => 'directory') }, 'bad_frame', 'o2');
    expect(e.fields).toHaveProperty('streams');
  });
  it('presence_query with 1001 ids', () => {
    const e = refused({ id: 'o3', type: 'presence_query', userIds: Array.from({ length: 1001 }, () => UUID) }, 'bad_frame', 'o3');
    expect(e.fields).toHaveProperty('userIds');
  });
  it('a 10 000-element array is refused quickly with a bounded field list', () => {
    const started = performance.now();
    const e = refused({ id: 'o4', type: 'presence_query', userIds: Array.from({ length: 10_000 }, () => 'x') }, 'bad_frame', 'o4');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(e.fields).toBeDefined();
  });
});

describe('decodeClientMessage: sequence numbers', () => {
  it('refuses after values beyond the safe integer range (they cannot be a seq)', () => {
    refused({ id: 'n1', type: 'fetch', stream: 'directory', after: 1e21 }, 'bad_frame', 'n1');
    refused({ id: 'n2', type: 'subscribe', streams: [{ stream: 'directory', after: 2 ** 63 }] }, 'bad_frame', 'n2');
  });

  it('accepts the largest safe integer as after', () => {
    expect(decode({ id: 'n3', type: 'fetch', stream: 'directory', after: Number.MAX_SAFE_INTEGER }).ok).toBe(true);
  });
});
