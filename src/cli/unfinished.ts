/**
 * A command whose promise never settles and that holds nothing open (a stream that never ends, a callback never
 * called) lets Node's event loop run dry, and Node then exits with status 0: a script would read "imported" where
 * nothing was. When the loop runs dry before the command has finished, this says so and exits 1 instead. A command
 * that keeps the process alive (serve, watch) holds handles, so the loop never runs dry while it works.
 */
export async function runToEnd(command: () => Promise<void>): Promise<void> {
  let finished = false;
  const dry = (): void => {
    if (finished) return;
    process.stderr.write('strata: internal error: the command stopped before it finished (it waited for data that never came); '
      + 'nothing more was done\n');
    process.exit(1);
  };
  process.on('beforeExit', dry);
  try {
    await command();
  } finally {
    finished = true;
    process.off('beforeExit', dry);
  }
}
