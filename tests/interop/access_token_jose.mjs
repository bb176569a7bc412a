// RFC 9068 access tokens between apiauth and the npm package jose (pinned in package.json).
//
// Usage: node access_token_jose.mjs <path/to/access_token_tool>   (run from a directory whose
// node_modules holds jose: CTest copies this file and package*.json into the build tree and runs
// `npm ci --ignore-scripts` there; see access_token_run.cmake).
//
// For HS256, RS256, PS256, ES256 and EdDSA, with keys made by jose and, for ES256, by apiauth:
//   A  apiauth issues (oauth2::access_token_issuer); jose's jwtVerify checks the signature through
//      a local JWKS, typ "at+jwt", iss, aud, exp and the RFC 9068 §2.2 required claims.
//   B  jose's SignJWT makes access tokens with typ "at+jwt"; apiauth verifies them
//      (oauth2::access_token_verifier) and reports the claims jose wrote.
// then the E90 cases (research/http-auth-oauth2-spec.md) on jose-made tokens: typ "JWT" refused,
// "application/AT+JWT" accepted, alg "none" (jose's UnsecuredJWT) refused, a foreign aud, an exp
// past the leeway, an iss with a trailing "/", a missing client_id, an insufficient scope (403), a
// revoked jti, and the opt-in plain-JWT relaxation. One line per check; exit status 1 on failure.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

let jose;
try {
    jose = await import('jose');
} catch (e) {
    console.log(`FAIL: the npm package jose is not installed beside ${process.argv[1]} (${e.code ?? e.message}).`);
    console.log('      Run `npm ci --ignore-scripts` in that directory (CTest does, in the build tree).');
    process.exit(1);
}
const joseVersion = createRequire(import.meta.url)('jose/package.json').version;

const TOOL = process.argv[2];
if (!TOOL || !fs.existsSync(TOOL)) {
    console.log('usage: node access_token_jose.mjs <path/to/access_token_tool>');
    process.exit(2);
}

const ISS = 'https://as.interop.example';
const AUD = 'https://rs.interop.example';
const ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'];
const REQUIRED = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'apiauth-at-jose-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

let passed = 0, failed = 0, files = 0;

function report(ok, name, detail = '') {
    if (ok) {
        passed++;
        console.log(`PASS  ${name}` + (detail ? `  (${detail})` : ''));
    } else {
        failed++;
        console.log(`FAIL  ${name}` + (detail ? `: ${detail}` : ''));
    }
}

function tool(...argv) {
    const p = spawnSync(TOOL, argv, { encoding: 'utf8', timeout: 60000 });
    if (p.status !== 0 && p.status !== 1)
        throw new Error(`access_token_tool ${argv[0]} exited ${p.status}: ${p.stderr}`);
    return [p.status, JSON.parse(p.stdout)];
}

function write(name, obj) {
    const file = path.join(tmp, `${++files}-${name}`);
    fs.writeFileSync(file, JSON.stringify(obj));
    return file;
}

// One signing key: the private JWK for apiauth, jose's signing key, and a local JWKS verifier.
async function makeKeys(alg, kid, madeBy = 'jose') {
    let privateJwk, signKey;
    if (madeBy === 'apiauth') {
        const [rc, jwk] = tool('keygen', alg, kid);
        if (rc !== 0) throw new Error(`keygen: ${JSON.stringify(jwk)}`);
        privateJwk = jwk;
        signKey = await jose.importJWK(jwk, alg);
    } else if (alg === 'HS256') {
        signKey = await jose.generateSecret(alg, { extractable: true });
        privateJwk = { ...(await jose.exportJWK(signKey)), alg, kid };
    } else {
        const pair = await jose.generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
        signKey = pair.privateKey;
        privateJwk = { ...(await jose.exportJWK(pair.privateKey)), alg, kid };
    }
    let publicJwk;
    if (alg === 'HS256') {
        publicJwk = privateJwk;
    } else {
        const { d, p, q, dp, dq, qi, ...pub } = privateJwk;  // the public members only
        publicJwk = { ...pub, use: 'sig' };
    }
    const jwks = { keys: [publicJwk] };
    return {
        alg, kid, signKey, privateJwk,
        privatePath: write(`${kid}-private.json`, privateJwk),
        jwksPath: write(`${kid}-jwks.json`, jwks),
        // jose selects from the set by kid and alg, as apiauth does; a secret is used directly.
        verifyKey: alg === 'HS256' ? signKey : jose.createLocalJWKSet(jwks),
    };
}

