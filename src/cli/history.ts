/**
 * `strata history REF`: `docker history` from the ledger, newest step first,
 * sizes under DOCKER accounting unless --accounting content. --format json
 * prints the Engine API's GET /images/{name}/history array (Id, Created,
 * CreatedBy, Tags, Size, Comment), so scripts written for one read the other.
 */
import { Strata } from '../application/strata';
import { ellipsis, humanSize, shortId, since, table } from './dockerFormat';
import { accountingOption, formatOption, ledgerQuery } from './ledgerQuery';
import { notFound } from '../domain/errors';

export interface HistoryCliOptions { db?: string; accounting?: string; format?: string; trunc?: boolean; human?: string }

interface Step { created: string | null; createdBy: string | null; comment: string | null; size: number }
interface Answer { image: { imageId: string; repoTags: string[]; history: Step[] } | null }

const QUERY = `query History($ref: String!, $accounting: SizeAccounting) {
  image(ref: $ref) { imageId repoTags history { created createdBy comment size(accounting: $accounting) } }
}`;

export async function history(ref: string, opts: HistoryCliOptions): Promise<void> {
  const accounting = accountingOption(opts.accounting);
  const format = formatOption(opts.format);
  const human = opts.human === undefined || !/^(false|0|no)$/i.test(opts.human);
  const app = await Strata.open(opts.db);
  let answer: Answer;
  try {
    answer = await ledgerQuery<Answer>(app, QUERY, { ref, accounting });
  } finally {
    await app.close();
  }
  if (!answer.image) throw notFound(`no image "${ref}"`);
  const { imageId, repoTags } = answer.image;
  const steps = [...answer.image.history].reverse();
  if (format === 'json') {
    const rows = steps.map((s, i) => ({
      Id: i === 0 ? imageId : '<missing>',
      Created: s.created ? Math.floor(Date.parse(s.created) / 1000) : 0,
      CreatedBy: s.createdBy ?? '',
      Tags: i === 0 ? repoTags : null,
      Size: s.size,
      Comment: s.comment ?? '',
    }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const rows = steps.map((s, i) => {
    const by = (s.createdBy ?? '').replace(/\t/g, ' ');
    return [
      i === 0 ? (opts.trunc === false ? imageId : shortId(imageId)) : '<missing>',
      human ? since(s.created) : s.created ?? '',
      opts.trunc === false ? by : ellipsis(by, 45),
      human ? humanSize(s.size, 3) : String(s.size),
      s.comment ?? '',
    ];
  });
  process.stdout.write(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows));
}
