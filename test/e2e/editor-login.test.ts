/**
 * The editor as a person uses it, in headless Chromium: log in with the password the gateway generated, find the
 * Telltale palette, drag a modbus-read onto the workspace, configure it with a new modbus-device pointing at the
 * simulator, deploy, and watch its status dot turn green. The screenshot is kept in test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startNodeRed, type NodeRedHost } from '../../gateway/host/nodered.ts';
import { editorLogin } from '../../gateway/host/security.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import { startSimulator, type Simulator } from '../../gateway/simulator/index.ts';

const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts');
const READ = '.red-ui-palette-node[data-palette-type="modbus-read"]';
const traysClosed = (page: Page) => page.waitForFunction(() => !(globalThis as any).document.querySelector('.red-ui-tray'));

describe('editor login and a first flow in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-editor-login-'));
  let sim: Simulator;
  let host: NodeRedHost;
  let browser: Browser;
  let page: Page;
  let password: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ host: '127.0.0.1' });
    const login = editorLogin({ dataDir, env: {} });
    password = login.generatedPassword!;
    host = await startNodeRed({ dataDir, port: 0, registry: new DeviceRegistry(), seedFlow: () => [], adminAuth: login.adminAuth, logLevel: 'error' });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses the admin API without a login and shows the login form', async () => {
    expect((await fetch(new URL('flows', host.url))).status).toBe(401);
    await page.goto(host.url);
    await page.waitForSelector('#node-dialog-login-username', { timeout: 60_000 });
    expect(await page.$(READ)).toBeNull();
  });

  it('rejects a wrong password and logs in with the generated one', async () => {
    await page.fill('#node-dialog-login-username', 'admin');
    await page.fill('#node-dialog-login-password', 'not-the-password');
    await page.click('#node-dialog-login-submit');
    await page.waitForSelector('#node-dialog-login-failed', { state: 'visible' });
    await page.fill('#node-dialog-login-password', password);
    await page.click('#node-dialog-login-submit');
    await page.waitForSelector(READ, { timeout: 60_000 });
  });

  it('finds modbus read in the Telltale palette category', async () => {
    const types = await page.$$eval('#red-ui-palette-container-Telltale .red-ui-palette-node', (els) => els.map((e) => e.getAttribute('data-palette-type')));
    expect(types).toEqual(expect.arrayContaining(['modbus-read', 'opcua-subscribe']));
  });

  it('places a modbus read, configures it with a new device on the simulator, deploys, and its status turns green', async () => {
    await page.dragAndDrop(READ, '#red-ui-workspace-chart', { targetPosition: { x: 300, y: 200 } });
    const node = page.locator('#red-ui-workspace-chart g.red-ui-flow-node-group');
    await expect.poll(() => node.count()).toBe(1);

    await node.first().dblclick();
    await page.waitForSelector('#node-input-asset');
    await page.fill('#node-input-asset', 'pump-1');
    await page.click('#node-input-btn-device-add'); // the + beside the device select: a new modbus-device
    await page.waitForSelector('#node-config-input-host');
    await page.fill('#node-config-input-name', 'plant');
    await page.fill('#node-config-input-host', '127.0.0.1');
    await page.fill('#node-config-input-port', String(sim.modbusPort));
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-host', { state: 'detached' });
    await page.click('#node-dialog-ok');
    await traysClosed(page);

    await page.click('#red-ui-header-button-deploy');
    await page.waitForSelector('#red-ui-workspace-chart .red-ui-flow-node-status-dot-green', { timeout: 60_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'editor-login-deployed.png') });

    const deployed = (await (await fetch(new URL('flows', host.url), { headers: { authorization: `Bearer ${await page.evaluate(() => (globalThis as any).RED.settings.get('auth-tokens').access_token)}` } })).json()) as { type: string; asset?: string; port?: string | number }[];
    expect(deployed.find((n) => n.type === 'modbus-read')?.asset).toBe('pump-1');
    expect(Number(deployed.find((n) => n.type === 'modbus-device')?.port)).toBe(sim.modbusPort);
    expect(pageErrors).toEqual([]);
  });
});
