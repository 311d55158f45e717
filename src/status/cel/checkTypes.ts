/**
 * A static type check of a parsed CEL expression, because @bufbuild/cel 0.6 plans any parsed expression and
 * only fails when it runs: at 10,000 locations a typo would surface as 10,000 runtime errors instead of one
 * problem at file:line. The check knows the declared variables (`location`, `report` and `health` field by field,
 * `obj` as dynamic JSON) and the standard library, and reports only what must fail for every input: an
 * undeclared variable, an unknown field of a declared variable, an unknown function, or an operator applied to
 * types it has no overload for. Anything involving `dyn` passes, as in cel-go.
 */
import type { parse } from '@bufbuild/cel';

type Expr = ReturnType<typeof parse>['expr'];

/** A CEL type as far as this check needs it. `record` is a map whose fields are known. */
export type CelType =
  | { k: 'dyn' | 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'null' | 'timestamp' | 'duration' | 'type' }
  | { k: 'list'; elem: CelType }
  | { k: 'map'; key: CelType; value: CelType }
  | { k: 'record'; name: string; fields: Readonly<Record<string, CelType>> };

/** A type error: what is wrong and where, as an offset into the expression text. */
export interface CelTypeIssue {
  message: string;
  offset: number;
}

export const T = {
  dyn: { k: 'dyn' },
  bool: { k: 'bool' },
  int: { k: 'int' },
  uint: { k: 'uint' },
  double: { k: 'double' },
  string: { k: 'string' },
  bytes: { k: 'bytes' },
  null: { k: 'null' },
  timestamp: { k: 'timestamp' },
  duration: { k: 'duration' },
  type: { k: 'type' },
  list: (elem: CelType): CelType => ({ k: 'list', elem }),
  map: (key: CelType, value: CelType): CelType => ({ k: 'map', key, value }),
  record: (name: string, fields: Record<string, CelType>): CelType => ({ k: 'record', name, fields }),
} as const satisfies Record<string, CelType | ((...args: never[]) => CelType)>;

/** The type's name as CEL prints it. */
export function typeName(type: CelType): string {
  switch (type.k) {
    case 'list':
      return `list(${typeName(type.elem)})`;
    case 'map':
      return `map(${typeName(type.key)}, ${typeName(type.value)})`;
    case 'record':
      return type.name;
    case 'null':
      return 'null_type';
    default:
      return type.k;
  }
}

/**
 * Checks `parsed` against the variables in `variables`. Returns the expression's type (dyn where unknown) and
 * every issue found, in source order.
 */
export function checkTypes(parsed: ReturnType<typeof parse>, variables: Readonly<Record<string, CelType>>): { type: CelType; issues: CelTypeIssue[] } {
  const positions = parsed.sourceInfo?.positions ?? {};
  const issues: CelTypeIssue[] = [];
  const offsetOf = (expr: Expr) => positions[expr.id.toString() as unknown as number] ?? 0;
  const fail = (expr: Expr, message: string): CelType => {
    issues.push({ message, offset: offsetOf(expr) });
    return T.dyn;
  };
  const scopes: Record<string, CelType>[] = [{ ...variables }];
  const lookup = (name: string) => {
    for (let i = scopes.length - 1; i >= 0; i--) if (name in scopes[i]!) return scopes[i]![name];
    return undefined;
  };

  const visit = (expr: Expr): CelType => {
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return constType(kind.value.constantKind.case);
      case 'identExpr': {
        const type = lookup(kind.value.name);
        if (type) return type;
        const known = Object.keys(variables).join(', ');
        return fail(expr, `undeclared reference to '${kind.value.name}' (the variables are ${known})`);
      }
      case 'selectExpr': {
        const operand = kind.value.operand;
        const base = operand ? visit(operand) : T.dyn;
        const field = selectField(base, kind.value.field, (message) => fail(expr, message));
        return kind.value.testOnly ? T.bool : field;
      }
      case 'listExpr': {
        const elems = kind.value.elements.map(visit);
        return T.list(unify(elems));
      }
      case 'structExpr': {
        if (kind.value.messageName !== '') return fail(expr, `unknown message type '${kind.value.messageName}': only maps and lists can be built here`);
        const keys: CelType[] = [];
        const values: CelType[] = [];
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') keys.push(visit(entry.keyKind.value));
          if (entry.value) values.push(visit(entry.value));
        }
        return T.map(unify(keys), unify(values));
      }
      case 'comprehensionExpr': {
        const c = kind.value;
        const range = c.iterRange ? visit(c.iterRange) : T.dyn;
        let iterType: CelType = T.dyn;
        if (range.k === 'list') iterType = range.elem;
        else if (range.k === 'map') iterType = range.key;
        else if (range.k === 'record') iterType = T.string;
        else if (range.k !== 'dyn') fail(c.iterRange!, `cannot iterate over ${typeName(range)}: macros such as all, exists, map and filter need a list or a map`);
        const accuType = c.accuInit ? visit(c.accuInit) : T.dyn;
        scopes.push({ [c.accuVar]: accuType.k === 'list' && accuType.elem.k === 'dyn' ? T.list(T.dyn) : accuType });
        scopes.push({ [c.iterVar]: iterType });
        if (c.loopCondition) visit(c.loopCondition);
        const step = c.loopStep ? visit(c.loopStep) : T.dyn;
        scopes.pop();
        scopes[scopes.length - 1] = { [c.accuVar]: step.k === 'dyn' ? accuType : step };
        const result = c.result ? visit(c.result) : T.dyn;
        scopes.pop();
        return result;
      }
      case 'callExpr': {
        const call = kind.value;
        const target = call.target ? visit(call.target) : undefined;
        const args = call.args.map(visit);
        // A logical operator is wrong because of one operand: point at it, not at the operator.
        const logical = ['_&&_', '_||_', '!_'].includes(call.function) ? args.findIndex((a) => a.k !== 'dyn' && a.k !== 'bool') : -1;
        const at = logical >= 0 ? call.args[logical]! : expr;
        return callType(call.function, target, args, (message) => fail(at, message));
      }
      default:
        return T.dyn;
    }
  };

  const type = visit(parsed.expr);
  issues.sort((a, b) => a.offset - b.offset);
  return { type, issues };
}

