import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

import { imapAccountFields } from './common/imapAccountFields';

export class MailSourceImap implements ICredentialType {
	name = 'mailSourceImap';

	displayName = 'Mail Source (IMAP)';

	icon: Icon = {
		light: 'file:../nodes/MigrateMailbox/migrateMailbox.svg',
		dark: 'file:../nodes/MigrateMailbox/migrateMailbox.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-mailbox-migration/n8n-nodes-mailbox-migration#credentials';

	properties: INodeProperties[] = imapAccountFields('imap.legacy.example.com');
}
