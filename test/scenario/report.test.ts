import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { EdgeplaneError } from '../../src/errors/edgeplaneError.js';
import { scenarioRunProblems } from '../../src/scenario/report/checkScenarioRun.js';
import { formatBytes, formatDuration, formatShare } from '../../src/scenario/report/reportFormat.js';
import { scriptJson, stableJson } from '../../src/scenario/report/reportJson.js';
import { renderReportHtml } from '../../src/scenario/report/renderReportHtml.js';
import { writeScenarioReport } from '../../src/scenario/report/writeScenarioReport.js';
import type { ScenarioRun } from '../../src/scenario/scenarioData.js';
import { tempDir } from '../support/specRepo.js';
import { edgeRun, HOSTILE, realisticRun, REGIONS } from './reportRunFixture.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium waits on update and sync services a closed network never answers.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('scenario report: formatting, escaping and checks', () => {
  it('formats durations the way people read them, null as a dash', () => {
    const table: [number | null, string][] = [
      [null, '—'], [0, '0 ms'], [640.4, '640 ms'], [999.4, '999 ms'], [999.6, '1.0 s'], [12_345, '12.3 s'],
      [59_949, '59.9 s'], [59_950, '1 min 00 s'], [125_000, '2 min 05 s'], [3_599_400, '59 min 59 s'], [3_599_600, '1 h 00 min'], [3_720_000, '1 h 02 min'], [-1_500, '-1.5 s'],
    ];
    for (const [ms, text] of table) assert.equal(formatDuration(ms), text, `formatDuration(${ms})`);
  });

  it('formats bytes in binary units and shares as percentages', () => {
    const bytes: [number | null, string][] = [[null, '—'], [0, '0 B'], [1023, '1023 B'], [1024, '1.0 KiB'], [12_600, '12.3 KiB'], [1_048_535, '1.0 MiB'], [2_200_000, '2.1 MiB'], [5 * 1024 ** 3, '5.0 GiB']];
    for (const [n, text] of bytes) assert.equal(formatBytes(n), text, `formatBytes(${n})`);
    const shares: [number | null, number | null, string][] = [[1, 4, '25.0%'], [1, 100_000, '<0.1%'], [0, 10, '0.0%'], [3, 2, '150%'], [null, 10, '—'], [1, 0, '—']];
    for (const [part, whole, text] of shares) assert.equal(formatShare(part, whole), text, `formatShare(${part}, ${whole})`);
  });

  it('embeds JSON that no string can break out of, and that parses back to the same data', () => {
    const value = { z: HOSTILE, a: ['<!-- -->', 'a & b', 'line\u2028separator', '</SCRIPT >'], nested: { '</script>': 1, __proto__x: null } };
    const text = scriptJson(value);
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(text), value);
  });

  it('writes scenario.json with sorted keys, 2-space indentation and a final newline, the same bytes for the same run', () => {
    assert.equal(stableJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } }), '{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "x": 2,\n        "y": 1\n      }\n    ]\n  },\n  "b": 1\n}\n');
    const dir = tempDir();
    const run = realisticRun();
    const first = writeScenarioReport(run, dir);
    const json = fs.readFileSync(first.json, 'utf8');
    const html = fs.readFileSync(first.html, 'utf8');
    assert.deepEqual(JSON.parse(json), run);
    writeScenarioReport(reverseKeys(run) as ScenarioRun, dir);
    assert.equal(fs.readFileSync(first.json, 'utf8'), json);
    assert.equal(fs.readFileSync(first.html, 'utf8'), html);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['report.html', 'scenario.json']);
  });

  it('escapes every text of the run in the HTML and references nothing outside the file', () => {
    const html = renderReportHtml(edgeRun());
    assert.doesNotMatch(html, /<img src=x/);
    assert.equal(html.match(/<script\b/g)?.length, 3, 'the two data elements and the renderer, nothing injected');
    assert.match(html, /Nobody home &lt;\/script&gt;&lt;script&gt;/);
    assert.doesNotMatch(html, /\b(src|href)="(https?:)?\/\//);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
  });

  it('refuses a run it cannot report, naming every problem by its path, and writes nothing', () => {
    const run = realisticRun();
    const waves = run.scenarios[1]!;
    waves.latency.p90 = Number.NaN;
    waves.timeline[2] = { ...waves.timeline[2]!, kind: 'exploded' as never };
    (run.scenarios[2] as { stations?: unknown }).stations = undefined;
    const problems = scenarioRunProblems(run);
    assert.deepEqual(problems, [
      'run.scenarios[1].latency.p90: is NaN: compute it from a non-empty set, or use null for "no data"',
      'run.scenarios[1] (waves).timeline[2].kind: "exploded" is not a timeline kind (one of push, reconcile, pull-request-opened, pull-request-merged, wave-released, wave-healthy, region-dark, region-restored, degraded, rolled-back, completed, station-running)',
      'run.scenarios[2] (region-dark).stations: is missing: use an empty list when there is nothing',
    ]);
    const dir = path.join(tempDir(), 'report');
    assert.throws(() => writeScenarioReport(run, dir), (e: unknown) => e instanceof EdgeplaneError && e.code === 'BAD_ARGUMENT' && /3 problem\(s\)/.test(e.message));
    assert.equal(fs.existsSync(dir), false);
  });
});

