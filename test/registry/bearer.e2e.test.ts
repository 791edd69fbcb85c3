/**
 * The bearer-token challenge flow against Distribution's own `auth: token`
 * mode (issue 18): a small token server (a child process, keys generated
 * here with openssl) issues ES256 JWTs with an x5c header that Distribution
 * verifies against the certificate in its rootcertbundle. Strata answers the
 * WWW-Authenticate challenge, asks for a token per scope and pulls and pushes
 * with it; skopeo (the same flow, its own client) agrees on the digests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/backends';
import { describeWithPeers } from '../helpers/peers';
import { freePort, skopeo, startRegistry, type TestRegistry } from '../helpers/registry';
import { buildImage, indexJson, manifestDescriptor, ociLayout, writeDir, sha256 } from '../helpers/archiveBuilder';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'strata.js');
const strata = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });

/** The token server: GET /token?service=…&scope=… with Basic tester:s3cret → {token, expires_in}. */
const TOKEN_SERVER = String.raw`
const http = require('http'), crypto = require('crypto'), fs = require('fs');
const [port, keyFile, certFile] = process.argv.slice(2);
const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
const der = new crypto.X509Certificate(fs.readFileSync(certFile)).raw.toString('base64');
const b64 = (b) => Buffer.from(b).toString('base64url');
http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  if (req.headers.authorization !== 'Basic ' + Buffer.from('tester:s3cret').toString('base64')) { res.writeHead(401); res.end(); return; }
  const access = u.searchParams.getAll('scope').map((s) => { const [type, name, actions] = s.split(':'); return { type, name, actions: actions.split(',') }; });
  const now = Math.floor(Date.now() / 1000);
  const head = b64(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [der] }));
  const body = b64(JSON.stringify({ iss: 'strata-test-issuer', sub: 'tester', aud: u.searchParams.get('service'), exp: now + 300, nbf: now - 10,
    iat: now, jti: crypto.randomUUID(), access }));
  const sig = crypto.sign('sha256', Buffer.from(head + '.' + body), { key, dsaEncoding: 'ieee-p1363' });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ token: head + '.' + body + '.' + b64(sig), expires_in: 300 }));
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
`;

describeWithPeers(['registry', 'skopeo'])('bearer tokens: Distribution in auth: token mode', () => {
  let dir: string;
  let reg: TestRegistry;
  let tokens: ChildProcess;

  beforeAll(async () => {
    dir = tempDir('strata-bearer-');
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key,
      '-out', cert, '-days', '2', '-subj', '/CN=strata-test-token'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'tokens.js'), TOKEN_SERVER);
    tokens = spawn(process.execPath, [path.join(dir, 'tokens.js'), String(port), key, cert], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => tokens.stdout!.once('data', () => resolve()));
    reg = await startRegistry(path.join(dir, 'registry'), { token: { realm: `http://127.0.0.1:${port}/token`, service: 'strata-test-registry',
      issuer: 'strata-test-issuer', rootCertBundle: cert } });
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    tokens?.kill();
  });

  it('pulls and pushes with a token per scope; skopeo sees the same digests; no credentials is a one-line 401', async () => {
    const img = await buildImage({ layers: [{ entries: [{ name: 'tok', content: 'bearer' }], compression: 'gzip' }] });
    const layout = path.join(dir, 'layout');
    writeDir(layout, ociLayout([img], indexJson([manifestDescriptor(img, { annotations: { 'org.opencontainers.image.ref.name': 't' } })])));
    skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'tester:s3cret', `oci:${layout}:t`, `docker://${reg.host}/tok:1`]);
    const db = path.join(dir, 'data', 'strata.db');
    const auth = ['--creds', 'tester:s3cret', '--tls-verify=false', '--db', db];
    const pull = strata(['import', `docker://${reg.host}/tok:1`, ...auth]);
    expect(pull.stderr).toBe('');
    expect(pull.stdout).toContain('fetched 3 blobs');
    const push = strata(['export', `${reg.host}/tok:1`, `docker://${reg.host}/pushed:1`, ...auth]);
    expect(push.stderr).toBe('');
    const raw = spawnSync('skopeo', ['--insecure-policy', 'inspect', '--raw', '--tls-verify=false', '--creds', 'tester:s3cret',
      `docker://${reg.host}/pushed:1`]);
    expect(sha256(raw.stdout)).toBe(img.manifestDigest);
    const anon = strata(['import', `docker://${reg.host}/tok:1`, '--tls-verify=false', '--db', db]);
    expect(anon.status).not.toBe(0);
    expect(anon.stderr).toMatch(/^strata: unauthenticated: [^\n]*give --creds USER:PASS or --authfile FILE\n$/);
  }, 180_000);
});
