// Interoperability of apiauth's JOSE module with the npm package jose (pinned in package.json).
//
// Usage: node jose_interop.mjs <path/to/apiauth_jwt_tool>   (run from a directory whose
// node_modules holds jose: CTest copies this file and package*.json into the build tree and
// runs `npm ci --ignore-scripts` there; see run_interop.cmake).
//
// For every algorithm both sides support, in both directions and with keys made by either side
// (RFC 7515, RFC 7518, RFC 7519, RFC 8037, RFC 8812):
//   A  apiauth makes the key and signs; jose imports the public JWK and verifies (signature, iss, aud, exp)
//   B  apiauth makes the key; jose imports the private JWK and signs; apiauth verifies (JWK Set, kid, typ)
//   C  jose makes the key and signs; apiauth imports jose's public JWK and verifies
//   D  jose makes the key; apiauth imports jose's private JWK and signs; jose verifies
// then tokens tampered in each segment, "none" and algorithm-confusion tokens, an embedded "jwk"
// header, and expired tokens, each rejected by both sides with apiauth's error name asserted.
// One line per check; exit status 1 if any check failed.

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
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
    console.log('usage: node jose_interop.mjs <path/to/apiauth_jwt_tool>');
    process.exit(2);
}

const ALGS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
              'ES256', 'ES384', 'ES512', 'ES256K', 'EdDSA'];
// A second algorithm the same key material can be made to sign with (an algorithm swap that a
// verifier binding alg to the key must refuse; RFC 8725 §3.1).
const SIBLING = { HS256: 'HS384', HS384: 'HS512', HS512: 'HS256', RS256: 'PS256', RS384: 'PS384', RS512: 'PS512',
                  PS256: 'RS256', PS384: 'RS384', PS512: 'RS512', ES256: 'ES384', ES384: 'ES256', ES512: 'ES256',
                  ES256K: 'ES256' };
const ISS = 'https://issuer.interop.example';
const AUD = 'https://api.interop.example';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let passed = 0, failed = 0, skipped = 0;

function report(ok, name, detail = '') {
    if (ok) {
        passed++;
        console.log(`PASS  ${name}` + (detail ? `  (${detail})` : ''));
    } else {
        failed++;
        console.log(`FAIL  ${name}` + (detail ? `: ${detail}` : ''));
    }
}

function skip(name, reason) {
    skipped++;
    console.log(`SKIP  ${name}: ${reason}`);
}

const b64e = (buf) => Buffer.from(buf).toString('base64url');
const b64d = (s) => Buffer.from(s, 'base64url');
function family(alg) {
    if (alg.startsWith('HS')) return 'hmac';
    if (alg[0] === 'R' || alg[0] === 'P') return 'rsa';
    return alg === 'EdDSA' ? 'okp' : 'ec';
}
const hashOf = (alg) => (alg === 'EdDSA' ? null : `sha${alg.slice(2, 5)}`);

// Deep equality of JSON values (claims round trips).
function same(a, b) {
    return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
function canon(v) {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
    return v;
}

function claims(sub, lifetime = 600, aud = AUD) {
    const now = Math.floor(Date.now() / 1000);
    return { iss: ISS, aud, sub, iat: now, exp: now + lifetime, jti: b64e(crypto.randomBytes(12)),
             scope: 'read write', n: 1.5, nested: { list: [1, 2, 'caf\u00e9'], ok: true } };
}

// ---------------------------------------------------------------------------------------------
// apiauth, through the tool

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'apiauth-jose-'));
let files = 0;
function writeJson(obj) {
    const p = path.join(WORK, `k${++files}.json`);
    fs.writeFileSync(p, JSON.stringify(obj));
    return p;
}

class ToolError extends Error {}

