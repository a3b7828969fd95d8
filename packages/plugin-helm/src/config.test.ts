import { describe, expect, it } from 'vitest';
import { parseConfigText } from '@meshd/core';
import { helmTemplatePlugin } from './backend.js';
import { helmTemplateConfigSchema, selectHelmConfig } from './config.js';

/** meshd.yaml findings as `meshd validate` prints them, with helm-template registered. */
const lines = (text: string): string[] =>
  parseConfigText(text, 'meshd.yaml', {}, [helmTemplatePlugin]).findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.severity}: ${f.message}`);

describe('helm-template config', () => {
  it('owns helm: (binary helm by default) and reads chart, values and compat from core’s keys', () => {
    const { config } = parseConfigText('values: { a: 1 }\n', 'meshd.yaml', {}, [helmTemplatePlugin]);
    expect(helmTemplateConfigSchema.parse(selectHelmConfig(config))).toEqual({
      chart: './examples/charts/istio-remote',
      values: { a: 1 },
      helmBinary: 'helm',
      compat: { convertRemovedApis: false },
    });
    expect(
      helmTemplateConfigSchema.parse(selectHelmConfig(parseConfigText('helm: { binary: /opt/helm3 }\n', 'meshd.yaml', {}, [helmTemplatePlugin]).config)),
    ).toMatchObject({ helmBinary: '/opt/helm3' });
  });

  it.each([
    ['empty helm binary', 'helm: { binary: "" }\n', 'meshd.yaml:1:17: error: helm.binary must not be empty'],
    ['unknown helm key', 'helm:\n  binry: helm\n', 'meshd.yaml:2:3: error: unknown field helm.binry; did you mean "binary"?'],
  ])('%s: reported with its file, line, column and field', (_name, text, expected) => {
    expect(lines(text)).toEqual([expected]);
  });
});
