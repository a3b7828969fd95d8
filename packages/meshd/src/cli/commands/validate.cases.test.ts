// `meshd validate` against malformed directories: every case is a real directory on disk, run through
// main() with captured output, and asserts the exit code and the FILE:LINE:COL line a user would read.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDescriptor, sampleDirectory, sampleKubeconfig } from '@meshd/testkit';
import { captureIo } from '@meshd/testkit';
import { main } from '../main.js';

/** A file's content, or another kind of entry: a directory, a FIFO, a unix socket, a symlink (`@OUTSIDE/` = a directory beside the case's). */
type FileSpec =
  string | Uint8Array | null | { content: string | Uint8Array; mode: number } | { directory: true } | { fifo: true } | { socket: true } | { symlink: string };

interface Case {
  name: string;
  files: Record<string, FileSpec>;
  exit: 0 | 1;
  /** File the finding is in ('' for the directory as a whole), its position (0,0: none), its words. */
  file: string;
  line: number;
  col: number;
  severity?: 'error' | 'warning';
  message: string;
}

/** Replaces `from` in `text`, failing loudly when it is not there (a silent no-op would test nothing). */
function edit(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`fixture edit found nothing to replace: ${String(from)}`);
  return out;
}

const east = sampleDescriptor({ name: 'east' });
const eastKube = sampleKubeconfig('east');
const ANN = '    config.istio.io/';
const MiB = 1024 * 1024;

