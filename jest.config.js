/** Three tiers: unit (no servers), integration (real Dovecot/slapd/... started by test/harness), e2e (real n8n). */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const tier = (name, timeout) => ({
	displayName: name,
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': tsJest },
	testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
	testTimeout: timeout,
});
module.exports = {
	// testTimeout is global in Jest; slow tiers set longer limits per test.
	testTimeout: 180_000,
	projects: [tier('unit', 20_000), tier('integration', 180_000), tier('e2e', 900_000)],
};
