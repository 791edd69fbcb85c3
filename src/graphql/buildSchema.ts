/**
 * The executable schema: the SDL in schema/*.graphql (schema-first) with the
 * resolver map attached. Small enough to do without graphql-tools: set
 * `resolve`/`subscribe` per field, scalars' codecs, and Node's resolveType.
 */
import {
  buildASTSchema, defaultFieldResolver, GraphQLObjectType, GraphQLScalarType, GraphQLInterfaceType, type GraphQLSchema,
} from 'graphql';
import type { EventStore } from '../eventStore/types';
import { loadSchemaDocument } from './schemaLoader';
import { mutationResolverMap, resolverMap } from './resolvers';
import { subscriptionResolvers } from './subscriptions';
import { driftSubscription } from './driftSubscription';

type FieldResolver = ((...args: any[]) => unknown) | { subscribe: (...args: any[]) => unknown; resolve?: (...args: any[]) => unknown };

export function buildExecutableSchema(store: EventStore): GraphQLSchema {
  // The build validated a cached document (schemaLoader.ts); any other SDL is validated here.
  const { document, validated } = loadSchemaDocument();
  const schema = buildASTSchema(document, { assumeValidSDL: validated });
  const subscriptions = { Subscription: { ...subscriptionResolvers(store).Subscription, drift: driftSubscription(store) } };
  const map: Record<string, Record<string, FieldResolver> | GraphQLScalarType> = { ...resolverMap, ...subscriptions } as any;
  for (const [typeName, fields] of Object.entries(map)) {
    const type = schema.getType(typeName);
    if (!type) throw new Error(`resolvers for unknown type ${typeName}`);
    if (fields instanceof GraphQLScalarType) {
      const scalar = type as GraphQLScalarType;
      scalar.serialize = fields.serialize;
      scalar.parseValue = fields.parseValue;
      scalar.parseLiteral = fields.parseLiteral;
      continue;
    }
    if (!(type instanceof GraphQLObjectType)) throw new Error(`${typeName} is not an object type`);
    const defs = type.getFields();
    for (const [fieldName, r] of Object.entries(fields)) {
      const def = defs[fieldName];
      if (!def) throw new Error(`resolver for unknown field ${typeName}.${fieldName}`);
      if (typeof r === 'function') def.resolve = r;
      else { def.subscribe = r.subscribe; if (r.resolve) def.resolve = r.resolve; }
    }
  }
  attachMutations(schema);
  const node = schema.getType('Node') as GraphQLInterfaceType;
  node.resolveType = (obj: any) => {
    if (obj?.kind === 'Image' || obj?.kind === 'Layer') return obj.kind;
    return typeof obj?.hash === 'string' ? 'Event' : undefined;
  };
  return schema;
}

/**
 * Each Mutation field resolves through mutationResolverMap(), loaded at the first
 * mutation; a resolver for a field the SDL lacks is an error then, as it is for
 * the other types here at build (test/graphql/schema.unit.test.ts checks both ways).
 */
function attachMutations(schema: GraphQLSchema): void {
  const mutation = schema.getMutationType();
  if (!mutation) return;
  const defs = mutation.getFields();
  let checked = false;
  const resolvers = () => {
    const map = mutationResolverMap();
    if (!checked) {
      for (const name of Object.keys(map)) if (!defs[name]) throw new Error(`resolver for unknown field ${mutation.name}.${name}`);
      checked = true;
    }
    return map;
  };
  for (const [fieldName, def] of Object.entries(defs)) {
    def.resolve = (parent, args, ctx, info) => (resolvers()[fieldName] ?? defaultFieldResolver)(parent, args, ctx, info);
  }
}
