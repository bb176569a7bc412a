// tests/browser/op.mjs — a local OpenID Provider for the demo's "Log in with …" (issue 13): npm
// oidc-provider 8.8.1 (the last 8.x; 9.x needs node 22), as tests/interop/oidc_e2e.mjs runs it.
//
//   node op.mjs --port N --client-id ID --client-secret S --redirect-uri URI
//               [--https-cert FILE --https-key FILE [--host NAME]]
//
// Listens on 127.0.0.1:N (plain HTTP: oidc-provider allows it for a loopback issuer) with its
// development interactions (a login form taking any login and any password, then a consent
// form), one confidential client (client_secret_basic, PKCE S256 required) and an RS256 key made
// at start. An account's claims: sub = the login typed, email <login>@example.org (verified),
// name "User <login>"; they go into the ID token (conformIdTokenClaims off), where demo_api reads
// them. Prints "PORT n" once listening; stops at the end of its standard input or on SIGTERM.
// With --https-cert and --https-key (PEM files: the certificate, with its chain if any, and its
// key) it speaks HTTPS instead, as real providers do, and its issuer is https://NAME:N, NAME being
// --host (127.0.0.1 unless given; it must resolve to 127.0.0.1 and be in the certificate's
// subjectAltName, or clients that verify, as they must, refuse it): the TLS of demo_api's
// social login is tested against it (examples/demo_api/social_tls_test.sh).

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import nodeTls from 'node:tls';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values: opt } = parseArgs({
    options: {
        port: { type: 'string', default: '0' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'redirect-uri': { type: 'string' },
        'https-cert': { type: 'string' },
        'https-key': { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
    },
});
for (const name of ['client-id', 'client-secret', 'redirect-uri']) {
    if (!opt[name]) {
        console.error(`usage: node op.mjs --port N --client-id ID --client-secret S --redirect-uri URI [--https-cert FILE --https-key FILE [--host NAME]] (--${name} is missing)`);
        process.exit(2);
    }
}
if (!opt['https-cert'] !== !opt['https-key']) {
    console.error('op.mjs: --https-cert and --https-key go together');
    process.exit(2);
}
const tls = Boolean(opt['https-cert']);

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'browser-op-rs256' };

// With a host name (not an address), a client must send it as SNI (RFC 6066 §3), as a provider
// serving several names needs: a handshake naming another server, or none, is refused, so the
// test fails if demo_api stops sending it.
const isAddress = /^[0-9.]+$|:/.test(opt.host);
let server;
if (tls) {
    const pem = { cert: fs.readFileSync(opt['https-cert']), key: fs.readFileSync(opt['https-key']) };
    const context = nodeTls.createSecureContext(pem);
    server = https.createServer({
        ...pem,
        SNICallback: (servername, done) =>
            servername === opt.host ? done(null, context) : done(new Error(`SNI "${servername}" is not ${opt.host}`)),
    });
    if (!isAddress) {
        // SNICallback is not called when the client sends no server name: refuse that too.
        server.on('secureConnection', (socket) => {
            if (socket.servername !== opt.host) socket.destroy();
        });
    }
} else {
    server = http.createServer();
}
await new Promise((resolve) => server.listen(Number(opt.port), '127.0.0.1', resolve));
const issuer = tls ? `https://${opt.host}:${server.address().port}` : `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
    clients: [{
        client_id: opt['client-id'],
        client_secret: opt['client-secret'],
        redirect_uris: [opt['redirect-uri']],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
    }],
    jwks: { keys: [signingJwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    pkce: { methods: ['S256'], required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false,
    findAccount: (ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, email: `${sub}@example.org`, email_verified: true, name: `User ${sub}` }),
    }),
});
provider.on('server_error', (ctx, err) => console.error(`op: server_error: ${err.stack || err}`));
server.on('request', provider.callback());

console.log(`PORT ${server.address().port}`);
const stop = () => server.close(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