function claims(over = {}) {
    const now = Math.floor(Date.now() / 1000);
    const c = { iss: ISS, sub: 'client-7', aud: AUD, exp: now + 600, iat: now, jti: `jti-${process.hrtime.bigint()}`,
                client_id: 'client-7', scope: 'items:read items:write' };
    for (const [k, v] of Object.entries(over)) {
        if (v === undefined) delete c[k];
        else c[k] = v;
    }
    return c;
}

async function joseToken(keys, { typ = 'at+jwt', kid = keys.kid, ...over } = {}) {
    const header = { alg: keys.alg, kid };
    if (typ !== undefined && typ !== null) header.typ = typ;
    return new jose.SignJWT(claims(over)).setProtectedHeader(header).sign(keys.signKey);
}

function verify(keys, token, policy = {}) {
    return tool('verify', keys.jwksPath, token, JSON.stringify({ iss: ISS, aud: AUD, alg: keys.alg, ...policy }));
}

function expectError(name, keys, token, error, policy = {}, status = 401, oauthError = 'invalid_token') {
    const [rc, r] = verify(keys, token, policy);
    const ok = rc === 1 && r.error === error && r.status === status && r.oauth_error === oauthError;
    report(ok, name, ok ? `${error}, ${status} ${oauthError}` : JSON.stringify(r));
}

function expectOk(name, keys, token, policy = {}) {
    const [rc, r] = verify(keys, token, policy);
    report(rc === 0, name, rc === 0 ? '' : JSON.stringify(r));
    return r;
}

// ---- A: apiauth issues, jose verifies -----------------------------------------------------------

async function apiauthIssues(keys) {
    const tag = `A ${keys.alg} (${keys.kid})`;
    const req = { iss: ISS, aud: [AUD], lifetime: 900, sub: 'client-7', client_id: 'client-7',
                  scope: ['items:read', 'items:write'], alg: keys.alg };
    const [rc, t] = tool('issue', keys.privatePath, JSON.stringify(req));
    if (rc !== 0) return report(false, `${tag}: apiauth issues`, JSON.stringify(t));
    const header = jose.decodeProtectedHeader(t.token);
    report(JSON.stringify(header) === JSON.stringify({ alg: keys.alg, typ: 'at+jwt', kid: keys.kid }),
           `${tag}: header is alg, typ at+jwt, kid (RFC 9068 §2.1)`, JSON.stringify(header));
    try {
        const { payload, protectedHeader } = await jose.jwtVerify(t.token, keys.verifyKey, {
            issuer: ISS, audience: AUD, typ: 'at+jwt', algorithms: [keys.alg], requiredClaims: REQUIRED });
        report(protectedHeader.typ === 'at+jwt', `${tag}: jose jwtVerify accepts it (signature, typ, iss, aud, exp)`);
        const ok = payload.sub === 'client-7' && payload.client_id === 'client-7' &&
                   payload.scope === 'items:read items:write' && payload.jti === t.jti && payload.jti.length === 22 &&
                   payload.iat === t.iat && payload.exp === t.exp && payload.exp - payload.iat === 900 &&
                   Object.keys(payload).sort().join() === [...REQUIRED, 'scope'].sort().join();
        report(ok, `${tag}: every RFC 9068 §2.2 claim as issued`, JSON.stringify(payload));
    } catch (e) {
        report(false, `${tag}: jose jwtVerify accepts it`, `${e.code}: ${e.message}`);
    }
    try {
        await jose.jwtVerify(t.token, keys.verifyKey, { issuer: ISS, audience: AUD, typ: 'JWT' });
        report(false, `${tag}: jose, asked for typ JWT, refuses it (the typ is really at+jwt)`);
    } catch (e) {
        report(e.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && e.claim === 'typ',
               `${tag}: jose, asked for typ JWT, refuses it (the typ is really at+jwt)`, e.code);
    }
    expectOk(`${tag}: apiauth verifies its own token with the published key`, keys, t.token,
             { scopes: ['items:write'] });
}

// ---- B: jose signs, apiauth verifies --------------------------------------------------------------

