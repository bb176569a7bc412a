// OpenID Connect login end to end against a real OpenID Provider, npm oidc-provider 8.8.1 (the
// last 8.x: 9.x needs Node 22): node oidc_e2e.mjs <apiauth_oidc_tool>
//
// The provider runs in this process on 127.0.0.1 (an ephemeral port, plain HTTP: oidc-provider
// allows it for a loopback issuer), with its development interactions (login form: any login,
// any password; consent form) and a confidential client (client_secret_basic) that must use
// PKCE S256. Nothing here speaks OAuth for the relying party: every relying-party step is the
// tool (apiauth::oidc); this script only carries HTTP, as a browser and an application would,
// following redirects by hand with a cookie jar. Checked:
//   A. Discovery: the provider's metadata is accepted (parse_provider_metadata), RFC 9207 `iss`
//      and S256 advertised; the authorization URL apiauth builds is accepted by the provider.
//   B. The login and consent interactions answered over HTTP; the callback (handle_callback)
//      gives the code and the provider's `iss`; a callback carrying another issuer's `iss` (the
//      mix-up attack) is wrong_issuer, another state is state_mismatch, a missing `iss` when
//      required is missing_parameter; a login the user aborts reaches the callback as
//      provider_error (access_denied).
//   C. The code exchange sent exactly as build_token_request built it (method, URL, headers,
//      body); the provider's answer read by parse_token_response; the ID token verified by
//      id_token_verifier with the provider's JWKS (sub, nonce, aud, alg; at_hash against the
//      access token).
//   D. Refused: a tampered signature (bad_signature), another nonce (nonce_mismatch, the replay
//      of an ID token into another login), another client's audience (wrong_audience), the
//      token judged after its exp (token_expired), and a token the provider issued with a 1 s
//      lifetime, judged 3 s later with no leeway (token_expired); the same code exchanged twice
//      and a wrong PKCE verifier are the provider's invalid_grant (provider_error).
// Exit status 0 when every check passes. The provider is closed on every path.

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const providerVersion = require('oidc-provider/package.json').version;
const { default: Provider } = await import('oidc-provider');

const tool = process.argv[2];
if (!tool) {
  console.error('usage: node oidc_e2e.mjs <apiauth_oidc_tool>');
  process.exit(2);
}

let passed = 0;
const failures = [];
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failures.push(name);
    console.log(`FAIL ${name}${detail === undefined ? '' : ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail))}`);
  }
}

function run(sub, input) {
  const r = spawnSync(tool, [sub], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`oidc_tool ${sub} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// --- the provider ------------------------------------------------------------------------------

const CLIENT_ID = 'apiauth-rp';
const SHORT_CLIENT_ID = 'apiauth-rp-short';  // its ID tokens live 1 s
const CLIENT_SECRET = 'a secret: with spaces & symbols / + %';  // form-encoded in Basic (RFC 6749 §2.3.1)

// The provider's signing key, with "alg" in the published JWK (apiauth binds a JWK to exactly one
// algorithm; an RSA JWK without "alg" would need jwk_options::alg).
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'e2e-rs256' };

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const ISSUER = `http://127.0.0.1:${server.address().port}`;
const REDIRECT_URI = 'http://127.0.0.1:9/cb';  // never contacted: the script reads the Location

const provider = new Provider(ISSUER, {
  clients: [CLIENT_ID, SHORT_CLIENT_ID].map((client_id) => ({
    client_id,
    client_secret: CLIENT_SECRET,
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  })),
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['oidc-e2e cookie signing key'] },
  pkce: { methods: ['S256'], required: () => true },
  features: { devInteractions: { enabled: true } },
  ttl: {
    IdToken: (ctx, token, client) => (client && client.clientId === SHORT_CLIENT_ID ? 1 : 3600),
    AccessToken: 3600,
    AuthorizationCode: 60,
    Grant: 3600,
    Interaction: 600,
    Session: 3600,
  },
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
});
provider.on('server_error', (ctx, err) => console.log(`provider server_error: ${err.stack || err}`));
server.on('request', provider.callback());

// --- HTTP as a browser: no automatic redirects, a cookie jar --------------------------------------

function newJar() {
  const cookies = new Map();
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    store(res) {
      for (const sc of res.headers.getSetCookie()) {
        const [pair, ...attrs] = sc.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
        if (expired) cookies.delete(name);
        else cookies.set(name, value);
      }
    },
  };
}

