// The OAuth 2.0 client credentials flow of apiauth driven over real HTTP on 127.0.0.1 by the npm
// package oauth4webapi (which validates every response strictly), and the issued access tokens
// verified by the npm package jose, both pinned in package.json / package-lock.json here.
//
// Usage: node oauth2_oauth4webapi.mjs <path/to/apiauth_oauth2_server>
//
// For each server configuration (tokens signed with HS256, with ES256, and with ES256 and
// authenticate_api's verified-token cache on) the script starts apiauth_oauth2_server
// (tests/interop/oauth2_server.cpp) in a temporary folder and runs named checks: clientCredentialsGrantRequest +
// processClientCredentialsResponse with client_secret_basic and client_secret_post, the token on
// a protected route (protectedResourceRequest), errors (invalid_client with its Basic challenge,
// invalid_scope), introspection and revocation (introspectionRequest, revocationRequest and their
// process* functions), the revoked token's and a too narrow token's Bearer challenges, and the
// token itself: validateJwtAccessToken (RFC 9068 §4, ES256: the key from the server's JWKS) and
// jose's jwtVerify. One line per check; exit status 1 if any failed. The server is stopped in
// every case (stdin closed, then SIGTERM, then SIGKILL).
//
// oauth4webapi refuses http:// URLs unless the documented option [oauth.allowInsecureRequests]
// is true; it is set on every call here, and only 127.0.0.1 is ever contacted.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

let oauth, jose;
try {
  oauth = await import('oauth4webapi');
  jose = await import('jose');
} catch (e) {
  console.log(`FAIL: oauth4webapi or jose is not installed (${e.message}): run npm ci in this folder ` +
              '(CTest does it; ./dev deps installs node and npm)');
  process.exit(1);
}

if (process.argv.length !== 3) {
  console.log('usage: node oauth2_oauth4webapi.mjs <path/to/apiauth_oauth2_server>');
  process.exit(2);
}
const serverPath = resolve(process.argv[2]);
const insecure = { [oauth.allowInsecureRequests]: true };

let passed = 0;
let failed = 0;
const failures = [];
let currentConfig = '';
let currentServer = null;

class ServerDied extends Error {}

function report(ok, name, detail = '') {
  const full = `[${currentConfig}] ${name}`;
  if (ok) {
    passed++;
    console.log(`PASS  ${full}` + (detail ? `  (${detail})` : ''));
  } else {
    failed++;
    failures.push(full);
    console.log(`FAIL  ${full}` + (detail ? `: ${detail}` : ''));
  }
}

// Runs fn(); it returns a detail string (success) or throws (failure, with the error's text).
// A server that died takes every later check with it: that is said once (ServerDied).
async function check(name, fn) {
  let ok = false;
  try {
    report(true, name, (await fn()) ?? '');
    ok = true;
  } catch (e) {
    report(false, name, `${e?.name ?? 'Error'}: ${e?.message ?? e}` + (e?.cause ? ` ${JSON.stringify(e.cause)}` : ''));
  }
  await new Promise((res) => setTimeout(res, 20));  // let an exit event arrive
  const died = currentServer?.exitStatus();
  if (died) throw new ServerDied(`the server died during this check (${JSON.stringify(died)})`);
  return ok;
}

// The client_secret half of a well-formed API key (apiauth/api_key/format.hpp): `secret`, then
// the CRC-32 (ISO-HDLC, as zlib's) of "<client_id>_<secret>" in six zero-padded base62 digits.
// A wrong secret of this shape passes every check before the MAC.
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function crc32(text) {
  let c = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
function randomB62(n) {
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => B62[b % 62]).join('');
}
function withChecksum(clientId, secret) {
  let v = crc32(`${clientId}_${secret}`);
  let digits = '';
  for (let i = 0; i < 6; i++) {
    digits = B62[v % 62] + digits;
    v = Math.floor(v / 62);
  }
  return secret + digits;
}

function expect(cond, what) {
  if (!cond) throw new Error(what);
}

