import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// In development the hub runs on :3000; start it with PUBLIC_URL=http://localhost:5173 so that the
// Origin check of state-changing calls and of the WebSocket upgrade accepts the dev server's origin.
const hub = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    fs: { allow: ['..'] },
    proxy: {
      '/api': { target: hub },
      '/ws': { target: hub, ws: true },
      '/healthz': { target: hub },
    },
  },
});
