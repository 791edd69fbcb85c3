/**
 * GraphiQL at /graphql for a browser (GET with Accept: text/html), served by
 * the server itself from the npm packages: no CDN, no build step
 * (docs/adr/0006-graphiql-from-npm.md). Same CSP care as the dashboard: only
 * our own origin's scripts, styles and connections.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const GRAPHIQL_ASSETS = '/graphiql/';

const dir = (pkg: string) => path.dirname(require.resolve(`${pkg}/package.json`));

/** URL path → file. Only these are served; nothing else under node_modules is reachable. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': { file: path.join(dir('react'), 'umd', 'react.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'react-dom.js': { file: path.join(dir('react-dom'), 'umd', 'react-dom.production.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.js': { file: path.join(dir('graphiql'), 'graphiql.min.js'), type: 'text/javascript; charset=utf-8' },
  'graphiql.css': { file: path.join(dir('graphiql'), 'graphiql.min.css'), type: 'text/css; charset=utf-8' },
  'start.css': { file: path.resolve(__dirname, '..', '..', 'public', 'graphiql', 'start.css'), type: 'text/css; charset=utf-8' },
  'start.js': { file: path.resolve(__dirname, '..', '..', 'public', 'graphiql', 'start.js'), type: 'text/javascript; charset=utf-8' },
};

// GraphiQL's stylesheet embeds its fonts and icons as data: URLs.
export const GRAPHIQL_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>Strata GraphiQL</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="${GRAPHIQL_ASSETS}graphiql.css">
  <link rel="stylesheet" href="${GRAPHIQL_ASSETS}start.css">
</head>
<body>
  <div id="graphiql" data-endpoint="/graphql">Loading GraphiQL…</div>
  <script src="${GRAPHIQL_ASSETS}react.js"></script>
  <script src="${GRAPHIQL_ASSETS}react-dom.js"></script>
  <script src="${GRAPHIQL_ASSETS}graphiql.js"></script>
  <script src="${GRAPHIQL_ASSETS}start.js"></script>
</body>
</html>
`;

/** A browser navigating to the endpoint (not a GraphQL client asking for JSON). */
export function wantsGraphiQL(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const accept = (req.headers.accept ?? '').toLowerCase();
  return accept.includes('text/html');
}

export function sendGraphiQL(req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 200;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('content-security-policy', GRAPHIQL_CSP);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('vary', 'Accept');
  res.end(req.method === 'HEAD' ? undefined : PAGE);
}

/** Serves one of the GraphiQL assets; false when the path names none. */
export async function serveGraphiQLAsset(pathname: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (!pathname.startsWith(GRAPHIQL_ASSETS)) return false;
  const asset = Object.hasOwn(ASSETS, pathname.slice(GRAPHIQL_ASSETS.length)) ? ASSETS[pathname.slice(GRAPHIQL_ASSETS.length)]! : null;
  const st = asset ? await fsp.stat(asset.file).catch(() => null) : null;
  if (!asset || !st?.isFile()) return false;
  res.statusCode = 200;
  res.setHeader('content-type', asset.type);
  res.setHeader('content-length', st.size);
  res.setHeader('cache-control', 'no-cache');
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  await pipeline(createReadStream(asset.file), res);
  return true;
}
