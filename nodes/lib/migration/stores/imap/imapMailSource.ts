/** The source side: a mailbox read read-only (EXAMINE), with CONDSTORE turned on when offered for flag changes. */
import type { ImapEndpoint } from '../../../imap/endpoint';
import type { ImapSessionOptions } from '../../../imap/ImapSession';
import type { FolderStatus, MailSource } from '../../mailStore';
import { connectSession, folderStatusOf, ImapStore } from './imapStore';

export class ImapMailSource extends ImapStore implements MailSource {
	static async open(
		endpoint: ImapEndpoint,
		options: ImapSessionOptions = {},
	): Promise<ImapMailSource> {
		const session = await connectSession(endpoint, options);
		try {
			if (session.has('CONDSTORE') && session.has('ENABLE')) await session.enable(['CONDSTORE']);
		} catch (error) {
			await session.close();
			throw error;
		}
		return new ImapMailSource(session, endpoint);
	}

	async status(rawName: string): Promise<FolderStatus> {
		const status = await this.guarded(() => this.session.status(rawName));
		return {
			uidValidity: status.uidValidity ?? 0,
			uidNext: status.uidNext ?? 0,
			exists: status.messages ?? 0,
			highestModseq: status.highestModseq ?? null,
		};
	}

	async openFolder(rawName: string): Promise<FolderStatus> {
		this.openedFolder = null;
		const selected = await this.guarded(() => this.session.examine(rawName));
		this.openedFolder = rawName;
		return folderStatusOf(selected);
	}

	async flagChangesSince(
		modseq: string,
	): Promise<{ uid: number; flags: string[]; modseq: string | null }[]> {
		this.requireOpenFolder();
		const changes: { uid: number; flags: string[]; modseq: string | null }[] = [];
		await this.guarded(() =>
			this.session.uidFetch(
				'1:*',
				['UID', 'FLAGS', 'MODSEQ'],
				(message) =>
					changes.push({
						uid: message.uid,
						flags: message.flags ?? [],
						modseq: message.modseq ?? null,
					}),
				{ changedSince: modseq },
			),
		);
		return changes;
	}
}
