// ID Site interop with the Stormpath Node SDK (npm stormpath 0.20.1, the last release) and the
// njwt it signs with: node id_site_stormpath.mjs <apiauth_id_site_tool>
//
// The SDK runs offline against an API server this script starts on 127.0.0.1 (an ephemeral
// port): it answers the SDK's GET of the application and of accounts, and serves /sso and
// /sso/logout with apiauth's login site (the tool), so that one exchange also goes over HTTP as a
// browser would. Checked:
//   A. Requests from Application.createIdSiteUrl (login, logout, every option it writes) are
//      accepted by login_site::parse_request, and what it refuses it refuses for the right reason.
//   B. Responses from login_site::build_response pass the SDK's handleIdSiteCallback, which then
//      GETs the account; a replay, an expired response and one signed by another key are refused
//      by the SDK; error responses (build_error_response) reach the SDK's callback as `err`.
//   C. The other direction: jwtResponse tokens minted as Stormpath's server did (njwt, and plain
//      node crypto; the kid form and the older aud-only form; error JWTs; Stormpath's published
//      test vectors) for a request application::build_redirect_url made are judged by
//      application::handle_callback; that request verifies with njwt.verify.
// Exit status 0 when every check passes; a KNOWN line is a difference between what the SDK
// expects and what apiauth does today, printed and not failed. The server and the tool are
// stopped on every path.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import readline from 'node:readline';
import { isDeepStrictEqual } from 'node:util';

const require = createRequire(import.meta.url);
const stormpath = require('stormpath');
const njwt = require('njwt');
const sdkVersion = require('stormpath/package.json').version;
const njwtVersion = require('njwt/package.json').version;

const tool = process.argv[2];
if (!tool) {
  console.error('usage: node id_site_stormpath.mjs <apiauth_id_site_tool>');
  process.exit(2);
}

// Stormpath's own test key (stormpath-sdk-java DefaultIdSiteCallbackHandlerTest; research §0).
const KEY_ID = '2EV70AHRTYF0JOA7OEFO3SM29';
const SECRET = 'goPUHQMkS4dlKwl5wtbNd91I+UrRehCsEDJrIrMruK8';
const OTHER_ID = '1S9H13Q61HLJHIVU7N357QI7U';
const OTHER_SECRET = 'rncdUXr2dtjjQ5OyDdWRHRxncRW7K0OnU6/Wqf2iqdQ';

let passed = 0;
const failures = [];
function check(name, ok, detail) {
  if (ok) {
    passed++;
  } else {
    failures.push(name);
    console.error(`FAIL ${name}${detail === undefined ? '' : ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail))}`);
  }
}
// A difference reported, not asserted: KNOWN while it holds, NOW PASSES once it is gone (then
// make it a check).
let known = 0;
function knownDifference(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`NOW PASSES ${name}: turn it into a check`);
  } else {
    known++;
    console.log(`KNOWN ${name} (${typeof detail === 'string' ? detail : JSON.stringify(detail)})`);
  }
}
function same(name, got, want) {
  check(name, isDeepStrictEqual(got, want), { got, want });
}

