/**
 * Video calls in real browsers. Without a media server the UI says video is unavailable and why, and a
 * call can still be scheduled (its invitation card opens the call page, which explains). With Debian's
 * Janus behind the hub: three colleagues join a chat's call from Chromium with fake cameras and
 * microphones and each receives the others' video and audio (inbound framesDecoded and audio energy
 * rising in getStats), one shares a screen the others see, a guest joins by link once admitted from
 * the lobby, one leaves and rejoins, one loses the connection and is back by itself, and the chat's card
 * goes from "in progress" to "ended · N min · 4 participants".
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { startTestHub, type TestHub } from '../helpers/hub';
import { haveJanus, janusNote, testEngine, type TestEngine } from '../helpers/janus';
import { team, type Team } from '../helpers/team';
import { browserContext, chromiumNote, collectProblems, haveChromium, launchChromium, signedInContext } from '../helpers/browser';

/** Four pages encoding and decoding video on a shared CI machine are slow: the call suite waits longer. */
const SLOW = 40_000;
const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

interface Inbound {
  participantId: string;
  source: string;
  kind: 'audio' | 'video';
  framesDecoded: number;
  totalAudioEnergy: number;
  bytesReceived: number;
}

const inbound = (page: Page): Promise<Inbound[]> =>
  page.evaluate(() => ((window as any).__artelCall?.inbound() ?? []) as Promise<Inbound[]>);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until `page` receives from each of `from` a `source` video track whose decoded frames go up
 * between two samples, and (for cameras) audio whose energy goes up: media really flows, not just SDP.
 */
async function receives(page: Page, from: string[], source: 'camera' | 'screen' = 'camera', timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Inbound[] = [];
  for (;;) {
    const a = await inbound(page);
    await sleep(700);
    const b = await inbound(page);
    last = b;
    const rising = (id: string, kind: 'audio' | 'video', src: string) => {
      const x = a.find((s) => s.participantId === id && s.kind === kind && s.source === src);
      const y = b.find((s) => s.participantId === id && s.kind === kind && s.source === src);
      if (!x || !y) return false;
      return kind === 'video' ? y.framesDecoded > x.framesDecoded && y.framesDecoded > 0 : y.totalAudioEnergy > x.totalAudioEnergy;
    };
    const ok = from.every((id) => rising(id, 'video', source) && (source === 'screen' || rising(id, 'audio', 'mic')));
    if (ok) return;
    if (Date.now() > deadline) {
      const trace = await page.evaluate(() => ((window as any).__artelCall?.trace ?? []).join('\n'));
      throw new Error(`no media from ${from.join(', ')} (${source}); inbound: ${JSON.stringify(last)}\n${trace}`);
    }
  }
}

const participantIdOf = async (page: Page): Promise<string> => {
  const room = page.getByTestId('call-room');
  await room.waitFor();
  await expect.poll(() => room.getAttribute('data-participant-id')).not.toBe('');
  return (await room.getAttribute('data-participant-id'))!;
};

