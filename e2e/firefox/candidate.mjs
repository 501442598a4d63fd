// Drives Firefox ESR over WebDriver BiDi through a candidate's interview: landing, consent, device check, and each
// question answered for a set time, then submitted. Used by the Go tests of e2e/ (firefox_test.go), which run it
// inside a network namespace. Firefox's fake camera and microphone stand in for real ones.
//
//   node candidate.mjs '{"url": "http://10.77.0.1:8090/i/...", "questions": 2, "seconds": 8}'
//
// Prints one line of JSON: the time each answer was recorded for (from the moment the page shows it is recording
// to the press of "Stop recording", as the page's own clock measures it), whether the page ever said the
// connection was lost, and, on a failure, the error and the page's text.
import puppeteer from 'puppeteer-core';

const opts = JSON.parse(process.argv[2]);
const result = { recordedMs: [], sent: [], connectionLost: false };
const timeout = 30_000;

const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath: opts.firefox ?? '/usr/bin/firefox-esr',
  headless: true,
  protocolTimeout: 120_000,
  extraPrefsFirefox: {
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
    // show the candidate's real address, as after a camera permission (the server has no mDNS resolver)
    'media.peerconnection.ice.obfuscate_host_addresses': false,
    // the server is on the namespace's address over plain HTTP: treat it as secure, as loopback is
    'dom.securecontext.allowlist': new URL(opts.url).hostname,
    'media.autoplay.default': 0,
    'media.autoplay.blocking_policy': 0,
  },
});
let page;
try {
  page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  // every peer connection of the page, to read its send statistics
  await page.evaluateOnNewDocument(() => {
    window.pcs = [];
    const Orig = window.RTCPeerConnection;
    window.RTCPeerConnection = function (...a) { const pc = new Orig(...a); window.pcs.push(pc); return pc; };
    window.RTCPeerConnection.prototype = Orig.prototype;
    Object.assign(window.RTCPeerConnection, Orig);
  });
  await page.goto(opts.url);
  await waitForText('What to expect');
  // from here on, note any moment the page says the connection is lost
  await page.evaluate(() => {
    window.connectionLost = false;
    setInterval(() => {
      if (document.querySelector('main')?.innerText.includes('Connection lost')) window.connectionLost = true;
    }, 50);
  });
  await page.evaluate(() => {
    const label = [...document.querySelectorAll('label')].find((l) =>
      l.textContent.trim() === 'I agree that my answers are recorded and kept as described.');
    label.control.click();
  });
  await click('Continue');
  await waitForText('Check your camera and microphone');
  await waitForText('Your connection works.');
  await click('Start the interview');
  for (let q = 1; q <= opts.questions; q++) {
    await waitForText(`Question ${q} of ${opts.questions}`);
    const [ms, sent] = await page.evaluate(async (seconds) => {
      const find = (t) => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === t && !b.disabled);
      const wait = async (t) => {
        const deadline = performance.now() + 30_000;
        while (!find(t)) {
          if (performance.now() > deadline) throw new Error(`no ${t} button`);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      const framesSent = async () => {
        let n = 0;
        for (const pc of window.pcs ?? []) {
          if (pc.connectionState !== 'connected') continue;
          (await pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') n += s.framesSent ?? 0; });
        }
        return n;
      };
      await wait('Start recording');
      find('Start recording').click();
      await wait('Stop recording');
      const began = performance.now();
      const sent0 = await framesSent();
      await new Promise((r) => setTimeout(r, seconds * 1000 - (performance.now() - began)));
      const sent1 = await framesSent();
      find('Stop recording').click();
      return [performance.now() - began, sent1 - sent0];
    }, opts.seconds);
    result.recordedMs.push(ms);
    result.sent.push(sent);
    await waitForText('Your take 1');
    await click('Submit this answer');
  }
  await waitForText('Thank you!');
  result.connectionLost = await page.evaluate(() => window.connectionLost);
} catch (err) {
  result.error = String(err);
  try {
    result.page = await page.evaluate(() => document.querySelector('main')?.innerText ?? document.body.innerText);
    result.connectionLost = await page.evaluate(() => window.connectionLost);
  } catch {
    // the page is gone: the error says why
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));

async function waitForText(text) {
  await page.waitForFunction((t) => document.querySelector('main')?.innerText.includes(t), { timeout }, text);
}

async function click(text) {
  await page.waitForFunction((t) => {
    const b = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === t && !b.disabled);
    if (b) b.click();
    return !!b;
  }, { timeout }, text);
}