// Expects fn() to reject with an error of class `cls`; returns the error.
async function rejects(fn, cls) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof cls) return e;
    throw new Error(`expected ${cls.name}, got ${e?.name}: ${e?.message}`);
  }
  throw new Error(`expected ${cls.name}, but it succeeded`);
}

// apiauth_oauth2_server: started, its PORT line read, its info file parsed.
async function startServer(config) {
  const [alg, cache] = config.split('+');
  const dir = mkdtempSync(join(tmpdir(), 'apiauth-oauth2-'));
  const infoPath = join(dir, 'server.json');
  const child = spawn(serverPath, [infoPath, alg, ...(cache ? [cache] : [])],
                      { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
  let exitStatus = null;
  const exited = new Promise((res) => child.on('exit', (code, signal) => res(exitStatus = { code, signal })));
  const stop = async () => {
    child.stdin.end();  // the server stops when its stdin closes
    const timeout = (ms) => new Promise((res) => setTimeout(() => res(null), ms).unref());
    let status = await Promise.race([exited, timeout(10000)]);
    if (!status) {
      child.kill('SIGTERM');
      status = await Promise.race([exited, timeout(5000)]);
    }
    if (!status) {
      child.kill('SIGKILL');
      status = await exited;
    }
    rmSync(dir, { recursive: true, force: true });
    return status;
  };
  try {
    const lines = createInterface({ input: child.stdout });
    const first = await Promise.race([
      new Promise((res) => lines.once('line', res)),
      exited.then((s) => { throw new Error(`the server exited (${JSON.stringify(s)})`); }),
      new Promise((_, rej) => setTimeout(() => rej(new Error('no PORT line in 30 s')), 30000).unref()),
    ]);
    const m = /^PORT (\d+)$/.exec(first);
    if (!m) throw new Error(`unexpected first line ${JSON.stringify(first)}`);
    const info = JSON.parse(readFileSync(infoPath, 'utf8'));
    if (info.port !== Number(m[1])) throw new Error('the port printed and the port in the info file differ');
    return { info, base: `http://127.0.0.1:${info.port}`, stop, exitStatus: () => exitStatus };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function runChecks(srv) {
  const { info, base } = srv;
  const { reader, other } = info.clients;
  const as = {
    issuer: info.issuer,
    token_endpoint: `${base}/oauth/token`,
    revocation_endpoint: `${base}/oauth/revoke`,
    introspection_endpoint: `${base}/oauth/introspect`,
    ...(info.alg === 'ES256' ? { jwks_uri: `${base}/.well-known/jwks.json` } : {}),
  };
  const client = { client_id: reader.client_id };
  const otherClient = { client_id: other.client_id };
  const items = new URL(`${base}/api/items`);
  const state = {};

  const grant = (c, auth, params = {}) =>
    oauth.clientCredentialsGrantRequest(as, c, auth, params, insecure)
      .then((r) => oauth.processClientCredentialsResponse(as, c, r));

  await check('clientCredentialsGrantRequest with client_secret_basic, processed strictly', async () => {
    const t = await grant(client, oauth.ClientSecretBasic(reader.client_secret));
    expect(t.token_type === 'bearer', `token_type ${t.token_type}`);
    expect(t.expires_in === info.lifetime, `expires_in ${t.expires_in}`);
    expect(t.scope === reader.scopes.join(' '), `scope ${t.scope}`);
    expect(t.refresh_token === undefined, 'a refresh token (RFC 6749 §4.4.3)');
    state.token = t.access_token;
    return `scope "${t.scope}", expires_in ${t.expires_in}`;
  });

  await check('clientCredentialsGrantRequest with client_secret_post, processed strictly', async () => {
    const t = await grant(client, oauth.ClientSecretPost(reader.client_secret));
    expect(typeof t.access_token === 'string' && t.token_type === 'bearer', JSON.stringify(t));
    return 'bearer token';
  });

  await check('a requested scope granted as asked is not repeated in the response (RFC 6749 §5.1)', async () => {
    const t = await grant(client, oauth.ClientSecretBasic(reader.client_secret), { scope: 'items:read' });
    expect(t.scope === undefined, `scope ${t.scope}`);
    state.readToken = t.access_token;
    return 'no scope member';
  });

  if (state.token) {
    await check('protectedResourceRequest GET /api/items with the token', async () => {
      const r = await oauth.protectedResourceRequest(state.token, 'GET', items, undefined, undefined, insecure);
      expect(r.status === 200, `status ${r.status}`);
      const j = await r.json();
      expect(j.authenticated.method === 'access_token', JSON.stringify(j));
      return '200';
    });
  }

  await check('a wrong secret: 401 invalid_client with a Basic challenge (WWWAuthenticateChallengeError)', async () => {
    const wrong = withChecksum(reader.client_id, randomB62(43));  // (modulo bias is no matter here)
    const e = await rejects(() => grant(client, oauth.ClientSecretBasic(wrong)), oauth.WWWAuthenticateChallengeError);
    expect(e.status === 401, `status ${e.status}`);
    expect(e.cause.length === 1 && e.cause[0].scheme === 'basic', JSON.stringify(e.cause));
    expect(e.cause[0].parameters.realm === 'oauth2', JSON.stringify(e.cause));
    const body = await e.response.json();
    expect(body.error === 'invalid_client', JSON.stringify(body));
    expect(!/checksum/i.test(body.error_description ?? ''), `refused before the MAC: ${JSON.stringify(body)}`);
    return `challenge ${JSON.stringify(e.cause[0])}, ${JSON.stringify(body)}`;
  });

  await check('a scope the client may not have: ResponseBodyError invalid_scope, 400', async () => {
    const e = await rejects(() => grant(client, oauth.ClientSecretBasic(reader.client_secret), { scope: 'items:delete' }),
                            oauth.ResponseBodyError);
    expect(e.status === 400 && e.error === 'invalid_scope', `${e.status} ${e.error}`);
    return `${e.status} ${e.error}`;
  });

  if (state.token) {
    await check('node jose jwtVerify: signature, typ at+jwt, iss, aud, required RFC 9068 claims', async () => {
      const key = await jose.importJWK(info.jwk, info.alg);
      const { payload, protectedHeader } = await jose.jwtVerify(state.token, key, {
        algorithms: [info.alg],
        issuer: info.issuer,
        audience: info.audience,
        typ: 'at+jwt',
        requiredClaims: ['iss', 'exp', 'aud', 'sub', 'iat', 'jti', 'client_id'],
      });
      expect(protectedHeader.kid === info.kid, `kid ${protectedHeader.kid}`);
      expect(payload.exp - payload.iat === info.lifetime, 'exp - iat');
      expect(payload.scope === reader.scopes.join(' '), `scope ${payload.scope}`);
      return `header ${JSON.stringify(protectedHeader)}`;
    });
  }

  if (state.token && as.jwks_uri) {
    await check('validateJwtAccessToken (RFC 9068 §4) with the key from the server\'s JWKS', async () => {
      const request = new Request(items, { headers: { authorization: `Bearer ${state.token}` } });
      const claims = await oauth.validateJwtAccessToken(as, request, info.audience, insecure);
      expect(claims.scope === reader.scopes.join(' '), `scope ${claims.scope}`);
      return `sub ${claims.sub}, client_id ${claims.client_id}`;
    });
  }

  if (state.token) {
    await check('introspectionRequest + processIntrospectionResponse: the live token is active', async () => {
      const r = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(reader.client_secret),
                                                 state.token, insecure);
      const j = await oauth.processIntrospectionResponse(as, client, r);
      expect(j.active === true, JSON.stringify(j));
      expect(j.token_type === 'Bearer' && j.iss === info.issuer && j.aud === info.audience, JSON.stringify(j));
      expect(j.scope === reader.scopes.join(' '), `scope ${j.scope}`);
      return `members ${Object.keys(j).sort().join(' ')}`;
    });

    await check('revocationRequest by another client: ResponseBodyError unauthorized_client', async () => {
      const e = await rejects(async () => {
        const r = await oauth.revocationRequest(as, otherClient, oauth.ClientSecretPost(other.client_secret),
                                                state.token, insecure);
        await oauth.processRevocationResponse(r);
      }, oauth.ResponseBodyError);
      expect(e.status === 400 && e.error === 'unauthorized_client', `${e.status} ${e.error}`);
      return `${e.status} ${e.error}`;
    });

    await check('revocationRequest + processRevocationResponse (client_secret_post)', async () => {
      const r = await oauth.revocationRequest(as, client, oauth.ClientSecretPost(reader.client_secret), state.token,
                                              { ...insecure, additionalParameters: { token_type_hint: 'access_token' } });
      expect(r.status === 200, `status ${r.status}`);
      await oauth.processRevocationResponse(r);
      return '200';
    });

    await check('the revoked token: WWWAuthenticateChallengeError, Bearer error=invalid_token', async () => {
      const e = await rejects(
        () => oauth.protectedResourceRequest(state.token, 'GET', items, undefined, undefined, insecure),
        oauth.WWWAuthenticateChallengeError);
      expect(e.status === 401, `status ${e.status}`);
      const c = e.cause.find((x) => x.scheme === 'bearer');
      expect(c && c.parameters.error === 'invalid_token' && c.parameters.realm === 'api', JSON.stringify(e.cause));
      return JSON.stringify(e.cause);
    });

    await check('introspection of the revoked token: exactly {"active":false}', async () => {
      const r = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(reader.client_secret),
                                                 state.token, insecure);
      const text = await r.clone().text();
      const j = await oauth.processIntrospectionResponse(as, client, r);
      expect(text === '{"active":false}' && j.active === false, text);
      return text;
    });
  }

  if (state.readToken) {
    await check('a token without items:write on POST: 403, Bearer error=insufficient_scope scope=items:write',
                async () => {
      const e = await rejects(() => oauth.protectedResourceRequest(state.readToken, 'POST', items,
                                                                   new Headers({ 'content-type': 'application/json' }),
                                                                   '{"name":"gamma"}', insecure),
                              oauth.WWWAuthenticateChallengeError);
      expect(e.status === 403, `status ${e.status}`);
      const c = e.cause.find((x) => x.scheme === 'bearer');
      expect(c && c.parameters.error === 'insufficient_scope' && c.parameters.scope === 'items:write',
             JSON.stringify(e.cause));
      return JSON.stringify(c);
    });
  }

  await check('no credentials: 401 whose challenges oauth4webapi parses as Bearer (no error) and Basic', async () => {
    // protectedResourceRequest always sends a token, so the bare request is made with fetch
    // (which joins the two WWW-Authenticate lines with ", "); oauth4webapi's challenge parser
    // is reached through processRevocationResponse, which throws on any challenge.
    const r = await fetch(items);
    expect(r.status === 401, `status ${r.status}`);
    const e = await rejects(() => oauth.processRevocationResponse(r), oauth.WWWAuthenticateChallengeError);
    const schemes = e.cause.map((c) => c.scheme).join(' ');
    expect(schemes === 'bearer basic', `schemes ${schemes}: ${JSON.stringify(e.cause)}`);
    expect(e.cause[0].parameters.realm === 'api' && e.cause[0].parameters.error === undefined, JSON.stringify(e.cause));
    expect(e.cause[1].parameters.realm === 'api' && e.cause[1].parameters.charset === 'UTF-8', JSON.stringify(e.cause));
    return r.headers.get('www-authenticate');
  });
}

// Access tokens signed with HS256, with ES256, and with ES256 and authenticate_api's
// verified-token cache on (a revoked token must still be refused on a cache hit).
for (const config of ['HS256', 'ES256', 'ES256+cache']) {
  currentConfig = config;
  let srv;
  try {
    srv = await startServer(config);
    currentServer = srv;
  } catch (e) {
    report(false, 'server', e.message);
    continue;
  }
  try {
    await runChecks(srv);
  } catch (e) {
    report(false, e instanceof ServerDied ? 'server' : 'checks', `${e?.name}: ${e?.message}`);
  } finally {
    currentServer = null;
    const status = await srv.stop();
    report(status.code === 0, 'the server stops cleanly when its stdin closes', JSON.stringify(status));
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
for (const f of failures) console.log(`  FAILED: ${f}`);
process.exit(failed ? 1 : 0);
