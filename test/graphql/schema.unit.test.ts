import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLNamedType } from 'graphql';
import { loadSchemaSDL, SCHEMA_DIR } from '../../src/graphql/schemaLoader';
import { skippingTest } from '../helpers/skip';

const schema = buildSchema(loadSchemaSDL());

// The contract lives outside the repository (CI has it); a bare clone skips this one check, saying so.
const CONTRACT = path.resolve(__dirname, '../../../shared/contract/schema.graphql');
const withContract = existsSync(CONTRACT) ? test : skippingTest(`the shared contract is not at ${CONTRACT} (a clone without ../shared; CI has it)`);

withContract('the schema is a superset of the shared contract', () => {
  const contract = buildSchema(readFileSync(CONTRACT, 'utf8'));
  expect(findBreakingChanges(contract, schema)).toEqual([]);
});

test('one file per area', () => {
  const files = ['common', 'events', 'image', 'layer', 'mutations', 'storage'];
  for (const f of files) expect(loadSchemaSDL(SCHEMA_DIR)).toContain(`# ${f}.graphql`);
});

test('every type, field and enum value has a description', () => {
  const missing: string[] = [];
  const own = (t: GraphQLNamedType) => !t.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name);
  for (const type of Object.values(schema.getTypeMap()).filter(own)) {
    const rootType = ['Query', 'Mutation', 'Subscription'].includes(type.name);
    if (!type.description && !rootType) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const f of Object.values(type.getFields())) if (!f.description) missing.push(`${type.name}.${f.name}`);
    }
    if (isEnumType(type)) for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
  }
  expect(missing).toEqual([]);
});
