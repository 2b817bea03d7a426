/**
 * The baseline of the call bench: the same fake camera and microphone between Chromium pages over a
 * direct RTCPeerConnection mesh, no media server. The test process carries the SDP (offer and answer
 * with every candidate gathered, on 127.0.0.1 there is nothing to trickle). The pages live on an origin
 * that Playwright answers itself (127.0.0.1 is a secure context, so getUserMedia works) and never
 * touch the hub.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Nothing listens here: every request is answered by the route below. */
export const MESH_ORIGIN = 'http://127.0.0.1:9';

/** The page's side of the mesh, evaluated in each page. */
function install(): void {
  const w = window as any;
  const state = { stream: null as MediaStream | null, pcs: {} as Record<string, RTCPeerConnection>, first: {} as Record<string, number>, t0: 0 };
  w.__mesh = state;
  const gathered = (pc: RTCPeerConnection) =>
    new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const t = setTimeout(resolve, 3000);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(t);
          resolve();
        }
      });
    });
  w.__meshMedia = async () => {
    // The call page's own constraints (web/src/lib/calls/session.svelte.ts): 360p at 24 fps.
    state.stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } },
    });
  };
  w.__meshStart = (peers: string[]) => {
    state.t0 = Date.now();
    for (const p of peers) {
      const pc = new RTCPeerConnection();
      for (const t of state.stream!.getTracks()) pc.addTrack(t, state.stream!);
      state.pcs[p] = pc;
    }
    setInterval(async () => {
      for (const [p, pc] of Object.entries(state.pcs)) {
        if (p in state.first) continue;
        (await pc.getStats()).forEach((s: any) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0 && !(p in state.first)) state.first[p] = Date.now();
        });
      }
    }, 50);
    return state.t0;
  };
  w.__meshOffer = async (p: string) => {
    const pc = state.pcs[p];
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    return pc.localDescription!.sdp;
  };
  w.__meshAnswer = async (p: string, sdp: string) => {
    const pc = state.pcs[p];
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    return pc.localDescription!.sdp;
  };
  w.__meshAccept = async (p: string, sdp: string) => {
    await state.pcs[p].setRemoteDescription({ type: 'answer', sdp });
  };
  w.__meshFrames = async () => {
    const out: Record<string, number> = {};
    for (const [p, pc] of Object.entries(state.pcs)) {
      (await pc.getStats()).forEach((s: any) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') out[p] = Number(s.framesDecoded ?? 0);
      });
    }
    return out;
  };
}

/**
 * tsx (esbuild, keepNames) wraps named functions in `__name(...)`; functions sent to a page need it there
 * as well.
 */
export const KEEP_NAMES = 'globalThis.__name = globalThis.__name || ((f) => f);';

export interface MeshPeer {
  name: string;
  ctx: BrowserContext;
  page: Page;
}

/** N pages, each with its camera and microphone open (not yet connected). */
export async function openMesh(browser: Browser, n: number): Promise<MeshPeer[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const ctx = await browser.newContext({ viewport: { width: 640, height: 480 } });
      ctx.setDefaultTimeout(60_000);
      await ctx.route(`${MESH_ORIGIN}/**`, (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>mesh</title>' }));
      await ctx.grantPermissions(['camera', 'microphone'], { origin: MESH_ORIGIN });
      await ctx.addInitScript({ content: KEEP_NAMES });
      const page = await ctx.newPage();
      await page.goto(`${MESH_ORIGIN}/mesh`);
      await page.evaluate(install);
      await page.evaluate(() => (window as any).__meshMedia());
      return { name: `p${i}`, ctx, page };
    }),
  );
}

/** Every page starts at once ("join"), then every pair negotiates (offer from the lower index). */
export async function connectMesh(peers: MeshPeer[]): Promise<Record<string, number>> {
  const t0: Record<string, number> = {};
  await Promise.all(
    peers.map(async (p) => {
      t0[p.name] = await p.page.evaluate((others) => (window as any).__meshStart(others), peers.filter((q) => q !== p).map((q) => q.name));
    }),
  );
  const pairs: [MeshPeer, MeshPeer][] = [];
  for (let i = 0; i < peers.length; i++) for (let j = i + 1; j < peers.length; j++) pairs.push([peers[i], peers[j]]);
  await Promise.all(
    pairs.map(async ([a, b]) => {
      const offer = await a.page.evaluate((p) => (window as any).__meshOffer(p), b.name);
      const answer = await b.page.evaluate(([p, sdp]) => (window as any).__meshAnswer(p, sdp), [a.name, offer] as const);
      await a.page.evaluate(([p, sdp]) => (window as any).__meshAccept(p, sdp), [b.name, answer] as const);
    }),
  );
  return t0;
}