const cases: Case[] = [
  // YAML syntax
  {
    name: 'unclosed flow sequence',
    files: { 'east.yaml': edit(east, 'kind: Cluster', 'kind: [Cluster') },
    exit: 1,
    file: 'east.yaml',
    line: 3,
    col: 1,
    message: 'YAML syntax error: ',
  },
  {
    name: 'tab indentation',
    files: { 'east.yaml': edit(east, '  name: east', '\tname: east') },
    exit: 1,
    file: 'east.yaml',
    line: 4,
    col: 1,
    message: 'YAML syntax error',
  },
  {
    name: 'duplicate key',
    files: { 'east.yaml': edit(east, 'kind: Cluster\n', 'kind: Cluster\nkind: Cluster\n') },
    exit: 1,
    file: 'east.yaml',
    line: 3,
    col: 1,
    message: 'YAML syntax error: Map keys must be unique',
  },
  {
    name: 'unterminated quote',
    files: { 'east.yaml': edit(east, '"192.0.2.1:9080"', '"192.0.2.1:9080') },
    exit: 1,
    file: 'east.yaml',
    line: 6,
    col: 51,
    message: 'YAML syntax error: Missing closing "quote',
  },
  // wrong types
  {
    name: 'pilotEndpoint is a number',
    files: { 'east.yaml': edit(east, '"192.0.2.1:9080"', '9080') },
    exit: 1,
    file: 'east.yaml',
    line: 6,
    col: 36,
    message: 'config.istio.io/pilotEndpoint must be a string, got 9080 (quote it)',
  },
  {
    name: 'name is a number',
    files: { 'east.yaml': edit(east, 'name: east', 'name: 42') },
    exit: 1,
    file: 'east.yaml',
    line: 4,
    col: 9,
    message: 'metadata.name must be a string, got 42 (quote it)',
  },
  {
    name: 'annotations is a list',
    files: { 'east.yaml': 'apiVersion: clusterregistry.k8s.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: east\n  annotations:\n    - a\n' },
    exit: 1,
    file: 'east.yaml',
    line: 6,
    col: 5,
    message: 'metadata.annotations must be a mapping, got a list',
  },
  {
    name: 'metadata is a scalar',
    files: { 'east.yaml': 'apiVersion: clusterregistry.k8s.io/v1alpha1\nkind: Cluster\nmetadata: east\n' },
    exit: 1,
    file: 'east.yaml',
    line: 3,
    col: 11,
    message: 'metadata must be a mapping, got "east"',
  },
  {
    name: 'serverEndpoints is a mapping',
    files: { 'east.yaml': edit(east, '      - clientCIDR: 198.51.100.0/24\n        serverAddress', '      clientCIDR: 198.51.100.0/24\n      serverAddress') },
    exit: 1,
    file: 'east.yaml',
    line: 13,
    col: 7,
    message: 'spec.kubernetesApiEndpoints.serverEndpoints must be a list, got a mapping',
  },
  // pilotCfgStore and Go ParseBool
  {
    name: 'pilotCfgStore maybe',
    files: { 'east.yaml': edit(east, '"false"', 'maybe') },
    exit: 1,
    file: 'east.yaml',
    line: 8,
    col: 36,
    message: 'config.istio.io/pilotCfgStore must be true or false, got "maybe"',
  },
  {
    name: 'pilotCfgStore yes (YAML 1.2 string)',
    files: { 'east.yaml': edit(east, '"false"', 'yes') },
    exit: 1,
    file: 'east.yaml',
    line: 8,
    col: 36,
    message: 'config.istio.io/pilotCfgStore must be true or false, got "yes"',
  },
  {
    name: 'pilotCfgStore 2',
    files: { 'east.yaml': edit(east, '"false"', '2') },
    exit: 1,
    file: 'east.yaml',
    line: 8,
    col: 36,
    message: 'config.istio.io/pilotCfgStore must be true or false, got 2',
  },
  // missing fields
  {
    name: 'apiVersion missing',
    files: { 'east.yaml': edit(east, 'apiVersion: clusterregistry.k8s.io/v1alpha1\n', '') },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'apiVersion is missing',
  },
  { name: 'kind missing', files: { 'east.yaml': edit(east, 'kind: Cluster\n', '') }, exit: 1, file: 'east.yaml', line: 1, col: 1, message: 'kind is missing' },
  {
    name: 'name missing',
    files: { 'east.yaml': edit(east, '  name: east\n', '') },
    exit: 1,
    file: 'east.yaml',
    line: 4,
    col: 3,
    message: 'metadata.name is missing',
  },
  {
    name: 'Cluster without annotations',
    files: { 'east.yaml': 'apiVersion: clusterregistry.k8s.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: east\n' },
    exit: 1,
    file: 'east.yaml',
    line: 4,
    col: 3,
    message: 'metadata.annotations is missing: a Cluster needs at least config.istio.io/pilotEndpoint and config.istio.io/accessConfigFile',
  },
  {
    name: 'empty annotations',
    files: { 'east.yaml': 'apiVersion: clusterregistry.k8s.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: east\n  annotations: {}\n' },
    exit: 1,
    file: 'east.yaml',
    line: 5,
    col: 16,
    message: 'config.istio.io/accessConfigFile is missing',
  },
  {
    name: 'pilotEndpoint missing',
    files: { 'east.yaml': edit(east, /.*pilotEndpoint.*\n/, '') },
    exit: 1,
    file: 'east.yaml',
    line: 6,
    col: 5,
    message: 'config.istio.io/pilotEndpoint is missing',
  },
  {
    name: 'accessConfigFile missing',
    files: { 'east.yaml': edit(east, /.*accessConfigFile.*\n/, '') },
    exit: 1,
    file: 'east.yaml',
    line: 6,
    col: 5,
    message: 'config.istio.io/accessConfigFile is missing',
  },
  // unknown fields
  {
    name: 'unknown top-level field',
    files: { 'east.yaml': `${east}replicas: 3\n` },
    exit: 1,
    file: 'east.yaml',
    line: 15,
    col: 1,
    message: 'unknown field replicas',
  },
  {
    name: 'misspelt metadata',
    files: { 'east.yaml': edit(east, 'metadata:', 'metdata:') },
    exit: 1,
    file: 'east.yaml',
    line: 3,
    col: 1,
    message: 'unknown field metdata; did you mean "metadata"?',
  },
  {
    name: 'misspelt annotations',
    files: { 'east.yaml': edit(east, '  annotations:', '  anotations:') },
    exit: 1,
    file: 'east.yaml',
    line: 5,
    col: 3,
    message: 'unknown field metadata.anotations; did you mean "annotations"?',
  },
  {
    name: 'misspelt clientCIDR',
    files: { 'east.yaml': edit(east, 'clientCIDR', 'clientCidr') },
    exit: 1,
    file: 'east.yaml',
    line: 13,
    col: 9,
    message: 'unknown field spec.kubernetesApiEndpoints.serverEndpoints[0].clientCidr; did you mean "clientCIDR"?',
  },
  // wrong values
  {
    name: 'kind misspelt',
    files: { 'east.yaml': edit(east, 'kind: Cluster', 'kind: Clster') },
    exit: 1,
    file: 'east.yaml',
    line: 2,
    col: 7,
    message: 'kind must be "Cluster", got "Clster"',
  },
  {
    name: 'apiVersion of Cluster API',
    files: { 'east.yaml': edit(east, 'clusterregistry.k8s.io/v1alpha1', 'cluster.x-k8s.io/v1beta1') },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 13,
    message: 'apiVersion must be "clusterregistry.k8s.io/v1alpha1", got "cluster.x-k8s.io/v1beta1"',
  },
  {
    name: 'non-ASCII name',
    files: { 'east.yaml': edit(east, 'name: east', 'name: östra') },
    exit: 1,
    file: 'east.yaml',
    line: 4,
    col: 9,
    message: 'metadata.name must be a DNS-1123 label',
  },
  {
    name: 'unknown meshd.io/backend',
    files: { 'east.yaml': edit(east, '  annotations:\n', '  annotations:\n    meshd.io/backend: helm3\n') },
    exit: 1,
    file: 'east.yaml',
    line: 6,
    col: 23,
    message: 'meshd.io/backend must be a registered backend: helm-template, tiller, got "helm3"',
  },
  {
    name: 'uppercase name',
    files: { 'east.yaml': edit(east, 'name: east', 'name: East') },
    exit: 1,
    file: 'east.yaml',
    line: 4,
    col: 9,
    message: 'got "East"',
  },
  {
    name: 'name of 64 characters',
    files: { 'east.yaml': edit(east, 'name: east', `name: ${'e'.repeat(64)}`) },
    exit: 1,
    file: 'east.yaml',
    line: 4,
    col: 9,
    message: 'at most 63 characters',
  },
  {
    name: 'platform Consul',
    files: { 'east.yaml': edit(east, 'platform: Kubernetes', 'platform: Consul') },
    exit: 1,
    file: 'east.yaml',
    line: 7,
    col: 31,
    message: 'config.istio.io/platform is "Consul": meshd manages Kubernetes clusters only',
  },
  {
    name: 'platform lowercase',
    files: { 'east.yaml': edit(east, 'platform: Kubernetes', 'platform: kubernetes') },
    exit: 1,
    file: 'east.yaml',
    line: 7,
    col: 31,
    message: 'config.istio.io/platform must be "Kubernetes" (or empty), got "kubernetes"',
  },
  {
    name: 'pilotEndpoint without port',
    files: { 'east.yaml': edit(east, '"192.0.2.1:9080"', '"192.0.2.1"') },
    exit: 1,
    file: 'east.yaml',
    line: 6,
    col: 36,
    message: 'config.istio.io/pilotEndpoint must be host:port',
  },
  {
    name: 'pilotEndpoint port 70000',
    files: { 'east.yaml': edit(east, '"192.0.2.1:9080"', '"192.0.2.1:70000"') },
    exit: 1,
    file: 'east.yaml',
    line: 6,
    col: 36,
    message: 'got "192.0.2.1:70000"',
  },
  {
    name: 'CIDR prefix 33',
    files: { 'east.yaml': edit(east, '198.51.100.0/24', '198.51.100.0/33') },
    exit: 1,
    file: 'east.yaml',
    line: 13,
    col: 21,
    message: 'spec.kubernetesApiEndpoints.serverEndpoints[0].clientCIDR must be a CIDR block such as "198.51.100.0/24" or "0.0.0.0/0", got "198.51.100.0/33"',
  },
  {
    name: 'CIDR without prefix',
    files: { 'east.yaml': edit(east, '198.51.100.0/24', '198.51.100.0') },
    exit: 1,
    file: 'east.yaml',
    line: 13,
    col: 21,
    message: 'got "198.51.100.0"',
  },
  {
    name: 'server IP out of range',
    files: { 'east.yaml': edit(east, 'serverAddress: 198.51.100.10:6443', 'serverAddress: 198.51.100.300') },
    exit: 1,
    file: 'east.yaml',
    line: 14,
    col: 24,
    message: 'spec.kubernetesApiEndpoints.serverEndpoints[0].serverAddress must be an IP address or host name',
  },
  {
    name: 'server address with scheme',
    files: { 'east.yaml': edit(east, 'serverAddress: 198.51.100.10:6443', 'serverAddress: https://198.51.100.10:6443') },
    exit: 1,
    file: 'east.yaml',
    line: 14,
    col: 24,
    message: '(no scheme)',
  },
  {
    name: 'server port 0',
    files: { 'east.yaml': edit(east, 'serverAddress: 198.51.100.10:6443', 'serverAddress: "198.51.100.10:0"') },
    exit: 1,
    file: 'east.yaml',
    line: 14,
    col: 24,
    message: 'got "198.51.100.10:0"',
  },
  // accessConfigFile
  {
    name: 'accessConfigFile escapes with ..',
    files: { 'east.yaml': edit(east, 'accessConfigFile: east.kube.conf', 'accessConfigFile: ../east.kube.conf') },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'config.istio.io/accessConfigFile must be a file name in the cluster directory, not a path: got "../east.kube.conf"',
  },
  {
    name: 'accessConfigFile absolute',
    files: { 'east.yaml': edit(east, 'accessConfigFile: east.kube.conf', 'accessConfigFile: /etc/kubernetes/admin.conf') },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'not an absolute path: got "/etc/kubernetes/admin.conf"',
  },
  {
    name: 'accessConfigFile in a subdirectory',
    files: { 'east.yaml': edit(east, 'accessConfigFile: east.kube.conf', 'accessConfigFile: kube/east.conf') },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'not a path: got "kube/east.conf"',
  },
  {
    name: 'kubeconfig missing',
    files: { 'east.kube.conf': null },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'config.istio.io/accessConfigFile names "east.kube.conf", which does not exist in the cluster directory',
  },
  {
    name: 'kubeconfig is an editor backup',
    files: {
      'east.kube.conf': null,
      'east.kube.conf.bak': eastKube,
      'east.yaml': edit(east, 'accessConfigFile: east.kube.conf', 'accessConfigFile: east.kube.conf.bak'),
    },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'config.istio.io/accessConfigFile names "east.kube.conf.bak", which meshd does not read (editor backup or temporary file)',
  },
  {
    name: 'kubeconfig is a hidden file',
    files: {
      'east.kube.conf': null,
      '.east.kube.conf': eastKube,
      'east.yaml': edit(east, 'accessConfigFile: east.kube.conf', 'accessConfigFile: .east.kube.conf'),
    },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'which meshd does not read (hidden file)',
  },
  {
    name: 'accessConfigFile with a space',
    files: { 'east.yaml': edit(east, 'accessConfigFile: east.kube.conf', 'accessConfigFile: east kube.conf') },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: "must be a file name made of letters, digits, '-', '_' and '.' (it becomes a ConfigMap key), got \"east kube.conf\"",
  },
  {
    name: 'kubeconfig is a directory',
    files: { 'east.kube.conf': { directory: true } },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'which is a directory, not a file',
  },
  {
    name: 'kubeconfig is a FIFO',
    files: { 'east.kube.conf': { fifo: true } },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'names "east.kube.conf", which is a named pipe (FIFO), not a regular file',
  },
  {
    name: 'kubeconfig is a dangling symlink',
    files: { 'east.kube.conf': { symlink: 'gone.kube.conf' } },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'which is a symbolic link whose target does not exist',
  },
  {
    name: 'kubeconfig symlinked from outside the directory (O2)',
    files: { 'east.kube.conf': { symlink: '@OUTSIDE/east.kube.conf' } },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'which is a symbolic link to a file outside the cluster directory, which meshd does not follow',
  },
  // odd files are findings, never removals (L4)
  {
    name: 'descriptor is a dangling symlink',
    files: { 'east.yaml': { symlink: '/nonexistent/east.yaml' } },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is a symbolic link whose target does not exist: meshd keeps what it defined before (delete it to remove a cluster)',
  },
  {
    name: 'descriptor is a symlink loop',
    files: { 'east.yaml': { symlink: 'east.yaml' } },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is a symbolic link whose target does not exist',
  },
  {
    name: 'descriptor is a FIFO',
    files: { 'east.yaml': { fifo: true } },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is a named pipe (FIFO), not a regular file',
  },
  {
    name: 'descriptor is a unix socket',
    files: { 'east.yaml': { socket: true } },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is a socket, not a regular file',
  },
  {
    name: 'descriptor is a directory',
    files: { 'east.yaml': { directory: true } },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is a directory, not a file',
  },
  {
    name: 'descriptor is a symlink to a directory',
    files: { 'east.yaml': { symlink: '.' } },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is a directory, not a file',
  },
  {
    name: 'descriptor symlinked from outside the directory (O2)',
    files: { 'east.yaml': { symlink: '@OUTSIDE/east.yaml' } },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is a symbolic link to a file outside the cluster directory, which meshd does not follow',
  },
  {
    name: 'descriptor symlinked through ../ out of the directory (O2)',
    files: { 'east.yaml': { symlink: '../outside/east.yaml' } },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'outside the cluster directory',
  },
  // kubeconfig content
  {
    name: 'kubeconfig garbage YAML',
    files: { 'east.kube.conf': 'clusters: [oops\n' },
    exit: 1,
    file: 'east.kube.conf',
    line: 2,
    col: 1,
    message: 'YAML syntax error',
  },
  {
    name: 'kubeconfig plain text',
    files: { 'east.kube.conf': 'not a kubeconfig at all\n' },
    exit: 1,
    file: 'east.kube.conf',
    line: 1,
    col: 1,
    message: 'this file is not a kubeconfig: expected a mapping with clusters, contexts and users, got a string',
  },
  {
    name: 'kubeconfig binary',
    files: { 'east.kube.conf': new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00]) },
    exit: 1,
    file: 'east.kube.conf',
    line: 1,
    col: 1,
    message: 'kubeconfig is not UTF-8 text (binary content?)',
  },
  { name: 'kubeconfig empty', files: { 'east.kube.conf': '' }, exit: 1, file: 'east.kube.conf', line: 1, col: 1, message: 'kubeconfig is empty' },
  {
    name: 'kubeconfig without current-context',
    files: { 'east.kube.conf': edit(eastKube, 'current-context: east\n', '') },
    exit: 1,
    file: 'east.kube.conf',
    line: 1,
    col: 1,
    message: 'kubeconfig current-context is missing',
  },
  {
    name: 'kubeconfig current-context unknown',
    files: { 'east.kube.conf': edit(eastKube, 'current-context: east', 'current-context: prod') },
    exit: 1,
    file: 'east.kube.conf',
    line: 16,
    col: 18,
    message: 'kubeconfig current-context "prod" is not one of its contexts ("east")',
  },
  {
    name: 'kubeconfig context names a missing cluster',
    files: { 'east.kube.conf': edit(eastKube, '      cluster: east', '      cluster: gone') },
    exit: 1,
    file: 'east.kube.conf',
    line: 14,
    col: 16,
    message: 'kubeconfig context "east" names cluster "gone", which is not in its clusters',
  },
  {
    name: 'kubeconfig context names a missing user',
    files: { 'east.kube.conf': edit(eastKube, '      user: east-admin', '      user: nobody') },
    exit: 1,
    file: 'east.kube.conf',
    line: 15,
    col: 13,
    message: 'names user "nobody", which is not in its users',
  },
  {
    name: 'kubeconfig server not a URL',
    files: { 'east.kube.conf': edit(eastKube, 'server: https://127.0.0.1:6443', 'server: 127.0.0.1:6443') },
    exit: 1,
    file: 'east.kube.conf',
    line: 6,
    col: 15,
    message: 'kubeconfig server must be an http(s) URL',
  },
  {
    name: 'kubeconfig over the size limit',
    files: { 'east.kube.conf': `${eastKube}#${'x'.repeat(MiB)}\n` },
    exit: 1,
    file: 'east.yaml',
    line: 9,
    col: 39,
    message: 'over the 1 MiB limit for one file',
  },
  // whole files
  {
    name: 'binary descriptor',
    files: { 'east.yaml': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]) },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is not UTF-8 text (binary content?)',
  },
  {
    name: 'invalid UTF-8 descriptor',
    files: { 'east.yaml': new Uint8Array([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xc3, 0x28]) },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is not UTF-8 text',
  },
  {
    name: 'empty file',
    files: { 'east.yaml': '' },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'file is empty: it defines no cluster (delete the file to remove a cluster)',
  },
  { name: 'comments only', files: { 'east.yaml': '# east is coming soon\n---\n' }, exit: 1, file: 'east.yaml', line: 1, col: 1, message: 'file is empty' },
  {
    name: 'file over the size limit',
    files: { 'east.yaml': `${east}#${'x'.repeat(MiB)}\n` },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: `file is ${east.length + MiB + 2} bytes, over the 1 MiB limit for one file`,
  },
  {
    name: 'top-level scalar',
    files: { 'east.yaml': 'east\n' },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'a cluster descriptor must be a YAML mapping (apiVersion, kind, metadata, spec), got "east"',
  },
  {
    name: 'top-level list',
    files: { 'east.yaml': '- apiVersion: clusterregistry.k8s.io/v1alpha1\n' },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'got a list',
  },
  {
    name: 'multi-document with one bad document',
    files: {
      'east.yaml': `${east}---\n${edit(sampleDescriptor({ name: 'north' }), 'name: north', 'name: North_1')}`,
      'north.kube.conf': sampleKubeconfig('north'),
    },
    exit: 1,
    file: 'east.yaml',
    line: 19,
    col: 9,
    message: 'metadata.name must be a DNS-1123 label',
  },
  {
    name: 'bracket bomb (L8)',
    files: { 'notes.yaml': `${'['.repeat(30_000)}${']'.repeat(30_000)}` },
    exit: 1,
    file: 'notes.yaml',
    line: 1,
    col: 65,
    message: 'YAML nests deeper than 64 levels: refusing to parse it',
  },
  {
    name: '"- " bomb (L8)',
    files: { 'notes.yaml': `${'- '.repeat(30_000)}x\n` },
    exit: 1,
    file: 'notes.yaml',
    line: 1,
    col: 129,
    message: 'YAML nests deeper than 64 levels',
  },
  {
    name: 'brace bomb of 1 MB as a kubeconfig (L8)',
    files: { 'east.kube.conf': `${'{'.repeat(500_000)}${'}'.repeat(500_000)}` },
    exit: 1,
    file: 'east.kube.conf',
    line: 1,
    col: 65,
    message: 'YAML nests deeper than 64 levels',
  },
  {
    name: 'descriptor over 64 KiB (L8)',
    files: { 'east.yaml': `${east}#${'x'.repeat(64 * 1024)}\n` },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: `file is ${east.length + 64 * 1024 + 2} bytes, over the 64 KiB limit for a cluster descriptor`,
  },
  {
    name: 'stray token file is not echoed',
    files: { 'east-token.yaml': 'eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.c2VjcmV0\n' },
    exit: 1,
    file: 'east-token.yaml',
    line: 1,
    col: 1,
    message: 'a cluster descriptor must be a YAML mapping (apiVersion, kind, metadata, spec), got "eyJhbGc..."',
  },
  {
    name: 'alias bomb',
    files: {
      'east.yaml':
        'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
    },
    exit: 1,
    file: 'east.yaml',
    line: 1,
    col: 1,
    message: 'YAML aliases expand too much',
  },
  {
    name: 'file name that cannot be a ConfigMap key',
    files: { 'east.yaml': null, 'east side.yaml': east },
    exit: 1,
    file: 'east side.yaml',
    line: 1,
    col: 1,
    message: "file name cannot be a ConfigMap key: use only letters, digits, '-', '_' and '.'",
  },
  // across files
  {
    name: 'duplicate cluster name',
    files: { 'west.yaml': sampleDescriptor({ name: 'east', accessConfigFile: 'west.kube.conf' }) },
    exit: 1,
    file: 'west.yaml',
    line: 4,
    col: 9,
    message: 'cluster name "east" is defined more than once: also at east.yaml:4:9',
  },
  {
    name: 'two control planes',
    files: { 'east.yaml': sampleDescriptor({ name: 'east', controlPlane: true }) },
    exit: 1,
    file: 'east.yaml',
    line: 8,
    col: 36,
    message: 'more than one control plane: config.istio.io/pilotCfgStore is true here and on cp (cp.yaml:8:36)',
  },
  {
    name: 'no control plane',
    files: { 'cp.yaml': sampleDescriptor({ name: 'cp' }) },
    exit: 1,
    file: '',
    line: 0,
    col: 0,
    message: 'no control plane: exactly one cluster must set config.istio.io/pilotCfgStore: true',
  },
  {
    name: 'different pilotEndpoint',
    files: { 'east.yaml': sampleDescriptor({ name: 'east', pilotEndpoint: 'pilot.example.com:9080' }) },
    exit: 1,
    file: 'east.yaml',
    line: 6,
    col: 36,
    message: 'config.istio.io/pilotEndpoint is "pilot.example.com:9080" but the control plane cp (cp.yaml) has "192.0.2.1:9080"',
  },
  {
    name: 'registry over 1 MiB',
    files: { 'east.kube.conf': `${eastKube}#${'x'.repeat(600 * 1024)}\n`, 'west.kube.conf': `${sampleKubeconfig('west')}#${'x'.repeat(600 * 1024)}\n` },
    exit: 1,
    file: '',
    line: 0,
    col: 0,
    message: 'over the 1 MiB a ConfigMap can hold',
  },
  // warnings: still valid
  {
    name: 'spec nested under metadata',
    files: {
      'east.yaml': edit(
        east,
        /\nspec:\n {2}kubernetesApiEndpoints:\n {4}serverEndpoints:\n {6}- clientCIDR: 198.51.100.0\/24\n {8}serverAddress: 198.51.100.10:6443\n/,
        '\n  spec:\n    kubernetesApiEndpoints: {}\n',
      ),
    },
    exit: 0,
    file: 'east.yaml',
    line: 10,
    col: 3,
    severity: 'warning',
    message: 'spec is indented under metadata, so it is ignored (Pilot ignores it too): move it to the top level, level with metadata',
  },
  {
    name: 'kubeconfig readable by others',
    files: { 'east.kube.conf': { content: eastKube, mode: 0o644 } },
    exit: 0,
    file: 'east.kube.conf',
    line: 1,
    col: 1,
    severity: 'warning',
    message: 'kubeconfig is readable by group or others (mode 0644): it holds credentials, run chmod 600 east.kube.conf',
  },
  {
    name: 'unknown istio annotation',
    files: { 'east.yaml': edit(east, `${ANN}platform: Kubernetes`, `${ANN}platform: Kubernetes\n${ANN}plaform: x`) },
    exit: 0,
    file: 'east.yaml',
    line: 8,
    col: 5,
    severity: 'warning',
    message: 'unknown annotation config.istio.io/plaform is ignored; did you mean config.istio.io/platform?',
  },
  {
    name: 'unresolved YAML tag',
    files: { 'east.yaml': edit(east, 'name: east', 'name: !local east') },
    exit: 0,
    file: 'east.yaml',
    line: 4,
    col: 9,
    severity: 'warning',
    message: 'Unresolved tag: !local',
  },
  {
    name: 'kubeconfig no descriptor names',
    files: { 'spare.kubeconfig.yaml': sampleKubeconfig('spare') },
    exit: 0,
    file: 'spare.kubeconfig.yaml',
    line: 1,
    col: 1,
    severity: 'warning',
    message: 'this kubeconfig is not named by any descriptor',
  },
  // Go ParseBool forms are accepted
  ...['F', '0', 'FALSE', 'False'].map((v): Case => ({
    name: `pilotCfgStore "${v}" is a remote`,
    files: { 'east.yaml': edit(east, '"false"', `"${v}"`), 'east.kube.conf': { content: eastKube, mode: 0o640 } },
    exit: 0,
    file: 'east.kube.conf',
    line: 1,
    col: 1,
    severity: 'warning',
    message: 'mode 0640',
  })),
  {
    name: 'pilotCfgStore YAML True on the control plane',
    files: {
      'cp.yaml': edit(sampleDescriptor({ name: 'cp', controlPlane: true }), '"true"', 'True'),
      'cp.kube.conf': { content: sampleKubeconfig('cp'), mode: 0o604 },
    },
    exit: 0,
    file: 'cp.kube.conf',
    line: 1,
    col: 1,
    severity: 'warning',
    message: 'mode 0604',
  },
];

