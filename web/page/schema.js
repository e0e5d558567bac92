// The event contract as pressd declares it (model/events.def), served by
// pressd-web as /api/schema: each type's fields, units and descriptions,
// so the pages name fields from the one declaration.
import { fmt } from './format.js';

let schema = null;

export async function loadSchema() {
  if (!schema) {
    try { schema = await (await fetch('/api/schema')).json(); } catch { schema = { types: {} }; }
  }
  return schema;
}

// A field's unit for this event: '@' is the event's own units.
function unitOf(f, units) {
  return f.unit === '@' ? units : f.unit === '@*s' ? `${units}·s` : f.unit;
}

// Every field of an event the declaration lists, "name value unit", in
// declaration order: what a page shows of a type it has no words for, and
// the full record behind a line it does describe.
export function describe(e, fallbackUnits) {
  const t = schema && schema.types[e.type];
  if (!t) return '';
  const units = e.units || fallbackUnits || '';
  return t.fields.filter(f => f.name !== 'units' && e[f.name] !== undefined).map(f => {
    const v = e[f.name];
    const text = Array.isArray(v) ? v.map(x => fmt(x)).join(', ')
      : f.kind === 'bool' ? (v ? 'yes' : 'no')
      : f.kind === 'u32' || f.kind === 'i32' ? String(v)
      : typeof v === 'number' ? fmt(v) : String(v);
    const u = unitOf(f, units);
    return `${f.name} ${text}${u ? ' ' + u : ''}`;
  }).join(' · ');
}