async function browse(jar, url, init = {}) {
  const headers = { ...(init.headers || {}) };
  const c = jar.header();
  if (c) headers.cookie = c;
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(res);
  const location = res.headers.get('location');
  const body = await res.text();
  return { status: res.status, location: location ? new URL(location, url).href : null, body };
}

// Follows the browser from the authorization URL to the redirect URI, answering the login form
// (login = `user`) and the consent form; with abort, the login is cancelled at the first
// interaction instead. Returns the callback URL and the steps taken.
async function login(authorizationUrl, user, { abort = false } = {}) {
  const jar = newJar();
  const steps = [];
  let url = authorizationUrl;
  for (let i = 0; i < 12; i++) {
    if (url.startsWith(REDIRECT_URI)) return { callback: url, steps };
    const r = await browse(jar, url);
    steps.push(`GET ${new URL(url).pathname} -> ${r.status}`);
    if (r.status >= 300 && r.status < 400 && r.location) {
      url = r.location;
      continue;
    }
    const m = /\/interaction\/([^/?#]+)$/.exec(new URL(url).pathname);
    if (r.status !== 200 || !m) throw new Error(`unexpected ${r.status} at ${url}: ${r.body.slice(0, 300)}`);
    if (abort) {
      url = new URL(`/interaction/${m[1]}/abort`, ISSUER).href;
      continue;
    }
    // The development interaction pages: a login form, then a consent form.
    const prompt = /name="prompt" value="(\w+)"/.exec(r.body)?.[1];
    let form;
    if (prompt === 'login') form = { prompt: 'login', login: user, password: 'any password' };
    else if (prompt === 'consent') form = { prompt: 'consent' };
    else throw new Error(`no login or consent form at ${url}: ${r.body.slice(0, 300)}`);
    const p = await browse(jar, url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    steps.push(`POST ${new URL(url).pathname} (${prompt}) -> ${p.status}`);
    if (!(p.status >= 300 && p.status < 400 && p.location)) throw new Error(`${prompt} form answered ${p.status}: ${p.body.slice(0, 300)}`);
    url = p.location;
  }
  throw new Error(`no redirect to ${REDIRECT_URI} after 12 steps: ${steps.join(', ')}`);
}

// Sends the request exactly as build_token_request made it.
async function send(req) {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual' });
  return { status: res.status, content_type: res.headers.get('content-type') || '', body: await res.text() };
}

function b64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

// --- the flow -----------------------------------------------------------------------------------

const started = Date.now();
try {
  console.log(`oidc-provider ${providerVersion}, node ${process.version}, issuer ${ISSUER}`);

  // A. Discovery and JWKS, fetched by the application; judged by apiauth.
  const discovery = await fetch(`${ISSUER}/.well-known/openid-configuration`);
  const metadata = await discovery.text();
  const meta = JSON.parse(metadata);
  const jwks = await (await fetch(meta.jwks_uri)).text();

  const authorize = (client_id) => run('authorize', { metadata, issuer: ISSUER, client_id, redirect_uri: REDIRECT_URI, scope: 'openid' });
  const a = authorize(CLIENT_ID);
  check('A1 provider metadata accepted, authorization request built', typeof a.url === 'string' && !a.error, a);
  check('A2 metadata: RFC 9207 iss parameter and PKCE S256 advertised', a.iss_parameter_supported === true && a.supports_s256 === true, a);
  check('A3 metadata: RS256 among the ID token algorithms', Array.isArray(a.id_token_algorithms) && a.id_token_algorithms.includes('RS256'), a.id_token_algorithms);
  const q = new URL(a.url).searchParams;
  check('A4 authorization URL: code flow, state, nonce, S256 challenge of the verifier',
        a.url.startsWith(meta.authorization_endpoint + '?') && q.get('response_type') === 'code' && q.get('client_id') === CLIENT_ID &&
        q.get('redirect_uri') === REDIRECT_URI && q.get('state') === a.state && q.get('nonce') === a.nonce &&
        q.get('code_challenge_method') === 'S256' &&
        q.get('code_challenge') === crypto.createHash('sha256').update(a.code_verifier).digest('base64url'),
        a.url);

  // B. Login and consent, answered over HTTP; the callback.
  const user = 'alice@example.com';
  const l = await login(a.url, user);
  console.log(`     interactions: ${l.steps.join(', ')}`);
  check('B1 login and consent answered, redirected to the redirect URI', l.callback.startsWith(REDIRECT_URI + '?'), l);
  const target = new URL(l.callback);
  const cbTarget = target.pathname + target.search;
  const cb = run('callback', { target: cbTarget, state: a.state, issuer: ISSUER, require_iss: true });
  check('B2 callback: code and the provider\'s iss', typeof cb.code === 'string' && cb.code.length > 0 && cb.iss === ISSUER, cb);

  const withParam = (name, value) => {
    const u = new URL(l.callback);
    if (value === undefined) u.searchParams.delete(name);
    else u.searchParams.set(name, value);
    return u.pathname + u.search;
  };
  const mixup = run('callback', { target: withParam('iss', 'https://attacker.example'), state: a.state, issuer: ISSUER });
  check('B3 iss mix-up: a callback with another issuer\'s iss is wrong_issuer', mixup.error === 'wrong_issuer', mixup);
  const mixupOtherLocal = run('callback', { target: withParam('iss', ISSUER + '/'), state: a.state, issuer: ISSUER });
  check('B4 iss compared exactly (a trailing slash is another issuer): wrong_issuer', mixupOtherLocal.error === 'wrong_issuer', mixupOtherLocal);
  const noIss = run('callback', { target: withParam('iss'), state: a.state, issuer: ISSUER, require_iss: true });
  check('B5 iss removed while the metadata promises it: missing_parameter', noIss.error === 'missing_parameter', noIss);
  const otherState = run('callback', { target: cbTarget, state: authorize(CLIENT_ID).state, issuer: ISSUER, require_iss: true });
  check('B6 callback for another login (state): state_mismatch', otherState.error === 'state_mismatch', otherState);

  const aborted = authorize(CLIENT_ID);
  const la = await login(aborted.url, user, { abort: true });
  const ta = new URL(la.callback);
  const cba = run('callback', { target: ta.pathname + ta.search, state: aborted.state, issuer: ISSUER, require_iss: true });
  check('B7 login aborted: provider_error access_denied at the callback',
        cba.error === 'provider_error' && cba.provider_error?.error === 'access_denied', cba);

  // C. The code exchange, as apiauth built it.
  const treqInput = { token_endpoint: meta.token_endpoint, client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
                      auth: 'client_secret_basic', code: cb.code, redirect_uri: REDIRECT_URI, code_verifier: a.code_verifier };
  const treq = run('token-request', treqInput);
  check('C1 token request built: POST, Basic client authentication, PKCE verifier',
        treq.method === 'POST' && treq.url === meta.token_endpoint && treq.headers.some(([n, v]) => n === 'Authorization' && v.startsWith('Basic ')) &&
        new URLSearchParams(treq.body).get('code_verifier') === a.code_verifier, treq);
  const tres = await send(treq);
  check('C2 provider accepted the code exchange (200)', tres.status === 200, tres);
  const tokens = run('token-response', tres);
  check('C3 token response parsed: Bearer access token and an ID token',
        !tokens.error && /^bearer$/i.test(tokens.token_type) && tokens.access_token.length > 0 && tokens.id_token.split('.').length === 3, tokens);

  const idToken = tokens.id_token;
  const claims = b64urlJson(idToken.split('.')[1]);
  console.log(`     ID token header ${JSON.stringify(b64urlJson(idToken.split('.')[0]))}, claims ${JSON.stringify(claims)}`);
  const verify = (over = {}) => run('verify', { jwks, metadata, issuer: ISSUER, client_id: CLIENT_ID, nonce: a.nonce,
                                                access_token: tokens.access_token, id_token: idToken, ...over });
  const ok = verify();
  check('C4 ID token verified: iss, sub (the login), aud, nonce, RS256',
        ok.ok === true && ok.iss === ISSUER && ok.sub === user && ok.nonce === a.nonce && ok.alg === 'RS256' &&
        Array.isArray(ok.aud) && ok.aud.includes(CLIENT_ID), ok);
  if (claims.at_hash !== undefined) {
    const wrongAt = verify({ access_token: tokens.access_token + 'x' });
    check('C5 at_hash present: another access token is at_hash_mismatch', wrongAt.error === 'at_hash_mismatch', wrongAt);
  } else {
    console.log('     (the ID token has no at_hash: C5 not applicable)');
  }

  // D. Refusals.
  const [h, p, s] = idToken.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[sig.length >> 1] ^= 0x01;
  const tampered = verify({ id_token: `${h}.${p}.${sig.toString('base64url')}` });
  check('D1 a flipped signature bit: bad_signature', tampered.error === 'bad_signature', tampered);
  const forged = verify({ id_token: `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url')}.${s}` });
  check('D2 a changed claim (sub) under the original signature: bad_signature', forged.error === 'bad_signature', forged);
  const replayed = verify({ nonce: authorize(CLIENT_ID).nonce });
  check('D3 the ID token replayed into another login (nonce): nonce_mismatch', replayed.error === 'nonce_mismatch', replayed);
  const otherAud = verify({ client_id: 'another-client' });
  check('D4 verified by another client: wrong_audience', otherAud.error === 'wrong_audience', otherAud);
  const late = verify({ now: claims.exp + 61, leeway: 60 });
  check('D5 judged one second past exp + leeway: token_expired', late.error === 'token_expired', late);
  const inTime = verify({ now: claims.exp + 59, leeway: 60 });
  check('D6 judged within the leeway after exp: accepted', inTime.ok === true, inTime);

  const codeReplay = await send(run('token-request', treqInput));
  const codeReplayed = run('token-response', codeReplay);
  check('D7 the same code exchanged again: provider_error invalid_grant',
        codeReplayed.error === 'provider_error' && codeReplayed.provider_error?.error === 'invalid_grant', { status: codeReplay.status, codeReplayed });

  const b = authorize(CLIENT_ID);
  const lb = await login(b.url, user);
  const tb = new URL(lb.callback);
  const cbb = run('callback', { target: tb.pathname + tb.search, state: b.state, issuer: ISSUER, require_iss: true });
  const wrongVerifier = run('token-response', await send(run('token-request', { ...treqInput, code: cbb.code, code_verifier: a.code_verifier })));
  check('D8 a code exchanged with another login\'s PKCE verifier: provider_error invalid_grant',
        wrongVerifier.error === 'provider_error' && wrongVerifier.provider_error?.error === 'invalid_grant', wrongVerifier);

  // An ID token the provider itself made short-lived (ttl.IdToken 1 s for this client), judged
  // on the real clock 3 s later with no leeway.
  const sa = authorize(SHORT_CLIENT_ID);
  const ls = await login(sa.url, user);
  const ts = new URL(ls.callback);
  const cbs = run('callback', { target: ts.pathname + ts.search, state: sa.state, issuer: ISSUER, require_iss: true });
  const shortTokens = run('token-response', await send(run('token-request', {
    ...treqInput, client_id: SHORT_CLIENT_ID, code: cbs.code, code_verifier: sa.code_verifier })));
  const shortClaims = b64urlJson(shortTokens.id_token.split('.')[1]);
  check('D9 the short-lived ID token: exp - iat is 1 s', shortClaims.exp - shortClaims.iat === 1, shortClaims);
  const shortVerify = (over = {}) => run('verify', { jwks, metadata, issuer: ISSUER, client_id: SHORT_CLIENT_ID, nonce: sa.nonce,
                                                     id_token: shortTokens.id_token, leeway: 0, ...over });
  const fresh = shortVerify({ now: shortClaims.iat });
  check('D10 the short-lived ID token verifies at its iat', fresh.ok === true, fresh);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const expired = shortVerify();
  check('D11 the short-lived ID token 3 s later, no leeway: token_expired', expired.error === 'token_expired', expired);
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
  console.log(`FAIL exception: ${e.stack || e}`);
} finally {
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
}

console.log(`oidc-provider ${providerVersion} end to end: ${passed} passed, ${failures.length} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failures.length === 0 ? 0 : 1);
