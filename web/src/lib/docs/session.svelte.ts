/**
 * One open page: its metadata and my access (GET /api/docs/pages/:id), then its Yjs document over the
 * hub's y-websocket endpoint, with what the indicator shows (saved, saving, connecting, offline, closed),
 * the server's refusals, and who else is here (awareness). The Tiptap editor binds to `doc` and
 * `provider` (DocEditor.svelte); this class owns their lifetime.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as authProtocol from 'y-protocols/auth';
import { applyAwarenessUpdate } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import type { DocPage, DocSpace } from '$shared/docs';
import { YJS_MESSAGE } from '$shared/docs';
import { api, isApiError } from '$lib/api';
import { session } from '$lib/session.svelte';
import { SaveTracker, awarenessClock } from './ack';
import { colourFor, safeColour } from './model';

export type DocAccess = 'edit' | 'read';
export type DocStatus = 'saved' | 'saving' | 'connecting' | 'offline' | 'closed';

/** Someone else on the page, from their awareness state. */
export interface CoEditor {
  clientId: number;
  name: string;
  color: string;
}

/** How long edits settle before we ask the hub to confirm them (a confirmation per keystroke is noise). */
const ASK_AFTER_MS = 300;

/** The y-websocket endpoint of this origin (the provider appends `/<pageId>`). */
export function yjsEndpoint(origin = location.origin): string {
  return `${origin.replace(/^http/, 'ws')}/yjs`;
}

export class DocSession {
  page = $state<DocPage | null>(null);
  space = $state<DocSpace | null>(null);
  access = $state<DocAccess>('read');
  /** Set when the page cannot be opened: 'gone' (404), 'forbidden' (403), 'failed' (anything else). */
  problem = $state<'gone' | 'forbidden' | 'failed' | null>(null);
  loaded = $state(false);
  /** The connection as the provider reports it, and whether the first sync is done. */
  connection = $state<'connected' | 'connecting' | 'disconnected'>('connecting');
  synced = $state(false);
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  saveState = $state<'saved' | 'saving'>('saved');
  /** The hub closed the socket for good (44xx): its reason. */
  closedReason = $state<string | null>(null);
  /** The hub's refusals of our changes (y-protocols/auth), newest last. */
  denied = $state<string[]>([]);
  others = $state<CoEditor[]>([]);

  doc: Y.Doc | null = null;
  provider: WebsocketProvider | null = null;
  readonly user: { name: string; color: string };

  private tracker = new SaveTracker();
  private askTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private cleanups: (() => void)[] = [];

  /**
   * `who` is the person shown to co-editors (the signed-in colleague unless given: a document guest is
   * not); `socketParams` go on the socket's URL (a guest's page asks for its guest with `guest=doc`).
   */
  constructor(
    readonly id: string,
    who: { id: string; name: string } | null = session.me,
    private readonly socketParams: Record<string, string> = {},
  ) {
    this.user = { name: who?.name ?? '', color: colourFor(who?.id ?? id) };
  }

  /** A document guest's session (their images come through the guest routes). */
  get isGuest(): boolean {
    return this.socketParams.guest === 'doc';
  }

  /** We were synced and lost the connection: "offline" until synced again (not a flicker of "connecting" per retry). */
  private lost = $state(false);

  get status(): DocStatus {
    if (this.closedReason !== null) return 'closed';
    if (this.connection === 'connected' && this.synced && this.online) return this.saveState;
    if (!this.online || this.lost || this.connection === 'disconnected') return 'offline';
    return 'connecting';
  }

  get editable(): boolean {
    return this.access === 'edit' && this.closedReason === null;
  }

  async start(): Promise<void> {
    try {
      const r = await api.get<{ page: DocPage; space: DocSpace; access: DocAccess }>(`/api/docs/pages/${this.id}`);
      if (this.stopped) return;
      this.page = r.page;
      this.space = r.space;
      this.access = r.access;
      this.connect();
    } catch (e) {
      if (this.stopped) return;
      this.problem = isApiError(e, 'not_found') ? 'gone' : isApiError(e, 'forbidden', 'unauthenticated') ? 'forbidden' : 'failed';
    }
    this.loaded = true;
  }

