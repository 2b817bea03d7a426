/**
 * One IntersectionObserver for every post card: tells each whether it is on screen (or close to it), so
 * the list follows the streams of the posts the reader can see and lets the others go.
 */
type Callback = (visible: boolean) => void;

/** How far outside the viewport a post still counts as on screen. */
const MARGIN = '600px 0px';

let observer: IntersectionObserver | null = null;
const callbacks = new Map<Element, Callback>();

/** Call `cb` whenever `node` comes near the viewport or leaves it; returns the function that stops. */
export function onScreen(node: Element, cb: Callback): () => void {
  if (typeof IntersectionObserver === 'undefined') {
    cb(true);
    return () => {};
  }
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) callbacks.get(e.target)?.(e.isIntersecting);
    },
    { rootMargin: MARGIN },
  );
  callbacks.set(node, cb);
  observer.observe(node);
  return () => {
    observer?.unobserve(node);
    callbacks.delete(node);
  };
}
