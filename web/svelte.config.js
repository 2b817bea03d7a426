import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // Pure SPA: every route falls back to index.html, which the hub serves for unknown paths.
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', precompress: true }),
    alias: {
      // The project's shared TypeScript (protocol, API schemas, types, error codes).
      $shared: '../shared',
    },
    // The fallback page is served at every depth (/app/admin, /invite/x), so asset URLs must be root-relative.
    paths: { relative: false },
  },
};

export default config;