/** The same value with every object's keys in reverse order: what a producer building objects differently would give. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
}

/** What the page did while loading: anything here is a failure. */
interface PageTrouble {
  console: string[];
  errors: string[];
  failed: string[];
  external: string[];
}

async function openReport(browser: Browser, html: string): Promise<{ page: Page; trouble: PageTrouble }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const trouble: PageTrouble = { console: [], errors: [], failed: [], external: [] };
  page.on('console', (m) => void (m.type() === 'error' && trouble.console.push(m.text())));
  page.on('pageerror', (e) => void trouble.errors.push(e.message));
  page.on('requestfailed', (r) => void trouble.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('request', (r) => void (r.url().startsWith('file:') || trouble.external.push(r.url())));
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  return { page, trouble };
}

/** Width, height and a measure of content of a PNG: how many distinct byte values its (filtered) pixel rows hold. */
function pngFacts(file: string): { width: number; height: number; distinctBytes: number; nonZeroShare: number } {
  const png = fs.readFileSync(file);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IHDR') [width, height] = [png.readUInt32BE(at + 8), png.readUInt32BE(at + 12)];
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const pixels = inflateSync(Buffer.concat(idat));
  const seen = new Set<number>();
  let nonZero = 0;
  for (const byte of pixels) {
    seen.add(byte);
    if (byte !== 0) nonZero++;
  }
  return { width, height, distinctBytes: seen.size, nonZeroShare: nonZero / pixels.length };
}

