import { internalDateArg } from '../../nodes/lib/imap/commandEncoding';
import { encodeMutf7 } from '../../nodes/lib/folders/mutf7';
import { ImapMailTarget } from '../../nodes/lib/migration/stores/imap/imapMailTarget';
import type { DovecotServer } from '../harness/dovecot';
import { testEndpoint } from '../harness/endpoints';
import type { CorpusMessage } from './corpus';

/** Loads a corpus into a user's mailbox through our own MULTIAPPEND path, creating its folders (not timed). */
export async function loadCorpus(
	server: DovecotServer,
	user: string,
	password: string,
	corpus: CorpusMessage[],
): Promise<void> {
	const target = await ImapMailTarget.open(testEndpoint(server, user, password));
	try {
		const byFolder = new Map<string, CorpusMessage[]>();
		for (const message of corpus) {
			const list = byFolder.get(message.folder) ?? [];
			list.push(message);
			byFolder.set(message.folder, list);
		}
		const existing = new Set((await target.listFolders()).map((folder) => folder.rawName));
		for (const [folder, messages] of byFolder) {
			const raw = encodeMutf7(folder);
			const parts = raw.split('/');
			for (let depth = 1; depth <= parts.length; depth++) {
				const name = parts.slice(0, depth).join('/');
				if (!existing.has(name)) {
					await target.createFolder(name);
					existing.add(name);
				}
			}
			await target.openFolder(raw);
			for (let start = 0; start < messages.length; start += 50) {
				const results = await target.append(
					messages.slice(start, start + 50).map((message) => ({
						raw: message.raw,
						flags: message.flags,
						// APPEND's date-time form, without the quotes the command adds.
						internalDate: internalDateArg(message.internalDate).slice(1, -1),
					})),
				);
				const failed = results.find((result) => !result.ok);
				if (failed) throw new Error(`loading the corpus failed: ${JSON.stringify(failed)}`);
			}
		}
	} finally {
		await target.close();
	}
}