function constType(kind: string | undefined): CelType {
  switch (kind) {
    case 'boolValue':
      return T.bool;
    case 'int64Value':
      return T.int;
    case 'uint64Value':
      return T.uint;
    case 'doubleValue':
      return T.double;
    case 'stringValue':
      return T.string;
    case 'bytesValue':
      return T.bytes;
    case 'nullValue':
      return T.null;
    default:
      return T.dyn;
  }
}

function selectField(base: CelType, field: string, fail: (message: string) => CelType): CelType {
  switch (base.k) {
    case 'dyn':
      return T.dyn;
    case 'record': {
      const type = base.fields[field];
      if (type) return type;
      return fail(`${base.name} has no field '${field}' (its fields are ${Object.keys(base.fields).join(', ')})`);
    }
    case 'map':
      if (base.key.k !== 'string' && base.key.k !== 'dyn') return fail(`cannot select '${field}' from ${typeName(base)}: its keys are not strings`);
      return base.value;
    default:
      return fail(`cannot select field '${field}' from a ${typeName(base)}`);
  }
}

const NUMERIC = new Set(['int', 'uint', 'double']);

function isDyn(type: CelType): boolean {
  return type.k === 'dyn';
}

/** The common type of a list's elements or map's values: the type when all agree, else dyn. */
function unify(types: readonly CelType[]): CelType {
  if (types.length === 0) return T.dyn;
  const first = typeName(types[0]!);
  return types.every((t) => typeName(t) === first) ? types[0]! : T.dyn;
}

/** A family for comparisons and equality: numbers compare with each other, everything else with itself. */
function family(type: CelType): string {
  if (NUMERIC.has(type.k)) return 'number';
  if (type.k === 'record') return 'map';
  return type.k;
}

type Fail = (message: string) => CelType;

function callType(fn: string, target: CelType | undefined, args: CelType[], fail: Fail): CelType {
  const noOverload = () => fail(`no matching overload for '${fn}' applied to (${[...(target ? [target] : []), ...args].map(typeName).join(', ')})`);
  const all = target ? [target, ...args] : args;
  switch (fn) {
    case '_&&_':
    case '_||_':
      return args.every((a) => isDyn(a) || a.k === 'bool') ? T.bool : noOverload();
    case '!_':
    case '@not_strictly_false':
      return isDyn(args[0]!) || args[0]!.k === 'bool' ? T.bool : noOverload();
    case '_?_:_': {
      const [cond, yes, no] = args as [CelType, CelType, CelType];
      if (!isDyn(cond) && cond.k !== 'bool') return fail(`the condition of '? :' must be a bool, not ${typeName(cond)}`);
      return typeName(yes) === typeName(no) ? yes : T.dyn;
    }
    case '_==_':
    case '_!=_': {
      const [a, b] = args as [CelType, CelType];
      if (isDyn(a) || isDyn(b) || a.k === 'null' || b.k === 'null' || family(a) === family(b)) return T.bool;
      return noOverload();
    }
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_': {
      const [a, b] = args as [CelType, CelType];
      if (isDyn(a) || isDyn(b)) return T.bool;
      const ordered = ['number', 'string', 'bytes', 'bool', 'timestamp', 'duration'];
      return family(a) === family(b) && ordered.includes(family(a)) ? T.bool : noOverload();
    }
    case '_+_':
    case '_-_':
    case '_*_':
    case '_/_':
    case '_%_':
      return arithmetic(fn, args[0]!, args[1]!, noOverload);
    case '-_': {
      const [a] = args as [CelType];
      return isDyn(a) || a.k === 'int' || a.k === 'double' || a.k === 'duration' ? a : noOverload();
    }
    case '_[_]': {
      const [base, index] = args as [CelType, CelType];
      if (base.k === 'list') return isDyn(index) || index.k === 'int' || index.k === 'uint' ? base.elem : noOverload();
      if (base.k === 'map') return base.value;
      if (base.k === 'record') return index.k === 'string' || isDyn(index) ? T.dyn : noOverload();
      return isDyn(base) ? T.dyn : noOverload();
    }
    case '@in': {
      const [, container] = args as [CelType, CelType];
      return isDyn(container) || ['list', 'map', 'record'].includes(container.k) ? T.bool : noOverload();
    }
    case 'size': {
      const subject = target ?? args[0];
      if (!subject || all.length !== 1) return noOverload();
      return isDyn(subject) || ['string', 'bytes', 'list', 'map', 'record'].includes(subject.k) ? T.int : noOverload();
    }
    case 'int':
    case 'uint':
    case 'double':
    case 'string':
    case 'bool':
    case 'bytes':
    case 'timestamp':
    case 'duration':
      return target || args.length !== 1 ? noOverload() : T[fn];
    case 'dyn':
      return target || args.length !== 1 ? noOverload() : T.dyn;
    case 'type':
      return target || args.length !== 1 ? noOverload() : T.type;
    case 'matches':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return all.length === 2 && all.every((a) => isDyn(a) || a.k === 'string') ? T.bool : noOverload();
    default:
      return stringsExtension(fn, target, args, noOverload) ?? timeMethod(fn, target, noOverload) ?? fail(unknownFunction(fn, target !== undefined));
  }
}