async function joseIssues(keys) {
    const c = claims();
    const token = await new jose.SignJWT(c).setProtectedHeader({ alg: keys.alg, typ: 'at+jwt', kid: keys.kid })
                                          .sign(keys.signKey);
    const [rc, r] = verify(keys, token, { scopes: ['items:read'] });
    const ok = rc === 0 && r.sub === c.sub && r.client_id === c.client_id && r.jti === c.jti &&
               JSON.stringify(r.scopes) === JSON.stringify(['items:read', 'items:write']) &&
               JSON.stringify(r.aud) === JSON.stringify([AUD]) && r.iat === c.iat && r.exp === c.exp &&
               r.alg === keys.alg && r.kid === keys.kid;
    report(ok, `B ${keys.alg} (${keys.kid}): apiauth verifies jose's typ at+jwt token and reads its claims`,
           JSON.stringify(r));
}

// ---- E90 and the rest, on jose-made tokens -----------------------------------------------------

async function e90(keys) {
    const a = keys.alg;
    const now = Math.floor(Date.now() / 1000);
    expectError(`E90 ${a}: typ JWT is wrong_token_type (RFC 9068 §4 step 1)`, keys,
                await joseToken(keys, { typ: 'JWT' }), 'wrong_token_type');
    expectOk(`E90 ${a}: typ application/AT+JWT is accepted (a media type, case-insensitive)`, keys,
             await joseToken(keys, { typ: 'application/AT+JWT' }));
    expectError(`E90 ${a}: no typ is wrong_token_type`, keys, await joseToken(keys, { typ: null }), 'wrong_token_type');
    expectError(`E90 ${a}: aud without this resource is wrong_audience`, keys,
                await joseToken(keys, { aud: ['https://other.example'] }), 'wrong_audience');
    expectError(`E90 ${a}: exp past by more than the leeway is token_expired`, keys,
                await joseToken(keys, { exp: now - 120 }), 'token_expired', { leeway: 30 });
    expectError(`E90 ${a}: iss with a trailing '/' is wrong_issuer (exact match)`, keys,
                await joseToken(keys, { iss: `${ISS}/` }), 'wrong_issuer');
    expectError(`RFC 9068 §2.2 ${a}: no client_id is missing_claim`, keys,
                await joseToken(keys, { client_id: undefined }), 'missing_claim');
    expectError(`RFC 6750 §3.1 ${a}: a scope the token lacks is insufficient_scope, 403`, keys,
                await joseToken(keys), 'insufficient_scope', { scopes: ['items:delete'] }, 403, 'insufficient_scope');
    expectError(`RFC 7009 ${a}: a revoked jti is token_revoked`, keys, await joseToken(keys, { jti: 'revoked-1' }),
                'token_revoked', { revoked: ['revoked-1'] });
    expectOk(`research §5.1 ${a}: plain_typ accepts typ JWT`, keys, await joseToken(keys, { typ: 'JWT' }),
             { plain_typ: true });
    expectError(`RFC 8725 §3.11 ${a}: plain_typ still refuses typ secevent+jwt`, keys,
                await joseToken(keys, { typ: 'secevent+jwt' }), 'wrong_token_type', { plain_typ: true });
}

async function noneAndForeignKeys() {
    const hs = await makeKeys('HS256', 'hs-main');
    const none = new jose.UnsecuredJWT(claims()).encode();
    expectError('E90: alg none (jose UnsecuredJWT) is unsupported_algorithm', hs, none, 'unsupported_algorithm');
    const other = await makeKeys('HS256', 'hs-main');
    expectError('RFC 9068 §4 step 5: a token signed with another secret is bad_signature', hs,
                await joseToken(other), 'bad_signature');
    const stranger = await makeKeys('ES256', 'es-stranger');
    expectError('RFC 9068 §4 step 5: a kid not in the set is unknown_key', hs, await joseToken(stranger),
                'unknown_key');
}

async function main() {
    console.log(`jose ${joseVersion}, node ${process.version}, tool ${TOOL}`);
    for (const alg of ALGS) {
        const keys = await makeKeys(alg, `${alg.toLowerCase()}-jose`);
        await apiauthIssues(keys);
        await joseIssues(keys);
        await e90(keys);
    }
    const made = await makeKeys('ES256', 'es256-apiauth', 'apiauth');
    await apiauthIssues(made);
    await joseIssues(made);
    await noneAndForeignKeys();
    console.log(`${passed} passed, ${failed} failed`);
    return failed || passed === 0 ? 1 : 0;
}

try {
    process.exitCode = await main();
} catch (e) {  // a crash is a failure, never a skip
    console.log(`FAIL  unexpected ${e.name}: ${e.message}`);
    process.exitCode = 1;
}
