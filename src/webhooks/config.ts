/**
 * Reading the webhook configuration (docs/webhooks.md): `$STRATA_WEBHOOKS`
 * (or `serve --webhooks FILE`) names a YAML or JSON file; secrets stay in
 * the environment, named by each entry's `secretEnv`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { badInput } from '../domain/errors';
import { parseWebhookConfig, type WebhookEndpoint } from '../domain/webhooks';

export function loadWebhookConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): WebhookEndpoint[] {
  if (!file) return [];
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw badInput(`cannot read the webhook configuration ${file}: ${why}`);
  }
  let doc: unknown;
  try { doc = parse(text); } catch (e) {
    throw badInput(`the webhook configuration ${file} is not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseWebhookConfig(doc, (name) => env[name]);
}
