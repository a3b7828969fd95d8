import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { parseDocument } from 'yaml';
import { FILE_FIELDS } from '../descriptor/istiod-usable.js';

const MAX_INLINED_BYTES = 1024 * 1024;

async function readSmall(path: string): Promise<Buffer | undefined> {
  try {
    const bytes = await readFile(path);
    return bytes.length <= MAX_INLINED_BYTES ? bytes : undefined;
  } catch {
    return undefined;
  }
}

type Doc = ReturnType<typeof parseDocument>;

function entriesOf(doc: Doc, list: 'users' | 'clusters'): Record<string, unknown>[] {
  const js: unknown = doc.toJS();
  const items = js !== null && typeof js === 'object' ? (js as Record<string, unknown>)[list] : undefined;
  return Array.isArray(items) ? (items as Record<string, unknown>[]) : [];
}

/** Inlines the file fields of one user or cluster entry; true when something changed. */
async function inlineEntry(
  doc: Doc,
  at: { list: 'users' | 'clusters'; index: number; inner: string },
  body: Record<string, unknown> | undefined,
  dir: string,
): Promise<boolean> {
  const fields: Record<string, string> = FILE_FIELDS[at.list];
  let changed = false;
  for (const [field, inlineField] of Object.entries(fields)) {
    const path = body?.[field];
    if (typeof path !== 'string' || path === '') continue;
    const bytes = await readSmall(isAbsolute(path) ? path : join(dir, path));
    if (bytes === undefined) continue;
    doc.setIn([at.list, at.index, at.inner, inlineField], inlineField === 'token' ? bytes.toString('utf8').trim() : bytes.toString('base64'));
    doc.deleteIn([at.list, at.index, at.inner, field]);
    changed = true;
  }
  return changed;
}

/**
 * `credentials.mode: operator`: the operator's kubeconfig with every file path meshd can read on the
 * bastion (client-certificate, client-key, tokenFile, certificate-authority; relative paths from the
 * cluster directory, as kubectl resolves them) replaced by the inline data istiod accepts. Paths it
 * cannot read stay, and validation has warned about them; exec plugins and auth providers cannot be
 * inlined. The operator's own files are trusted input (DESIGN.md, Trust model).
 */
export async function inlineKubeconfigFiles(text: string, dir: string): Promise<string> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return text;
  let changed = false;
  for (const list of ['users', 'clusters'] as const) {
    const inner = list === 'users' ? 'user' : 'cluster';
    const items = entriesOf(doc, list);
    for (let index = 0; index < items.length; index++) {
      if (await inlineEntry(doc, { list, index, inner }, items[index]?.[inner] as Record<string, unknown> | undefined, dir)) changed = true;
    }
  }
  return changed ? doc.toString() : text;
}
