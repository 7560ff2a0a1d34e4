/** The shared item error: a remote server's answer is a NodeApiError with its HTTP code, the rest NodeOperationError. */
import { NodeApiError, NodeOperationError, type INode } from 'n8n-workflow';

import { itemError } from '../../../nodes/common/itemErrors';
import { ProviderError } from '../../../nodes/lib/communications/provider';
import { GraphRequestError } from '../../../nodes/lib/graph/graphClient';
import { LdapStepError } from '../../../nodes/lib/ldap';

const node: INode = {
	id: 'n1',
	name: 'Provision Target',
	type: 'n8n-nodes-mailbox-migration.provisionTarget',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

describe('itemError', () => {
	it('gives a Graph refusal as NodeApiError with the HTTP code, the item and its subject', () => {
		const error = itemError(
			node,
			new GraphRequestError('Insufficient privileges', 403, 'Authorization_RequestDenied', null),
			3,
			'Account alice@contoso.com',
		);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error).toMatchObject({
			message: 'Account alice@contoso.com: Insufficient privileges',
			httpCode: '403',
			description: 'Microsoft Graph answered HTTP 403 (Authorization_RequestDenied).',
			context: { itemIndex: 3 },
		});
	});

	it('keeps its own message where n8n would put a generic one for a socket code', () => {
		const error = itemError(
			node,
			new ProviderError('the webhook answered HTTP 502', 'HTTP 502: ECONNRESET upstream', 502),
			0,
			'User a@b.c',
		);
		expect(error).toMatchObject({
			message: 'User a@b.c: the webhook answered HTTP 502',
			httpCode: '502',
			description: 'The server answered HTTP 502: ECONNRESET upstream',
		});
	});

	it('gives an LDAP result code as NodeApiError with the advice, and no answer as NodeOperationError', () => {
		const refused = itemError(
			node,
			new LdapStepError(
				'bind',
				'cn=admin: Invalid credentials',
				'Check the bind DN and password.',
				{
					resultCode: 49,
					resultName: 'invalidCredentials',
				},
			),
			1,
			'User bob',
		);
		expect(refused).toBeInstanceOf(NodeApiError);
		expect(refused.description).toBe(
			'Check the bind DN and password. (LDAP result code 49, invalidCredentials)',
		);
		const unreachable = itemError(
			node,
			new LdapStepError('connect', 'ECONNREFUSED', 'Check the host and port.', {
				errorCode: 'ECONNREFUSED',
			}),
			1,
			'User bob',
		);
		expect(unreachable).toBeInstanceOf(NodeOperationError);
		expect(unreachable.message).toBe('User bob: LDAP connection failed: ECONNREFUSED');
		expect(unreachable.description).toBe('Check the host and port.');
		// A ProviderError without a status (bad settings), and a 200 that says no, are not API errors.
		expect(itemError(node, new ProviderError('no URL', 'not sent', null), 0, 'x')).toBeInstanceOf(
			NodeOperationError,
		);
		expect(
			itemError(node, new ProviderError('no contact', 'HTTP 200: none', 200), 0, 'x'),
		).toBeInstanceOf(NodeOperationError);
	});
});
