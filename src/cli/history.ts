/**
 * `strata history REF`: `docker history` from the ledger, newest step first,
 * sizes under DOCKER accounting unless --accounting content. --format json
 * prints the Engine API's GET /images/{name}/history array (Id, Created,
 * CreatedBy, Tags, Size, Comment), so scripts written for one read the other.
 * IMAGE/Id: the image's own ID on the top step and, as the Engine does along
 * its Parent link, each commit ancestor's ID on that ancestor's top step;
 * `<missing>` elsewhere (an imported image has no commit parent).
 */
import { Strata } from '../application/strata';
import { ellipsis, humanSize, shortId, since, table } from './dockerFormat';
import { accountingOption, formatOption, ledgerQuery } from './ledgerQuery';
import { notFound } from '../domain/errors';

export interface HistoryCliOptions { db?: string; accounting?: string; format?: string; trunc?: boolean; human?: string }

interface Step { created: string | null; createdBy: string | null; comment: string | null; size: number }
interface Ancestor { imageId: string; repoTags: string[]; history: Pick<Step, 'created' | 'createdBy'>[] }
interface Answer { image: { imageId: string; repoTags: string[]; history: Step[]; commitAncestors: Ancestor[] } | null }

const QUERY = `query History($ref: String!, $accounting: SizeAccounting) {
  image(ref: $ref) {
    imageId repoTags history { created createdBy comment size(accounting: $accounting) }
    commitAncestors { imageId repoTags history { created createdBy } }
  }
}`;

/**
 * Who labels each row (newest first): the image the top row, each ancestor the
 * row of its own top step, when that step is the same one (the ancestor's
 * history is where it sits in this one's); null for `<missing>`.
 */
function rowImages(steps: readonly Step[], image: Ancestor, ancestors: readonly Ancestor[]): (Ancestor | null)[] {
  const rows: (Ancestor | null)[] = steps.map((_, i) => (i === 0 ? image : null));
  for (const a of ancestors) {
    const row = steps.length - a.history.length;
    const top = a.history[a.history.length - 1];
    const step = steps[row];
    const same = top !== undefined && step !== undefined && step.created === top.created && step.createdBy === top.createdBy;
    if (row > 0 && same && rows[row] === null) rows[row] = a;
  }
  return rows;
}

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
  const steps = [...answer.image.history].reverse();
  const labels = rowImages(steps, answer.image, answer.image.commitAncestors);
  if (format === 'json') {
    const rows = steps.map((s, i) => ({
      Id: labels[i]?.imageId ?? '<missing>',
      Created: s.created ? Math.floor(Date.parse(s.created) / 1000) : 0,
      CreatedBy: s.createdBy ?? '',
      Tags: labels[i]?.repoTags ?? null,
      Size: s.size,
      Comment: s.comment ?? '',
    }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const rows = steps.map((s, i) => {
    const by = (s.createdBy ?? '').replace(/\t/g, ' ');
    return [
      labels[i] ? (opts.trunc === false ? labels[i].imageId : shortId(labels[i].imageId)) : '<missing>',
      human ? since(s.created) : s.created ?? '',
      opts.trunc === false ? by : ellipsis(by, 45),
      human ? humanSize(s.size, 3) : String(s.size),
      s.comment ?? '',
    ];
  });
  process.stdout.write(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows));
}