// ---- the tool: one JSON command per line, one JSON answer per line ----------------------------
class Tool {
  constructor(path) {
    this.child = spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.waiting = [];
    // 'close' comes after 'exit', and also after a failed spawn (which has no 'exit').
    this.exited = new Promise((resolve) => this.child.on('close', resolve));
    this.child.on('error', (e) => this.waiting.splice(0).forEach((w) => w.reject(e)));
    this.child.on('exit', (code) =>
      this.waiting.splice(0).forEach((w) => w.reject(new Error(`the tool exited (${code})`))));
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w.resolve(JSON.parse(line));
    });
  }
  call(name, args = {}) {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${name} ${JSON.stringify(args)}\n`);
    });
  }
  async must(name, args) {
    const r = await this.call(name, args);
    if (!r.ok) throw new Error(`${name} ${JSON.stringify(args)}: ${JSON.stringify(r)}`);
    return r;
  }
  async stop() {
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(t);
  }
}

// ---- the Stormpath API (and the login site's /sso) on loopback ---------------------------------
const fetched = [];     // account hrefs the SDK fetched
const unexpected = [];  // requests the server did not expect
let ssoAnswer = null;   // how /sso answers the next request: {status, account_href, is_new}
let t;                  // the tool, for /sso

const server = http.createServer(async (req, res) => {
  const origin = `http://127.0.0.1:${server.address().port}`;
  const path = req.url.split('?')[0];
  const json = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    if (req.method === 'GET' && /^\/v1\/applications\/[A-Za-z0-9]+$/.test(path)) {
      return json(200, { href: origin + path, name: 'interop', status: 'ENABLED' });
    }
    if (req.method === 'GET' && /^\/v1\/accounts\/[A-Za-z0-9]+$/.test(path)) {
      fetched.push(origin + path);
      const id = path.split('/').pop();
      return json(200, { href: origin + path, username: id, email: `${id}@example.com`, givenName: 'In',
                         surname: 'Terop', status: 'ENABLED' });
    }
    if (req.method === 'GET' && (path === '/sso' || path === '/sso/logout')) {
      const p = await t.call('site-parse', { target: req.url });
      if (!p.ok || !ssoAnswer) return json(400, p);
      const r = await t.call('site-respond', { request: p.request, ...ssoAnswer });
      if (!r.ok) return json(500, r);
      res.writeHead(302, { location: r.url });
      return res.end();
    }
  } catch (e) {
    return json(500, { message: String(e) });
  }
  unexpected.push(`${req.method} ${req.url}`);
  json(404, { status: 404, code: 404, message: 'The requested resource does not exist.' });
});

function listen() {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

function httpGet(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location, body }));
    }).on('error', reject);
  });
}

// ---- the SDK ------------------------------------------------------------------------------------
// A Client for one API key whose application is `${base}/v1/applications/${appId}`: the SDK
// GETs it from the local server. Stormpath settings in the environment are not read.
for (const k of Object.keys(process.env)) if (k.startsWith('STORMPATH_')) delete process.env[k];

function sdkApplication(base, appId, id = KEY_ID, secret = SECRET) {
  const client = new stormpath.Client({ apiKey: { id, secret }, client: { baseUrl: `${base}/v1` } });
  return new Promise((resolve, reject) => {
    client.on('error', reject);
    client.getApplication(`${base}/v1/applications/${appId}`, (err, app) => (err ? reject(err) : resolve(app)));
  });
}

// handleIdSiteCallback's outcome: {err} or {result}.
function sdkCallback(app, url) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ err: new Error('handleIdSiteCallback did not call back') }), 5000);
    app.handleIdSiteCallback(url, (err, result) => {
      clearTimeout(timer);
      resolve(err ? { err } : { result });
    });
  });
}

const b64url = (s) => Buffer.from(s).toString('base64url');
const decodePart = (token, i) => JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString());
const jwtParam = (url, name) => new URL(url).searchParams.get(name);
const nowSeconds = () => Math.floor(Date.now() / 1000);

// A compact HS256 JWS over exactly these header and payload bytes, with plain node crypto.
function hs256(headerJson, payloadJson, secret = SECRET) {
  const input = `${b64url(headerJson)}.${b64url(payloadJson)}`;
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
}

// A jwtResponse as Stormpath's server made it, with njwt: `kid` header (or the older `aud`).
function njwtResponse(claims, { kid = KEY_ID, secret = SECRET, exp } = {}) {
  const jwt = njwt.create(claims, secret, 'HS256');
  if (kid !== null) jwt.setHeader('kid', kid);
  if (exp !== undefined) jwt.setExpiration(exp * 1000);
  return jwt.compact();
}