function tool(...args) {
    const r = spawnSync(TOOL, args, { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1)
        throw new ToolError(`apiauth_jwt_tool ${args[0]} exited ${r.status ?? r.signal}: ${(r.stderr || '').trim()}`);
    return [r.status, r.stdout.trim()];
}

function toolOk(...args) {
    const [rc, out] = tool(...args);
    if (rc !== 0) throw new ToolError(`apiauth_jwt_tool ${args[0]} failed: ${out}`);
    return out;
}

// --alg for a JWK without "alg" (jose exports oct and RSA keys without one); EC and OKP keys follow their crv.
const algArgs = (jwk, alg) => ('alg' in jwk || jwk.kty === 'EC' || jwk.kty === 'OKP' ? [] : ['--alg', alg]);

// [error name or null, claims or null]
function apiauthVerify(keyPath, token, extra = []) {
    const [rc, out] = tool('verify', keyPath, token, ...extra);
    return rc === 0 ? [null, JSON.parse(out)] : [out, null];
}

// ---------------------------------------------------------------------------------------------
// jose

async function peerSign(alg, key, c, kid) {
    const header = { alg, typ: 'JWT' };
    if (kid) header.kid = kid;
    return new jose.SignJWT(c).setProtectedHeader(header).sign(key);
}

// [error code or null, claims or null]
async function peerVerify(alg, key, token, { aud = AUD, iss = ISS } = {}) {
    try {
        const { payload } = await jose.jwtVerify(token, key, { algorithms: [alg], issuer: iss, audience: aud,
                                                              requiredClaims: ['exp', 'iss', 'aud'] });
        return [null, payload];
    } catch (e) {
        return [e.code ?? e.name ?? String(e), null];
    }
}

const peerImport = (alg, jwk) => jose.importJWK(jwk, alg);

// A key made by jose: [signing key, private JWK, public JWK, verification key].
async function peerKeygen(alg, kid) {
    if (family(alg) === 'hmac') {
        const secret = await jose.generateSecret(alg, { extractable: true });
        const jwk = { ...(await jose.exportJWK(secret)), kid };
        return [secret, jwk, jwk, secret];
    }
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    const priv = { ...(await jose.exportJWK(privateKey)), kid };
    const pub = { ...(await jose.exportJWK(publicKey)), kid };
    return [privateKey, priv, pub, publicKey];
}

// null if jose (on this Node.js) signs and verifies `alg`, else the reason.
async function unsupported(alg) {
    try {
        const [k, , , vk] = await peerKeygen(alg, 'probe');
        const t = await peerSign(alg, k, { exp: Math.floor(Date.now() / 1000) + 60, iss: ISS, aud: AUD });
        const [err] = await peerVerify(alg, vk, t);
        if (err) return `jose cannot verify its own ${alg} token (${err})`;
        return null;
    } catch (e) {
        return `jose ${joseVersion} on Node.js ${process.version} does not support ${alg} (${e.code ?? e.message})`;
    }
}

// Signs `message` with node:crypto for `alg`, whatever the key's own algorithm (for algorithm swaps).
function rawSign(alg, key, message) {
    if (family(alg) === 'hmac') {
        const secret = key instanceof crypto.KeyObject ? key.export() : key;
        return crypto.createHmac(hashOf(alg), secret).update(message).digest();
    }
    if (alg === 'EdDSA') return crypto.sign(null, message, key);
    if (alg.startsWith('PS'))
        return crypto.sign(hashOf(alg), message, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING,
                                                   saltLength: Number(alg.slice(2)) / 8 });
    if (alg.startsWith('RS')) return crypto.sign(hashOf(alg), message, key);
    return crypto.sign(hashOf(alg), message, { key, dsaEncoding: 'ieee-p1363' });
}

function rawToken(header, payloadB64, signer) {
    const h = b64e(JSON.stringify(header));
    return `${h}.${payloadB64}.${b64e(signer(Buffer.from(`${h}.${payloadB64}`)))}`;
}

// ---------------------------------------------------------------------------------------------
// Tampering

// seg with character i replaced by another base64url character (changing its high bits, so the
// decoded octets differ even at a segment's last character).
const changeChar = (seg, i) => seg.slice(0, i) + B64URL[B64URL.indexOf(seg[i]) ^ 0x20] + seg.slice(i + 1);

function parseUnique(text) {
    // JSON.parse keeps the last of duplicate names: count the names (the headers here are flat objects).
    const obj = JSON.parse(text);
    const names = [...text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => m[1]);
    if (new Set(names).size !== names.length) throw new Error('duplicate member');
    return obj;
}

