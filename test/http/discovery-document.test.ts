import { strict as assert } from 'node:assert';
import { buildConfig } from '../../src/config/load-config.js';
import { buildDiscoveryDocument } from '../../src/http/discovery-document.js';

describe('http: discovery document', () => {
  const discovered = {
    issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks', tokenEndpoint: 'https://idp.example.com/token',
    deviceAuthorizationEndpoint: 'https://idp.example.com/device', authorizationEndpoint: null, userinfoEndpoint: null,
  };

  function auth(oidc: Record<string, unknown>) {
    const result = buildConfig({ auth: { enabled: true, oidc } }, { baseDir: '/' });
    if (!result.ok) assert.fail(JSON.stringify(result.problems));
    return result.config.auth;
  }

  it('is {auth_enabled, oidc: null} while OIDC is off', () => {
    assert.deepEqual(buildDiscoveryDocument(auth({}), null), { auth_enabled: true, oidc: null });
  });

  it('takes endpoints from the IdP, with configured overrides winning', () => {
    const doc = buildDiscoveryDocument(auth({ enabled: true, issuer: 'https://idp.example.com', client_id: 'cli', token_endpoint: 'https://proxy.example.com/token' }), discovered);
    const oidc = doc['oidc'] as Record<string, unknown>;
    assert.equal(oidc['token_endpoint'], 'https://proxy.example.com/token');
    assert.equal(oidc['device_authorization_endpoint'], 'https://idp.example.com/device');
    assert.equal(oidc['client_id'], 'cli');
    assert.equal(oidc['scope_prefix'], null);
  });
});
