/** The `strata` command line (docs/cli.md). */
import { Command, CommanderError } from 'commander';
import { reportAndExit } from './output';
import { runToEnd } from './unfinished';
import { requireExistingDatabase } from './existingDatabase';

type CommandAction = (...args: never[]) => Promise<unknown>;
/**
 * A command's module, loaded when the command runs: `strata --version` or
 * `strata query` never load TypeORM's migrations runner, Apollo, dockerode or
 * the importers they do not use (docs/adr/0010-compiled-at-install.md).
 * require, not import(): under tsx's require hook (the sources, when dist/ is
 * stale) an import() goes to Node's ESM loader, which cannot resolve './query'.
 */
function lazy<M extends Record<K, CommandAction>, K extends keyof M>(load: () => M, name: K) {
  type Result = Awaited<ReturnType<M[K]>>;
  return async (...args: Parameters<M[K]>): Promise<Result> => load()[name](...args) as Result;
}

const snapshotCommand = lazy(() => require('./snapshot') as typeof import('./snapshot'), 'snapshotCommand');
const migrate = lazy(() => require('./admin') as typeof import('./admin'), 'migrate');
const rebuild = lazy(() => require('./admin') as typeof import('./admin'), 'rebuild');
const bases = lazy(() => require('./bases') as typeof import('./bases'), 'bases');
const driftCommand = lazy(() => require('./drift') as typeof import('./drift'), 'driftCommand');
const importCommand = lazy(() => require('./import') as typeof import('./import'), 'importCommand');
const ciCommand = lazy(() => require('./ci') as typeof import('./ci'), 'ciCommand');
const diffCommand = lazy(() => require('./diff') as typeof import('./diff'), 'diffCommand');
const exportLog = lazy(() => require('./logTransfer') as typeof import('./logTransfer'), 'exportLog');
const importLog = lazy(() => require('./logTransfer') as typeof import('./logTransfer'), 'importLog');
const exportCommand = lazy(() => require('./exportImage') as typeof import('./exportImage'), 'exportCommand');
const commitCommand = lazy(() => require('./commitCli') as typeof import('./commitCli'), 'commitCommand');
const gcCommand = lazy(() => require('./gc') as typeof import('./gc'), 'gcCommand');
const query = lazy(() => require('./query') as typeof import('./query'), 'query');
const serve = lazy(() => require('./serve') as typeof import('./serve'), 'serve');
const verify = lazy(() => require('./verify') as typeof import('./verify'), 'verify');
const history = lazy(() => require('./history') as typeof import('./history'), 'history');
const df = lazy(() => require('./df') as typeof import('./df'), 'df');
const backup = lazy(() => require('./backup') as typeof import('./backup'), 'backup');
const restore = lazy(() => require('./backup') as typeof import('./backup'), 'restore');
const catCommand = lazy(() => require('./cat') as typeof import('./cat'), 'catCommand');
const watchCommand = lazy(() => require('./watch') as typeof import('./watch'), 'watchCommand');

