// A small WebAssembly assembler: the text of a module in a subset of the WebAssembly text format
// (WAT) to its binary, so that the modules the capture stage runs are source text in the repo and
// their bytes are made from it when first used (no build step, no binary to drift from its
// source, nothing native: Node 20 always has WebAssembly).
//
// The subset (what the modules here use, checked, anything else is an error that names it):
//   (module FIELD*)
//   (import "mod" "name" (memory MIN))          the memory, given by the caller
//   (memory (export "name") MIN)                 a memory of the module's own
//   (global $g (mut i32|i64|f64) (TYPE.const N))
//   (func $f (export "name")? (param $p T)* (result T)? (local $l T)* INSTR*)
// Instructions are written flat (not folded), one mnemonic and its immediates after another;
// `block`/`loop`/`if` take an optional `$label` and `(result T)` and close with `end`; `br`,
// `br_if`, `local.*`, `global.*` and `call` take `$names`; loads and stores take `offset=N`.

type ValType = 'i32' | 'i64' | 'f64';
const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f64: 0x7c };

/** Instructions without immediates. */
const PLAIN: Record<string, number> = {
  unreachable: 0x00, nop: 0x01, else: 0x05, end: 0x0b, return: 0x0f, drop: 0x1a, select: 0x1b,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'i64.eqz': 0x50, 'i64.eq': 0x51, 'i64.ne': 0x52,
  'f64.eq': 0x61, 'f64.ne': 0x62, 'f64.lt': 0x63, 'f64.gt': 0x64, 'f64.le': 0x65, 'f64.ge': 0x66,
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.and': 0x71, 'i32.or': 0x72, 'i32.xor': 0x73,
  'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76, 'i32.rotl': 0x77, 'i32.rotr': 0x78,
  'i64.add': 0x7c, 'i64.sub': 0x7d, 'i64.mul': 0x7e, 'i64.and': 0x83, 'i64.or': 0x84, 'i64.xor': 0x85,
  'i64.shl': 0x86, 'i64.shr_s': 0x87, 'i64.shr_u': 0x88,
  'f64.abs': 0x99, 'f64.neg': 0x9a, 'f64.add': 0xa0, 'f64.sub': 0xa1, 'f64.mul': 0xa2, 'f64.div': 0xa3,
  'i32.wrap_i64': 0xa7, 'i64.extend_i32_s': 0xac, 'i64.extend_i32_u': 0xad,
  'f64.convert_i32_s': 0xb7, 'f64.convert_i32_u': 0xb8, 'f64.convert_i64_u': 0xba,
};

/** Loads and stores: opcode and natural alignment (log2 bytes). */
const MEMORY_OPS: Record<string, [number, number]> = {
  'i32.load': [0x28, 2], 'i64.load': [0x29, 3], 'f64.load': [0x2b, 3], 'i32.load8_u': [0x2d, 0],
  'i32.load16_u': [0x2f, 1], 'i32.store': [0x36, 2], 'i64.store': [0x37, 3], 'f64.store': [0x39, 3],
  'i32.store8': [0x3a, 0],
};

type Sexp = string | Sexp[];

/** The binary of the module written in `text`. Throws on anything outside the subset. */
export function assembleWat(text: string): Uint8Array<ArrayBuffer> {
  const top = parse(text);
  if (!Array.isArray(top) || top[0] !== 'module') throw new Error('wasm-assemble: expected (module ...)');
  const fields = top.slice(1) as Sexp[];
  const funcs = fields.filter((f): f is Sexp[] => Array.isArray(f) && f[0] === 'func');
  const globals = fields.filter((f): f is Sexp[] => Array.isArray(f) && f[0] === 'global');
  const funcIndex = new Map<string, number>();
  funcs.forEach((f, i) => funcIndex.set(f[1] as string, i));
  const globalIndex = new Map<string, number>();
  globals.forEach((g, i) => globalIndex.set(g[1] as string, i));

  const types: number[][] = [];
  const typeOf: number[] = [];
  const exports: number[][] = [];
  const imports: number[][] = [];
  const memories: number[][] = [];
  const bodies: number[][] = [];
  for (const f of fields) {
    if (!Array.isArray(f)) throw new Error(`wasm-assemble: unexpected ${f}`);
    if (f[0] === 'import') {
      const mem = f[3] as Sexp[];
      if (mem[0] !== 'memory') throw new Error('wasm-assemble: only a memory may be imported');
      imports.push([...name(str(f[1])), ...name(str(f[2])), 0x02, 0x00, ...uleb(Number(mem[1]))]);
    } else if (f[0] === 'memory') {
      const exp = f[1] as Sexp[];
      memories.push([0x00, ...uleb(Number(f[2]))]);
      exports.push([...name(str(exp[1])), 0x02, 0]);
    }
  }
  const globalBytes = globals.map((g) => {
    const t = (g[2] as Sexp[])[1] as ValType;
    const init = g[3] as Sexp[];
    return [VALTYPE[t], 0x01, ...constInstr(init[0] as string, init[1] as string), 0x0b];
  });
  funcs.forEach((f, fi) => {
    const params: ValType[] = [];
    const results: ValType[] = [];
    const locals: ValType[] = [];
    const names = new Map<string, number>();
    const body: Sexp[] = [];
    for (const part of f.slice(2)) {
      if (Array.isArray(part) && part[0] === 'export') exports.push([...name(str(part[1])), 0x00, fi]);
      else if (Array.isArray(part) && part[0] === 'param') (names.set(part[1] as string, params.length), params.push(part[2] as ValType));
      else if (Array.isArray(part) && part[0] === 'result') results.push(part[1] as ValType);
      else if (Array.isArray(part) && part[0] === 'local') (names.set(part[1] as string, params.length + locals.length), locals.push(part[2] as ValType));
      else body.push(part);
    }
    const sig = [0x60, ...vec(params.map((t) => [VALTYPE[t]])), ...vec(results.map((t) => [VALTYPE[t]]))];
    let ti = types.findIndex((t) => t.join() === sig.join());
    if (ti < 0) ti = types.push(sig) - 1;
    typeOf.push(ti);
    const code = [...vec(locals.map((t) => [1, VALTYPE[t]])), ...instructions(body, names, funcIndex, globalIndex), 0x0b];
    bodies.push([...uleb(code.length), ...code]);
  });
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, items: number[][]) => {
    if (items.length === 0) return;
    const content = vec(items);
    out.push(id, ...uleb(content.length), ...content);
  };
  section(1, types);
  section(2, imports);
  section(3, typeOf.map((t) => uleb(t)));
  section(5, memories);
  section(6, globalBytes);
  section(7, exports);
  section(10, bodies);
  return Uint8Array.from(out);
}