// A one-character change of the header segment whose decoded header is still a JSON object with
// the same members, alg and kid (so the same key is chosen and only the signature can fail).
function headerChangeKeepingJson(h) {
    const orig = JSON.parse(b64d(h).toString());
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < h.length - 1; i++) {
        for (const c of B64URL) {
            if (c === h[i]) continue;
            const cand = h.slice(0, i) + c + h.slice(i + 1);
            let obj;
            try {
                obj = parseUnique(decoder.decode(b64d(cand)));
            } catch {
                continue;
            }
            if (obj && typeof obj === 'object' && !Array.isArray(obj) &&
                same(Object.keys(obj).sort(), Object.keys(orig).sort()) && obj.alg === orig.alg &&
                obj.kid === orig.kid && !same(obj, orig) && typeof obj.typ === 'string')
                return cand;
        }
    }
    return null;
}

// seg with the unused low bits of its last character set, or null when it has none.
function noncanonicalLastChar(seg) {
    const spare = (seg.length * 6) % 8;
    if (spare === 0) return null;
    let v = B64URL.indexOf(seg.at(-1)) | ((1 << spare) - 1);
    if (B64URL[v] === seg.at(-1)) v = B64URL.indexOf(seg.at(-1)) ^ 1;
    return seg.slice(0, -1) + B64URL[v];
}

// apiauth must answer `want` (an error name); jose must throw.
async function expectBothReject(name, token, apiKeyPath, apiExtra, peerAlg, peerKey, want) {
    const [apiErr] = apiauthVerify(apiKeyPath, token, apiExtra);
    const [peerErr] = await peerVerify(peerAlg, peerKey, token);
    const ok = apiErr === want && peerErr !== null;
    report(ok, name, ok ? `apiauth ${apiErr}, jose ${peerErr}`
                        : `apiauth answered ${apiErr ?? 'VALID'} (want ${want}), jose ${peerErr ?? 'ACCEPTED'}`);
}

// ---------------------------------------------------------------------------------------------