function arithmetic(fn: string, a: CelType, b: CelType, noOverload: () => CelType): CelType {
  if (isDyn(a) && isDyn(b)) return T.dyn;
  if (isDyn(a) || isDyn(b)) {
    const known = isDyn(a) ? b : a;
    if (NUMERIC.has(known.k)) return fn === '_+_' || fn === '_-_' ? T.dyn : known;
    if (fn === '_+_' && ['string', 'bytes', 'list', 'timestamp', 'duration'].includes(known.k)) return T.dyn;
    if (fn === '_-_' && ['timestamp', 'duration'].includes(known.k)) return T.dyn;
    return noOverload();
  }
  if (NUMERIC.has(a.k) && a.k === b.k && (fn !== '_%_' || a.k !== 'double')) return a;
  if (fn === '_+_') {
    if ((a.k === 'string' || a.k === 'bytes') && a.k === b.k) return a;
    if (a.k === 'list' && b.k === 'list') return typeName(a) === typeName(b) ? a : T.list(T.dyn);
    if (a.k === 'duration' && b.k === 'duration') return T.duration;
    if ((a.k === 'timestamp' && b.k === 'duration') || (a.k === 'duration' && b.k === 'timestamp')) return T.timestamp;
  }
  if (fn === '_-_') {
    if (a.k === 'timestamp' && b.k === 'timestamp') return T.duration;
    if (a.k === 'timestamp' && b.k === 'duration') return T.timestamp;
    if (a.k === 'duration' && b.k === 'duration') return T.duration;
  }
  return noOverload();
}

/** The `strings` extension (@bufbuild/cel/ext), which edgeplane registers. */
function stringsExtension(fn: string, target: CelType | undefined, args: CelType[], noOverload: () => CelType): CelType | undefined {
  const onString = (result: CelType) => (target === undefined || isDyn(target) || target.k === 'string' ? result : noOverload());
  switch (fn) {
    case 'charAt':
    case 'lowerAscii':
    case 'upperAscii':
    case 'replace':
    case 'substring':
    case 'trim':
    case 'format':
      return onString(T.string);
    case 'indexOf':
    case 'lastIndexOf':
      return onString(T.int);
    case 'split':
      return onString(T.list(T.string));
    case 'join':
      return target === undefined || isDyn(target) || target.k === 'list' ? T.string : noOverload();
    case 'strings.quote':
      return args.length === 1 ? T.string : noOverload();
    default:
      return undefined;
  }
}

const TIME_METHODS = new Set([
  'getDate',
  'getDayOfMonth',
  'getDayOfWeek',
  'getDayOfYear',
  'getFullYear',
  'getHours',
  'getMilliseconds',
  'getMinutes',
  'getMonth',
  'getSeconds',
]);

function timeMethod(fn: string, target: CelType | undefined, noOverload: () => CelType): CelType | undefined {
  if (!TIME_METHODS.has(fn)) return undefined;
  if (target === undefined) return noOverload();
  return isDyn(target) || target.k === 'timestamp' || target.k === 'duration' ? T.int : noOverload();
}

function unknownFunction(fn: string, member: boolean): string {
  return member ? `unknown method '${fn}'` : `unknown function '${fn}'`;
}