// ---- A: the SDK's requests, our login site -------------------------------------------------------
async function requestsFromSdk(base, app) {
  const cb = `${base}/callback`;

  // A.1 login with a state that needs encoding: every claim as the SDK wrote it.
  const state = 'a b&c/é?=%';
  const url1 = app.createIdSiteUrl({ callbackUri: cb, state });
  check('A.1 createIdSiteUrl goes to <app host>/sso', url1.startsWith(`${base}/sso?jwtRequest=`), url1);
  const sent = decodePart(jwtParam(url1, 'jwtRequest'), 1);
  const p1 = await t.call('site-parse', { target: url1 });
  check('A.1 parse_request accepts an SDK login URL (absolute)', p1.ok, p1);
  if (p1.ok) {
    same('A.1 iss is the key id', p1.iss, KEY_ID);
    same('A.1 sub is the application href', p1.sub, app.href);
    same('A.1 cb_uri', p1.cb_uri, cb);
    same('A.1 state is the SDK\'s encodeURIComponent value, byte for byte', p1.state, encodeURIComponent(state));
    same('A.1 path "/" (the SDK default)', p1.path, '/');
    same('A.1 jti is the SDK\'s uuid', p1.jti, sent.jti);
    check('A.1 jti is a v4 uuid with dashes', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(p1.jti), p1.jti);
    same('A.1 fractional iat read exactly', p1.iat, sent.iat);
    same('A.1 njwt\'s exp (iat + 3600) read', p1.exp, sent.exp);
    check('A.1 njwt exp is about an hour ahead', Math.abs(p1.exp - sent.iat - 3600) < 2, p1);
    same('A.1 not a logout', p1.logout, false);
    same('A.1 sof, onk, usd, require_mfa absent', [p1.sof, p1.onk, p1.usd, p1.require_mfa], [null, null, null, null]);
  }

  // A.2 the request target only, as an HTTP server sees it.
  const url2 = app.createIdSiteUrl({ callbackUri: cb });
  const target2 = url2.slice(base.length);
  const p2 = await t.call('site-parse', { target: target2 });
  check('A.2 parse_request accepts the origin-form target', p2.ok, p2);
  same('A.2 no state option: the SDK sends state "" and it stays ""', p2.state, '');

  // A.3 every option the SDK writes.
  const url3 = app.createIdSiteUrl({ callbackUri: cb, path: '/#/register', state: 'x', showOrganizationField: true,
                                     organizationNameKey: 'acme', useSubDomain: false, require_mfa: ['sms', 'google-authenticator'],
                                     challenge: ['sms'] });
  const p3 = await t.call('site-parse', { target: url3 });
  check('A.3 parse_request accepts sof, onk, usd, require_mfa and challenge', p3.ok, p3);
  if (p3.ok) {
    same('A.3 path', p3.path, '/#/register');
    same('A.3 sof true', p3.sof, true);
    same('A.3 onk', p3.onk, 'acme');
    same('A.3 usd false', p3.usd, false);
    same('A.3 require_mfa', p3.require_mfa, ['sms', 'google-authenticator']);
    same('A.3 challenge kept among the claims', p3.claims.challenge, ['sms']);
  }

  // A.4 logout.
  const url4 = app.createIdSiteUrl({ callbackUri: cb, logout: true });
  check('A.4 createIdSiteUrl({logout}) goes to /sso/logout', url4.startsWith(`${base}/sso/logout?jwtRequest=`), url4);
  const p4 = await t.call('site-parse', { target: url4 });
  check('A.4 parse_request accepts an SDK logout URL', p4.ok && p4.logout === true, p4);

  // A.5 the same URL twice: the second is a replay, answerable (11005 reaches the SDK in B).
  const p5 = await t.call('site-parse', { target: url1 });
  same('A.5 a request URL seen twice is nonce_replayed', p5.error, 'nonce_replayed');
  check('A.5 the replay is answerable', Number.isInteger(p5.refused), p5);

  // A.6 a callback URI that is not registered.
  const p6 = await t.call('site-parse', { target: app.createIdSiteUrl({ callbackUri: `${base}/elsewhere` }) });
  same('A.6 unregistered cb_uri is callback_uri_not_allowed', p6.error, 'callback_uri_not_allowed');
  same('A.6 and not answerable', p6.refused, null);

  // A.7 the SDK with the right key id but another secret.
  const forged = await sdkApplication(base, 'app1', KEY_ID, OTHER_SECRET);
  const p7 = await t.call('site-parse', { target: forged.createIdSiteUrl({ callbackUri: cb }) });
  same('A.7 signed with another secret: bad_signature', p7.error, 'bad_signature');

  // A.8 a key the login site does not know.
  const stranger = await sdkApplication(base, 'app1', 'UNKNOWNKEY0000000000000000', OTHER_SECRET);
  const p8 = await t.call('site-parse', { target: stranger.createIdSiteUrl({ callbackUri: cb }) });
  same('A.8 unknown key id: unknown_application', p8.error, 'unknown_application');

  // A.9 the right key, another application's href in sub.
  const otherApp = await sdkApplication(base, 'app2');
  const p9 = await t.call('site-parse', { target: otherApp.createIdSiteUrl({ callbackUri: cb }) });
  same('A.9 another application href: wrong_audience', p9.error, 'wrong_audience');

  // A.10 a request older than the 60 s iat window (the login site's clock 120 s ahead); njwt's exp
  // is still an hour away, so the iat window is what refuses it, answerably (10011).
  const old = app.createIdSiteUrl({ callbackUri: cb, state: 'late' });
  await t.must('clock', { offset: 120 });
  const p10 = await t.call('site-parse', { target: old });
  await t.must('clock', { offset: 0 });
  same('A.10 iat older than the window: token_expired', p10.error, 'token_expired');
  check('A.10 and answerable', Number.isInteger(p10.refused), p10);

  // A.11 a request from the future (the login site's clock 120 s behind).
  const early = app.createIdSiteUrl({ callbackUri: cb });
  await t.must('clock', { offset: -120 });
  const p11 = await t.call('site-parse', { target: early });
  await t.must('clock', { offset: 0 });
  same('A.11 iat beyond the window: token_issued_in_future', p11.error, 'token_issued_in_future');

  // A.12 njwt's exp passed (login site's clock two hours ahead).
  const stale = app.createIdSiteUrl({ callbackUri: cb });
  await t.must('clock', { offset: 7200 });
  const p12 = await t.call('site-parse', { target: stale });
  await t.must('clock', { offset: 0 });
  same('A.12 past njwt\'s exp: token_expired', p12.error, 'token_expired');

  return { replay: p5.refused, late: p10.refused };
}

