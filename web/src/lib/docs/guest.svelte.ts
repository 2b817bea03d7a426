/**
 * A document guest's page (/d/<token>): the same live session as a colleague's page, but the guest's link
 * (GET /api/doc-guest/me) says which page and what they may do, there is no page API to ask, and the
 * socket asks the hub for the document guest (`?guest=doc`: the browser may also hold a colleague's cookie).
 */
import type { DocGuestMe } from '$shared/docs';
import { DocSession } from './session.svelte';

export class GuestDocSession extends DocSession {
  constructor(readonly me: DocGuestMe) {
    super(me.pageId, { id: me.id, name: me.name }, { guest: 'doc' });
  }

  override async start(): Promise<void> {
    this.access = this.me.access;
    this.connect();
    this.loaded = true;
  }
}
