import { describe, expect, it } from 'vitest';
import { parseRenderedManifests } from './parse.js';

const rendered = `---
# Source: istio-remote/templates/pilot.yaml
apiVersion: v1
kind: Service
metadata:
  name: istio-pilot
spec:
  clusterIP: None
---
# Source: istio-remote/templates/empty.yaml
---

---
# Source: istio-remote/charts/security/templates/clusterrole.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: istio-citadel-istio-system
  namespace: should-be-dropped
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: elsewhere
  namespace: kube-system
data:
  mode: 0644
  switch: on
  time: 12:30
  day: 2020-01-01
  ip: fd00::3
`;

describe('parseRenderedManifests', () => {
  it('drops empty documents and places namespaced objects in the release namespace', () => {
    const objects = parseRenderedManifests(rendered, 'istio-system');
    expect(objects.map((o) => [o.kind, o.metadata.name, o.metadata.namespace])).toEqual([
      ['Service', 'istio-pilot', 'istio-system'],
      ['ClusterRole', 'istio-citadel-istio-system', undefined],
      ['ConfigMap', 'elsewhere', 'kube-system'],
    ]);
  });

  it('reads scalars as Kubernetes tools do (YAML 1.1 octal and booleans, no sexagesimal or dates)', () => {
    const configMap = parseRenderedManifests(rendered, 'istio-system')[2];
    expect(configMap?.data).toEqual({ mode: 420, switch: true, time: '12:30', day: '2020-01-01', ip: 'fd00::3' });
  });

  it('expands a List into its items', () => {
    const list =
      'apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Secret, metadata: {name: a}}\n  - {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n';
    expect(parseRenderedManifests(list, 'ns').map((o) => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`)).toEqual([
      'Secret/ns/a',
      'Namespace/-/b',
    ]);
  });

  it('returns nothing for output with only comments', () => {
    expect(parseRenderedManifests('---\n# Source: x/templates/a.yaml\n---\n', 'ns')).toEqual([]);
    expect(parseRenderedManifests('', 'ns')).toEqual([]);
  });

  it.each([
    ['---\n# Source: c/templates/bad.yaml\nkind: Service\nmetadata: {name: a}\n', /c\/templates\/bad\.yaml is not a Kubernetes object/],
    ['---\n# Source: c/templates/noname.yaml\napiVersion: v1\nkind: Service\nmetadata: {}\n', /noname\.yaml \(Service\) has no metadata\.name/],
    ['---\n# Source: c/templates/broken.yaml\napiVersion: v1\nkind: [\n', /invalid YAML in c\/templates\/broken\.yaml/],
    ['- just\n- a list\n', /document 1 is not a Kubernetes object/],
  ])('rejects %j with a terminal MESHD_ERR_CHART_RENDER naming the template', (text, message) => {
    expect(() => parseRenderedManifests(text, 'ns')).toThrow(message);
    try {
      parseRenderedManifests(text, 'ns');
    } catch (err) {
      expect(err).toMatchObject({ code: 'MESHD_ERR_CHART_RENDER', terminal: true });
    }
  });
});
