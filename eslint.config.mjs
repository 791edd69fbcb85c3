// Lint guards the layering of docs/architecture.md: each rule below is one of
// its boundaries, so a change that crosses one fails `npm run lint` in CI.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const LAYERS = ['domain', 'eventStore', 'projections', 'importers', 'application', 'graphql', 'cli'];
const others = (...allowed) => [
  ...LAYERS.filter((l) => !allowed.includes(l)).map((l) => `./src/${l}`),
  ...(allowed.includes('server') ? [] : ['./src/server.ts']),
];

// SQL keywords as statements start them (upper case, as this codebase writes SQL).
const SQL = String.raw`/(^|[^A-Za-z_])(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|`
  + String.raw`CREATE\s+(TABLE|INDEX|UNIQUE)|DROP\s+TABLE|ALTER\s+TABLE|TRUNCATE\s)/`;
const SQL_MESSAGE = 'SQL belongs to src/eventStore and src/projections (docs/architecture.md); use their typed operations.';

export default tseslint.config(
  // dist/: the build's output (scripts/build.js), linted as its sources.
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', 'public/**', 'dist/**'] },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 2022,
      sourceType: 'module',
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    // The code already carries directives for rules this config does not enable.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true,
      }],
      'import-x/no-self-import': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'migrations/**/*.ts', 'eslint.config.mjs'],
    rules: {
      'max-len': ['error', { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // The layers point inward (docs/architecture.md, "The layers and what each may import").
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', {
        zones: [
          { target: './src/domain', from: './src', except: ['./domain'], message: 'src/domain is pure: it imports only src/domain.' },
          {
            target: './src/support', from: './src', except: ['./support', './domain'],
            message: 'src/support serves every layer: it imports none of them.',
          },
          { target: './src/eventStore', from: others('domain', 'eventStore') },
          { target: './src/importers', from: others('domain', 'importers') },
          { target: './src/projections', from: others('domain', 'eventStore', 'projections') },
          { target: './src/application', from: ['./src/graphql', './src/cli', './src/server.ts'] },
          { target: './src/graphql', from: ['./src/cli', './src/server.ts'] },
        ],
      }],
    },
  },
  {
    // Nothing outside the event store and the projections writes SQL, opens a
    // database or holds the store's SQL handle: the port (EventLog in
    // src/eventStore/types.ts) has typed operations only, and the handle behind
    // it (`.sql`, `.writeTransaction`, the Sql type) is theirs alone. No exceptions.
    files: ['src/**/*.ts'],
    ignores: ['src/eventStore/**', 'src/projections/**'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: `TemplateElement[value.raw=${SQL}]`, message: SQL_MESSAGE },
        { selector: `Literal[value=${SQL}]`, message: SQL_MESSAGE },
        { selector: 'MemberExpression[property.name=/^(sql|writeTransaction)$/]', message: SQL_MESSAGE },
        { selector: 'Property[key.name=/^(sql|writeTransaction)$/] > ObjectPattern', message: SQL_MESSAGE },
        { selector: 'ObjectPattern > Property[key.name=/^(sql|writeTransaction)$/]', message: SQL_MESSAGE },
      ],
      'no-restricted-imports': ['error', {
        paths: ['typeorm', 'pg', 'better-sqlite3'].map((name) => ({ name, message: SQL_MESSAGE })),
        patterns: [
          { group: ['**/eventStore/types'], importNames: ['Sql', 'WithinAppend'], message: SQL_MESSAGE },
          {
            group: ['**/eventStore/reads', '**/eventStore/rows', '**/eventStore/sqlite', '**/eventStore/postgres*'],
            message: 'The adapters\' internals belong to src/eventStore: use the port and its typed operations (docs/architecture.md).',
          },
        ],
      }],
    },
  },
  {
    // After the SQL block, so that this stricter rule wins for the domain.
    // The domain has no I/O: no Node modules and no packages, only its own files;
    // the one exception is `immutable`, pure data structures (persistent maps for
    // wide merged-view directories, src/domain/childMap.ts; docs/architecture.md).
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(?!immutable$)[^.]', message: 'src/domain is pure: no Node modules, no packages but immutable (docs/architecture.md).',
        }],
      }],
    },
  },
);
