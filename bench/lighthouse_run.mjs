// One Lighthouse performance run, signed in with a real session cookie (bench_lighthouse.py).
//   node bench/lighthouse_run.mjs <url> <mobile|desktop> <report.json> [sessionid]
// A cookie passed as an extra header would be replaced by the browser's own Cookie header on
// the page's later requests (once the page has set its CSRF cookie): its API calls would go
// out signed out. So the cookie goes into the browser, and Lighthouse keeps it (no storage
// reset).
import { writeFileSync } from "node:fs";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import puppeteer from "puppeteer-core";

const [url, preset, output, session] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"],
});
try {
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  const page = await browser.newPage();
  if (session) {
    await browser.setCookie({ name: "sessionid", value: session, url: new URL(url).origin });
  }
  const flags = {
    port: chrome.port,
    output: "json",
    logLevel: "error",
    onlyCategories: ["performance"],
    disableStorageReset: true,
  };
  const result = await lighthouse(url, flags, preset === "desktop" ? desktopConfig : undefined, page);
  writeFileSync(output, result.report);
  await browser.disconnect();
} finally {
  chrome.kill();
}