  protected connect(): void {
    const doc = new Y.Doc();
    // Tabs of one browser share nothing but the hub: a reader's tab must never receive a writer's edits
    // from a BroadcastChannel and believe they are stored.
    const provider = new WebsocketProvider(yjsEndpoint(), this.id, doc, { disableBc: true, params: this.socketParams });
    this.doc = doc;
    this.provider = provider;

    provider.messageHandlers[YJS_MESSAGE.auth] = (_encoder, decoder) =>
      authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => {
        this.denied = [...this.denied.slice(-4), reason];
      });
    // The awareness handler, as the provider's own, plus a look for the echo of our confirmation ask.
    provider.messageHandlers[YJS_MESSAGE.awareness] = (_encoder, decoder) => {
      const update = decoding.readVarUint8Array(decoder);
      const clock = awarenessClock(update, doc.clientID);
      if (clock !== null && this.tracker.echoed(clock)) this.refreshSave();
      applyAwarenessUpdate(provider.awareness, update, provider);
    };

    const onStatus = ({ status }: { status: 'connected' | 'connecting' | 'disconnected' }) => {
      this.connection = status;
      if (status !== 'connected') {
        if (this.synced) this.lost = true;
        this.synced = false;
        this.tracker.reset();
        this.refreshSave();
      }
    };
    const onSync = (synced: boolean) => {
      // The provider reports the lost sync before the lost connection: remember that we had it.
      if (synced) this.lost = false;
      else if (this.synced) this.lost = true;
      this.synced = synced;
      // What we sent before the drop went again with the sync: ask once the exchange has settled.
      if (synced && this.tracker.state === 'saving') this.scheduleAsk();
    };
    const onClosed = (event: { code: number; reason: string }) => {
      this.closedReason = event.reason || String(event.code);
    };
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      if (origin === provider || this.access !== 'edit') return;
      this.tracker.edited();
      this.refreshSave();
      this.scheduleAsk();
    };
    const onAwareness = () => {
      const others: CoEditor[] = [];
      for (const [clientId, state] of provider.awareness.getStates()) {
        const user = (state as { user?: { name?: unknown; color?: unknown } }).user;
        if (clientId === doc.clientID || !user || typeof user.name !== 'string') continue;
        others.push({ clientId, name: user.name, color: safeColour(user.color, colourFor(String(clientId))) });
      }
      this.others = others;
    };
    const onOnline = () => (this.online = navigator.onLine);

    provider.on('status', onStatus);
    provider.on('sync', onSync);
    provider.on('closed', onClosed);
    doc.on('update', onUpdate);
    provider.awareness.on('change', onAwareness);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOnline);
    this.cleanups.push(() => {
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOnline);
    });
  }

  private refreshSave(): void {
    this.saveState = this.tracker.state;
  }

  /** After edits settle, bump our awareness: its echo confirms that everything before it is stored. */
  private scheduleAsk(): void {
    if (this.askTimer) clearTimeout(this.askTimer);
    this.askTimer = setTimeout(() => {
      this.askTimer = null;
      const provider = this.provider;
      if (!provider || !provider.wsconnected || !this.synced) return;
      if (!this.tracker.needsAsk) return;
      const awareness = provider.awareness;
      const asks = ((awareness.getLocalState() as { ask?: number } | null)?.ask ?? 0) + 1;
      awareness.setLocalStateField('ask', asks);
      this.tracker.asked(awareness.meta.get(awareness.clientID)?.clock ?? 0);
    }, ASK_AFTER_MS);
  }

  async rename(title: string): Promise<void> {
    const { page } = await api.patch<{ page: DocPage }>(`/api/docs/pages/${this.id}`, { title });
    this.page = page;
  }

  stop(): void {
    this.stopped = true;
    if (this.askTimer) clearTimeout(this.askTimer);
    for (const c of this.cleanups.splice(0)) c();
    this.provider?.destroy();
    this.doc?.destroy();
    this.provider = null;
    this.doc = null;
  }
}
