// A small language for declaring JSON shapes once: each declaration is a value that yields its
// JSON Schema (draft 2020-12) and, through JsonOf<>, its TypeScript type. The report's contract
// (report.ts beside this file) is written in it, so the types the mappers must satisfy and the
// schema shipped in schema/ cannot drift apart.

export type Shape =
  | { kind: 'string'; enum?: readonly string[]; description?: string }
  | { kind: 'integer'; description?: string }
  | { kind: 'number'; description?: string }
  | { kind: 'boolean'; description?: string }
  | { kind: 'null' }
  | { kind: 'const'; value: number; description?: string }
  | { kind: 'array'; items: Shape; description?: string }
  | { kind: 'object'; props: Readonly<Record<string, Shape>>; description?: string }
  | { kind: 'record'; values: Shape; keys?: readonly string[]; description?: string }
  | { kind: 'nullable'; of: Shape }
  | { kind: 'optional'; of: Shape }
  | { kind: 'ref'; name: string; of: () => Shape };

type Described = { description?: string };

export const str = (description?: string) => ({ kind: 'string', ...(description ? { description } : {}) }) as const satisfies Shape;
export const int = (description?: string) => ({ kind: 'integer', ...(description ? { description } : {}) }) as const satisfies Shape;
export const num = (description?: string) => ({ kind: 'number', ...(description ? { description } : {}) }) as const satisfies Shape;
export const bool = (description?: string) => ({ kind: 'boolean', ...(description ? { description } : {}) }) as const satisfies Shape;

/** Exactly this number. */
export function exactly<const N extends number>(value: N, description?: string): { kind: 'const'; value: N } & Described {
  return { kind: 'const', value, ...(description ? { description } : {}) };
}

/** One of these strings. */
export function oneOf<const E extends readonly string[]>(values: E, description?: string): { kind: 'string'; enum: E } & Described {
  return { kind: 'string', enum: values, ...(description ? { description } : {}) };
}

export function list<const S extends Shape>(items: S, description?: string): { kind: 'array'; items: S } & Described {
  return { kind: 'array', items, ...(description ? { description } : {}) };
}

export function obj<const P extends Record<string, Shape>>(props: P, description?: string): { kind: 'object'; props: P } & Described {
  return { kind: 'object', props, ...(description ? { description } : {}) };
}

/** An object whose keys are data (`keys`: the only ones allowed, when known). */
export function record<const S extends Shape>(values: S, keys?: readonly string[], description?: string): { kind: 'record'; values: S } & Described {
  return { kind: 'record', values, ...(keys ? { keys } : {}), ...(description ? { description } : {}) };
}

export function nullable<const S extends Shape>(of: S): { kind: 'nullable'; of: S } {
  return { kind: 'nullable', of };
}

/** A property that may be left out of its object (eve events leave out what does not apply, as
 *  Suricata does); only meaningful as a value of obj(). */
export function optional<const S extends Shape>(of: S): { kind: 'optional'; of: S } {
  return { kind: 'optional', of };
}

/** A named shape, written once into the schema's $defs. */
export function ref<const S extends Shape>(name: string, of: S): { kind: 'ref'; name: string; of: () => S } {
  return { kind: 'ref', name, of: () => of };
}

/** The TypeScript type of the JSON a shape describes. */
export type JsonOf<S> = S extends { kind: 'const'; value: infer N }
  ? N
  : S extends { kind: 'string'; enum: infer E extends readonly string[] }
  ? E[number]
  : S extends { kind: 'string' }
    ? string
    : S extends { kind: 'integer' | 'number' }
      ? number
      : S extends { kind: 'boolean' }
        ? boolean
        : S extends { kind: 'null' }
          ? null
          : S extends { kind: 'array'; items: infer I }
            ? JsonOf<I>[]
            : S extends { kind: 'object'; props: infer P }
              ? { [K in Exclude<keyof P, OptionalKeys<P>>]: JsonOf<P[K]> } & { [K in OptionalKeys<P>]?: JsonOf<P[K]> }
              : S extends { kind: 'record'; values: infer V }
                ? Record<string, JsonOf<V>>
                : S extends { kind: 'nullable'; of: infer O }
                  ? JsonOf<O> | null
                  : S extends { kind: 'optional'; of: infer O }
                    ? JsonOf<O>
                    : S extends { kind: 'ref'; of: () => infer O }
                      ? JsonOf<O>
                      : never;

/** The keys of an object's props declared optional(). */
type OptionalKeys<P> = { [K in keyof P]: P[K] extends { kind: 'optional' } ? K : never }[keyof P];

type Schema = Record<string, unknown>;

/** The JSON Schema of `root`, with every ref in $defs. */
export function jsonSchema(root: Shape, meta: { id: string; title: string; description: string }): Schema {
  const defs: Record<string, Schema> = {};
  const body = toSchema(root, defs);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: meta.id,
    title: meta.title,
    description: meta.description,
    ...body,
    $defs: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

function toSchema(s: Shape, defs: Record<string, Schema>): Schema {
  const d = 'description' in s && s.description ? { description: s.description } : {};
  switch (s.kind) {
    case 'string':
      return { type: 'string', ...(s.enum ? { enum: [...s.enum] } : {}), ...d };
    case 'integer':
    case 'number':
    case 'boolean':
      return { type: s.kind, ...d };
    case 'null':
      return { type: 'null' };
    case 'const':
      return { type: 'integer', const: s.value, ...d };
    case 'array':
      return { type: 'array', items: toSchema(s.items, defs), ...d };
    case 'object':
      return {
        type: 'object',
        ...d,
        properties: Object.fromEntries(Object.entries(s.props).map(([k, v]) => [k, toSchema(v, defs)])),
        required: Object.keys(s.props).filter((k) => s.props[k]!.kind !== 'optional'),
        additionalProperties: false,
      };
    case 'record':
      return {
        type: 'object',
        ...d,
        ...(s.keys ? { propertyNames: { enum: [...s.keys] } } : {}),
        additionalProperties: toSchema(s.values, defs),
      };
    case 'optional':
      return toSchema(s.of, defs);
    case 'nullable': {
      const inner = toSchema(s.of, defs);
      return { anyOf: [inner, { type: 'null' }] };
    }
    case 'ref':
      if (!(s.name in defs)) {
        defs[s.name] = {}; // reserved first: a shape that refers to itself ends here
        defs[s.name] = toSchema(s.of(), defs);
      }
      return { $ref: `#/$defs/${s.name}` };
  }
}

/**
 * `value` cut to exactly what `shape` declares: an object's declared properties only (nothing
 * else a record happens to carry reaches the output), arrays item by item. The mapper's return
 * type (a JsonOf<> of the contract) makes the compiler check that the record's declared fields
 * fit; the copy keeps out whatever else it holds.
 */
export function project<T>(shape: Shape, value: T): T {
  return cut(shape, value) as T;
}

function cut(s: Shape, v: unknown): unknown {
  switch (s.kind) {
    case 'nullable':
      return v === null || v === undefined ? null : cut(s.of, v);
    case 'optional':
      return cut(s.of, v);
    case 'ref':
      return cut(s.of(), v);
    case 'array':
      return (v as unknown[]).map((x) => cut(s.items, x));
    case 'object': {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(s.props)) if (p.kind !== 'optional' || o[k] !== undefined) out[k] = cut(p, o[k]);
      return out;
    }
    case 'record': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = cut(s.values, x);
      return out;
    }
    default:
      return v;
  }
}
