import { describe, expect, it } from 'vitest';
import { displayServer } from './display.js';

describe('displayServer', () => {
  it.each([
    ['https://192.0.2.1:6443', 'https://192.0.2.1:6443'],
    ['https://admin:s3cret@192.0.2.1:6443', 'https://192.0.2.1:6443'],
    ['https://admin@api.example.com/', 'https://api.example.com/'],
    ['https://user:pw@api.example.com/k8s/clusters/c-1', 'https://api.example.com/k8s/clusters/c-1'],
    ['not a url', 'not a url'],
  ])('%s → %s', (input, shown) => {
    expect(displayServer(input)).toBe(shown);
    expect(displayServer(input)).not.toMatch(/s3cret|pw@|admin@/);
  });
});