describe('scenario report in a real headless Chromium', function () {
  this.timeout(60_000);
  let browser: Browser;

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the report test needs Debian's Chromium. Install it with \`sudo apt-get install -y --no-install-recommends chromium\` (or set CHROMIUM_PATH to a Chromium binary).`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
  });

  it('draws a timeline and a per-region chart per scenario, with no console error, page error or request', async () => {
    const run = realisticRun();
    const dir = tempDir();
    const { html } = writeScenarioReport(run, dir);
    const { page, trouble } = await openReport(browser, html);
    assert.deepEqual(trouble, { console: [], errors: [], failed: [], external: [] });

    assert.equal(await page.locator('body').getAttribute('data-rendered'), 'true');
    assert.equal(await page.locator('body').getAttribute('data-charts'), String(run.scenarios.length * 2));
    assert.equal(await page.locator('svg.chart').count(), run.scenarios.length * 2);

    for (const [i, scenario] of run.scenarios.entries()) {
      const section = page.locator(`section[data-scenario="${i}"]`);
      const timeline = section.locator('figure[data-chart="timeline"]');
      assert.equal(await timeline.locator('.event-mark').count(), scenario.timeline.length, `${scenario.name}: one mark per timeline event`);
      for (const kind of new Set(scenario.timeline.map((e) => e.kind))) {
        assert.equal(await timeline.locator(`.event-mark[data-kind="${kind}"]`).count(), scenario.timeline.filter((e) => e.kind === kind).length, `${scenario.name}: ${kind} marks`);
      }
      assert.ok((await timeline.locator('.revision-curve').count()) >= 1, `${scenario.name}: a revision curve`);
      const regions = section.locator('figure[data-chart="regions"] .region-group');
      assert.deepEqual(await regions.evaluateAll((groups) => groups.map((g) => g.getAttribute('data-region'))), REGIONS, `${scenario.name}: one group per region`);

      const summary = await section.locator('table.summary').innerText();
      assert.ok(summary.includes(formatDuration(scenario.latency.p50)), `${scenario.name}: latency p50 ${formatDuration(scenario.latency.p50)} in\n${summary}`);
      assert.ok(summary.includes(formatBytes(scenario.bytes.p50)), `${scenario.name}: bytes p50 in the summary`);
      assert.ok(summary.includes(formatDuration(scenario.staleness.p50)), `${scenario.name}: staleness p50 in the summary`);
      assert.equal(await section.locator('ul.checks li.failed').count(), scenario.checks.filter((c) => !c.ok).length);
    }

    // The region that went dark: no station of it reached the change, all three offline; the shaded span says so.
    const dark = page.locator('section[data-name="region-dark"]');
    assert.match((await dark.locator('.region-group[data-region="africa"] title').first().textContent()) ?? '', /^africa: 3 stations; 0 ran the change, 3 offline at the end; latency p50 —, max —$/);
    assert.equal(await dark.locator('.dark-span').count(), 1);
    assert.match(await dark.locator('table.summary').innerText(), /16 of 20 stations reached it; 3 reported offline; 1 online but not running the final revision/);
    // The bad change: the final (rolled-back-to) revision dips while the canaries run the bad one, and comes back.
    const curves = page.locator('section[data-name="bad-change"] .revision-curve');
    assert.equal(await curves.count(), 2);

    const shot = path.join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const facts = pngFacts(shot);
    assert.ok(facts.width >= 1000 && facts.height >= 3000, `a full page: ${facts.width}×${facts.height}`);
    assert.ok(facts.distinctBytes >= 64 && facts.nonZeroShare > 0.01, `the screenshot has content: ${JSON.stringify(facts)}`);
    await page.close();
  });

  it('draws a run where no station reached anything, with hostile texts shown as text', async () => {
    const run = edgeRun();
    const { html } = writeScenarioReport(run, tempDir());
    const { page, trouble } = await openReport(browser, html);
    assert.deepEqual(trouble, { console: [], errors: [], failed: [], external: [] });
    assert.equal(await page.locator('body').getAttribute('data-rendered'), 'true');
    assert.equal(await page.locator('body').getAttribute('data-charts'), '2');
    assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');
    assert.equal(await page.locator('.event-mark').count(), 0);
    assert.equal(await page.locator('.region-group').count(), 2);
    assert.ok((await page.locator('h2').nth(1).innerText()).includes('</script><script>window.__pwned = 1</script>'));
    const cells = await page.locator('table.summary td.num').allInnerTexts();
    assert.deepEqual(cells, Array(9).fill('—'), 'every percentile is a dash');
    assert.equal(await page.locator('ul.checks li.failed').count(), 1);
    await page.close();
  });

  it('formats durations in the page exactly as the writer does', async () => {
    const { html } = writeScenarioReport(edgeRun(), tempDir());
    const { page } = await openReport(browser, html);
    const values = [null, 0, 640.4, 999.6, 12_345, 59_950, 125_000, 3_599_600, 3_720_000, -1_500];
    const inPage = await page.evaluate(`${JSON.stringify(values)}.map((v) => window.edgeplaneReport.formatDuration(v))`);
    assert.deepEqual(inPage, values.map(formatDuration));
    await page.close();
  });
});