function program(): Command {
  const p = new Command('strata')
    .description('An event-sourced ledger of container image layers with a GraphQL API')
    .version(require('../../package.json').version as string, '-V, --version')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const db = ['--db <url>', 'SQLite file path or postgres:// URL (default $STRATA_DB, then ./data/strata.db)'] as const;
  const registryFlags = [
    ['--creds <user:pass>', 'registry credentials (docker://)'],
    ['--authfile <file>', 'containers-auth.json or Docker config.json with registry credentials (default $REGISTRY_AUTH_FILE)'],
    ['--tls-verify <bool>', 'false: allow plain HTTP and self-signed certificates (docker://; default true)'],
  ] as const;
  const blobs = ['--blobs <dir>', 'blob store directory (default $STRATA_BLOBS, then blobs/ next to the database)'] as const;

  p.command('serve').description('serve GraphQL over HTTP and WebSocket at /graphql')
    .option('--port <n>', 'port (default $PORT or 4000)').option('--host <h>', 'host (default 127.0.0.1)').option(...db).option(...blobs)
    .action(async (o) => { await serve(o); });

  p.command('query').description('run one GraphQL operation straight on the database and print the JSON response')
    .argument('<document>', 'the GraphQL document (or a path to a file holding it)')
    .option('--variables <json>', 'variables as JSON').option(...db).option(...blobs)
    .action(async (doc, o) => { process.exitCode = await query(doc, o); });

  p.command('verify').description('check the hash chain and that every projection equals a replay of the log')
    .option(...db).option('--blobs [dir]', 'also re-hash every stored blob (of the given blob store, default as for the other commands)')
    .option('--expect-head <hash>', 'anchored head: <hash> or <position>:<hash>; fails if the log no longer has it')
    .option('--json', 'machine-readable result')
    .action(async (o) => { process.exitCode = await verify(o); });

  p.command('rebuild').description('drop and recompute the projections from the log').option(...db)
    .action(async (o) => { await rebuild(o); });

  p.command('migrate').description('run pending migrations').option(...db)
    .action(async (o) => { await migrate(o); });

  p.command('snapshot').description('write a read-model snapshot now, so that the next start folds only the log after it')
    .option(...db).action(async (o) => { await snapshotCommand(o); });

  p.command('import')
    .description('import every image of a docker save archive, an OCI layout directory or an OCI layout tar, '
      + 'or one image from a Docker Engine')
    .argument('<path>', 'archive path, OCI layout directory, - for standard input, docker-daemon:NAME[:TAG] ($DOCKER_HOST), '
      + 'or docker://HOST/REPO[:TAG|@DIGEST] (a registry)')
    .option(...db).option(...blobs).option('--tag <ref>', 'tag the imported image (only when the archive holds one image)')
    .option('--repo <name>', 'repository for OCI ref.name annotations that hold only a tag')
    .option('--platform <os/arch>', 'platform to pick from a multi-platform index (default linux/amd64)')
    .option('--json', 'print a machine-readable summary on stdout')
    .option('--max-bytes <n>', 'cap on total uncompressed bytes').option('--max-entries <n>', 'cap on tar entries')
    .option('--all-tags', 'docker://HOST/REPO: every tag of the repository').option(...registryFlags[0]).option(...registryFlags[1])
    .option(...registryFlags[2])
    .action(async (path, o) => { await importCommand(path, o); });

  p.command('export')
    .description('write an image to oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME:TAG], '
      + 'load it into a Docker Engine (docker-daemon:NAME:TAG) or push it to a registry (docker://HOST/REPO:TAG)')
    .argument('<ref>', 'the image: tag, name@digest or image ID').argument('<dest>', 'destination')
    .option(...db).option(...blobs).option('--json', 'print a machine-readable result')
    .option(...registryFlags[0]).option(...registryFlags[1]).option(...registryFlags[2])
    .action(async (ref, dest, o) => { await exportCommand(ref, dest, o); });

  p.command('bases').description('layer stacks several images share (unnamed bases), as a tree, with distribution and image counts')
    .option(...db).option('--min-images <n>', 'only stacks at least this many images share (default 2)')
    .option('--json', 'machine-readable list')
    .action(async (o) => { await bases(o); });

  p.command('drift').description('images built on an earlier target of a base tag that has moved since, most behind first')
    .argument('[tag]', 'only this base tag (default: every tag)').option(...db).option('--json', 'machine-readable list')
    .action(async (tag, o) => { await driftCommand(tag, o); });

  p.command('commit')
    .description('a new layer on an image from a layer tar (--layer, as crane append) '
      + 'or a directory compared with its merged view (--from-dir)')
    .argument('<image>', 'the image to build on').option('--layer <file>', 'a layer tar (.tar, .tar.gz, .tar.zst)')
    .option('--from-dir <dir>', 'a directory: its difference from the image becomes the layer')
    .option('--tag <ref>', 'tag the new image').option('--message <m>', 'history entry (created_by)')
    .option(...db).option(...blobs).option('--json', 'print a machine-readable result')
    .action(async (image, o) => { await commitCommand(image, o); });

  p.command('gc').description('delete blobs no live image references (never one a running import is writing)')
    .option('--dry-run', 'only print what would be deleted').option(...db).option(...blobs).option('--json', 'machine-readable result')
    .action(async (o) => { await gcCommand(o); });

  p.command('export-log').description('write the whole event log as JSON lines (verifiable, restorable with import-log)')
    .option(...db).option('--out <file>', 'output file (default standard output)')
    .action(async (o) => { await exportLog(o); });

  p.command('import-log').description('restore a log written by export-log into an empty database, verifying its chain')
    .argument('<file>', 'JSON lines file, or - for standard input').option(...db)
    .action(async (file, o) => { await importLog(file, o); });
  p.command('watch').description('follow a Docker Engine ($DOCKER_HOST) and record its image and container events as they happen')
    .argument('<source>', 'docker-daemon: or docker://HOST[/REPO] (polls the registry\'s tags)').option(...db).option(...blobs)
    .option('--json', 'one JSON object per recorded event')
    .option('--interval <seconds>', 'docker://: seconds between polls (default 30)').option('--once', 'docker://: poll once and exit')
    .option(...registryFlags[0]).option(...registryFlags[1]).option(...registryFlags[2])
    .action(async (source, o) => { await watchCommand(source, o); });

  p.command('backup').description('consistent copy of a SQLite database while serve keeps writing (online backup API), verified')
    .argument('<file>', 'the new backup file (never overwritten)').option(...db)
    .action(async (file, o) => { await backup(file, o); });

  p.command('restore').description('put a backup in place as a new SQLite database, after verifying it')
    .argument('<file>', 'a file written by strata backup').option(...db)
    .action(async (file, o) => { await restore(file, o); });

  p.command('history').description('docker history of an image, from the ledger (sizes as Docker counts them)')
    .argument('<ref>', 'tag, repository digest or image ID').option(...db)
    .option('--accounting <a>', 'docker (default) or content').option('--format <f>', 'table (default) or json')
    .option('--no-trunc', 'do not truncate output').option('-H, --human <bool>', 'human readable sizes and dates (default true)')
    .action(async (ref, o) => { await history(ref, o); });

  p.command('df').description('docker system df [-v], from the ledger (sizes as Docker counts them)')
    .option('-v, --verbose', 'per image and per container').option(...db)
    .option('--accounting <a>', 'docker (default) or content').option('--format <f>', 'table (default) or json')
    .action(async (o) => { await df(o); });

  // Only these create a database; any other command given a --db that names
  // nothing refuses (a typo must not answer from a new, empty database).
  const creates = new Set(['serve', 'import', 'migrate', 'import-log', 'watch', 'ci', 'restore']);
  p.hook('preAction', (_p, cmd) => {
    if (!creates.has(cmd.name()) && cmd.options.some((o) => o.long === '--db')) requireExistingDatabase(cmd.opts().db);
  });

  const many = (v: string, prev: string[] = []) => [...prev, v];
  p.command('ci').description("judge an image against dive's CI rules and Strata's own; exit 0 pass, 1 fail, 2 bad configuration or input")
    .argument('<ref>', 'an image in the ledger, or a source strata import takes (imported first)')
    .option(...db).option(...blobs).option('--ci-config <file>', "dive's .dive-ci rules file (default ./.dive-ci when present)")
    .option('--rules <file>', "Strata's rules file (same YAML form: rules: maxLayers, maxGrowthOverParentBytes, allowedBases, ...)")
    .option('--lowestEfficiency <ratio>', 'fail when efficiency is below this (0..1; dive default 0.9)')
    .option('--highestWastedBytes <bytes>', 'fail when wasted bytes are above this (20MB, 20MiB, 1000; dive default disabled)')
    .option('--highestUserWastedPercent <ratio>', 'fail when wasted/user bytes is above this (0..1; dive default 0.1)')
    .option('--maxLayers <n>', 'fail when the image has more layers')
    .option('--maxGrowthOverParentBytes <bytes>', 'fail when the image grew more over its parent')
    .option('--allowedBases <ref>', 'allowed base image (repeatable)', many)
    .option('--forbiddenPaths <glob>', 'glob that must not match a path of the merged view (repeatable)', many)
    .option('--minWastedBytes <bytes>', 'under this many wasted bytes the ratio rules pass')
    .option('--above-base', "judge the efficiency figures over the layers above the image's base")
    .option('--platform <os/arch>', 'platform to pick when importing a multi-platform source')
    .option('--json', 'machine-readable report').option('--junit <file>', 'also write a JUnit XML report (one testcase per rule)')
    .action(async (ref, o) => { await ciCommand(ref, o); });

  p.command('diff').description("file-level difference between two images' merged views: added, modified, deleted, with sizes")
    .argument('<from>', 'the image compared from').argument('<to>', 'the image compared to')
    .option(...db).option('--json', 'machine-readable output')
    .option('--markdown', 'a Markdown summary for a pull request: size and efficiency before/after, size change per matched layer, files')
    .action(async (a, b, o) => { await diffCommand(a, b, o); });
  p.command('cat').description("print a file of an image's merged view, read from the blob store (hard links followed)")
    .argument('<image>', 'tag, repository digest or image ID').argument('<path>', 'absolute path in the image, e.g. /etc/os-release')
    .option(...db).option(...blobs).option('--as-of <position>', 'read the image as the log knew it at this position')
    .action(async (ref, path, o) => { await catCommand(ref, path, o); });
  return p;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await runToEnd(async () => { await program().parseAsync(argv, { from: 'user' }); });
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    reportAndExit(e);
  }
}