// ---- B: our login site's responses, the SDK's handleIdSiteCallback -----------------------------
async function responsesToSdk(base, app, refusals) {
  const cb = `${base}/callback`;

  // B.1 AUTHENTICATED, state round trip through the SDK's encode/decode.
  const state = 'a b&c/é?=%';
  const p1 = await t.must('site-parse', { target: app.createIdSiteUrl({ callbackUri: cb, state }) });
  const r1 = await t.must('site-respond', { request: p1.request, status: 'AUTHENTICATED', account_href: `${base}/v1/accounts/acc1` });
  check('B.1 the response goes to cb_uri?jwtResponse=', r1.url.startsWith(`${cb}?jwtResponse=`), r1.url);
  const s1 = await sdkCallback(app, r1.url);
  check('B.1 handleIdSiteCallback accepts build_response', !s1.err, s1.err && String(s1.err.message || JSON.stringify(s1.err)));
  if (s1.result) {
    same('B.1 status', s1.result.status, 'AUTHENTICATED');
    same('B.1 isNew', s1.result.isNew, false);
    same('B.1 state decoded back to the original', s1.result.state, state);
    same('B.1 account fetched by sub', s1.result.account && s1.result.account.href, `${base}/v1/accounts/acc1`);
  }
  check('B.1 the SDK GET the account from the API', fetched.includes(`${base}/v1/accounts/acc1`), fetched);
  const token1 = jwtParam(r1.url, 'jwtResponse');
  same('B.1 header as Stormpath sent it', decodePart(token1, 0), { alg: 'HS256', kid: KEY_ID, typ: 'JWT' });
  const v1 = njwt.verify(token1, SECRET);
  same('B.1 njwt.verify: aud is the key id', v1.body.aud, KEY_ID);
  same('B.1 njwt.verify: irt is the SDK request jti', v1.body.irt, p1.jti);

  // B.2 the same response again: the SDK's nonce store refuses it.
  const s2 = await sdkCallback(app, r1.url);
  same('B.2 the SDK refuses the replay', s2.err && s2.err.message, 'Token has already been used.');

  // B.3 REGISTERED, a new account, a cb_uri with a query of its own.
  const cbq = `${base}/callback?next=%2Fhome&x=1`;
  const p3 = await t.must('site-parse', { target: app.createIdSiteUrl({ callbackUri: cbq, state: 'reg' }) });
  const r3 = await t.must('site-respond', { request: p3.request, status: 'REGISTERED', account_href: `${base}/v1/accounts/acc3`, is_new: true });
  check('B.3 jwtResponse appended to the cb_uri query', r3.url.startsWith(`${cbq}&jwtResponse=`), r3.url);
  const s3 = await sdkCallback(app, r3.url);
  check('B.3 handleIdSiteCallback accepts REGISTERED', !s3.err, s3.err);
  if (s3.result) {
    same('B.3 status', s3.result.status, 'REGISTERED');
    same('B.3 isNew', s3.result.isNew, true);
    same('B.3 state', s3.result.state, 'reg');
  }

  // B.4 LOGOUT in answer to a logout request.
  const p4 = await t.must('site-parse', { target: app.createIdSiteUrl({ callbackUri: cb, logout: true }) });
  const r4 = await t.must('site-respond', { request: p4.request, status: 'LOGOUT', account_href: `${base}/v1/accounts/acc4` });
  const s4 = await sdkCallback(app, r4.url);
  check('B.4 handleIdSiteCallback accepts LOGOUT', !s4.err && s4.result.status === 'LOGOUT', s4.err || s4.result.status);
  // build_response leaves sub out of a LOGOUT with no account (as Stormpath's server might,
  // research §2.1); the SDK then GETs an undefined href and fails.
  const p4b = await t.must('site-parse', { target: app.createIdSiteUrl({ callbackUri: cb, logout: true }) });
  const r4b = await t.must('site-respond', { request: p4b.request, status: 'LOGOUT' });
  const s4b = await sdkCallback(app, r4b.url);
  knownDifference('B.4 handleIdSiteCallback accepts a LOGOUT without sub', !s4b.err,
                  `the SDK: ${s4b.err && (s4b.err.message || JSON.stringify(s4b.err))}`);

  // B.5 over HTTP: the browser's GET of the SDK's URL reaches our /sso, which redirects to cb_uri.
  ssoAnswer = { status: 'AUTHENTICATED', account_href: `${base}/v1/accounts/acc5` };
  const g5 = await httpGet(app.createIdSiteUrl({ callbackUri: cb, state: 'over http' }));
  ssoAnswer = null;
  check('B.5 /sso answers 302 to cb_uri', g5.status === 302 && String(g5.location).startsWith(`${cb}?jwtResponse=`), g5);
  if (g5.location) {
    const s5 = await sdkCallback(app, g5.location);
    check('B.5 handleIdSiteCallback accepts it', !s5.err && s5.result.state === 'over http', s5.err || s5.result);
  }

  // B.6 error responses reach the SDK's callback as the raw `err` object.
  const e6 = await t.must('site-error', { refused: refusals.replay, error: 'nonce_replayed' });
  const s6 = await sdkCallback(app, e6.url);
  same('B.6 a replayed request: err.code 11005', s6.err && s6.err.code, 11005);
  same('B.6 err.status 400', s6.err && s6.err.status, 400);
  same('B.6 err.message is Stormpath\'s', s6.err && s6.err.message,
       'Token is invalid because a token with the same identifier (jti) has been already used.');
  check('B.6 err.developerMessage present', s6.err && typeof s6.err.developerMessage === 'string', s6.err);
  same('B.6 error JWT claims: iss exp iat jti err, no aud irt sub status',
       Object.keys(decodePart(jwtParam(e6.url, 'jwtResponse'), 1)).sort(), ['err', 'exp', 'iat', 'iss', 'jti']);
  const e7 = await t.must('site-error', { refused: refusals.late, error: 'token_expired' });
  const s7 = await sdkCallback(app, e7.url);
  same('B.7 an expired request: err.code 10011', s7.err && s7.err.code, 10011);
  const e8 = await t.must('site-error', { refused: refusals.late, error: 'id_site_session_timed_out', status: 401,
                                          more_info: 'mailto:support@example.com' });
  const s8 = await sdkCallback(app, e8.url);
  same('B.8 session timed out: err {code 12001, status 401, moreInfo}',
       s8.err && [s8.err.code, s8.err.status, s8.err.moreInfo, s8.err.message],
       [12001, 401, 'mailto:support@example.com', 'The session on ID Site has timed out.']);

  // B.9 a response that expired before it arrived (the login site's clock two minutes behind).
  const p9 = await t.must('site-parse', { target: app.createIdSiteUrl({ callbackUri: cb }) });
  await t.must('clock', { offset: -120 });
  const r9 = await t.must('site-respond', { request: p9.request, account_href: `${base}/v1/accounts/acc9` });
  await t.must('clock', { offset: 0 });
  const s9 = await sdkCallback(app, r9.url);
  same('B.9 the SDK refuses an expired response', s9.err && s9.err.message, 'Jwt is expired');

  // B.10 a response signed for another application key: the SDK's signature check refuses it.
  const otherSdk = await sdkApplication(base, 'app1', OTHER_ID, OTHER_SECRET);
  const po = await t.must('site-parse', { target: otherSdk.createIdSiteUrl({ callbackUri: cb }) });
  const ro = await t.must('site-respond', { request: po.request, account_href: `${base}/v1/accounts/acc10` });
  const s10 = await sdkCallback(app, ro.url);
  same('B.10 another key\'s response: Signature verification failed', s10.err && s10.err.message, 'Signature verification failed');
  const s10b = await sdkCallback(otherSdk, ro.url);
  check('B.10 while its own application accepts it', !s10b.err, s10b.err);
}

