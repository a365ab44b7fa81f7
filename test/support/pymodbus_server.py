#!/usr/bin/python3
"""An independent Modbus server for the tests and benchmarks: Debian's python3-pymodbus (3.0.0rc1).

Seeds known vectors, encoded here with Python's struct (not with the gateway's codec), and prints them as one
JSON line `VECTORS {...}` followed by `READY`, so a test can read them back through the gateway and compare.

  /usr/bin/python3 test/support/pymodbus_server.py --tcp 15020 [--units 1,2]
  /usr/bin/python3 test/support/pymodbus_server.py --rtu /tmp/ttyB --baud 19200 --parity E [--units 1,2]

Every unit has 2000 registers and bits (zero-based addresses), so address 2000 is an illegal data address.
"""
import argparse
import asyncio
import json
import logging
import struct
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer

SIZE = 2000
ORDERS = ["ABCD", "CDAB", "BADC", "DCBA"]
# (type, struct format, value): big-endian bytes first, then the order's transform.
NUMBERS = [
    ("int16", ">h", -12345),
    ("uint16", ">H", 54321),
    ("int32", ">i", -123456789),
    ("uint32", ">I", 3000000000),
    ("float32", ">f", 123.456),
    ("int64", ">q", -1234567890123456789),
    ("uint64", ">Q", 12345678901234567890),
    ("float64", ">d", -98765.4321e10),
]
STRING = "PUMP-01"  # 7 chars in 4 registers: NUL padded


def ordered(raw: bytes, order: str) -> list:
    words = [raw[i:i + 2] for i in range(0, len(raw), 2)]
    if order in ("CDAB", "DCBA"):
        words.reverse()
    if order in ("BADC", "DCBA"):
        words = [w[::-1] for w in words]
    return [int.from_bytes(w, "big") for w in words]


def seed():
    holding = [0] * SIZE
    vectors = []
    address = 100
    for order in ORDERS:
        for name, fmt, value in NUMBERS:
            regs = ordered(struct.pack(fmt, value), order)
            holding[address:address + len(regs)] = regs
            # float32 goes back through struct so the expected value is what 4 bytes can hold.
            expected = struct.unpack(">f", struct.pack(">f", value))[0] if name == "float32" else value
            vectors.append({"type": name, "order": order, "address": address, "expected": str(expected), "registers": regs})
            address += len(regs)
        regs = ordered(STRING.encode("ascii").ljust(8, b"\0"), order)
        holding[address:address + 4] = regs
        vectors.append({"type": "string", "order": order, "address": address, "length": 4, "expected": STRING, "registers": regs})
        address += 4
    # bit 5 and bit 15 of holding 90: 0x8020
    holding[90] = 0x8020
    inputs = [(i * 7) & 0xFFFF for i in range(SIZE)]
    coils = [i % 3 == 0 for i in range(SIZE)]
    discrete = [i % 2 == 1 for i in range(SIZE)]
    return holding, inputs, coils, discrete, vectors


def context(units):
    holding, inputs, coils, discrete, vectors = seed()
    slaves = {}
    for unit in units:
        slaves[unit] = ModbusSlaveContext(
            di=ModbusSequentialDataBlock(0, list(discrete)),
            co=ModbusSequentialDataBlock(0, list(coils)),
            hr=ModbusSequentialDataBlock(0, list(holding)),
            ir=ModbusSequentialDataBlock(0, list(inputs)),
            zero_mode=True,
        )
    return ModbusServerContext(slaves=slaves, single=False), vectors


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tcp", type=int)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--rtu")
    parser.add_argument("--baud", type=int, default=19200)
    parser.add_argument("--parity", default="E")
    parser.add_argument("--units", default="1")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    units = [int(u) for u in args.units.split(",")]
    ctx, vectors = context(units)
    print("VECTORS " + json.dumps({"vectors": vectors}), flush=True)
    if args.tcp is not None:
        server = ModbusTcpServer(ctx, address=(args.host, args.tcp), allow_reuse_address=True, ignore_missing_slaves=True)
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        print("READY", flush=True)
        await task
    elif args.rtu:
        server = ModbusSerialServer(ctx, framer=ModbusRtuFramer, port=args.rtu, baudrate=args.baud, parity=args.parity,
                                    bytesize=8, stopbits=1, timeout=0.005, ignore_missing_slaves=True)
        await server.start()
        print("READY", flush=True)
        await server.serve_forever()
    else:
        parser.error("give --tcp PORT or --rtu DEVICE")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
