import communityNodes from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import * as jsoncParser from 'jsonc-eslint-parser';
import tseslint from 'typescript-eslint';

// n8n's community-node rules in the variant without n8n Cloud restrictions: this package has runtime dependencies.
export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'test/**/*.ts'],
		extends: [tseslint.configs.recommended],
		languageOptions: { parserOptions: { project: './tsconfig.json' } },
	},
	{ files: ['package.json'], languageOptions: { parser: jsoncParser } },
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'],
		...communityNodes.configs.recommendedWithoutN8nCloudSupport,
	},
	{
		// The library is plain TypeScript without n8n, so it can be tested and reused on its own: its errors become
		// NodeOperationError/NodeApiError at the node boundary (nodes/common), and n8n's packages are not imported.
		files: ['nodes/lib/**/*.ts'],
		rules: {
			'@n8n/community-nodes/require-node-api-error': 'off',
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							group: ['n8n-workflow', 'n8n-workflow/*', 'n8n-core', 'n8n-core/*', '@n8n/*'],
							message:
								'nodes/lib has no n8n types: put n8n-aware code in nodes/common or a node folder.',
						},
						{
							group: ['**/common/**', '**/MigrateMailbox/**', '../../**/*.node'],
							message:
								'nodes/lib does not depend on the nodes: move the shared piece into nodes/lib.',
						},
					],
				},
			],
		},
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// Written for n8n's own docs slugs; community credentials link to a full URL.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.node.ts', 'nodes/*/actions/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// Superseded by NodeConnectionTypes, which n8n's own nodes and starter now use.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			// "-Api" is for HTTP API credentials; n8n's own IMAP and LDAP credentials are not suffixed either.
			'n8n-nodes-base/node-class-description-credentials-name-unsuffixed': 'off',
		},
	},
);
