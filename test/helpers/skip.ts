/**
 * Every skip says why, in one line. Jest swallows console output of a suite
 * whose tests all skip, so the banner goes straight to standard error.
 */
export function skipBanner(what: string, why: string): void {
  process.stderr.write(`SKIPPED ${what}: ${why}\n`);
}

/** A describe that skips (with its banner), `.each` included. */
export function skippingDescribe(why: string): jest.Describe {
  const d = ((name: string, fn: () => void) => {
    skipBanner(`"${name}"`, why);
    describe.skip(name, fn);
  }) as unknown as jest.Describe & Record<string, unknown>;
  d.each = ((...table: unknown[]) => (name: string, fn: (...args: any[]) => void, timeout?: number) => {
    skipBanner(`"${name}"`, why);
    (describe.skip.each as any)(...table)(name, fn, timeout);
  }) as unknown as jest.Describe['each'];
  d.skip = describe.skip;
  d.only = describe.only;
  return d;
}

/** A test that skips with its banner. */
export function skippingTest(why: string): jest.It {
  const t = ((name: string, fn?: jest.ProvidesCallback, timeout?: number) => {
    skipBanner(`"${name}"`, why);
    test.skip(name, fn, timeout);
  }) as unknown as jest.It;
  return t;
}
