/**
 * Which Set Routing fields n8n's editor shows for each operation, by n8n-workflow's own rules (getNodeParameters then
 * displayParameter, as the editor runs them).
 */
import { NodeHelpers, type INodeParameters } from 'n8n-workflow';

import { SetRouting } from '../../../nodes/SetRouting/SetRouting.node';

const description = new SetRouting().description;
const node = { typeVersion: 1 };

function shown(values: INodeParameters): string[] {
	const all = NodeHelpers.getNodeParameters(
		description.properties,
		values,
		true,
		false,
		node,
		description,
	)!;
	return description.properties
		.filter((property) => NodeHelpers.displayParameter(all, property, node, description))
		.map((property) => property.name);
}

describe('Set Routing fields', () => {
	it('a wave Rollback asks for the wave only, not a User it would not read', () => {
		const fields = shown({ operation: 'rollback', rollbackScope: 'wave' });
		expect(fields).toEqual(
			expect.arrayContaining(['rollbackScope', 'rollbackWave', 'migrationId', 'ledgerOptions']),
		);
		expect(fields).not.toContain('user');
		expect(fields).not.toContain('routingAttributes');
	});

	it('a Rollback per user, Switch and Verify ask for the User', () => {
		expect(shown({ operation: 'rollback', rollbackScope: 'user' })).toContain('user');
		expect(shown({ operation: 'rollback' })).toContain('user');
		expect(shown({ operation: 'switch' })).toEqual(
			expect.arrayContaining(['user', 'wave', 'routingAttributes']),
		);
		expect(shown({ operation: 'verify' })).not.toContain('rollbackWave');
	});
});
