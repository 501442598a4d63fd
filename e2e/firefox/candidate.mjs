// Drives Firefox ESR over WebDriver BiDi through a candidate's interview: landing, consent, device check, and each
// question answered, then submitted. Used by the Go tests of e2e/ (realbrowser_test.go), which run it inside a
// network namespace and hand it, as JSON in its one argument:
//
//   url        the interview's link
//   questions  how many questions to answer
//   preload    scripts run in every document before the page's own (the test's camera and microphone,
//              oneclock.js, and what reads the page's peer connections)
//   record     an expression, evaluated on each question's page, that records the answer and resolves to what the
//              test wants to know of it (realbrowser_test.go's recordFor)
//
// Prints one line of JSON: each answer's record result (takes), whether the page ever said the connection was
// lost, and, on a failure, the error and the page's text.
import puppeteer from 'puppeteer-core';

const opts = JSON.parse(process.argv[2]);
const result = { takes: [], connectionLost: false };
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
    // ... which makes its plain-HTTP media "mixed content" that Firefox would upgrade to HTTPS and fail to load
    // (a real server is HTTPS, where nothing is upgraded)
    'security.mixed_content.upgrade_display_content': false,
    'media.autoplay.default': 0,
    'media.autoplay.blocking_policy': 0,
  },
});
let page;
try {
  page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  for (const script of opts.preload ?? []) {
    await page.evaluateOnNewDocument(script);
  }
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
    result.takes.push(await page.evaluate(opts.record));
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
