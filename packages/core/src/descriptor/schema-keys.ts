import type * as z from 'zod';
import type { PathSegment } from './yaml-source.js';

interface LooseDef {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  valueType?: z.core.$ZodType;
  element?: z.core.$ZodType;
}

function defOf(schema: z.core.$ZodType): LooseDef {
  const def: LooseDef = schema._zod.def;
  return def;
}

/** Strips wrappers (default, prefault, optional, nullable, transform pipes) down to the schema that holds the shape. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (next === undefined) return current;
    current = next;
  }
  return current;
}

/**
 * The field names an object schema accepts at `path` (list indexes and record keys step into
 * their element schema), for "did you mean" hints on unknown fields. Empty when there is no object there.
 */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly PathSegment[]): string[] {
  let current = unwrap(schema);
  for (const segment of path) {
    const def = defOf(current);
    let next: z.core.$ZodType | undefined;
    if (def.type === 'object') next = def.shape?.[String(segment)];
    else if (def.type === 'record') next = def.valueType;
    else if (def.type === 'array') next = def.element;
    if (next === undefined) return [];
    current = unwrap(next);
  }
  const def = defOf(current);
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}
