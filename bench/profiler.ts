/** CPU profile of one phase (node:inspector), written as a .cpuprofile for bench/profSummary.ts or Chrome DevTools. */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const post = (s: Session, method: string, params?: object): Promise<any> =>
  new Promise((resolve, reject) => s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));

export async function profiled<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const s = new Session();
  s.connect();
  await post(s, 'Profiler.enable');
  await post(s, 'Profiler.setSamplingInterval', { interval: 200 });
  await post(s, 'Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await post(s, 'Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    s.disconnect();
  }
}
