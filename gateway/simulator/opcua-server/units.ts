/** Engineering units as OPC UA EUInformation (UN/CEFACT codes), from the short symbols the configs use. */
import { makeEUInformation, standardUnits, type EUInformation } from 'node-opcua';

// Symbols our configs use that node-opcua's standardUnits table spells differently or lacks.
const EXTRA: Record<string, EUInformation> = {
  degC: standardUnits.degree_celsius,
  'mm/s': makeEUInformation('C16', 'mm/s', 'millimetre per second'),
  'm3/h': standardUnits.cubic_metre_per_hour,
  'l/min': makeEUInformation('L2', 'l/min', 'litre per minute'),
  rpm: standardUnits.revolutions_per_minute,
  '%': standardUnits.percent,
};

const BY_SYMBOL = new Map<string, EUInformation>();
for (const eu of Object.values(standardUnits)) if (eu.displayName.text) BY_SYMBOL.set(eu.displayName.text, eu);
for (const [symbol, eu] of Object.entries(EXTRA)) BY_SYMBOL.set(symbol, eu);

/** The EUInformation for a unit symbol; an unknown symbol keeps its text with unitId -1 ("not available"). */
export function engineeringUnits(symbol: string): EUInformation {
  return BY_SYMBOL.get(symbol) ?? makeUnknown(symbol);
}

function makeUnknown(symbol: string): EUInformation {
  const eu = makeEUInformation('', symbol, symbol);
  eu.unitId = -1;
  return eu;
}
