// CommonJS consumer of the installed tarballs: requires every package and uses each a little.
const assert = require('node:assert/strict');
const core = require('@vigil/core');
const { builtinPacks, shippedAdvisories } = require('@vigil/rules');
const { toSarif } = require('@vigil/reporters');
const { PROBE_FEATURES } = require('@vigil/ebpf-native');
const { VERSION } = require('@vigil/cli');

const err = new core.VigilError('USAGE', 'bad flag');
assert.ok(core.isVigilError(err, 'USAGE'));
assert.ok(err instanceof core.VigilError);
assert.equal(
  core.validateKubernetesObject({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'a' } }).length,
  0,
);
assert.ok(
  core.validateKubernetesObject({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'r' },
    rules: [{ apiGroups: [''], resources: ['pods'] }],
  }).length > 0,
);
assert.ok(builtinPacks().length > 0);
assert.ok(shippedAdvisories().advisories.length > 100);
assert.equal(toSarif([]).version, '2.1.0');
assert.ok(PROBE_FEATURES.length > 0);
assert.equal(typeof VERSION, 'string');
console.log('cjs consumer: ok');
