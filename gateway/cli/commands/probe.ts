/** `telltale probe URL`: read a Modbus device (TCP or RTU) or browse an OPC UA server once, for commissioning. */
import { Command, Option } from 'commander';
import { probeModbus } from '../../acquisition/modbus/probe.ts';
import { MODBUS_TYPES, WORD_ORDERS } from '../../acquisition/modbus/config.ts';
import type { ModbusType, WordOrder } from '../../acquisition/modbus/codec.ts';

interface ProbeCliOptions {
  address: string;
  count: string;
  type: ModbusType;
  order: WordOrder;
  function?: string;
  timeout: string;
  bit?: string;
  length?: string;
  node?: string;
  depth?: string;
  read?: string[];
  securityMode?: string;
  securityPolicy?: string;
  username?: string;
  password?: string;
}

const EXAMPLES = `
Examples:
  $ telltale probe modbus://192.168.1.20:502?unit=1 --address 0 --count 10 --type float32 --order CDAB
  $ telltale probe modbus://127.0.0.1:5020 --function 4 --address 100 --count 4 --type uint16
  $ telltale probe modbus://127.0.0.1:5020 --function 1 --address 0 --count 16
  $ telltale probe modbus://127.0.0.1:5020 --address 40 --type string --length 8
  $ telltale probe 'modbus-rtu:///dev/ttyUSB0?baud=19200&parity=even&unit=3' --address 0 --count 2 --type int32
  $ telltale probe opc.tcp://localhost:4840 --node ns=1;s=Plant --depth 3
  $ telltale probe opc.tcp://localhost:4840 --read 'ns=1;s=Pump1.Flow' --security-mode SignAndEncrypt --username op --password secret

URL forms:
  modbus://HOST[:PORT][?unit=N]            Modbus TCP (port 502, unit 1 by default)
  modbus-rtu://DEVICE?baud=&parity=&unit=  Modbus RTU on a serial line (19200 baud, even parity, 8 data, 1 stop bit)
                                           also databits=7|8, stopbits=1|2
  opc.tcp://HOST:PORT[/path]               OPC UA: browse from --node (default Objects) and read values
`;

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`probe: --${name}: expected a whole number, got "${v}"`);
  return n;
};

export function register(program: Command): void {
  program
    .command('probe')
    .description('read a Modbus device or browse an OPC UA server once and print what it returns')
    .argument('<url>', 'modbus://HOST:PORT?unit=1, modbus-rtu:///dev/ttyUSB0?baud=19200&parity=even&unit=1, or opc.tcp://HOST:PORT')
    .option('-a, --address <n>', 'Modbus: first register or bit address (zero-based)', '0')
    .option('-n, --count <n>', 'Modbus: number of VALUES of --type to read (a float32 is 2 registers)', '1')
    .addOption(new Option('-t, --type <type>', 'Modbus: value type').choices([...MODBUS_TYPES]).default('uint16'))
    .addOption(new Option('-o, --order <order>', 'Modbus: byte/word order of multi-register values').choices([...WORD_ORDERS]).default('ABCD'))
    .addOption(new Option('-f, --function <fc>', 'Modbus: 1 coils, 2 discrete inputs, 3 holding registers, 4 input registers (default 3; 1 for --type bool without --bit)').choices(['1', '2', '3', '4']))
    .option('--bit <n>', 'Modbus: with --type bool, the bit of a register (0 = LSB)')
    .option('--length <n>', 'Modbus: with --type string, registers per string (2 chars each)')
    .option('--timeout <ms>', 'Modbus: request timeout in ms', '1000')
    .option('--node <nodeId>', 'OPC UA: node to browse from (default the Objects folder)')
    .option('--depth <n>', 'OPC UA: levels to browse below --node', '2')
    .option('--read <nodeIds...>', 'OPC UA: node ids to read (several allowed)')
    .addOption(new Option('--security-mode <mode>', 'OPC UA: message security').choices(['None', 'Sign', 'SignAndEncrypt']))
    .option('--security-policy <policy>', 'OPC UA: e.g. Basic256Sha256 (default with Sign/SignAndEncrypt)')
    .option('--username <name>', 'OPC UA: user name')
    .option('--password <password>', 'OPC UA: password (or TELLTALE_OPCUA_PASSWORD)')
    .addHelpText('after', EXAMPLES)
    .action(async (url: string, opts: ProbeCliOptions) => {
      const print = (line: string) => process.stdout.write(`${line}\n`);
      try {
        if (url.startsWith('opc.tcp://')) {
          const { probeOpcUa } = await import('../../acquisition/opcua/probe.ts');
          await probeOpcUa(url, {
            node: opts.node,
            depth: int(opts.depth, 'depth'),
            read: opts.read?.flatMap((r) => r.split(',')).filter(Boolean),
            securityMode: opts.securityMode,
            securityPolicy: opts.securityPolicy,
            username: opts.username,
            password: opts.password ?? process.env.TELLTALE_OPCUA_PASSWORD,
          }, print);
          return;
        }
        const bitTable = opts.type === 'bool' && opts.bit === undefined;
        await probeModbus(url, {
          address: int(opts.address, 'address')!,
          count: int(opts.count, 'count')!,
          type: opts.type,
          order: opts.order,
          function: (int(opts.function, 'function') ?? (bitTable ? 1 : 3)) as 1 | 2 | 3 | 4,
          timeoutMs: int(opts.timeout, 'timeout')!,
          bit: int(opts.bit, 'bit'),
          length: int(opts.length, 'length'),
        }, print);
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
