import { describe, expect, it } from 'vitest';
import { endpointUrlProblem } from './endpoint-url.ts';

describe('endpoint URL policy', () => {
  const dev = { production: false };
  const prod = { production: true };
  it('accepts https anywhere', () => {
    expect(endpointUrlProblem('https://partner.example/hooks', prod)).toBeUndefined();
  });
  it('accepts plain http only to loopback and only outside production', () => {
    expect(endpointUrlProblem('http://127.0.0.1:9000/hook', dev)).toBeUndefined();
    expect(endpointUrlProblem('http://localhost/hook', dev)).toBeUndefined();
    expect(endpointUrlProblem('http://[::1]:8080/', dev)).toBeUndefined();
    expect(endpointUrlProblem('http://partner.example/hook', dev)).toMatch(/loopback/);
    expect(endpointUrlProblem('http://127.0.0.1:9000/hook', prod)).toMatch(/production/);
  });
  it('refuses other schemes, credentials and fragments', () => {
    expect(endpointUrlProblem('ftp://partner.example/', dev)).toMatch(/https/);
    expect(endpointUrlProblem('https://u:p@partner.example/', dev)).toMatch(/credentials/);
    expect(endpointUrlProblem('https://partner.example/#x', dev)).toMatch(/fragment/);
  });
});
