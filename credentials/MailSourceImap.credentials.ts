import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

import { imapAccountFields } from './common/imapAccountFields';

export class MailSourceImap implements ICredentialType {
	name = 'mailSourceImap';

	displayName = 'Mail Source (IMAP)';

	icon: Icon = {
		light: 'file:../nodes/common/icons/imapAccount.svg',
		dark: 'file:../nodes/common/icons/imapAccount.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-mailbox-migration/n8n-nodes-mailbox-migration#credentials';

	properties: INodeProperties[] = imapAccountFields('imap.legacy.example.com');
}