async function run(alg) {
    const fam = family(alg);
    const pol = ['--iss', ISS, '--aud', AUD];

    // --- keys made by apiauth -----------------------------------------------------------------
    const apiPriv = JSON.parse(toolOk('keygen', alg, `apiauth-${alg}`));
    const apiPrivPath = writeJson(apiPriv);
    const apiPub = fam === 'hmac' ? apiPriv : JSON.parse(toolOk('pubjwk', apiPrivPath));
    const apiPubPath = writeJson(apiPub);
    const apiJwksPath = writeJson({ keys: [apiPub] });
    const peerApiPub = await peerImport(alg, apiPub);

    // A: apiauth signs, jose verifies
    let c = claims(`A-${alg}`);
    const tokenA = toolOk('sign', apiPrivPath, JSON.stringify(c));
    let [err, got] = await peerVerify(alg, peerApiPub, tokenA);
    report(!err && same(got, c), `${alg} A apiauth key, apiauth signs, jose verifies`,
           err ?? (same(got, c) ? '' : `claims differ: ${JSON.stringify(got)}`));
    [err] = await peerVerify(alg, peerApiPub, tokenA, { aud: 'https://other.example' });
    report(err === 'ERR_JWT_CLAIM_VALIDATION_FAILED', `${alg} A jose refuses apiauth's token for another audience`,
           err ?? 'ACCEPTED');
    [err] = await peerVerify(alg, peerApiPub, tokenA, { iss: 'https://other.example' });
    report(err === 'ERR_JWT_CLAIM_VALIDATION_FAILED', `${alg} A jose refuses apiauth's token from another issuer`,
           err ?? 'ACCEPTED');

    // B: jose signs with apiauth's private JWK, apiauth verifies (JWK Set, kid, typ)
    const peerApiPriv = await peerImport(alg, apiPriv);
    c = claims(`B-${alg}`);
    const tokenB = await peerSign(alg, peerApiPriv, c, apiPriv.kid);
    [err, got] = apiauthVerify(apiJwksPath, tokenB, [...pol, '--typ', 'JWT']);
    report(!err && same(got, c), `${alg} B apiauth key, jose signs, apiauth verifies (JWKS, kid, typ)`,
           err ?? (same(got, c) ? '' : `claims differ: ${JSON.stringify(got)}`));
    [err] = apiauthVerify(apiJwksPath, tokenB, ['--iss', ISS, '--aud', 'https://other.example']);
    report(err === 'wrong_audience', `${alg} B apiauth refuses jose's token for another audience`, err ?? 'VALID');
    [err] = apiauthVerify(apiJwksPath, tokenB, ['--iss', 'https://other.example', '--aud', AUD]);
    report(err === 'wrong_issuer', `${alg} B apiauth refuses jose's token from another issuer`, err ?? 'VALID');

    // --- keys made by jose --------------------------------------------------------------------
    const [peerK, peerPriv, peerPub, peerVk] = await peerKeygen(alg, `jose-${alg}`);
    const peerPrivPath = writeJson(peerPriv), peerPubPath = writeJson(peerPub);

    // C: jose signs (no kid in the header: the key is chosen by alg), apiauth verifies
    c = claims(`C-${alg}`, 600, [AUD, 'https://second.example']);
    const tokenC = await peerSign(alg, peerK, c);
    [err, got] = apiauthVerify(peerPubPath, tokenC, [...pol, ...algArgs(peerPub, alg)]);
    report(!err && same(got, c), `${alg} C jose key, jose signs, apiauth verifies (aud array)`,
           err ?? (same(got, c) ? '' : `claims differ: ${JSON.stringify(got)}`));

    // D: apiauth signs with jose's private JWK, jose verifies with its own key
    c = claims(`D-${alg}`);
    const [rc, tokenD] = tool('sign', peerPrivPath, JSON.stringify(c), ...algArgs(peerPriv, alg));
    if (rc !== 0) {
        report(false, `${alg} D jose key, apiauth signs, jose verifies`, `apiauth refused the key: ${tokenD}`);
    } else {
        [err, got] = await peerVerify(alg, peerVk, tokenD);
        report(!err && same(got, c), `${alg} D jose key, apiauth signs, jose verifies`,
               err ?? (same(got, c) ? '' : `claims differ: ${JSON.stringify(got)}`));
    }

    // --- tampering: every segment, both tokens, both verifiers ------------------------------
    for (const [label, token, keyPath, extra, vkey] of [
        ['apiauth-signed', tokenA, apiPubPath, pol, peerApiPub],
        ['jose-signed', tokenC, peerPubPath, [...pol, ...algArgs(peerPub, alg)], peerVk],
    ]) {
        const [h, p, s] = token.split('.');
        await expectBothReject(`${alg} tamper ${label}: signature char changed`,
                               `${h}.${p}.${changeChar(s, s.length >> 1)}`, keyPath, extra, alg, vkey, 'bad_signature');
        await expectBothReject(`${alg} tamper ${label}: payload char changed`,
                               `${h}.${changeChar(p, p.length >> 1)}.${s}`, keyPath, extra, alg, vkey, 'bad_signature');
        const h2 = headerChangeKeepingJson(h);
        if (h2 === null) report(false, `${alg} tamper ${label}: header char changed`, 'no such change found');
        else
            await expectBothReject(`${alg} tamper ${label}: header char changed (still JSON: ${b64d(h2)})`,
                                   `${h2}.${p}.${s}`, keyPath, extra, alg, vkey, 'bad_signature');
        await expectBothReject(`${alg} tamper ${label}: header char changed (no longer JSON)`,
                               `${changeChar(h, 0)}.${p}.${s}`, keyPath, extra, alg, vkey, 'jws_invalid_header');
        await expectBothReject(`${alg} tamper ${label}: signature removed`, `${h}.${p}.`, keyPath, extra, alg, vkey,
                               'bad_signature_length');
        // Not a forgery (a lenient decoder reads the same octets) but not canonical base64url either
        // (RFC 4648 §3.5, RFC 7515 §2): apiauth refuses it; jose's verdict is reported, not required.
        const s2 = noncanonicalLastChar(s);
        if (s2 !== null) {
            const [apiErr] = apiauthVerify(keyPath, `${h}.${p}.${s2}`, extra);
            const [peerErr] = await peerVerify(alg, vkey, `${h}.${p}.${s2}`);
            report(apiErr === 'base64_noncanonical', `${alg} ${label}: signature with non-zero unused bits`,
                   `apiauth ${apiErr ?? 'VALID'}, jose ${peerErr ?? 'accepts (lenient base64)'}`);
        }
    }

    // --- none and algorithm confusion (against apiauth's key) --------------------------------
    const [, p, s] = tokenA.split('.');
    const kid = apiPriv.kid;
    for (const none of ['none', 'None', 'NONE']) {
        const hn = b64e(JSON.stringify({ alg: none, typ: 'JWT', kid }));
        await expectBothReject(`${alg} alg:${none} with an empty signature`, `${hn}.${p}.`, apiPubPath, pol, alg,
                               peerApiPub, 'unsupported_algorithm');
    }
    const hn = b64e(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    await expectBothReject(`${alg} alg:none keeping the original signature`, `${hn}.${p}.${s}`, apiPubPath, pol, alg,
                           peerApiPub, 'unsupported_algorithm');

    if (fam !== 'hmac') {
        // The public key as an HMAC secret (RFC 8725 §2.1): as PEM text, and as the JWK text.
        const spki = crypto.createPublicKey({ key: apiPub, format: 'jwk' });
        const pem = Buffer.from(spki.export({ type: 'spki', format: 'pem' }));
        for (const [secretName, secret] of [['PEM', pem], ['JWK text', Buffer.from(JSON.stringify(apiPub))]]) {
            const t = rawToken({ alg: 'HS256', typ: 'JWT', kid }, p, (m) => rawSign('HS256', secret, m));
            await expectBothReject(`${alg} confusion: HS256 keyed with the public ${secretName}, kid kept`, t,
                                   apiPubPath, pol, alg, peerApiPub, 'algorithm_mismatch');
        }
        const t = rawToken({ alg: 'HS256', typ: 'JWT' }, p, (m) => rawSign('HS256', pem, m));
        await expectBothReject(`${alg} confusion: HS256 keyed with the public PEM, no kid`, t, apiPubPath, pol, alg,
                               peerApiPub, 'unknown_key');
        // An attacker's own key in a "jwk" header (RFC 8725 §3.10: never a source of keys).
        const [atkK, , atkPub] = await peerKeygen(alg, kid);
        const te = rawToken({ alg, typ: 'JWT', kid, jwk: atkPub }, p, (m) => rawSign(alg, atkK, m));
        await expectBothReject(`${alg} embedded jwk header of an attacker's key`, te, apiPubPath, pol, alg, peerApiPub,
                               'bad_signature');
    }
    if (SIBLING[alg]) {
        const sib = SIBLING[alg];
        const signKey = fam === 'hmac' ? b64d(apiPriv.k) : crypto.createPrivateKey({ key: apiPriv, format: 'jwk' });
        let t = rawToken({ alg: sib, typ: 'JWT', kid }, p, (m) => rawSign(sib, signKey, m));
        await expectBothReject(`${alg} algorithm swap: the same key signs as ${sib}, kid kept`, t, apiPubPath, pol, alg,
                               peerApiPub, 'algorithm_mismatch');
        t = rawToken({ alg: sib, typ: 'JWT' }, p, (m) => rawSign(sib, signKey, m));
        await expectBothReject(`${alg} algorithm swap: the same key signs as ${sib}, no kid`, t, apiPubPath, pol, alg,
                               peerApiPub, 'unknown_key');
    }

    // --- expiry -------------------------------------------------------------------------------
    c = claims(`expired-${alg}`, -120);
    let t = toolOk('sign', apiPrivPath, JSON.stringify(c));
    let [apiErr] = apiauthVerify(apiPubPath, t, pol);
    let [peerErr] = await peerVerify(alg, peerApiPub, t);
    report(apiErr === 'token_expired' && peerErr === 'ERR_JWT_EXPIRED',
           `${alg} expired token signed by apiauth rejected by both`, `apiauth ${apiErr}, jose ${peerErr}`);
    t = await peerSign(alg, peerK, c);
    [apiErr] = apiauthVerify(peerPubPath, t, [...pol, ...algArgs(peerPub, alg)]);
    [peerErr] = await peerVerify(alg, peerVk, t);
    report(apiErr === 'token_expired' && peerErr === 'ERR_JWT_EXPIRED',
           `${alg} expired token signed by jose rejected by both`, `apiauth ${apiErr}, jose ${peerErr}`);
    const [he, pe, se] = t.split('.');
    await expectBothReject(`${alg} forged expired token: bad_signature, not token_expired`,
                           `${he}.${pe}.${changeChar(se, se.length >> 1)}`, peerPubPath,
                           [...pol, ...algArgs(peerPub, alg)], alg, peerVk, 'bad_signature');
}

// Less common but valid tokens and keys a peer makes.
async function extras() {
    const pol = ['--iss', ISS, '--aud', AUD];
    // A kid with JSON escapes and non-ASCII: matched after unescaping, exactly, among keys whose
    // kids differ only in those characters (RFC 7515 §4.1.4).
    const kid = 'caf\u00e9/"q"\\\u{1F600}';
    const [k, , pub] = await peerKeygen('EdDSA', kid);
    const [decoyK, , decoy] = await peerKeygen('EdDSA', 'caf\u00e9/"q"\\');
    const jwks = writeJson({ keys: [decoy, pub] });
    let c = claims('kid-escapes');
    let [err, got] = apiauthVerify(jwks, await peerSign('EdDSA', k, c, kid), pol);
    report(!err && same(got, c), 'EdDSA jose token whose kid has JSON escapes and non-ASCII, JWKS of two', err ?? '');
    [err] = apiauthVerify(jwks, await peerSign('EdDSA', decoyK, c, kid), pol);
    report(err === 'bad_signature', 'EdDSA the other key of that JWKS signing under the same kid', err ?? 'VALID');

    // Fractional NumericDates (RFC 7519 §2) and a 5 KB claims set (beyond the inline buffer).
    const now = Date.now() / 1000;
    c = { ...claims('fractional'), iat: now - 0.5, exp: now + 600.25, big: 'x'.repeat(5000) };
    [err, got] = apiauthVerify(writeJson(pub), await peerSign('EdDSA', k, c), pol);
    report(!err && same(got, c), 'EdDSA jose token with fractional iat/exp and a 5 KB claim', err ?? '');

    // RSA keys larger than 2048 bits, both ways.
    const { publicKey, privateKey } = await jose.generateKeyPair('PS512', { modulusLength: 4096, extractable: true });
    const rpriv = await jose.exportJWK(privateKey), rpub = await jose.exportJWK(publicKey);
    for (const alg of ['RS512', 'PS512']) {
        c = claims(`rsa4096-${alg}`);
        [err, got] = apiauthVerify(writeJson(rpub), await peerSign(alg, privateKey, c), [...pol, '--alg', alg]);
        report(!err && same(got, c), `${alg} jose RSA-4096 key, jose signs, apiauth verifies`, err ?? '');
        const [rc, t] = tool('sign', writeJson(rpriv), JSON.stringify(c), '--alg', alg);
        [err, got] = rc === 0 ? await peerVerify(alg, publicKey, t) : [t, null];
        report(!err && same(got, c), `${alg} jose RSA-4096 key, apiauth signs, jose verifies`, err ?? '');
    }
}

async function main() {
    console.log(`jose ${joseVersion}, Node.js ${process.version}; tool ${TOOL}`);
    const results = {};
    for (const alg of ALGS) {
        const why = await unsupported(alg);
        if (why) {
            skip(`${alg} (all checks)`, why);
            results[alg] = 'skipped';
            continue;
        }
        const before = failed;
        try {
            await run(alg);
        } catch (e) {
            report(false, `${alg} harness`, `${e.name}: ${e.message}`);
        }
        results[alg] = failed === before ? 'ok' : 'FAILED';
    }
    try {
        await extras();
    } catch (e) {
        report(false, 'extras harness', `${e.name}: ${e.message}`);
    }
    console.log();
    console.log('per algorithm: ' + Object.entries(results).map(([a, r]) => `${a} ${r}`).join(', '));
    console.log(`jose: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    return failed ? 1 : 0;
}

let status = 1;
try {
    status = await main();
} finally {
    fs.rmSync(WORK, { recursive: true, force: true });
}
process.exit(status);