// ---- C: Stormpath-minted responses, our application ----------------------------------------------
async function responsesFromStormpath(base) {
  const appHref = `${base}/v1/applications/ours`;
  await t.must('app', { api_key_id: KEY_ID, api_key_secret: SECRET, application_href: appHref, base_url: base });
  const cb = 'https://app.example.com/callback';
  const ISS = 'https://sturdy-shield.id.stormpath.io';
  const account = 'https://api.stormpath.com/v1/accounts/7Ora8KfVDEIQP38KzrYdAs';
  const redirect = async (opts = {}) => t.must('app-url', { callback_uri: cb, ...opts });
  const callback = (token, extra = {}) => t.call('app-callback', { target: `/callback?jwtResponse=${token}`, ...extra });

  // C.1 our jwtRequest verifies with njwt.verify and the secret, as Stormpath's server did.
  const u1 = await redirect({ state: 'st', path: '/#/register', sof: false, onk: 'acme', usd: true, require_mfa: ['sms'] });
  check('C.1 build_redirect_url goes to <base_url>/sso', u1.url.startsWith(`${base}/sso?jwtRequest=`), u1.url);
  const req1 = jwtParam(u1.url, 'jwtRequest');
  let v1 = null;
  try { v1 = njwt.verify(req1, SECRET); } catch (e) { check('C.1 njwt.verify accepts our jwtRequest', false, e.message); }
  if (v1) {
    passed++;
    same('C.1 header {alg, typ}, no kid', decodePart(req1, 0), { alg: 'HS256', typ: 'JWT' });
    same('C.1 claims as Stormpath expected', [v1.body.iss, v1.body.sub, v1.body.cb_uri, v1.body.jti, v1.body.state, v1.body.path,
                                              v1.body.sof, v1.body.onk, v1.body.usd, v1.body.require_mfa],
         [KEY_ID, appHref, cb, u1.jti, 'st', '/#/register', false, 'acme', true, ['sms']]);
    check('C.1 integer iat, exp after it', Number.isInteger(v1.body.iat) && v1.body.exp > v1.body.iat, v1.body);
  }
  let wrongKey = null;
  try { njwt.verify(req1, OTHER_SECRET); } catch (e) { wrongKey = e.message; }
  same('C.1 and not with another secret', wrongKey, 'Signature verification failed');
  const logout = await redirect({ logout: true });
  check('C.1 logout goes to <base_url>/sso/logout', logout.url.startsWith(`${base}/sso/logout?jwtRequest=`), logout.url);

  const now = nowSeconds();
  const claims = (jti, more = {}) => ({ iss: ISS, sub: account, iat: now, jti: 'sp' + crypto.randomBytes(8).toString('hex'),
                                        irt: jti, isNewSub: false, status: 'AUTHENTICATED', ...more });

  // C.2 the current form: kid header, no aud, minted with njwt.
  const u2 = await redirect({ state: 'two' });
  const c2 = await callback(njwtResponse(claims(u2.jti, { state: 'two' })), { expected_state: 'two' });
  check('C.2 njwt response with kid accepted', c2.ok, c2);
  if (c2.ok) same('C.2 status, sub, isNew, state, irt, iss', [c2.status, c2.sub, c2.is_new, c2.state, c2.irt, c2.iss],
                  ['AUTHENTICATED', account, false, 'two', u2.jti, ISS]);

  // C.3 exactly Stormpath's header bytes {"typ":"JWT","alg":"HS256","kid":..}, node crypto.
  const u3 = await redirect();
  const payload3 = JSON.stringify({ iss: ISS, sub: account, exp: now + 60, iat: now, jti: '436vkkHgk1x3057pCPqTah', irt: u3.jti,
                                    isNewSub: true, status: 'REGISTERED' });
  const c3 = await callback(hs256(`{"typ":"JWT","alg":"HS256","kid":"${KEY_ID}"}`, payload3));
  check('C.3 Stormpath header order, REGISTERED, isNewSub accepted', c3.ok && c3.status === 'REGISTERED' && c3.is_new === true, c3);
  const c3b = await callback(hs256(`{"typ":"JWT","alg":"HS256","kid":"${KEY_ID}"}`, payload3));
  same('C.3 the same response again: nonce_replayed', c3b.error, 'nonce_replayed');

  // C.4 the older form: aud = key id, no kid.
  const u4 = await redirect();
  const c4 = await callback(njwtResponse(claims(u4.jti, { aud: KEY_ID }), { kid: null }));
  check('C.4 aud-only response (no kid) accepted', c4.ok, c4);
  const u4b = await redirect();
  const c4b = await callback(njwtResponse(claims(u4b.jti, { aud: OTHER_ID }), { kid: null }));
  same('C.4 aud naming another key: wrong_audience', c4b.error, 'wrong_audience');

  // C.5 what handle_callback must refuse.
  const u5 = await redirect({ state: 'mine' });
  same('C.5 kid of another key: unknown_key', (await callback(njwtResponse(claims(u5.jti), { kid: OTHER_ID, secret: OTHER_SECRET }))).error, 'unknown_key');
  same('C.5 signed with another secret under our kid: bad_signature', (await callback(njwtResponse(claims(u5.jti), { secret: OTHER_SECRET }))).error, 'bad_signature');
  same('C.5 exp passed: token_expired', (await callback(njwtResponse(claims(u5.jti), { exp: now - 60 }))).error, 'token_expired');
  same('C.5 no status: missing_claim', (await callback(njwtResponse(claims(u5.jti, { status: undefined })))).error, 'missing_claim');
  same('C.5 unknown status: invalid_claim_type', (await callback(njwtResponse(claims(u5.jti, { status: 'LOGGED_IN' })))).error, 'invalid_claim_type');
  same('C.5 no sub outside LOGOUT: missing_claim', (await callback(njwtResponse(claims(u5.jti, { sub: undefined })))).error, 'missing_claim');
  same('C.5 state differs: state_mismatch', (await callback(njwtResponse(claims(u5.jti, { state: 'theirs' })), { expected_state: 'mine' })).error, 'state_mismatch');
  same('C.5 irt we never issued: nonce_replayed', (await callback(njwtResponse(claims('f81d4fae-7dec-11d0-a765-00a0c91e6bf6')))).error, 'nonce_replayed');
  same('C.5 alg HS512 from njwt: refused', (await callback(njwt.create(claims(u5.jti), SECRET, 'HS512').setHeader('kid', KEY_ID).compact())).error, 'algorithm_mismatch');
  same('C.5 our own jwtRequest as a jwtResponse: missing_claim', (await callback(jwtParam(u5.url, 'jwtRequest'))).error, 'missing_claim');
  const c5 = await callback(njwtResponse(claims(u5.jti, { state: 'mine' })), { expected_state: 'mine' });
  check('C.5 after every refusal the request is still answerable once', c5.ok, c5);

  // C.6 LOGOUT without sub (Java: legal when no one was logged in).
  const u6 = await redirect({ logout: true });
  const c6 = await callback(njwtResponse(claims(u6.jti, { sub: undefined, status: 'LOGOUT' })));
  check('C.6 LOGOUT without sub accepted', c6.ok && c6.status === 'LOGOUT' && c6.sub === null, c6);

  // C.7 Stormpath's error JWT (the Java test's shape: kid, iss = application href, no aud irt sub status).
  const err7 = { code: 12001, developerMessage: 'The session on ID Site has timed out. This can occur if the user stays on ID Site without logging in for longer than 30 seconds.',
                 message: 'The session on ID Site has timed out.', moreInfo: 'mailto:support@stormpath.com', status: 401 };
  const c7 = await callback(njwtResponse({ err: err7, iss: appHref, iat: now, jti: '436vkkHgk1x3057pCPqTah' }));
  same('C.7 err 12001: id_site_session_timed_out', c7.error, 'id_site_session_timed_out');
  same('C.7 details copied', c7.details, { code: 12001, status: 401, message: err7.message, developer_message: err7.developerMessage,
                                           more_info: err7.moreInfo });
  for (const [code, name] of [[10011, 'id_site_token_expired'], [10012, 'id_site_token_issued_in_future'],
                              [11001, 'id_site_organization_not_found'], [11002, 'id_site_organization_disabled'],
                              [11003, 'id_site_organization_not_mapped'], [11004, 'id_site_organization_name_key_empty'],
                              [11005, 'id_site_token_reused'], [99999, 'id_site_error']]) {
    const c = await callback(njwtResponse({ err: { code, message: 'm', status: 400 }, iss: appHref, iat: now }));
    same(`C.7 err ${code}: ${name}`, c.error, name);
  }
  const c7b = await callback(njwtResponse({ err: err7, iss: appHref, iat: now }, { secret: OTHER_SECRET }));
  same('C.7 an error JWT that does not verify: bad_signature, not the error', c7b.error, 'bad_signature');

  // C.8 Stormpath's published vectors (stormpath-sdk-java DefaultIdSiteCallbackHandlerTest): the
  // signatures verify; the irt is not one we issued, so the last check refuses them.
  const vectorPayload = {
    iss: 'https://sturdy-shield.id.stormpath.io', sub: account, exp: 250246665000, iat: 1407198550,
    jti: '436vkkHgk1x3057pCPqTah', irt: '1d02d335-fbfc-4ea8-b836-85b9e2a6f2a0', isNewSub: false, status: 'REGISTERED' };
  const vectorKid = hs256(`{"typ":"JWT","alg":"HS256","kid":"${KEY_ID}"}`, JSON.stringify(vectorPayload));
  same('C.8 the kid vector signature (recomputed)', vectorKid.split('.')[2], '0n-Sp5zDtiOIJ_Zq6IYdrDHoU3i95XPKhlH-2n9ALdg');
  same('C.8 the kid vector: verified, then nonce_replayed', (await callback(vectorKid)).error, 'nonce_replayed');
  const vectorAud = hs256('{"typ":"JWT","alg":"HS256"}', JSON.stringify({ iss: vectorPayload.iss, sub: account, aud: KEY_ID,
    exp: 250246665000, iat: 1407198550, jti: '436vkkHgk1x3057pCPqTah', irt: vectorPayload.irt, isNewSub: false, status: 'REGISTERED' }));
  const cAud = await callback(vectorAud);
  check('C.8 an aud-form token over the same claims: verified, then nonce_replayed', cAud.error === 'nonce_replayed', cAud);
}

