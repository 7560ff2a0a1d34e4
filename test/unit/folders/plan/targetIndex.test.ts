import { indexTarget } from '../../../../nodes/lib/folders/plan/targetIndex';
import type { ListedFolder, MailboxLayout } from '../../../../nodes/lib/folders/plan/types';

const courier = (folders: ListedFolder[], extra: Partial<MailboxLayout> = {}): MailboxLayout => ({
	personalPrefix: 'INBOX.',
	delimiter: '.',
	folders,
	...extra,
});

describe('indexing the target', () => {
	it('keys personal folders by canonical path, INBOX always, \\NonExistent ones not', () => {
		const index = indexTarget(
			courier([
				{ raw: 'INBOX.Sent' },
				{ raw: 'INBOX.Kunden.Müller' },
				{ raw: 'INBOX.Gone', flags: ['\\NonExistent'] },
				{ raw: 'Other Users.bob', flags: [] },
			]),
			false,
			[],
		);
		expect([...index.keys]).toEqual(['INBOX', 'Sent', 'Kunden/Müller']);
	});

	it('folds case in keys on a case-insensitive target', () => {
		const index = indexTarget(courier([{ raw: 'INBOX.Archiv' }]), true, []);
		expect(index.key(['ARCHIV'])).toBe('archiv');
		expect(index.keys.has(index.key(['archiv']))).toBe(true);
		expect(indexTarget(courier([]), false, []).key(['ARCHIV'])).toBe('ARCHIV');
	});

	it('records \\Noselect folders, the first folder per role and the first top-level folder per name', () => {
		const index = indexTarget(
			courier([
				{ raw: 'INBOX.Sent Items', flags: ['\\Sent'] },
				{ raw: 'INBOX.Sent', flags: ['\\sent'] },
				{ raw: 'INBOX.Container', flags: ['\\Noselect'] },
				{ raw: 'INBOX.Container.Trash' },
				{ raw: 'INBOX.sent items' },
			]),
			false,
			[],
		);
		expect(index.flaggedByRole.get('sent')).toEqual(['Sent Items']);
		expect([...index.noselectKeys]).toEqual(['Container']);
		expect(index.topLevelByName.get('sent items')).toEqual(['Sent Items']);
		expect(index.topLevelByName.has('trash')).toBe(false);
	});

	it("notes an INBOX that cannot have children, and the target's naming", () => {
		const index = indexTarget(
			courier([{ raw: 'inbox', flags: ['\\Noinferiors'] }], { utf8Names: true }),
			false,
			[],
		);
		expect(index.inboxHasNoChildren).toBe(true);
		expect(index.prefixIsInbox).toBe(true);
		expect(index.naming).toEqual({ prefix: 'INBOX.', delimiter: '.', utf8: true });
	});

	it('warns, as target:, about names it cannot decode and indexes them as listed', () => {
		const warnings: string[] = [];
		const index = indexTarget(courier([{ raw: 'INBOX.&Zm9v' }]), false, warnings);
		expect(warnings).toEqual([expect.stringMatching(/^target: .*the name is used as listed$/)]);
		expect(index.keys.has('&Zm9v')).toBe(true);
	});
});