let root: string;
const sockets: Server[] = [];
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshd-validate-cases-'));
  await mkdir(join(root, 'outside'));
  for (const [name, content] of Object.entries(sampleDirectory())) await writeFile(join(root, 'outside', name), content, { mode: 0o600 });
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => new Promise((done) => s.close(done))));
  await rm(root, { recursive: true, force: true });
});

async function writeEntry(path: string, spec: Exclude<FileSpec, null>): Promise<void> {
  if (typeof spec === 'string' || spec instanceof Uint8Array) await writeFile(path, spec, { mode: 0o600 });
  else if ('directory' in spec) await mkdir(path);
  else if ('fifo' in spec) execFileSync('mkfifo', [path]);
  else if ('symlink' in spec) await symlink(spec.symlink.replace('@OUTSIDE', join(root, 'outside')), path);
  else if ('socket' in spec) {
    const server = createServer();
    sockets.push(server);
    await new Promise<void>((done) => server.listen(path, done));
  } else {
    await writeFile(path, spec.content);
    await chmod(path, spec.mode);
  }
}

async function writeCase(dir: string, overrides: Record<string, FileSpec>): Promise<void> {
  await mkdir(dir);
  const files: Record<string, FileSpec> = { ...sampleDirectory(), ...overrides };
  for (const [name, spec] of Object.entries(files)) if (spec !== null) await writeEntry(join(dir, name), spec);
}