describe.skipIf(!haveChromium)(`calls without a media server (browser)${chromiumNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let t: Team<'ann'>;
  let chatId: string;

  beforeAll(async () => {
    [hub, browser] = await Promise.all([startTestHub(), launchChromium()]);
    t = await team(hub.url, ['ann'] as const);
    chatId = (await t.owner.post('/api/chats', { kind: 'group', title: 'Planning', memberIds: [t.ids.ann] })).body.chat.id;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('says video is unavailable and why, schedules a call, and its card opens a page that explains', async () => {
    const ctx = await signedInContext(browser, hub, t.ann);
    const page = await ctx.newPage();
    const problems = collectProblems({ ann: page });
    await page.goto(`${hub.url}/app/chats/${chatId}`);
    await page.getByTestId('call-start').click();
    const error = page.getByTestId('call-start-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('Video calls are turned off on this server');

    await page.getByTestId('call-menu').click();
    await page.getByTestId('call-schedule').click();
    const dialog = page.getByTestId('call-schedule-dialog');
    await dialog.getByTestId('call-schedule-title').fill('Quarterly review');
    await dialog.getByTestId('call-schedule-submit').click();
    await dialog.waitFor({ state: 'hidden' });
    const card = page.locator('[data-testid=card][data-kind=call]').filter({ hasText: 'Quarterly review' });
    await card.waitFor();
    expect(await card.getAttribute('data-call-state')).toBe('scheduled');
    expect(await card.getByTestId('call-card-status').textContent()).toMatch(/^Scheduled for /);

    await card.getByTestId('call-card-join').click();
    await page.waitForURL(/\/app\/calls\/[0-9a-f-]{36}$/);
    const unavailable = page.getByTestId('call-unavailable');
    await unavailable.waitFor();
    expect(await unavailable.getAttribute('data-code')).toBe('disabled');
    expect(await unavailable.textContent()).toContain('Video is unavailable');
    await page.getByTestId('call-back').click();
    await page.waitForURL(new RegExp(`/app/chats/${chatId}$`));
    // The calls page lists it among the scheduled calls of my chats.
    await page.getByTestId('nav-calls').click();
    await page.getByTestId('calls-scheduled').getByTestId('calls-row').filter({ hasText: 'Quarterly review' }).waitFor();

    // In Russian too.
    const ru = await signedInContext(browser, hub, t.ann, 'ru-RU');
    await t.ann.patch('/api/me', { locale: 'ru' });
    const rp = await ru.newPage();
    await rp.goto(`${hub.url}/app/chats/${chatId}`);
    await rp.getByTestId('call-start').click();
    expect(await rp.getByTestId('call-start-error').textContent()).toContain('Видеозвонки на этом сервере выключены');
    await t.ann.patch('/api/me', { locale: 'en' });

    // A guest with a link that does not exist is told so (no lobby, no socket).
    const gctx = await browserContext(browser);
    const gp = await gctx.newPage();
    collectProblems({ guest: gp }, {}, problems);
    await gp.goto(`${hub.url}/c/${'x'.repeat(43)}`);
    await gp.getByTestId('call-guest-name').fill('Mallory');
    await gp.getByTestId('call-join').click();
    await gp.locator('[data-testid=guest-problem][data-problem=invalid]').waitFor();
    await gctx.close();
    expect(problems).toEqual([]);
    await ctx.close();
    await ru.close();
  });
});

describe.skipIf(!haveChromium || !haveJanus)(`a video call on Janus (browser)${chromiumNote || janusNote}`, () => {
  let hub: TestHub;
  let browser: Browser;
  let t: Team<'ann' | 'ben' | 'cid'>;
  let chatId: string;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  let media: TestEngine;

  beforeAll(async () => {
    [media, browser] = await Promise.all([testEngine(), launchChromium(FAKE_MEDIA)]);
    hub = await startTestHub({ media: media.engine });
    for (let i = 0; i < 150 && hub.artel.svc.media.status().state !== 'ready'; i++) await sleep(200);
    expect(hub.artel.svc.media.status()).toMatchObject({ state: 'ready' });
    t = await team(hub.url, ['ann', 'ben', 'cid'] as const);
    chatId = (await t.owner.post('/api/chats', { kind: 'group', title: 'Standup', memberIds: [t.ids.ann, t.ids.ben, t.ids.cid] })).body.chat.id;
  }, 90_000);

  // CALLS_SHOTS=dir: a failed step leaves a screenshot of every page there, to see what each person saw.
  afterEach(async (ctx) => {
    const dir = process.env.CALLS_SHOTS;
    if (!dir || ctx.task.result?.state !== 'fail') return;
    const step = ctx.task.name.replace(/\W+/g, '-').slice(0, 40);
    for (const [name, page] of Object.entries({ ann, ben, cid, guest })) {
      await page?.screenshot({ path: path.join(dir, `${step}-${name}.png`) }).catch(() => {});
    }
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await hub?.stop();
  });

  // Ben's socket passes through a route, so the test can cut it and keep it down for a while (the
  // browser's offline mode alone does not reliably stop an open WebSocket).
  let benDown = false;
  const benSockets: WebSocketRoute[] = [];

  async function open(who: 'ann' | 'ben' | 'cid'): Promise<Page> {
    const ctx = await signedInContext(browser, hub, t[who]);
    ctx.setDefaultTimeout(SLOW);
    await ctx.grantPermissions(['camera', 'microphone'], { origin: hub.url });
    if (who === 'ben') {
      await ctx.routeWebSocket(/\/ws$/, (ws) => {
        if (benDown) return void ws.close();
        benSockets.push(ws);
        ws.connectToServer();
      });
    }
    contexts.push(ctx);
    const page = await ctx.newPage();
    collectProblems({ [who]: page }, {}, problems);
    await page.goto(`${hub.url}/app/chats/${chatId}`);
    return page;
  }

  let ann: Page;
  let ben: Page;
  let cid: Page;
  let ids: Record<'ann' | 'ben' | 'cid', string>;
  /** What each page sends, for a failure's message. */
  async function sending(): Promise<string> {
    const out: string[] = [];
    for (const [name, page] of Object.entries({ ann, ben, cid })) {
      if (page) {
        out.push(`${name}: ${JSON.stringify(await page.evaluate(() => (window as any).__artelCall?.outbound() ?? []).catch(() => []))}`);
        out.push(await page.evaluate(() => ((window as any).__artelCall?.trace ?? []).join('\n')));
      }
    }
    return out.join('\n');
  }
  let callId: string;

  it('three colleagues join from the chat and each receives the others\' video and audio', async () => {
    [ann, ben, cid] = await Promise.all([open('ann'), open('ben'), open('cid')]);
    await ann.getByTestId('call-start').click();
    await ann.waitForURL(/\/app\/calls\/[0-9a-f-]{36}$/);
    callId = ann.url().split('/').pop()!;
    await ann.getByTestId('call-join').click();
    const annId = await participantIdOf(ann);

    // The others join from the card the call posted in the chat.
    for (const page of [ben, cid]) {
      const card = page.locator(`[data-testid=card][data-kind=call][data-card-id="${callId}"]`);
      await card.waitFor();
      expect(await card.getAttribute('data-call-state')).toBe('live');
      expect(await card.getByTestId('call-card-status').textContent()).toContain('Call in progress');
      await card.getByTestId('call-card-join').click();
      await page.getByTestId('call-join').click();
    }
    ids = { ann: annId, ben: await participantIdOf(ben), cid: await participantIdOf(cid) };
    for (const page of [ann, ben, cid]) {
      await page.locator('[data-testid=call-count][data-count="3"]').waitFor();
      await page.locator('[data-testid=call-tile][data-source=camera]').nth(2).waitFor();
    }
    await Promise.all([receives(ann, [ids.ben, ids.cid]), receives(ben, [ids.ann, ids.cid]), receives(cid, [ids.ann, ids.ben])]).catch(async (e) => {
      throw new Error(`${e.message}\nsending:\n${await sending()}\nids: ${JSON.stringify(ids)}`);
    });
    // Tiles of the others show their video, playing.
    const tile = ann.locator(`[data-testid=call-tile][data-participant="${ids.ben}"][data-source=camera]`);
    expect(await tile.getAttribute('data-video')).toBe('true');
    await expect.poll(() => tile.locator('video').evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
  }, 120_000);

  it('mutes, raises a hand, switches layout: the others see it', async () => {
    await ben.getByTestId('call-mic').click();
    await ben.getByTestId('call-hand').click();
    await ann.getByTestId('call-participants-toggle').click();
    const benRow = ann.locator(`[data-testid=call-participant][data-participant="${ids.ben}"]`);
    await benRow.and(ann.locator('[data-hand=true][data-audio=false]')).waitFor();
    await ann.locator(`[data-testid=call-tile][data-participant="${ids.ben}"] [data-testid=tile-hand]`).waitFor();
    await ben.getByTestId('call-hand').click();
    await ben.getByTestId('call-mic').click();
    await benRow.and(ann.locator('[data-hand=false][data-audio=true]')).waitFor();
    await ann.getByTestId('call-layout').click();
    await ann.locator('[data-testid=call-stage][data-layout=speaker] [data-testid=call-main] [data-testid=call-tile]').waitFor();
    // Simulcast: cameras are sent in two layers; in the speaker layout the strip's cameras are asked for
    // at the small one, and the grid of three wide tiles takes everyone at the top layer again.
    const layers = () => ann.evaluate(() => (window as any).__artelCall.connections().publisher.getSenders().find((s: RTCRtpSender) => s.track?.kind === 'video')?.getParameters().encodings.map((e: RTCRtpEncodingParameters) => e.rid));
    expect(await layers()).toEqual(['h', 'l']);
    const asked = () => ann.evaluate(() => ((window as any).__artelCall.trace as string[]).filter((l) => l.includes('call_quality')).map((l) => l.slice(13)));
    await expect.poll(asked).toContainEqual(expect.stringMatching(/^call_quality low \[/));
    await ann.getByTestId('call-layout').click();
    await expect.poll(async () => (await asked()).at(-1)).toMatch(/^call_quality high \[/);
    // The chat beside the call is the chat itself: a message written there reaches the chat.
    await ben.getByTestId('call-chat-toggle').click();
    const panel = ben.locator('[data-testid=call-panel][data-panel=chat]');
    await panel.getByTestId('composer-input').fill('Sharing the roadmap next');
    await panel.getByTestId('composer-input').press('Enter');
    await panel.getByTestId('message-body').filter({ hasText: 'Sharing the roadmap next' }).waitFor();
    await expect.poll(async () => (await t.ann.get(`/api/chats/${chatId}/messages`)).body.messages.map((m: any) => m.body)).toContain('Sharing the roadmap next');
    await ben.getByTestId('call-chat-toggle').click();
    await ann.getByTestId('call-participants-toggle').click();
  }, 60_000);

  it('shares a screen the others see', async () => {
    await ann.getByTestId('call-screen').click();
    await ann.locator('[data-testid=call-screen][data-on=true]').waitFor();
    for (const page of [ben, cid]) {
      await page.locator(`[data-testid=call-tile][data-participant="${ids.ann}"][data-source=screen]`).waitFor();
    }
    await Promise.all([receives(ben, [ids.ann], 'screen'), receives(cid, [ids.ann], 'screen')]);
    // Camera still flows next to the screen.
    await receives(ben, [ids.ann]);
    await ann.getByTestId('call-screen').click();
    for (const page of [ben, cid]) {
      await page.locator(`[data-testid=call-tile][data-participant="${ids.ann}"][data-source=screen]`).waitFor({ state: 'detached' });
    }
  }, 90_000);

  let guest: Page;
  let guestId: string;

  it('a guest joins by link after being admitted from the lobby', async () => {
    await ann.getByTestId('call-participants-toggle').click();
    await ann.getByTestId('call-participants').waitFor();
    await ann.getByTestId('call-invite-name').fill('Carla Client');
    await ann.getByTestId('call-invite-create').click();
    const url = await ann.getByTestId('call-invite-url').inputValue();
    expect(url).toMatch(/\/c\/[A-Za-z0-9_-]{43}$/);

    const ctx = await browserContext(browser);
    ctx.setDefaultTimeout(SLOW);
    await ctx.grantPermissions(['camera', 'microphone'], { origin: hub.url });
    contexts.push(ctx);
    guest = await ctx.newPage();
    collectProblems({ guest }, {}, problems);
    await guest.goto(url);
    await guest.getByTestId('call-guest-name').fill('Carla Client');
    await guest.getByTestId('call-join').click();
    await guest.getByTestId('call-lobby-wait').waitFor();
    expect(await guest.getByTestId('call-lobby-wait').textContent()).toContain('Waiting for someone to let you in');

    const waiting = ann.getByTestId('lobby-guest').filter({ hasText: 'Carla Client' });
    await waiting.waitFor();
    await waiting.getByTestId('lobby-admit').click();
    guestId = await participantIdOf(guest);
    // No chat for guests.
    expect(await guest.getByTestId('call-chat-toggle').count()).toBe(0);
    for (const page of [ann, ben, cid]) await page.locator('[data-testid=call-count][data-count="4"]').waitFor();
    await Promise.all([receives(guest, [ids.ann, ids.ben, ids.cid]), receives(ann, [guestId])]);
  }, 120_000);

  it('one leaves and joins again; the others receive them again', async () => {
    await cid.getByTestId('call-leave').click();
    await cid.getByTestId('call-left').waitFor();
    for (const page of [ann, ben, guest]) await page.locator('[data-testid=call-count][data-count="3"]').waitFor();
    await cid.getByTestId('call-rejoin').click();
    await cid.getByTestId('call-join').click();
    ids.cid = await participantIdOf(cid);
    for (const page of [ann, ben, guest]) await page.locator('[data-testid=call-count][data-count="4"]').waitFor();
    await Promise.all([receives(ann, [ids.cid]), receives(cid, [ids.ann, ids.ben, guestId])]);
  }, 120_000);

  it('a participant whose connection drops is back by itself, without a reload', async () => {
    const before = ids.ben;
    benDown = true;
    for (const ws of benSockets.splice(0)) await ws.close();
    await ben.getByTestId('call-reconnecting').waitFor();
    await sleep(3_000);
    benDown = false;
    await ben.locator('[data-testid=call-room][data-phase=joined]').waitFor({ timeout: 30_000 });
    ids.ben = await participantIdOf(ben);
    expect(ids.ben).not.toBe(before);
    for (const page of [ann, cid, guest]) await page.locator('[data-testid=call-count][data-count="4"]').waitFor();
    await Promise.all([receives(ann, [ids.ben]), receives(ben, [ids.ann, ids.cid])]);
  }, 120_000);

  it('the chat shows the call ended, with its length and how many took part', async () => {
    for (const page of [guest, cid, ben, ann]) await page.getByTestId('call-leave').click();
    await ann.getByTestId('call-left').waitFor();
    await ann.getByTestId('call-back').click();
    const card = ann.locator(`[data-testid=card][data-kind=call][data-card-id="${callId}"]`);
    await card.and(ann.locator('[data-call-state=ended]')).waitFor();
    expect(await card.getByTestId('call-card-status').textContent()).toMatch(/Call ended · \d+ min · 4 participants/);
    expect(await card.getByTestId('call-card-join').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);
});
