/**
 * Attaching MediaStreams to <video>/<audio> elements (`use:stream={…}`): a stream is not an attribute,
 * it is set as `srcObject`, and only when it changes (setting the same one again restarts playback).
 * `use:sink` routes an audio element to the chosen output device where the browser can.
 */
export function stream(node: HTMLMediaElement, value: MediaStream | null | undefined) {
  const set = (s: MediaStream | null | undefined) => {
    if (node.srcObject === (s ?? null)) return;
    node.srcObject = s ?? null;
    // Autoplay can be refused before a user gesture; the join click is one, so this mostly succeeds.
    if (s) node.play().catch(() => {});
  };
  set(value);
  return {
    update: set,
    destroy: () => {
      node.srcObject = null;
    },
  };
}

export function sink(node: HTMLMediaElement, deviceId: string) {
  const set = (id: string) => {
    const el = node as HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };
    if (el.setSinkId && id) el.setSinkId(id).catch(() => {});
  };
  set(deviceId);
  return { update: set };
}
