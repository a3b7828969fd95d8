import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '@meshd/core/util';

/** Chart files read at once by chartDigest (a chart is a few dozen small files; the thread pool has 4 threads). */
const READS_IN_FLIGHT = 8;

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
 * never cause a re-render. Reads the directory on every call (the caller decides when), its files
 * READS_IN_FLIGHT at a time: on a Pilot move's path, read one after another, they were the render's
 * only I/O (bench/RESULTS.md, branch h50-move).
 */
export async function chartDigest(chartDir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = await listChartFiles(chartDir);
  const contents = await mapLimit(files, READS_IN_FLIGHT, (file) => readFile(path.join(chartDir, file)));
  for (const [i, file] of files.entries()) {
    const content = contents[i]!;
    hash.update(`${file}\0${content.length}\0`);
    hash.update(content);
    hash.update('\0');
  }
  return hash.digest('hex');
}
