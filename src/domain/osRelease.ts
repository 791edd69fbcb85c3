/**
 * os-release parsing (freedesktop os-release(5)): newline-separated
 * KEY=value assignments, `#` comments, values optionally in single or double
 * quotes, shell-style backslash escapes inside double quotes (`\\ \" \$ \``).
 * Pure: takes the text, returns the fields Strata shows.
 */
export interface OsRelease {
  /** ID, e.g. "alpine" (os-release(5): lower case, no spaces). */
  id: string | null;
  /** VERSION_ID, e.g. "3.19.1". */
  versionId: string | null;
  /** PRETTY_NAME, e.g. "Alpine Linux v3.19". */
  prettyName: string | null;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Unquotes one value per os-release(5) (a subset of shell quoting). */
export function unquoteOsReleaseValue(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\([\\"$`])/g, '$1');
  }
  return v;
}

/** All assignments of an os-release file, later keys winning. */
export function parseOsReleaseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq === -1) continue; // not an assignment (a blank line, a stray word)
    // A comment (`# ID=x`), a line starting with `=`, or any other word is no shell name:
    // the name check skips them all, so they need no test of their own.
    const key = line.slice(0, eq).trim();
    if (!KEY.test(key)) continue;
    fields.set(key, unquoteOsReleaseValue(line.slice(eq + 1)));
  }
  return fields;
}

/** {id, versionId, prettyName}; absent or empty fields are null. */
export function parseOsRelease(text: string): OsRelease {
  const f = parseOsReleaseFields(text);
  const get = (k: string): string | null => {
    const v = f.get(k);
    return v === undefined || v === '' ? null : v;
  };
  return { id: get('ID'), versionId: get('VERSION_ID'), prettyName: get('PRETTY_NAME') };
}
