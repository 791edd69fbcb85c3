/** The import progress line as cli-progress renders it (its own formatter, not ours). */
import cliProgress from 'cli-progress';
import { PROGRESS_FORMAT, progressPayload } from '../../src/cli/progressLine';

const render = (bytesDone: number, bytesTotal: number | null, phase: string) => {
  const total = bytesTotal ?? Math.max(bytesDone, 1);
  const options = { format: PROGRESS_FORMAT, barsize: 10, barCompleteString: '='.repeat(10), barIncompleteString: '-'.repeat(10), barGlue: '', autopaddingChar: '   ' };
  const params = { progress: bytesDone / total, total, value: bytesDone, eta: 0, startTime: Date.now(), stopTime: null, maxWidth: 200 };
  return (cliProgress as any).Format.Formatter(options, params, progressPayload({ bytesDone, bytesTotal, phase })) as string;
};

test('done and total are both MiB (278,432,256 bytes is 265.5 MiB)', () => {
  const line = render(278_432_256 / 2, 278_432_256, 'reading archive');
  expect(line).toContain('| 132.8/265.5 MiB');
  expect(line).not.toContain('278432256');
});

test('the phase name is shown whole', () => {
  expect(render(0, 2 ** 20, 'reading archive')).toMatch(/^ reading archive \[/);
  expect(render(5, null, 'reading blobs')).toContain('reading blobs');
  expect(render(5, null, 'reading blobs')).toContain('/? MiB');
});
