/** Three tiers: unit (no servers), integration (real Dovecot/slapd/... started by test/harness), e2e (real n8n). */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const tier = (name) => ({
	displayName: name,
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': tsJest },
	testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
});
module.exports = {
	// testTimeout only works globally in Jest; e2e tests set their own longer limits.
	testTimeout: 180_000,
	projects: [tier('unit'), tier('integration'), tier('e2e')],
};
