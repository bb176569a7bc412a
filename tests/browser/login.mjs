// tests/browser/login.mjs — the hosted login (Stormpath's ID Site protocol) as a person does it, in
// a real browser: Debian's chromium, headless, driven by puppeteer-core. run.sh starts demo_api
// (the application) and login_site (the hosted login page) and runs this:
//
//   node login.mjs --api URL --site URL --username U --password P --chromium PATH --screenshots DIR
//
// Each step does what a person would (follow a link, type, press a button), then checks what the
// page says; a missing element, a wrong text, status or address fails the test with a message
// naming the step and the address (exit status 1), and leaves a screenshot NN-name-FAILED.png.
// Every step leaves NN-name.png in DIR. What a browser adds to demo_live.sh's curl run: real
// redirects across the two origins, cookies (SameSite=Lax) kept by the browser, the login site's
// Content-Security-Policy (form-action must allow the 302 to the application's callback), the
// signed-out page's meta refresh, and real forms.

import { Buffer } from 'node:buffer';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import puppeteer from 'puppeteer-core';

const { values: opt } = parseArgs({
    options: {
        api: { type: 'string' },
        site: { type: 'string' },
        op: { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        chromium: { type: 'string', default: '/usr/bin/chromium' },
        screenshots: { type: 'string' },
    },
});
for (const name of ['api', 'site', 'username', 'password', 'screenshots']) {
    if (!opt[name]) {
        console.error(`usage: node login.mjs --api URL --site URL --username U --password P [--chromium PATH] --screenshots DIR (--${name} is missing)`);
        process.exit(2);
    }
}
const api = opt.api.replace(/\/$/, '');
const site = opt.site.replace(/\/$/, '');
const op = opt.op?.replace(/\/$/, ''); // the OpenID Provider of "Log in with …", when given
mkdirSync(opt.screenshots, { recursive: true });

const navigationTimeoutMs = 15_000; // one navigation, redirects included
const wholeTestTimeoutMs = 150_000; // below CTest's 300 s, so that our message is the one seen
const loginTitle = 'Sign in — apiauth login site';

// ---- assertions and steps ----

/** A check that did not hold: the message says what was expected and what was found. */
class CheckFailed extends Error {}

function check(condition, message) {
    if (!condition) throw new CheckFailed(message);
}

let browser;
let page;
let stepNumber = 0;

/** NN-name.png of the page (by default the test's) as it is now (NN: the step's number). */
async function screenshot(name, of = page) {
    const file = path.join(opt.screenshots, `${String(stepNumber).padStart(2, '0')}-${name}.png`);
    await of.screenshot({ path: file, fullPage: true });
}

/** Runs one step; its screenshot NN-name.png is taken once it passed, or NN-name-FAILED.png when
    not. A step may take more on the way (screenshot(other-name)): NN is the step's number. */
async function step(name, description, body) {
    stepNumber += 1;
    const started = Date.now();
    try {
        await body();
        await screenshot(name);
    } catch (e) {
        await screenshot(`${name}-FAILED`).catch(() => {});
        const where = page ? ` (the browser was at ${page.url()})` : '';
        throw new Error(`step ${stepNumber} "${description}" failed${where}:\n  ${e.message}`, { cause: e });
    }
    console.log(`  ✓ ${stepNumber}. ${description} (${Date.now() - started} ms)`);
}

// ---- the page ----

/** The element `selector` of the current page, which must be there. */
async function element(selector) {
    const handle = await page.$(selector);
    if (!handle) {
        const body = await page.evaluate(() => document.body?.innerText ?? '').catch(() => '');
        throw new CheckFailed(`no element ${selector} on the page; it says: ${JSON.stringify(body.slice(0, 400))}`);
    }
    return handle;
}

/** The visible text of `selector` (which must be there), trimmed. */
async function text(selector) {
    const handle = await element(selector);
    return (await handle.evaluate((e) => e.innerText)).trim();
}

async function attribute(selector, name) {
    const handle = await element(selector);
    return handle.evaluate((e, n) => e.getAttribute(n), name);
}

/** Clicks `selector` (a link, a submit button) and waits for the navigation it starts to load,
    HTTP redirects included; returns the final response (its status is the last page's). */
async function click(selector) {
    const target = await element(selector);
    const [response] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load', timeout: navigationTimeoutMs }),
        target.click(),
    ]);
    check(response, `clicking ${selector} produced no response`);
    return response;
}

