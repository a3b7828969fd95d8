import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from '@meshd/testkit';
import { commandsToLoad, main } from './main.js';
import { MESHD_VERSION } from './version.js';

const run = async (...args: string[]) => {
  const io = captureIo(process.cwd());
  const code = await main(['node', 'meshd', ...args], io);
  return { code, out: io.stdoutText, err: io.stderrText };
};

describe('meshd main', () => {
  it('--help lists the commands and exits 0', async () => {
    const { code, out } = await run('--help');
    expect(out).toContain('Usage: meshd [options] [command]');
    expect(out).toMatch(/^ {2}validate \[options\]/m);
    expect(code).toBe(0);
  });

  it('every command has --help that exits 0 and shows its usage', async () => {
    const { out: overview } = await run('--help');
    const commands = [...overview.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1] ?? '').filter((c) => c !== 'help');
    expect(commands).toContain('validate');
    for (const command of commands) {
      const { code, out } = await run(command, '--help');
      expect(out, command).toContain(`Usage: meshd ${command}`);
      expect(code, command).toBe(0);
    }
  });

  it('validating the examples generates no code at run time (zod parses without building parsers by `new Function`)', async () => {
    const examples = fileURLToPath(new URL('../../../../examples/multicluster', import.meta.url));
    const original = globalThis.Function;
    let generated = 0;
    globalThis.Function = new Proxy(original, {
      construct(target, args: string[]) {
        generated++;
        return Reflect.construct(target, args);
      },
      apply(target, self, args: string[]) {
        generated++;
        return Reflect.apply(target, self, args) as unknown;
      },
    });
    try {
      const { code, out } = await run('validate', '--dir', examples);
      expect(out).toContain('valid: 3 clusters');
      expect(code).toBe(0);
    } finally {
      globalThis.Function = original;
    }
    expect(generated).toBe(0);
  });

  it('--version prints the version', async () => {
    const { code, out } = await run('--version');
    expect(out.trim()).toBe(MESHD_VERSION);
    expect(code).toBe(0);
  });

  it('an unknown command or option is an error (exit 1) on stderr, not a process exit', async () => {
    const unknownCommand = await run('frobnicate');
    expect(unknownCommand.err).toContain("error: unknown command 'frobnicate'");
    expect(unknownCommand.code).toBe(1);
    const unknownOption = await run('validate', '--bogus');
    expect(unknownOption.err).toContain("error: unknown option '--bogus'");
    expect(unknownOption.code).toBe(1);
  });
});

describe('commandsToLoad', () => {
  const commands = [{ name: 'validate' }, { name: 'plan' }, { name: 'status' }];
  it.each([
    [['validate', '--dir', 'x'], ['validate']],
    [['status'], ['status']],
    [['plan', 'validate'], ['plan']],
    [[], ['validate', 'plan', 'status']],
    [['--help'], ['validate', 'plan', 'status']],
    [
      ['help', 'plan'],
      ['validate', 'plan', 'status'],
    ],
    [['frobnicate'], ['validate', 'plan', 'status']],
    [['--version'], []],
    [['-V'], []],
    [
      ['--version', 'plan'],
      ['validate', 'plan', 'status'],
    ],
  ])('%j loads %j', (args, expected) => {
    expect(commandsToLoad(commands, args).map((c) => c.name)).toEqual(expected);
  });
});