// ---- main ----------------------------------------------------------------------------------------
const watchdog = setTimeout(() => {
  console.error('id_site_stormpath: timed out');
  process.exit(1);
}, 60000);
watchdog.unref();

let base;
try {
  base = await listen();
  t = new Tool(tool);
  const appHref = `${base}/v1/applications/app1`;
  await t.must('site', { issuer: base });
  await t.must('register', { api_key_id: KEY_ID, api_key_secret: SECRET, href: appHref,
                             callback_uris: [`${base}/callback`, `${base}/callback?next=%2Fhome&x=1`] });
  await t.must('register', { api_key_id: OTHER_ID, api_key_secret: OTHER_SECRET, href: appHref, callback_uris: [`${base}/callback`] });
  const app = await sdkApplication(base, 'app1');
  check('the SDK fetched the application from the local API', app.href === appHref, app.href);
  const refusals = await requestsFromSdk(base, app);
  await responsesToSdk(base, app, refusals);
  await responsesFromStormpath(base);
  check('the local API saw no unexpected request', unexpected.length === 0, unexpected);
} catch (e) {
  failures.push('exception');
  console.error(e);
} finally {
  if (t) await t.stop();
  server.closeAllConnections?.();
  server.close();
}

console.log(`id_site_stormpath (stormpath ${sdkVersion}, njwt ${njwtVersion}, node ${process.version}): ` +
            `${passed} passed, ${failures.length} failed, ${known} known differences`);
process.exit(failures.length === 0 ? 0 : 1);