function instructions(body: Sexp[], locals: Map<string, number>, funcs: Map<string, number>, globals: Map<string, number>): number[] {
  const out: number[] = [];
  const labels: Array<string | null> = []; // innermost last
  const lookup = (m: Map<string, number>, key: string, what: string) => {
    const v = m.get(key);
    if (v === undefined) throw new Error(`wasm-assemble: unknown ${what} ${key}`);
    return v;
  };
  for (let i = 0; i < body.length; i++) {
    const op = body[i];
    if (typeof op !== 'string') throw new Error(`wasm-assemble: folded instructions are not supported (${JSON.stringify(op)})`);
    const next = () => {
      const v = body[++i];
      if (typeof v !== 'string') throw new Error(`wasm-assemble: ${op} needs an immediate`);
      return v;
    };
    if (op === 'block' || op === 'loop' || op === 'if') {
      let label: string | null = null;
      if (typeof body[i + 1] === 'string' && (body[i + 1] as string).startsWith('$')) label = next();
      let type = 0x40;
      const r = body[i + 1];
      if (Array.isArray(r) && r[0] === 'result') (type = VALTYPE[r[1] as ValType]), i++;
      labels.push(label);
      out.push(op === 'block' ? 0x02 : op === 'loop' ? 0x03 : 0x04, type);
    } else if (op === 'end') {
      if (labels.length === 0) throw new Error('wasm-assemble: end without block');
      labels.pop();
      out.push(0x0b);
    } else if (op === 'br' || op === 'br_if') {
      const l = next();
      const depth = labels.length - 1 - labels.lastIndexOf(l);
      if (depth >= labels.length) throw new Error(`wasm-assemble: unknown label ${l}`);
      out.push(op === 'br' ? 0x0c : 0x0d, ...uleb(depth));
    } else if (op === 'local.get' || op === 'local.set' || op === 'local.tee') {
      out.push(op === 'local.get' ? 0x20 : op === 'local.set' ? 0x21 : 0x22, ...uleb(lookup(locals, next(), 'local')));
    } else if (op === 'global.get' || op === 'global.set') {
      out.push(op === 'global.get' ? 0x23 : 0x24, ...uleb(lookup(globals, next(), 'global')));
    } else if (op === 'call') out.push(0x10, ...uleb(lookup(funcs, next(), 'function')));
    else if (op.endsWith('.const')) out.push(...constInstr(op, next()));
    else if (op in MEMORY_OPS) {
      const [code, align] = MEMORY_OPS[op]!;
      let offset = 0;
      if (typeof body[i + 1] === 'string' && (body[i + 1] as string).startsWith('offset=')) offset = Number(next().slice(7));
      out.push(code, align, ...uleb(offset));
    } else if (op in PLAIN) out.push(PLAIN[op]!);
    else throw new Error(`wasm-assemble: unknown instruction ${op}`);
  }
  if (labels.length > 0) throw new Error('wasm-assemble: block without end');
  return out;
}

function constInstr(op: string, value: string): number[] {
  if (op === 'i32.const') return [0x41, ...sleb(BigInt.asIntN(32, BigInt(value)))];
  if (op === 'i64.const') return [0x42, ...sleb(BigInt.asIntN(64, BigInt(value)))];
  if (op === 'f64.const') {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(Number(value));
    return [0x44, ...b];
  }
  throw new Error(`wasm-assemble: unknown constant ${op}`);
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function sleb(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) return (out.push(b), out);
    out.push(b | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  return [...uleb(b.length), ...b];
}

function str(s: Sexp | undefined): string {
  if (typeof s !== 'string' || !s.startsWith('"')) throw new Error(`wasm-assemble: expected a string, got ${JSON.stringify(s)}`);
  return s.slice(1, -1);
}

/** S-expressions: atoms and strings as strings (strings keep their quotes), `;;` comments. */
function parse(text: string): Sexp {
  const tokens = text.replace(/;;[^\n]*/g, ' ').match(/"[^"]*"|[()]|[^\s()]+/g) ?? [];
  let i = 0;
  const read = (): Sexp => {
    const t = tokens[i++];
    if (t === undefined) throw new Error('wasm-assemble: unexpected end of text');
    if (t !== '(') return t;
    const list: Sexp[] = [];
    while (tokens[i] !== ')') list.push(read());
    i++;
    return list;
  };
  const s = read();
  if (i !== tokens.length) throw new Error('wasm-assemble: text after the module');
  return s;
}
