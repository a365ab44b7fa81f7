/**
 * The fault schedule file for `telltale simulate --faults FILE.yaml`:
 *
 *   faults:
 *     - { asset: pump-2, kind: bearing-wear, atS: 60, durationS: 600, severity: 0.8 }
 *     - { asset: pump-1, kind: valve-closing, atS: 300, rampS: 30 }
 *
 * (a bare list works too). Validated with ajv against the TypeBox schema; errors name the file and the field.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { FAULT_KINDS, type ScheduledFault } from './plant/types.ts';

export const ScheduledFaultSchema = Type.Object(
  {
    asset: Type.String({ minLength: 1, description: 'Asset name, e.g. pump-2' }),
    kind: Type.Union(FAULT_KINDS.map((k) => Type.Literal(k)), { description: 'What goes wrong' }),
    atS: Type.Number({ minimum: 0, description: 'Onset, seconds after the simulator starts' }),
    durationS: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'How long it lasts; for ever when omitted' })),
    severity: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Final severity, 0..1 (default 1)' })),
    rampS: Type.Optional(Type.Number({ minimum: 0, description: 'Seconds to reach full severity (default half the duration, or 60)' })),
  },
  { additionalProperties: false },
);
export const FaultScheduleSchema = Type.Object({ faults: Type.Array(ScheduledFaultSchema) }, { additionalProperties: false });
type FaultSchedule = Static<typeof FaultScheduleSchema>;

const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile<FaultSchedule>(FaultScheduleSchema);

export class FaultFileError extends Error {
  override name = 'FaultFileError';
}

/** Parses and validates a schedule given as text; `source` names it in errors. */
export function parseFaultSchedule(text: string, source: string): ScheduledFault[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new FaultFileError(`${source}: ${(e as Error).message}`);
  }
  const value = Array.isArray(doc) ? { faults: doc } : doc ?? { faults: [] };
  if (!validate(value)) {
    const lines = (validate.errors ?? []).map((e) => {
      const path = e.instancePath.replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.') || '(top level)';
      const allowed = e.keyword === 'anyOf' ? `expected one of ${FAULT_KINDS.join(', ')}` : e.keyword === 'additionalProperties' ? `unknown field "${String(e.params.additionalProperty)}"` : e.message;
      return `${source}: ${path}: ${allowed}`;
    });
    // A bad kind also fails each const branch; the anyOf line says it once.
    throw new FaultFileError([...new Set(lines.filter((l) => !l.endsWith('must be equal to constant')))].join('\n'));
  }
  return value.faults;
}

export function loadFaultSchedule(file: string): ScheduledFault[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FaultFileError(`${file}: cannot read the fault schedule (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseFaultSchedule(text, file);
}
