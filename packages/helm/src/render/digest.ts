import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

async function isDirectory(fullPath: string): Promise<boolean> {
  return (await stat(fullPath)).isDirectory();
}

/**
 * Relative (POSIX-style) paths of the files under `dir`, sorted. Dot-files and dot-directories are
 * skipped; symbolic links are followed (Helm follows them when it loads a chart).
 */
export async function listChartFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    const directory = entry.isSymbolicLink() ? await isDirectory(path.join(dir, relative)) : entry.isDirectory();
    if (directory) files.push(...(await listChartFiles(dir, relative)));
    else files.push(relative);
  }
  return files.sort();
}

/**
 * SHA-256 (hex) identifying a chart directory's content: its sorted relative file paths and their
 * bytes. Dot-files and dot-directories (.git, .helmignore, editor temp files) are ignored, so they
 * never cause a re-render. Reads the directory on every call: the caller decides when.
 */
export async function chartDigest(chartDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listChartFiles(chartDir)) {
    const content = await readFile(path.join(chartDir, file));
    hash.update(`${file}\0${content.length}\0`);
    hash.update(content);
    hash.update('\0');
  }
  return hash.digest('hex');
}
