import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { readRequest, send, watch } from './http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.ico': 'image/x-icon',
  '.webp': 'image/webp', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8', '.webmanifest': 'application/manifest+json',
};

interface Asset {
  body: Buffer;
  br?: Buffer;
  gz?: Buffer;
  type: string;
  immutable: boolean;
}

/** The built web client, held in memory; index.html is the fallback of every unknown path (SPA). */
export class StaticSite {
  private readonly assets = new Map<string, Asset>();
  /** CSP source list for the inline scripts of index.html (SvelteKit's bootstrap). */
  readonly scriptHashes: string[] = [];

  constructor(readonly dir: string) {
    if (!fs.existsSync(path.join(dir, 'index.html'))) return;
    this.load(dir, '');
    const index = this.assets.get('/index.html')!.body.toString('utf8');
    for (const m of index.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
      this.scriptHashes.push(`'sha256-${crypto.createHash('sha256').update(m[1]).digest('base64')}'`);
    }
  }

  get built(): boolean {
    return this.assets.has('/index.html');
  }

  private load(dir: string, prefix: string): void {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const urlPath = `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        this.load(full, urlPath);
        continue;
      }
      if (entry.name.endsWith('.br') || entry.name.endsWith('.gz')) continue;
      const asset: Asset = {
        body: fs.readFileSync(full),
        type: TYPES[path.extname(entry.name)] ?? 'application/octet-stream',
        immutable: urlPath.startsWith('/_app/immutable/'),
      };
      if (fs.existsSync(full + '.br')) asset.br = fs.readFileSync(full + '.br');
      if (fs.existsSync(full + '.gz')) asset.gz = fs.readFileSync(full + '.gz');
      this.assets.set(urlPath, asset);
    }
  }

  /** The uWS handler for GET requests outside /api. */
  handler(headers: Record<string, string>) {
    return (res: HttpResponse, rawReq: HttpRequest): void => {
      const req = readRequest(res, rawReq);
      const state = watch(res);
      if (!this.built) {
        send(res, state, {
          status: 503,
          type: 'text/plain; charset=utf-8',
          body: 'The web client is not built yet: run `npm run build` (npm start does it for you).\n',
        }, headers);
        return;
      }
      let asset = this.assets.get(req.path);
      const isFile = asset !== undefined;
      // Unknown paths with an extension are missing files, not app routes.
      if (!asset && path.extname(req.path) && !req.path.endsWith('.html')) {
        send(res, state, { status: 404, type: 'text/plain; charset=utf-8', body: 'Not found\n' }, headers);
        return;
      }
      asset ??= this.assets.get('/index.html')!;
      const accept = req.headers['accept-encoding'] ?? '';
      const extra: Record<string, string> = {
        'Cache-Control': isFile && asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        Vary: 'Accept-Encoding',
      };
      let body = asset.body;
      if (asset.br && /\bbr\b/.test(accept)) {
        body = asset.br;
        extra['Content-Encoding'] = 'br';
      } else if (asset.gz && /\bgzip\b/.test(accept)) {
        body = asset.gz;
        extra['Content-Encoding'] = 'gzip';
      }
      send(res, state, { body, type: asset.type, headers: extra }, headers);
    };
  }
}
