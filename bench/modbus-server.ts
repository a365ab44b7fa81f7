/**
 * Requests/s of our Modbus TCP server vs Debian's pymodbus, each in its own process, read by a bare
 * modbus-serial client loop (sequential readHoldingRegisters of 100 registers) on loopback.
 *
 *   ./node_modules/.bin/node bench/modbus-server.ts [--seconds 5]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ModbusClient } from '../gateway/acquisition/modbus/client.ts';
import { RegisterBank, startModbusTcpServer } from '../gateway/simulator/modbus-server/index.ts';

const args = process.argv.slice(2);
const children: ReturnType<typeof spawn>[] = [];
process.on('exit', () => { for (const c of children) c.kill('SIGTERM'); });
const seconds = Number(args[args.indexOf('--seconds') + 1] || 5) || 5;

if (args.includes('--serve')) {
  // Child mode: our server alone in this process, so it does not share an event loop with the client.
  const bank = new RegisterBank();
  for (let i = 0; i < 200; i++) bank.holding[i] = i;
  const srv = await startModbusTcpServer({ port: 0, units: new Map([[1, bank]]) });
  console.log(`PORT ${srv.port}`);
} else {
  const self = fileURLToPath(import.meta.url);
  const pyScript = fileURLToPath(new URL('../test/support/pymodbus_server.py', import.meta.url));
  process.on('uncaughtException', (e) => { console.error(e); process.exit(1); });
  const oursPort = await startChild(process.execPath, [self, '--serve'], /PORT (\d+)/);
  const pyPort = 20000 + Math.floor(Math.random() * 20000);
  await startChild('/usr/bin/python3', [pyScript, '--tcp', String(pyPort)], /READY/);
  const ours = await loop(oursPort, seconds);
  const py = await loop(pyPort, seconds);
  console.log(`1 client  telltale modbus-server: ${ours.toFixed(0)} req/s   pymodbus 3.0.0rc1: ${py.toFixed(0)} req/s   ratio ${(ours / py).toFixed(2)}x`);
  // Four connections at once: the server's capacity rather than one client's round-trip latency.
  const ours4 = await parallel(oursPort, seconds, 4);
  const py4 = await parallel(pyPort, seconds, 4);
  console.log(`4 clients telltale modbus-server: ${ours4.toFixed(0)} req/s   pymodbus 3.0.0rc1: ${py4.toFixed(0)} req/s   ratio ${(ours4 / py4).toFixed(2)}x`);
  console.log(`(readHoldingRegisters of 100 registers, sequential per client, ${seconds} s each, loopback)`);
  process.exit(0);
}

function startChild(cmd: string, argv: string[], ready: RegExp): Promise<number> {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve(m[1] ? Number(m[1]) : Number(argv[argv.indexOf('--tcp') + 1]));
    });
    child.stderr!.on('data', (d) => { out += d; });
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}:\n${out}`)));
  });
}

async function parallel(port: number, secs: number, n: number): Promise<number> {
  const rates = await Promise.all(Array.from({ length: n }, () => loop(port, secs)));
  return rates.reduce((a, b) => a + b, 0);
}

async function loop(port: number, secs: number): Promise<number> {
  const c = new ModbusClient();
  await c.connectTCP('127.0.0.1', { port });
  c.setID(1);
  c.setTimeout(2000);
  for (let i = 0; i < 200; i++) await c.readHoldingRegisters(0, 100); // warm-up
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < secs * 1000) {
    await c.readHoldingRegisters(0, 100);
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  await new Promise<void>((r) => c.close(() => r()));
  return rate;
}
