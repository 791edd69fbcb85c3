/** How `strata ci` prints a CheckReport: text like dive's CI report, JSON, and JUnit XML (one testcase per rule). */
import type { CheckReport } from '../application/check';
import { groupedBytes, humanBytes } from '../domain/ci/byteSize';
import { tally } from '../domain/ci/evaluate';
import { describeJudged } from '../domain/ci/judgedLayers';

const pct = (r: number | null) => (r === null ? 'n/a (no user bytes)' : `${(r * 100).toFixed(2)} % (${r})`);

export function textReport(r: CheckReport): string {
  const e = r.efficiency;
  const t = tally(r.result);
  const lines = [
    `Image: ${r.name} (${r.imageId}), ${r.layerCount} layer${r.layerCount === 1 ? '' : 's'}`,
    `Judged: ${describeJudged(r.judged)}`,
    '',
    'Analysis:',
    `  efficiency:        ${(e.score * 100).toFixed(2)} % (${e.score})`,
    `  wastedBytes:       ${e.wastedBytes} bytes (${humanBytes(e.wastedBytes)})`,
    `  userWastedPercent: ${pct(e.userWastedPercent)}`,
    `  userSizeBytes:     ${groupedBytes(e.userSizeBytes)} bytes of ${groupedBytes(e.sizeBytes)} judged`,
    '',
  ];
  if (e.inefficientFiles.length === 0) lines.push('Inefficient Files: (None)');
  else {
    lines.push('Inefficient Files:', `${'Count'.padEnd(5)}  ${'Wasted Space'.padEnd(12)}  File Path`);
    for (const f of e.inefficientFiles) lines.push(`${String(f.count).padEnd(5)}  ${humanBytes(f.wastedBytes).padEnd(12)}  ${f.path}`);
  }
  lines.push('', 'Results:');
  for (const res of r.result.results) {
    const figures = res.actual !== null || res.limit !== null ? ` (actual ${res.actual ?? '-'}, limit ${res.limit ?? '-'})` : '';
    lines.push(`  ${res.status}  ${res.rule}${figures}: ${res.message}`);
  }
  lines.push('', `${r.result.pass ? 'PASS' : 'FAIL'} [pass:${t.PASS} fail:${t.FAIL} skip:${t.SKIP}]`);
  return `${lines.join('\n')}\n`;
}

export function jsonReport(r: CheckReport): unknown {
  const e = r.efficiency;
  return {
    image: { imageId: r.imageId, name: r.name, layers: r.layerCount },
    judged: { ...r.judged, description: describeJudged(r.judged) },
    efficiency: {
      score: e.score, wastedBytes: e.wastedBytes, userWastedPercent: e.userWastedPercent,
      sizeBytes: e.sizeBytes, userSizeBytes: e.userSizeBytes,
    },
    inefficientFiles: e.inefficientFiles,
    results: r.result.results,
    pass: r.result.pass,
    summary: tally(r.result),
  };
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
  // XML 1.0 cannot carry most control characters, even escaped.
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\uFFFD');

export function junitReport(r: CheckReport): string {
  const t = tally(r.result);
  const suite = `strata ci ${r.name}`;
  const cases = r.result.results.map((res) => {
    const open = `    <testcase classname="strata.ci" name="${xml(res.rule)}" time="0">`;
    const paths = res.paths ? `\npaths:\n${res.paths.join('\n')}` : '';
    const detail = `actual: ${res.actual ?? '-'}\nlimit: ${res.limit ?? '-'}\n${res.message}${paths}`;
    if (res.status === 'FAIL') {
      return `${open}\n      <failure message="${xml(res.message)}" type="${xml(res.rule)}">${xml(detail)}</failure>\n    </testcase>`;
    }
    if (res.status === 'SKIP') return `${open}\n      <skipped message="${xml(res.message)}"/>\n    </testcase>`;
    return `${open}\n      <system-out>${xml(detail)}</system-out>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="strata ci" tests="${r.result.results.length}" failures="${t.FAIL}" errors="0" skipped="${t.SKIP}">`,
    `  <testsuite name="${xml(suite)}" tests="${r.result.results.length}" failures="${t.FAIL}" errors="0" skipped="${t.SKIP}">`,
    '    <properties>',
    `      <property name="imageId" value="${xml(r.imageId)}"/>`,
    `      <property name="judged" value="${xml(describeJudged(r.judged))}"/>`,
    `      <property name="efficiency" value="${r.efficiency.score}"/>`,
    `      <property name="wastedBytes" value="${r.efficiency.wastedBytes}"/>`,
    `      <property name="userWastedPercent" value="${r.efficiency.userWastedPercent ?? ''}"/>`,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
