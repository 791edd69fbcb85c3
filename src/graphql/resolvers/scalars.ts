/** Bytes (exact integers as JSON numbers), DateTime (RFC 3339) and JSON. */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

const badValue = (msg: string) => new GraphQLError(msg, { extensions: { code: 'BAD_USER_INPUT' } });

export const Bytes = new GraphQLScalarType({
  name: 'Bytes',
  serialize: (v) => {
    const n = typeof v === 'bigint' ? Number(v) : Number(v);
    if (!Number.isSafeInteger(n)) throw new GraphQLError('Bytes value is not a safe integer');
    return n;
  },
  parseValue: (v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badValue('Bytes must be a non-negative integer up to 2^53');
    return v;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.INT) throw badValue('Bytes must be an integer literal');
    const n = Number(ast.value);
    if (!Number.isSafeInteger(n) || n < 0) throw badValue('Bytes must be a non-negative integer up to 2^53');
    return n;
  },
});

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => (v instanceof Date ? v.toISOString() : String(v)),
  parseValue: (v) => {
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw badValue('DateTime must be an RFC 3339 string');
    return v;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value))) throw badValue('DateTime must be an RFC 3339 string');
    return ast.value;
  },
});

function literal(ast: ValueNode, vars?: Record<string, unknown> | null): unknown {
  switch (ast.kind) {
    case Kind.STRING: case Kind.BOOLEAN: return ast.value;
    case Kind.INT: case Kind.FLOAT: return Number(ast.value);
    case Kind.NULL: return null;
    case Kind.LIST: return ast.values.map((v) => literal(v, vars));
    case Kind.OBJECT: return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value, vars)]));
    case Kind.VARIABLE: return vars?.[ast.name.value];
    default: return null;
  }
}

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: (ast, vars) => literal(ast, vars),
});
