import * as Y from 'yjs';

/**
 * Bringing a document back to an earlier state as a new change: what the earlier state holds replaces what
 * the document holds now, type by type, in one transaction on the current document. The result is an
 * ordinary update, stored and relayed like an editor's, so every open editor converges on it (nobody
 * reloads), and history goes on from there (the restore itself can be undone by restoring again).
 *
 * Types on the server are not instantiated by name: each one's kind is read from what it holds (the
 * editor's XmlFragment of elements and texts, a Y.Text, a Y.Array or a Y.Map of plain values).
 */

type Kind = 'xml' | 'text' | 'array' | 'map';

function kindOf(type: Y.AbstractType<any>): Kind | null {
  if (type._map.size > 0) return 'map';
  for (let item = type._start; item; item = item.right) {
    const c = item.content;
    if (c instanceof Y.ContentType) {
      const inner = c.type;
      if (inner instanceof Y.XmlElement || inner instanceof Y.XmlText || inner instanceof Y.XmlHook) return 'xml';
      return 'array';
    }
    if (c instanceof Y.ContentString || c instanceof Y.ContentFormat || c instanceof Y.ContentEmbed) return 'text';
    if (c instanceof Y.ContentAny || c instanceof Y.ContentJSON || c instanceof Y.ContentBinary) return 'array';
  }
  return null;
}

function typed(doc: Y.Doc, name: string, kind: Kind): Y.AbstractType<any> {
  switch (kind) {
    case 'xml':
      return doc.getXmlFragment(name);
    case 'text':
      return doc.getText(name);
    case 'array':
      return doc.getArray(name);
    case 'map':
      return doc.getMap(name);
  }
}

/** A copy of an XML node not yet in any document (Yjs integrates it, children and attributes, on insert). */
function cloneXml(node: Y.XmlElement | Y.XmlText | Y.XmlHook): Y.XmlElement | Y.XmlText {
  if (node instanceof Y.XmlText) {
    const text = new Y.XmlText();
    text.applyDelta(node.toDelta());
    for (const [k, v] of Object.entries(node.getAttributes())) text.setAttribute(k, v as string);
    return text;
  }
  const el = new Y.XmlElement((node as Y.XmlElement).nodeName);
  for (const [k, v] of Object.entries((node as Y.XmlElement).getAttributes())) el.setAttribute(k, v as string);
  el.insert(0, (node as Y.XmlElement).toArray().map((c) => cloneXml(c as Y.XmlElement | Y.XmlText)));
  return el;
}

/** A plain copy of a value (nested shared types become their JSON). */
const plain = (v: unknown): unknown => (v instanceof Y.AbstractType ? v.toJSON() : v);

/**
 * The update that turns `current` (the document's state now) into the content of `earlier`; null when
 * there is nothing to change. Neither input is modified.
 */
export function restoreUpdate(current: Uint8Array, earlier: Uint8Array): Uint8Array | null {
  const now = new Y.Doc({ gc: false });
  const then = new Y.Doc({ gc: false });
  Y.applyUpdate(now, current);
  Y.applyUpdate(then, earlier);
  const changes: Uint8Array[] = [];
  now.on('update', (u: Uint8Array) => changes.push(u));
  const names = new Set([...now.share.keys(), ...then.share.keys()]);
  // Read every kind before any type is instantiated by name (that changes what `share` holds).
  const kinds = new Map<string, Kind>();
  for (const name of names) {
    const kind = (then.share.has(name) ? kindOf(then.share.get(name)!) : null) ?? (now.share.has(name) ? kindOf(now.share.get(name)!) : null);
    if (kind) kinds.set(name, kind);
  }
  now.transact(() => {
    for (const [name, kind] of kinds) {
      const target = typed(now, name, kind);
      const source = typed(then, name, kind);
      if (kind === 'xml') {
        const t = target as Y.XmlFragment;
        if (t.length) t.delete(0, t.length);
        t.insert(0, (source as Y.XmlFragment).toArray().map((n) => cloneXml(n as Y.XmlElement | Y.XmlText)));
      } else if (kind === 'text') {
        const t = target as Y.Text;
        if (t.length) t.delete(0, t.length);
        t.applyDelta((source as Y.Text).toDelta());
      } else if (kind === 'array') {
        const t = target as Y.Array<unknown>;
        if (t.length) t.delete(0, t.length);
        t.insert(0, (source as Y.Array<unknown>).toArray().map(plain));
      } else {
        const t = target as Y.Map<unknown>;
        const s = source as Y.Map<unknown>;
        for (const key of [...t.keys()]) if (!s.has(key)) t.delete(key);
        for (const [key, value] of s.entries()) t.set(key, plain(value));
      }
    }
  });
  now.destroy();
  then.destroy();
  if (!changes.length) return null;
  return changes.length === 1 ? changes[0] : Y.mergeUpdates(changes);
}
