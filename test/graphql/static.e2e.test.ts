import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type Harness } from './testServer';

/** Raw GET: fetch would normalize `..` and `%2e%2e` before sending. */
function rawGet(port: number, p: string): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
      })
      .on('error', reject);
  });
}

describe('static files from public/', () => {
  let dir: string;
  let h: Harness;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'strata-public-'));
    const pub = path.join(dir, 'public');
    mkdirSync(path.join(pub, 'assets'), { recursive: true });
    writeFileSync(path.join(pub, 'index.html'), '<!doctype html><title>Strata</title>');
    writeFileSync(path.join(pub, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(pub, 'assets', 'style.css'), 'body{}');
    writeFileSync(path.join(dir, 'secret.txt'), 'TOP SECRET');
    symlinkSync(dir, path.join(pub, 'escape'));
    h = await startTestServer({ publicDir: pub });
  });
  afterAll(async () => {
    await h.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a request target that is not a URL path ("//") is a 400 with a code, and the server keeps serving', async () => {
    // Before, new URL("//", base) threw in the request listener and ended the process.
    const r = await rawGet(h.server.port, '//');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).errors[0]).toMatchObject({ message: 'Malformed request target "//"', extensions: { code: 'BAD_USER_INPUT' } });
    await expect(rawGet(h.server.port, '/')).resolves.toMatchObject({ status: 200 });
  });

  test('index.html at /, with content types', async () => {
    const root = await rawGet(h.server.port, '/');
    expect(root).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(root.body).toContain('<title>Strata</title>');
    expect((await rawGet(h.server.port, '/assets/app.js')).type).toBe('text/javascript; charset=utf-8');
    expect((await rawGet(h.server.port, '/assets/style.css')).type).toBe('text/css; charset=utf-8');
  });

  test.each(['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/escape/secret.txt', '/%00', '/assets/%E0%A4%A'])(
    'no traversal: %s',
    async (p) => {
      const r = await rawGet(h.server.port, p);
      expect(r.status).toBe(404);
      expect(r.body).not.toContain('TOP SECRET');
    },
  );

  test('/graphql and /healthz still win over files', async () => {
    expect((await rawGet(h.server.port, '/healthz')).status).toBe(200);
  });
});
