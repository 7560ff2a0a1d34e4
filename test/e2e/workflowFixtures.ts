import type { DovecotServer } from '../harness/dovecot';

export interface TemplateNode {
	name: string;
	parameters: Record<string, unknown>;
}

/** The shipped template with its mailbox list replaced: what an integration team does in the editor. */
export function withMailboxes(
	template: Record<string, unknown>,
	mailboxes: Record<string, string>[],
) {
	const workflow = structuredClone(template);
	const list = (workflow.nodes as TemplateNode[]).find(
		(node) => node.name === 'Mailboxes to check',
	);
	if (!list) throw new Error('template has no "Mailboxes to check" node');
	list.parameters.jsonOutput = JSON.stringify({ mailboxes });
	return workflow;
}

export function imapCredential(
	id: string,
	name: string,
	type: string,
	server: DovecotServer,
	extra = {},
) {
	return {
		id,
		name,
		type,
		data: {
			host: server.host,
			port: server.port,
			security: 'none',
			allowSelfSigned: false,
			loginMode: 'dovecotMaster',
			user: server.master?.user ?? '',
			password: server.master?.password ?? '',
			masterSeparator: '*',
			testMailbox: '',
			...extra,
		},
	};
}

/**
 * One output item of a node, as n8n's run data gives it: JSON whose shape each assertion knows for itself, so its
 * fields are read without declaring every report type again here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OutputItem = Record<string, any>;
