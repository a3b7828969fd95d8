import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { MeshdError } from '../errors.js';
import { formatFinding } from '../descriptor/finding.js';
import { parseConfigText } from './parse.js';
import type { ConfigPlugin } from './plugin-keys.js';
import type { MeshdConfig, MeshdConfigInput } from './schema.js';

/** Where loadConfig looks when no config file is named, in order (the first that exists wins). */
export const DEFAULT_CONFIG_PATHS: readonly string[] = ['~/.config/meshd/meshd.yaml', '/etc/meshd/meshd.yaml'];

/** Options of loadConfig; tests pass their own home, working directory and search list. */
export interface LoadConfigOptions {
  homeDir?: string;
  cwd?: string;
  /** Searched when `path` is undefined. Default DEFAULT_CONFIG_PATHS; [] means defaults only. */
  searchPaths?: readonly string[];
  /** The chart to use when neither the file nor a flag sets `chart` (the CLI passes the one it ships). */
  defaultChart?: string;
  /** The environment, for XDG_STATE_HOME (the default state directory); default none. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Set when a running daemon reloads (SIGHUP): a config file that is empty or only whitespace is
   * then an error, not "every default" — it is most likely a file caught half-written.
   */
  reloading?: boolean;
  /**
   * The registered plugins: `backend:` must name one of their backends or renderers (without any,
   * any plugin name passes), and the keys each owns are validated with core's (meshdConfigSchemaFor).
   */
  plugins?: readonly ConfigPlugin[];
}

/** The default state directory: $XDG_STATE_HOME/meshd when set (absolute), else ~/.local/state/meshd. */
export function defaultStateDirectory(home: string, env: Readonly<Record<string, string | undefined>> = {}): string {
  const xdg = env.XDG_STATE_HOME;
  return xdg !== undefined && isAbsolute(xdg) ? resolve(xdg, 'meshd') : resolve(home, '.local/state/meshd');
}

/**
 * Loads meshd.yaml: `path` when given (it must exist), else the first of the search paths that
 * exists, else pure defaults. `overrides` (command-line flags) win over the file. `~` is expanded
 * and relative `directory`/`chart` paths are resolved: against the config file's directory when the
 * file set them, against the working directory otherwise. An empty file means every default, except
 * when `options.reloading` (see there). Throws a terminal MeshdError
 * (MESHD_ERR_INVALID_CONFIG) listing every finding as `FILE:LINE:COL: error: message`.
 */
export async function loadConfig(path: string | undefined, overrides: MeshdConfigInput = {}, options: LoadConfigOptions = {}): Promise<MeshdConfig> {
  const home = options.homeDir ?? homedir();
  const cwd = options.cwd ?? process.cwd();
  const source = await readConfigSource(path, options.searchPaths ?? DEFAULT_CONFIG_PATHS, { home, cwd });
  if (options.reloading === true) refuseEmpty(source);
  const result = parseConfigText(source.text, source.file ?? '(defaults)', overrides, options.plugins);
  if (result.config === undefined) {
    const lines = result.findings.map((f) => formatFinding(f, f.file));
    throw new MeshdError('MESHD_ERR_INVALID_CONFIG', `invalid configuration:\n${lines.join('\n')}`);
  }
  return withResolvedPaths(result.config, { file: source.file, keysInFile: result.keysInFile, overrides, home, cwd, options });
}

/** Where the configuration came from, to resolve its paths against the right directory. */
interface PathOrigins {
  /** The config file read, or undefined for pure defaults. */
  file: string | undefined;
  /** Top-level keys the file set. */
  keysInFile: readonly string[];
  overrides: MeshdConfigInput;
  home: string;
  cwd: string;
  options: LoadConfigOptions;
}

/**
 * The configuration with `~` expanded and relative directory/chart/stateDirectory paths resolved:
 * against the config file's directory when the file set them, against the working directory otherwise.
 */
function withResolvedPaths(config: MeshdConfig, o: PathOrigins): MeshdConfig {
  const fileBase = o.file === undefined ? o.cwd : dirname(o.file);
  const chartSet = o.overrides.chart !== undefined || o.keysInFile.includes('chart');
  const baseOf = (key: 'directory' | 'chart' | 'stateDirectory'): string => (o.overrides[key] !== undefined || !o.keysInFile.includes(key) ? o.cwd : fileBase);
  return {
    ...config,
    directory: resolvePath(config.directory, baseOf('directory'), o.home),
    chart: chartSet || o.options.defaultChart === undefined ? resolveChart(config.chart, baseOf('chart'), o.home) : o.options.defaultChart,
    stateDirectory:
      config.stateDirectory === undefined ? defaultStateDirectory(o.home, o.options.env) : resolvePath(config.stateDirectory, baseOf('stateDirectory'), o.home),
  };
}

interface ConfigSource {
  file?: string;
  text: string;
}

/** On reload, a config file that is empty or only whitespace is most likely half-written: an error. */
function refuseEmpty(source: ConfigSource): void {
  if (source.file === undefined || source.text.trim() !== '') return;
  throw new MeshdError('MESHD_ERR_INVALID_CONFIG', `config file ${source.file} is empty; keeping the running configuration`);
}

async function readConfigSource(path: string | undefined, searchPaths: readonly string[], dirs: { home: string; cwd: string }): Promise<ConfigSource> {
  const candidates = path === undefined ? searchPaths.map((p) => resolvePath(p, dirs.cwd, dirs.home)) : [resolvePath(path, dirs.cwd, dirs.home)];
  for (const file of candidates) {
    try {
      const text = await readFile(file, 'utf8');
      return { file, text };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (path === undefined && code === 'ENOENT') continue;
      const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
      throw new MeshdError('MESHD_ERR_INVALID_CONFIG', `config file ${file} ${why}`, { cause: err });
    }
  }
  return { text: '' };
}

/** Expands `~` and resolves a relative path against `base`. */
export function resolvePath(path: string, base: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return resolve(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(base, path);
}

/** Charts may also be repository references (`repo/chart`) or URLs: only local-looking paths are resolved. */
function resolveChart(chart: string, base: string, home: string): string {
  const local = chart.startsWith('.') || chart.startsWith('~') || chart.startsWith('/');
  return local ? resolvePath(chart, base, home) : chart;
}
