// A pure single-page app: no server rendering, no prerendering; the hub serves index.html for every path.
export const ssr = false;
export const prerender = false;