/** Opens `url` as if typed in the address bar; returns the final response, as click does. */
async function open(url) {
    const response = await page.goto(url, { waitUntil: 'load', timeout: navigationTimeoutMs });
    check(response, `opening ${url} produced no response`);
    return response;
}

/** Replaces the value of the input `selector` by typing `value` (a pre-filled value is cleared). */
async function fill(selector, value) {
    const input = await element(selector);
    await input.evaluate((e) => { e.value = ''; });
    await input.type(value);
}

function checkStatus(response, want) {
    check(response.status() === want, `expected HTTP ${want} for ${response.url()}, got ${response.status()}`);
}

function checkUrl(prefix) {
    check(page.url().startsWith(prefix), `expected the browser at ${prefix}…, it is at ${page.url()}`);
}

/** Waits until the browser is at `url` with that page loaded, however it got there: a meta
    refresh is a navigation that neither click nor open waits for. */
async function arrive(url) {
    const deadline = Date.now() + navigationTimeoutMs;
    for (;;) {
        // page.url() changes when the next page commits, so readyState is that page's.
        if (page.url() === url && (await page.evaluate(() => document.readyState).catch(() => '')) === 'complete') return;
        check(Date.now() < deadline, `the browser did not arrive at ${url} within ${navigationTimeoutMs} ms; it is at ${page.url()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

// ---- the test ----

// Every request the browser makes (redirect hops included): the ID Site messages it carried.
const seen = { callbacks: [], loginRequests: [], logoutRequests: [], oidcCallbacks: [] };

async function run() {
    browser = await puppeteer.launch({
        executablePath: opt.chromium,
        headless: true, // the new headless mode (--headless=new)
        // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start. The others: no
        // GPU in CI; /dev/shm may be small in a container.
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
        defaultViewport: { width: 1000, height: 760 },
        timeout: 30_000,
        protocolTimeout: 30_000,
    });
    page = await browser.newPage();
    page.setDefaultTimeout(navigationTimeoutMs);
    page.setDefaultNavigationTimeout(navigationTimeoutMs);
    page.on('request', (r) => {
        const u = r.url();
        if (u.startsWith(`${api}/idsite/callback?jwtResponse=`)) seen.callbacks.push(u);
        else if (u.startsWith(`${site}/sso?jwtRequest=`)) seen.loginRequests.push(u);
        else if (u.startsWith(`${site}/sso/logout?jwtRequest=`)) seen.logoutRequests.push(u);
    });
    // Console errors are shown, not failed on (a CSP violation would be one); the one Chromium
    // logs for each 4xx page is left out: this test opens several on purpose.
    page.on('console', (m) => {
        if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()))
            console.log(`    [console] ${m.text()}`);
    });
    page.on('pageerror', (e) => console.log(`    [page error] ${e.message}`));

    let aliceHref = '';

    await step('home-signed-out', 'the application, nobody signed in', async () => {
        checkStatus(await open(`${api}/`), 200);
        check((await text('#who')) === 'Not signed in.', `#who says ${JSON.stringify(await text('#who'))}, expected "Not signed in."`);
        check((await attribute('#who', 'data-signed-in')) === 'false', '#who[data-signed-in] is not "false"');
        await element('#login');
        await element('#register');
    });

    await step('login-page', 'Sign in: the browser lands on the hosted login page', async () => {
        checkStatus(await click('#login'), 200);
        checkUrl(`${site}/sso?jwtRequest=`);
        const title = await page.title();
        check(title === loginTitle, `the title is ${JSON.stringify(title)}, expected ${JSON.stringify(loginTitle)}`);
        await element('#login-form');
        await element('#register-link');
        check((await page.$('#error')) === null, `an error is shown before any attempt: ${await text('#error').catch(() => '')}`);
        // The page names the application the person will return to: its callback's origin.
        check((await text('#app')) === api, `#app says ${JSON.stringify(await text('#app'))}, expected ${api}`);
    });

    await step('wrong-password', 'a wrong password: refused, still on the login site', async () => {
        await fill('#username', opt.username);
        await fill('#password', `${opt.password}-not`);
        checkStatus(await click('#submit'), 401);
        checkUrl(`${site}/`);
        const error = await text('#error');
        check(/wrong username or password/i.test(error), `#error says ${JSON.stringify(error)}, expected "Wrong username or password."`);
        await element('#login-form');
        check(seen.callbacks.length === 0, 'the browser was sent to the callback after a wrong password');
    });

    await step('signed-in', 'the right password: back in the application, signed in', async () => {
        await fill('#username', opt.username); // the form came back with the username filled in
        await fill('#password', opt.password);
        checkStatus(await click('#submit'), 200);
        check(page.url() === `${api}/`, `expected the browser at ${api}/, it is at ${page.url()}`);
        check(seen.callbacks.length === 1, `expected one visit to the callback, saw ${seen.callbacks.length}`);
        const who = await text('#who');
        check(who.startsWith('Signed in as'), `#who says ${JSON.stringify(who)}, expected "Signed in as …"`);
        aliceHref = await text('#account');
        check(aliceHref.startsWith(`${site}/accounts/`), `#account is ${JSON.stringify(aliceHref)}, expected ${site}/accounts/…`);
        check((await attribute('#who', 'data-signed-in')) === 'true', '#who[data-signed-in] is not "true"');
        check((await page.$('#new-account')) === null, 'alice existed before: #new-account must not be shown');
    });

    await step('replay-kept-session', 'the callback URL opened again: refused as a replay, the session kept', async () => {
        const callback = seen.callbacks.at(-1);
        // (a) As a person would (the back button, a bookmarked or leaked URL): refused. Which
        // check refuses it first depends on the browser's cookies: demo_api binds each login to
        // a demo_login_state cookie (Path=/idsite) and clears it at the callback, and apiauth's
        // handle_callback compares the state before it consumes the request id (irt). With the
        // cookie gone (a browser honours Max-Age=0) the answer is state_mismatch; with it still
        // there, nonce_replayed. Both are refusals of this replay; (b) pins the second.
        const stateCookie = (await browser.cookies()).some((c) => c.name === 'demo_login_state');
        checkStatus(await open(callback), 400);
        const first = await attribute('#error', 'data-error');
        check(['state_mismatch', 'nonce_replayed'].includes(first),
              `#error[data-error] is ${JSON.stringify(first)}, expected "state_mismatch" or "nonce_replayed"`);
        console.log(`    replayed as is: refused with ${first} (the browser ${stateCookie ? 'still had' : 'no longer had'} the demo_login_state cookie)`);
        await screenshot('callback-replayed');

        // (b) The same, with the login's state cookie put back (the value the jwtResponse's
        // state claim carries, as an attacker holding both would send): the state check passes,
        // and the request id, consumed by the first visit, is refused: nonce_replayed.
        const claims = JSON.parse(Buffer.from(new URL(callback).searchParams.get('jwtResponse').split('.')[1], 'base64url'));
        check(typeof claims.state === 'string' && claims.state !== '', 'the jwtResponse carries no state claim');
        await browser.setCookie({ name: 'demo_login_state', value: claims.state, domain: new URL(api).hostname,
                                  path: '/idsite', httpOnly: true, sameSite: 'Lax' });
        checkStatus(await open(callback), 400);
        const second = await attribute('#error', 'data-error');
        check(second === 'nonce_replayed', `with the state cookie, #error[data-error] is ${JSON.stringify(second)}, expected "nonce_replayed"`);
        await screenshot('callback-replayed-with-state');

        // A replay neither signs anyone out nor in: the same person is still signed in.
        checkStatus(await open(`${api}/`), 200);
        const account = await text('#account');
        check(account === aliceHref, `#account is ${JSON.stringify(account)}, expected ${aliceHref} (a replay must not change the session)`);
    });

    await step('keys-listed', 'create an API key, exchange it for a token, call the API; the key is listed', async () => {
        await fill('#key-name', 'browser test key');
        checkStatus(await click('#create-key-button'), 201);
        const key = await text('#api-key');
        check(/^demo_sk_/.test(key), `#api-key is ${JSON.stringify(key.slice(0, 12))}…, expected demo_sk_…`);
        const clientId = await text('#client-id');
        const clientSecret = await text('#client-secret');
        check(key === `${clientId}_${clientSecret}`, 'the key is not <#client-id>_<#client-secret>');

        // From node, as a program using the key would (RFC 6749 §2.3.1: each part form-encoded).
        const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
        const tokenResponse = await fetch(`${api}/oauth/token`, {
            method: 'POST',
            headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials',
            signal: AbortSignal.timeout(navigationTimeoutMs),
        });
        const tokenBody = await tokenResponse.text();
        check(tokenResponse.status === 200, `POST /oauth/token answered ${tokenResponse.status}: ${tokenBody}`);
        const token = JSON.parse(tokenBody);
        check(typeof token.access_token === 'string' && token.access_token.length > 0, `no access_token in ${tokenBody}`);
        check(/^bearer$/i.test(token.token_type), `token_type is ${JSON.stringify(token.token_type)}, expected Bearer`);
        const items = await fetch(`${api}/api/items`, {
            headers: { Authorization: `Bearer ${token.access_token}` },
            signal: AbortSignal.timeout(navigationTimeoutMs),
        });
        const itemsBody = await items.text();
        check(items.status === 200, `GET /api/items with the token answered ${items.status}: ${itemsBody}`);
        check(Array.isArray(JSON.parse(itemsBody).items), `GET /api/items: no "items" array in ${itemsBody}`);
        await screenshot('api-key-created');
        // Back on the account page, the new key is listed.
        checkStatus(await click('#home'), 200);
        const keys = await text('#keys');
        check(keys.includes('browser test key'), `#keys does not list "browser test key": ${JSON.stringify(keys)}`);
    });

    await step('signed-out', 'Sign out: through the login site, back to the application, signed out', async () => {
        const logoutsBefore = seen.logoutRequests.length;
        const callbacksBefore = seen.callbacks.length;
        // The signed-out page goes on by itself (a meta refresh) as soon as it has loaded: too
        // soon to read it from the page, and holding that navigation (request interception)
        // leaves every evaluate on the page unanswered until it goes on. So the answer is read
        // on the network (CDP Fetch, response stage), exactly as the login site sent it, and let
        // through unchanged.
        const logoutPages = [];
        const cdp = await page.createCDPSession();
        cdp.on('Fetch.requestPaused', async ({ requestId, responseStatusCode }) => {
            let html = '';
            try {
                const b = await cdp.send('Fetch.getResponseBody', { requestId });
                html = b.base64Encoded ? Buffer.from(b.body, 'base64').toString('utf8') : b.body;
            } catch (e) {
                html = `(its body could not be read: ${e.message})`;
            }
            logoutPages.push({ status: responseStatusCode, html });
            await cdp.send('Fetch.continueRequest', { requestId }).catch(() => {});
        });
        // A Fetch pattern's '?' is a wildcard: the query's is escaped.
        await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${site}/sso/logout\\?jwtRequest=*`, requestStage: 'Response' }] });
        try {
            const home = page.waitForResponse((r) => r.url() === `${api}/` && r.request().isNavigationRequest(),
                                              { timeout: navigationTimeoutMs });
            home.catch(() => {}); // awaited below: a failure before then must not leave it unhandled
            await click('#logout');
            await arrive(`${api}/`);
            checkStatus(await home, 200);
        } finally {
            await cdp.detach().catch(() => {});
        }
        check(seen.logoutRequests.length === logoutsBefore + 1, 'the browser did not go through the login site\'s /sso/logout');
        check(logoutPages.length === 1, `expected one answer from the login site's /sso/logout, saw ${logoutPages.length}`);
        const { status, html } = logoutPages[0];
        check(status === 200, `the login site's /sso/logout answered ${status}, expected 200 (the signed-out page)`);
        // The signed-out page, read by the browser's own HTML parser (DOMParser runs no script
        // and loads nothing).
        const signedOut = await page.evaluate((h) => {
            const d = new DOMParser().parseFromString(h, 'text/html');
            return {
                title: d.title,
                text: d.body?.textContent.trim() ?? '',
                heading: d.querySelector('h1')?.textContent.trim() ?? null,
                app: d.querySelector('#app')?.textContent.trim() ?? null,
                href: d.querySelector('#continue-link')?.getAttribute('href') ?? null,
                refresh: d.querySelector('meta[http-equiv="refresh"]')?.getAttribute('content') ?? null,
            };
        }, html);
        check(signedOut.href !== null,
              `no element #continue-link on the signed-out page; it says: ${JSON.stringify((signedOut.text || html).slice(0, 400))}`);
        check(signedOut.heading === 'You are signed out', `the signed-out page's heading is ${JSON.stringify(signedOut.heading)}, expected "You are signed out"`);
        check(signedOut.title === 'Signed out — apiauth login site', `the signed-out page's title is ${JSON.stringify(signedOut.title)}`);
        check(signedOut.app === api, `the signed-out page's #app says ${JSON.stringify(signedOut.app)}, expected ${api}`);
        check(signedOut.refresh === `0; url=${signedOut.href}`,
              `the meta refresh is ${JSON.stringify(signedOut.refresh)}, expected "0; url=" and #continue-link's URL`);
        // Its picture, drawn from the answer in another tab without the meta refresh (which would
        // leave it at once).
        const still = await browser.newPage();
        try {
            await still.setContent(html.replace(/<meta http-equiv="refresh"[^>]*>/, ''), { waitUntil: 'load' });
            await screenshot('signed-out-page', still);
        } finally {
            await still.close().catch(() => {});
        }
        check(page.url() === `${api}/`, `expected the browser at ${api}/, it is at ${page.url()}`);
        check(seen.callbacks.length === callbacksBefore + 1, 'the browser did not come back through the callback (the LOGOUT answer)');
        check(seen.callbacks.at(-1) === signedOut.href,
              `the browser went on to ${seen.callbacks.at(-1)}, not to #continue-link's ${signedOut.href}`);
        const who = await text('#who');
        check(who === 'Not signed in.', `#who says ${JSON.stringify(who)}, expected "Not signed in."`);
    });

    await step('registered', 'Create an account: the hosted register page; bob registers and is signed in', async () => {
        checkStatus(await click('#register'), 200);
        checkUrl(`${site}/sso?jwtRequest=`);
        await element('#register-form');
        check((await page.$('#login-form')) === null, 'the login form is shown, not the register form');
        const title = await page.title();
        check(title === 'Create an account — apiauth login site', `the title is ${JSON.stringify(title)}`);
        await screenshot('register-page');
        await fill('#username', 'bob');
        await fill('#password', 'bob-browser-password');
        await fill('#name', 'Bob Builder');
        await fill('#email', 'bob@example.com');
        checkStatus(await click('#submit'), 200);
        check(page.url() === `${api}/`, `expected the browser at ${api}/, it is at ${page.url()}`);
        const account = await text('#account');
        check(account.startsWith(`${site}/accounts/`), `#account is ${JSON.stringify(account)}, expected ${site}/accounts/…`);
        check(account !== aliceHref, `#account is alice's href ${aliceHref}, expected bob's own`);
        check((await text('#new-account')).length > 0, '#new-account is empty');
    });

    await step('tampered-request', 'a login link changed by one character: refused by the login site', async () => {
        check(seen.loginRequests.length > 0, 'the browser was never sent to /sso?jwtRequest=');
        const jwt = new URL(seen.loginRequests.at(-1)).searchParams.get('jwtRequest');
        const parts = jwt.split('.');
        check(parts.length === 3, `the jwtRequest is not a compact JWS: ${jwt.slice(0, 40)}…`);
        // One character in the middle of the signature (the last one may carry only padding
        // bits, which a lenient base64url decoder ignores): the signature no longer verifies.
        const sig = parts[2];
        const i = Math.floor(sig.length / 2);
        parts[2] = sig.slice(0, i) + (sig[i] === 'A' ? 'B' : 'A') + sig.slice(i + 1);
        const before = seen.callbacks.length;
        checkStatus(await open(`${site}/sso?jwtRequest=${parts.join('.')}`), 400);
        checkUrl(`${site}/sso?jwtRequest=`);
        const error = await text('#error');
        check(error.length > 0, '#error is empty');
        // Refused for the signature, not because the untouched request was spent (that answer
        // would be a 302 back to the application: login_site's refuse_request).
        const detail = await text('.detail');
        check(/signature/i.test(detail), `the page gives the reason ${JSON.stringify(detail)}, expected a bad signature`);
        check(seen.callbacks.length === before, 'a tampered request sent the browser to the callback');
        check((await page.$('#login-form')) === null, 'a tampered request shows the login form');
    });

    if (!op) return;
    await step('social-login', '"Log in with the local OpenID Provider": code flow, PKCE, ID token (issue 13)', async () => {
        // Another person on another browser profile: none of the cookies above.
        const context = await browser.createBrowserContext();
        page = await context.newPage();
        page.setDefaultTimeout(navigationTimeoutMs);
        page.setDefaultNavigationTimeout(navigationTimeoutMs);
        page.on('request', (r) => {
            if (r.url().startsWith(`${api}/oidc/callback?`)) seen.oidcCallbacks.push(r.url());
        });
        checkStatus(await open(`${api}/`), 200);
        check((await text('#who')) === 'Not signed in.', 'a fresh profile is signed in');
        checkStatus(await click('#login-oidc-local'), 200);
        checkUrl(`${op}/interaction/`);
        await screenshot('provider-login');
        // oidc-provider's development pages: a login form (any login, any password), then consent.
        await fill('input[name=login]', 'carol');
        await fill('input[name=password]', 'any password');
        checkStatus(await click('button[type=submit]'), 200);
        checkUrl(`${op}/interaction/`);
        await screenshot('provider-consent');
        checkStatus(await click('button[type=submit]'), 200);
        check(page.url() === `${api}/`, `expected the browser back at ${api}/, it is at ${page.url()}`);
        check((await text('#account')) === 'local:carol', `#account is ${JSON.stringify(await text('#account'))}, expected local:carol`);
        const profile = await text('#profile');
        check(profile === 'User carol, carol@example.org', `#profile is ${JSON.stringify(profile)}`);
        // The same callback again: its login is over (one use), so it is refused.
        const callback = seen.oidcCallbacks.at(-1);
        check(callback, 'the browser never came back through /oidc/callback');
        checkStatus(await open(callback), 400);
        check((await attribute('#error', 'data-error')) === 'no_login_in_progress',
              `a replayed callback gave ${await attribute('#error', 'data-error')}`);
    });
}

const watchdog = setTimeout(() => {
    console.error(`browser test: FAILED: not done after ${wholeTestTimeoutMs / 1000} s (step ${stepNumber})`);
    process.exit(1); // puppeteer kills the browser it launched when node exits
}, wholeTestTimeoutMs);
watchdog.unref();

const started = Date.now();
try {
    console.log(`browser test: ${opt.chromium}, application ${api}, login site ${site}`);
    await run();
    console.log(`browser test: all ${stepNumber} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${opt.screenshots}`);
} catch (e) {
    console.error(`browser test: FAILED: ${e.message}`);
    if (!(e.cause instanceof CheckFailed)) console.error(e.cause?.stack ?? e.stack);
    process.exitCode = 1;
} finally {
    await browser?.close().catch(() => {});
}
