import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startNodeRed, type NodeRedHost } from '../../gateway/host/nodered.ts';
import { defaultFlow } from '../../gateway/host/default-flow.ts';
import { validateDevice } from '../../gateway/config/load.ts';
import { DeviceRegistry } from '../../gateway/runtime/registry.ts';
import { freePort } from '../support/ports.ts';

// The editor files (html: forms, validation, help) run only in a browser: open them in a real one.
describe('Telltale nodes in the Node-RED editor', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'telltale-editor-'));
  let host: NodeRedHost;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const [modbusPort, opcuaPort] = [await freePort(), await freePort()];
    const devices = [
      validateDevice({ protocol: 'modbus-tcp', id: 'plc', host: '127.0.0.1', port: modbusPort, tags: [
        { name: 'vibration_rms', asset: 'pump-1', address: 0, type: 'float32', unit: 'mm/s' },
        { name: 'running', asset: 'pump-1', table: 'coil', address: 0, type: 'bool' },
      ] }),
      validateDevice({ protocol: 'opcua', id: 'ua', endpoint: `opc.tcp://127.0.0.1:${opcuaPort}`, tags: [{ name: 'pressure', asset: 'pump-1', nodeId: 'ns=1;s=pump-1.pressure' }] }),
    ];
    host = await startNodeRed({ dataDir, port: 0, registry: new DeviceRegistry(), seedFlow: () => defaultFlow(devices), logLevel: 'error' });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(host.url);
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="modbus-read"]', { timeout: 60_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the source nodes in the Telltale palette category', async () => {
    const types = await page.$$eval('#red-ui-palette-container-Telltale .red-ui-palette-node', (els) => els.map((e) => e.getAttribute('data-palette-type')));
    expect(types).toEqual(expect.arrayContaining(['modbus-read', 'opcua-subscribe']));
  });

  it('accepts the seeded flow as valid', async () => {
    const invalid = await page.evaluate(() => {
      const RED = (globalThis as any).RED;
      const bad: string[] = [];
      RED.nodes.eachNode((n: any) => { if (!n.valid) bad.push(`${n.type} ${n.id}`); });
      RED.nodes.eachConfig((n: any) => { if (!n.valid) bad.push(`${n.type} ${n.id}`); });
      return bad;
    });
    expect(invalid).toEqual([]);
  });

  it('opens the modbus-read form with one row per tag and keeps the tags on Done', async () => {
    await page.evaluate(() => {
      const RED = (globalThis as any).RED;
      RED.editor.edit(RED.nodes.node('modbus.plc.pump-1'));
    });
    await page.waitForSelector('#node-input-tag-container li');
    expect(await page.$$eval('#node-input-tag-container .tag-name', (els) => els.map((e) => (e as unknown as { value: string }).value))).toEqual(['vibration_rms', 'running']);
    await page.click('#node-dialog-ok');
    await page.waitForFunction(() => !(globalThis as any).document.querySelector('.red-ui-tray'));
    const tags = await page.evaluate(() => (globalThis as any).RED.nodes.node('modbus.plc.pump-1').tags);
    expect(tags[0]).toMatchObject({ name: 'vibration_rms', table: 'holding', address: 0, type: 'float32', scale: 1, unit: 'mm/s' });
    expect(tags[1]).toMatchObject({ name: 'running', table: 'coil', type: 'bool' });
  });

  it('marks a modbus-read with a bad tag as invalid', async () => {
    const valid = await page.evaluate(() => {
      const RED = (globalThis as any).RED;
      const node = RED.nodes.node('modbus.plc.pump-1');
      node.tags = [{ ...node.tags[0], address: 70000 }];
      RED.editor.validateNode(node);
      return node.valid;
    });
    expect(valid).toBe(false);
  });

  it('opens the opcua-subscribe and both config node forms without script errors', async () => {
    await page.evaluate(() => {
      const RED = (globalThis as any).RED;
      RED.editor.edit(RED.nodes.node('opcua.ua.pump-1'));
    });
    await page.waitForSelector('#node-input-tag-container .tag-nodeId');
    expect(await page.$eval('#node-input-tag-container .tag-nodeId', (e) => (e as unknown as { value: string }).value)).toBe('ns=1;s=pump-1.pressure');
    await page.click('#node-dialog-cancel');
    const traysClosed = () => page.waitForFunction(() => !(globalThis as any).document.querySelector('.red-ui-tray'));
    await traysClosed();
    for (const id of ['cfg.plc', 'cfg.ua']) {
      await page.evaluate((cid) => (globalThis as any).RED.editor.editConfig('', (globalThis as any).RED.nodes.node(cid).type, cid), id);
      await page.waitForSelector('#node-config-dialog-ok');
      await page.click('#node-config-dialog-cancel');
      await traysClosed();
    }
    expect(pageErrors).toEqual([]);
  });
});