async function validateCase(dirArg: string, files: Record<string, FileSpec>): Promise<{ code: number; stdout: string; stderr: string }> {
  await writeCase(join(root, dirArg), files);
  const io = captureIo(root);
  const code = await main(['node', 'meshd', 'validate', '--dir', dirArg], io);
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

describe('meshd validate on malformed directories', () => {
  it('has at least 40 malformed cases', () => {
    expect(cases.filter((c) => c.exit === 1).length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c, i) => [c.name, i, c] as const))('%s', async (_name, i, c) => {
    const dirArg = `case-${i}`;
    const io = await validateCase(dirArg, c.files);
    const { code } = io;
    const lines = io.stdout.trimEnd().split('\n');
    const where = c.file === '' ? dirArg : c.line === 0 ? join(dirArg, c.file) : `${join(dirArg, c.file)}:${c.line}:${c.col}`;
    const prefix = `${where}: ${c.severity ?? 'error'}: `;
    const line = lines.find((l) => l.startsWith(prefix) && l.includes(c.message));
    expect(line, `no line "${prefix}…${c.message}…" in:\n${io.stdout}`).toBeDefined();
    expect(code).toBe(c.exit);
    expect(lines.at(-1)).toMatch(c.exit === 0 ? new RegExp(`^${dirArg}: valid: 3 clusters`) : new RegExp(`^${dirArg}: invalid: \\d+ errors?`));
    expect(io.stderr).toBe('');
  });
});

describe('odd files are findings, never removals (L4): what stays quiet', () => {
  it('says nothing about a FIFO or socket that is not named like a descriptor and not named by one', async () => {
    const io = await validateCase('quiet-odd', { 'notes.txt': { fifo: true }, 'agent.sock': { socket: true }, old: { directory: true } });
    expect(io.stdout).toBe('quiet-odd: valid: 3 clusters (control plane cp; remotes east, west), 0 warnings\n');
    expect(io.code).toBe(0);
  });

  it('follows symlinks that stay inside the directory', async () => {
    const io = await validateCase('inside-links', {
      'east.yaml': { symlink: 'real/east.yaml' },
      'east.kube.conf': { symlink: 'real/east.kube.conf' },
      real: { directory: true },
      'real/east.yaml': east,
      'real/east.kube.conf': eastKube,
    });
    expect(io.stdout).toBe('inside-links: valid: 3 clusters (control plane cp; remotes east, west), 0 warnings\n');
    expect(io.code).toBe(0);
  });
});
