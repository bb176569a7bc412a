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
//   E. Refresh and revocation: a login asking for offline_access (prompt=consent) gets a refresh
//      token; the refresh sent exactly as build_refresh_request built it is accepted, its answer
//      read by parse_token_response, and the new ID token verified (no nonce expected, at_hash
//      against the new access token) and checked against the original by
//      check_refreshed_id_token (OpenID Connect Core §12.2); a refresh narrowing the scope is
//      accepted. Refused by that check: refreshed tokens re-signed with the provider's own key
//      after one field was changed (auth_time added or moved, another nonce, azp added or
//      removed), and the original of another user (sub). The refresh token is revoked at the revocation endpoint as
//      build_revocation_request built the request (parse_revocation_response: success); a
//      revocation with a wrong client secret is the provider's invalid_client; refreshing with
//      the revoked token afterwards is the provider's invalid_grant.
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
    grant_types: ['authorization_code', 'refresh_token'],  // refresh tokens for offline_access
    response_types: ['code'],
  })),
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['oidc-e2e cookie signing key'] },
  pkce: { methods: ['S256'], required: () => true },
  features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
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

  const authorize = (client_id, extra = {}) => run('authorize', { metadata, issuer: ISSUER, client_id, redirect_uri: REDIRECT_URI, scope: 'openid', ...extra });
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

  // E. Refresh (RFC 6749 §6, OpenID Connect Core §12) and revocation (RFC 7009).
  // oidc-provider issues a refresh token for offline_access, which it grants only with
  // prompt=consent (OpenID Connect Core §11), to a client allowed the refresh_token grant.
  const loginWithTokens = async (login_user) => {
    const o = authorize(CLIENT_ID, { scope: 'openid offline_access', prompt: 'consent' });
    const lo = await login(o.url, login_user);
    const to = new URL(lo.callback);
    const cbo = run('callback', { target: to.pathname + to.search, state: o.state, issuer: ISSUER, require_iss: true });
    const t = run('token-response', await send(run('token-request', { ...treqInput, code: cbo.code, code_verifier: o.code_verifier })));
    return { auth: o, tokens: t };
  };
  const off = await loginWithTokens(user);
  check('E1 offline_access login: a refresh token and an ID token',
        !off.tokens.error && off.tokens.refresh_token.length > 0 && off.tokens.id_token.split('.').length === 3 &&
        off.tokens.scope.split(' ').includes('offline_access'), off.tokens);
  check('E2 metadata: the revocation endpoint', off.auth.revocation_endpoint === meta.revocation_endpoint &&
        typeof meta.revocation_endpoint === 'string' && meta.revocation_endpoint.length > 0, off.auth.revocation_endpoint);
  const originalIdToken = off.tokens.id_token;
  const refreshInput = { token_endpoint: meta.token_endpoint, client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
                         auth: 'client_secret_basic', refresh_token: off.tokens.refresh_token };
  const rreq = run('refresh-request', refreshInput);
  const rparams = new URLSearchParams(rreq.body || '');
  check('E3 refresh request built: POST, Basic client authentication, grant_type=refresh_token',
        rreq.method === 'POST' && rreq.url === meta.token_endpoint &&
        rreq.headers.some(([n, v]) => n === 'Authorization' && v.startsWith('Basic ')) &&
        rparams.get('grant_type') === 'refresh_token' && rparams.get('refresh_token') === off.tokens.refresh_token &&
        [...rparams.keys()].length === 2, rreq);
  const rres = await send(rreq);
  check('E4 provider accepted the refresh (200)', rres.status === 200, rres);
  const refreshed = run('token-response', rres);
  check('E5 refresh response parsed: a new access token and a new ID token',
        !refreshed.error && refreshed.access_token.length > 0 && refreshed.access_token !== off.tokens.access_token &&
        refreshed.id_token.split('.').length === 3 && refreshed.id_token !== originalIdToken, refreshed);
  const newClaims = b64urlJson(refreshed.id_token.split('.')[1]);
  const oldClaims = b64urlJson(originalIdToken.split('.')[1]);
  // The refresh token to use from now on: a new one when the answer carries one, else the old
  // one (RFC 6749 §6).
  let currentRefreshToken = refreshed.refresh_token || off.tokens.refresh_token;
  const rotation = (t) => (!t ? 'absent (keep the old one, RFC 6749 §6)' : t === off.tokens.refresh_token ? 'the same' : 'rotated');
  console.log(`     refresh: refresh_token ${rotation(refreshed.refresh_token)}; ` +
              `original ID token claims ${JSON.stringify(oldClaims)}; refreshed ${JSON.stringify(newClaims)}`);
  const checkRefreshed = (over = {}) => run('check-refreshed', {
    jwks, metadata, issuer: ISSUER, client_id: CLIENT_ID, nonce: off.auth.nonce, original: originalIdToken,
    refreshed: refreshed.id_token, access_token: refreshed.access_token, ...over });
  const cr = checkRefreshed();
  check('E6 refreshed ID token verified (no nonce expected, at_hash of the new access token) and matches the original (§12.2)',
        cr.ok === true && cr.sub === user, cr);

  // Tampered refreshed ID tokens, re-signed with the provider's own key: only the §12.2 check
  // can tell them apart from the provider's.
  const resign = (token, change) => {
    const [h, p] = token.split('.');
    const claimsOf = { ...b64urlJson(p), ...change };
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete claimsOf[k];
    const payload = Buffer.from(JSON.stringify(claimsOf)).toString('base64url');
    const signature = crypto.sign('sha256', Buffer.from(`${h}.${payload}`), privateKey).toString('base64url');
    return `${h}.${payload}.${signature}`;
  };
  const same = checkRefreshed({ refreshed: resign(refreshed.id_token, {}) });
  check('E7 the refreshed ID token re-signed unchanged by the provider\'s key: accepted (the re-signing is sound)', same.ok === true, same);
  const tamperings = [
    [oldClaims.auth_time === undefined ? 'an auth_time the original did not have' : 'auth_time moved to the refresh',
     { auth_time: (newClaims.auth_time ?? newClaims.iat) + 120 }],
    ['another login\'s nonce', { nonce: authorize(CLIENT_ID).nonce }],
    ['an azp the original did not have', oldClaims.azp === undefined ? { azp: CLIENT_ID } : { azp: undefined }],
  ];
  let n = 8;
  for (const [what, change] of tamperings) {
    const t = checkRefreshed({ refreshed: resign(refreshed.id_token, change) });
    check(`E${n++} refreshed ID token with ${what}: refreshed_id_token_mismatch at the §12.2 check`,
          t.error === 'refreshed_id_token_mismatch' && t.stage === 'check', t);
  }
  const bob = await loginWithTokens('bob@example.com');
  const otherUser = checkRefreshed({ original: bob.tokens.id_token, nonce: bob.auth.nonce });
  check(`E${n++} another user's original ID token against this refresh (sub): refreshed_id_token_mismatch`,
        otherUser.error === 'refreshed_id_token_mismatch' && otherUser.stage === 'check', otherUser);

  // The last use of the refresh token before it is revoked: it is valid until then.
  const narrowed = run('token-response', await send(run('refresh-request', {
    ...refreshInput, refresh_token: currentRefreshToken, scope: 'openid' })));
  check(`E${n++} a refresh narrowing the scope to openid (RFC 6749 §6): accepted, scope openid`,
        !narrowed.error && narrowed.scope === 'openid', narrowed);
  currentRefreshToken = narrowed.refresh_token || currentRefreshToken;

  // Revocation (RFC 7009 §2.1): first with a wrong client secret, then as the client.
  const revInput = { revocation_endpoint: meta.revocation_endpoint, client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
                     auth: 'client_secret_basic', token: currentRefreshToken, token_type_hint: 'refresh_token' };
  const wrongClient = await send(run('revocation-request', { ...revInput, client_secret: 'not the secret' }));
  const wrongClientParsed = run('revocation-response', wrongClient);
  check(`E${n++} revocation with a wrong client secret: provider_error invalid_client (${wrongClient.status})`,
        wrongClientParsed.error === 'provider_error' && wrongClientParsed.provider_error?.error === 'invalid_client',
        { status: wrongClient.status, body: wrongClient.body, wrongClientParsed });
  const revReq = run('revocation-request', revInput);
  const revParams = new URLSearchParams(revReq.body || '');
  check(`E${n++} revocation request built: POST to the revocation endpoint, Basic, token and token_type_hint`,
        revReq.method === 'POST' && revReq.url === meta.revocation_endpoint &&
        revReq.headers.some(([nm, v]) => nm === 'Authorization' && v.startsWith('Basic ')) &&
        revParams.get('token') === currentRefreshToken && revParams.get('token_type_hint') === 'refresh_token', revReq);
  const revRes = await send(revReq);
  const revoked = run('revocation-response', revRes);
  check(`E${n++} the provider revoked the refresh token: 200, parse_revocation_response success`,
        revRes.status === 200 && revoked.ok === true, { status: revRes.status, body: revRes.body, revoked });
  const again = run('revocation-response', await send(revReq));
  check(`E${n++} revoking it again (RFC 7009 §2.2: an invalid token is answered 200 too): success`, again.ok === true, again);
  const afterRevocation = await send(run('refresh-request', { ...refreshInput, refresh_token: currentRefreshToken }));
  const afterParsed = run('token-response', afterRevocation);
  check(`E${n++} refreshing with the revoked refresh token: provider_error invalid_grant (${afterRevocation.status})`,
        afterParsed.error === 'provider_error' && afterParsed.provider_error?.error === 'invalid_grant',
        { status: afterRevocation.status, afterParsed });
} catch (e) {
  failures.push(`exception: ${e.stack || e}`);
  console.log(`FAIL exception: ${e.stack || e}`);
} finally {
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
}

console.log(`oidc-provider ${providerVersion} end to end: ${passed} passed, ${failures.length} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failures.length === 0 ? 0 : 1);
