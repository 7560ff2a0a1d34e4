/**
 * The whole folder plan, rule by rule, long on purpose: each rule is shown on the full planFolders as a server
 * lists folders (the steps alone are tested in plan/).
 */
import {
	type FolderPlan,
	type FolderPlanEntry,
	type FolderPlanOptions,
	FolderPlanOptionError,
	type ListedFolder,
	type MailboxLayout,
	planFolders,
} from '../../../nodes/lib/folders/FolderMapper';
import { encodeMutf7 } from '../../../nodes/lib/folders/mutf7';

const folder = (
	raw: string,
	flags: string[] = [],
	extra: Partial<ListedFolder> = {},
): ListedFolder => ({
	raw,
	flags,
	...extra,
});
/** Courier / Cyrus: personal namespace `INBOX.` with `.` between levels, no SPECIAL-USE. */
const courier = (folders: ListedFolder[], extra: Partial<MailboxLayout> = {}): MailboxLayout => ({
	personalPrefix: 'INBOX.',
	delimiter: '.',
	folders,
	...extra,
});
/** Dovecot default: no prefix, `/` between levels. */
const dovecot = (folders: ListedFolder[], extra: Partial<MailboxLayout> = {}): MailboxLayout => ({
	personalPrefix: '',
	delimiter: '/',
	folders,
	...extra,
});

function plan(
	source: MailboxLayout,
	target: MailboxLayout,
	options?: FolderPlanOptions,
): FolderPlan {
	return planFolders({ source, target, options });
}

/** Source raw name -> target raw name, for every source folder in the plan. */
function routes(result: FolderPlan): Record<string, string> {
	return Object.fromEntries(
		result.entries
			.filter((entry) => entry.kind === 'folder')
			.map((entry) => [entry.sourceRaw, entry.targetRaw]),
	);
}

function entryFor(result: FolderPlan, sourceRaw: string): FolderPlanEntry {
	const found = result.entries.filter((entry) => entry.sourceRaw === sourceRaw);
	if (found.length !== 1)
		throw new Error(`expected one entry for ${sourceRaw}, found ${found.length}`);
	return found[0];
}

function parents(result: FolderPlan): string[] {
	return result.entries.filter((entry) => entry.kind === 'parent').map((entry) => entry.targetPath);
}

/** Every target folder appears after all of its ancestors, and INBOX comes first. */
function expectParentsFirst(result: FolderPlan, existingOnTarget: string[] = []) {
	const seen = new Set<string>(existingOnTarget);
	result.entries.forEach((entry, index) => {
		if (entry.targetPath === 'INBOX') expect(index).toBe(0);
		for (let depth = 1; depth < entry.targetSegments.length; depth++) {
			const ancestor = entry.targetSegments.slice(0, depth).join('/');
			if (ancestor !== 'INBOX' || entry.targetSegments[0] !== 'INBOX')
				expect(seen).toContain(ancestor);
		}
		seen.add(entry.targetSegments.join('/'));
	});
}

describe('planFolders: namespace and delimiter translation', () => {
	it('moves a Courier INBOX. / "." mailbox to Dovecot "/" without prefix', () => {
		const result = plan(
			courier([
				folder('INBOX', ['\\HasChildren'], { subscribed: true }),
				folder('INBOX.Sent', [], { subscribed: true }),
				folder('INBOX.Projects'),
				folder('INBOX.Projects.Alpha'),
				folder('INBOX.Projects.Entw&APw-rfe'),
			]),
			dovecot([folder('INBOX'), folder('Sent', ['\\Sent'])]),
		);
		expect(routes(result)).toEqual({
			INBOX: 'INBOX',
			'INBOX.Sent': 'Sent',
			'INBOX.Projects': 'Projects',
			'INBOX.Projects.Alpha': 'Projects/Alpha',
			'INBOX.Projects.Entw&APw-rfe': 'Projects/Entw&APw-rfe',
		});
		const drafts = entryFor(result, 'INBOX.Projects.Entw&APw-rfe');
		expect(drafts).toMatchObject({
			sourceSegments: ['Projects', 'Entwürfe'],
			sourcePath: 'Projects/Entwürfe',
			targetSegments: ['Projects', 'Entwürfe'],
			targetPath: 'Projects/Entwürfe',
			targetName: 'Projects/Entwürfe',
			specialUse: null,
			action: 'create',
			merged: false,
		});
		expect(drafts.renamed).toBeUndefined();
		expect(entryFor(result, 'INBOX')).toMatchObject({ action: 'exists', subscribe: true });
		expect(entryFor(result, 'INBOX.Sent')).toMatchObject({
			action: 'exists',
			specialUse: 'sent',
			specialUseSource: 'name',
			automapped: true,
		});
		expect(result.entries.map((entry) => entry.targetPath)).toEqual([
			'INBOX',
			'Projects',
			'Projects/Alpha',
			'Projects/Entwürfe',
			'Sent',
		]);
		expect(result.ignored).toEqual([]);
		expect(result.warnings).toEqual([]);
	});

	it('moves a Dovecot "/" mailbox to a Cyrus-like INBOX. / "." server', () => {
		const result = plan(
			dovecot([
				folder('INBOX'),
				folder('Sent', ['\\Sent']),
				folder('Kunden'),
				folder('Kunden/M&APw-ller GmbH'),
				folder('&ZeVnLIqe-'),
			]),
			courier([folder('INBOX'), folder('INBOX.Sent', ['\\Sent'])]),
		);
		expect(routes(result)).toEqual({
			INBOX: 'INBOX',
			Sent: 'INBOX.Sent',
			Kunden: 'INBOX.Kunden',
			'Kunden/M&APw-ller GmbH': 'INBOX.Kunden.M&APw-ller GmbH',
			'&ZeVnLIqe-': 'INBOX.&ZeVnLIqe-',
		});
		expect(entryFor(result, '&ZeVnLIqe-')).toMatchObject({
			sourcePath: '日本語',
			targetSegments: ['日本語'],
			targetName: 'INBOX.日本語',
		});
		expect(entryFor(result, 'Sent').action).toBe('exists');
		expect(entryFor(result, 'Kunden/M&APw-ller GmbH').action).toBe('create');
		expectParentsFirst(result);
	});

	it('treats INBOX case-insensitively and always maps it to INBOX', () => {
		const result = plan(dovecot([folder('inbox'), folder('Inbox/Later')]), courier([]));
		expect(routes(result)).toEqual({ inbox: 'INBOX', 'Inbox/Later': 'INBOX.Later' });
		expect(entryFor(result, 'inbox')).toMatchObject({ sourcePath: 'INBOX', action: 'exists' });
		expect(entryFor(result, 'Inbox/Later').sourcePath).toBe('INBOX/Later');
	});

	it('ignores folders outside the personal namespace', () => {
		const result = plan(
			courier(
				[
					folder('INBOX'),
					folder('INBOX.Work'),
					folder('user.bob'),
					folder('user.bob.Sent'),
					folder('shared.Team'),
					folder('INBOX.', ['\\Noselect']),
				],
				{ otherNamespacePrefixes: ['user.'] },
			),
			dovecot([]),
		);
		expect(routes(result)).toEqual({ INBOX: 'INBOX', 'INBOX.Work': 'Work' });
		expect(result.ignored).toEqual([
			{ sourceRaw: 'user.bob', reason: "in the namespace 'user.', not the personal one" },
			{ sourceRaw: 'user.bob.Sent', reason: "in the namespace 'user.', not the personal one" },
			{ sourceRaw: 'shared.Team', reason: "outside the personal namespace 'INBOX.'" },
			{ sourceRaw: 'INBOX.', reason: 'the personal namespace root itself' },
		]);
	});

	it('ignores a Dovecot shared namespace', () => {
		const result = plan(
			dovecot([folder('INBOX'), folder('Shared/alice/Team'), folder('Work')], {
				otherNamespacePrefixes: ['Shared/'],
			}),
			dovecot([]),
		);
		expect(routes(result)).toEqual({ INBOX: 'INBOX', Work: 'Work' });
		expect(result.ignored.map((entry) => entry.sourceRaw)).toEqual(['Shared/alice/Team']);
	});

	it('builds deep hierarchies and creates every missing parent before its children', () => {
		const result = plan(
			courier([folder('INBOX'), folder('INBOX.a.b.c.d.e.f')]),
			dovecot([folder('a')]),
		);
		expect(entryFor(result, 'INBOX.a.b.c.d.e.f')).toMatchObject({
			targetRaw: 'a/b/c/d/e/f',
			action: 'create',
		});
		expect(parents(result)).toEqual(['a/b', 'a/b/c', 'a/b/c/d', 'a/b/c/d/e']);
		expect(result.entries[1].targetPath).toBe('a/b');
		for (const entry of result.entries.filter((candidate) => candidate.kind === 'parent')) {
			expect(entry).toMatchObject({
				sourceRaw: null,
				sourcePath: null,
				selectable: false,
				subscribe: false,
				action: 'create',
			});
		}
		expectParentsFirst(result, ['a']);
	});

	it('handles a server without hierarchy on either side', () => {
		const flatSource = plan(
			{ personalPrefix: '', delimiter: null, folders: [folder('a/b.c'), folder('INBOX')] },
			dovecot([]),
		);
		expect(routes(flatSource)['a/b.c']).toBe('a_b.c');
		const flatTarget = plan(dovecot([folder('x/y')]), {
			personalPrefix: '',
			delimiter: null,
			folders: [],
		});
		expect(entryFor(flatTarget, 'x/y')).toMatchObject({ targetRaw: 'x_y' });
		expect(entryFor(flatTarget, 'x/y').renamed).toMatch(/no folder hierarchy/);
	});
});

describe('planFolders: defaults', () => {
	it('plans nothing for an empty source', () => {
		expect(plan(dovecot([]), courier([folder('INBOX')]))).toEqual({
			entries: [],
			ignored: [],
			warnings: [],
		});
	});
});

describe('planFolders: INBOX subfolders', () => {
	const source = dovecot([
		folder('INBOX', ['\\HasChildren']),
		folder('INBOX/foo'),
		folder('INBOX/foo/bar'),
	]);

	it('stay under INBOX on a target whose INBOX may have children', () => {
		const result = plan(source, dovecot([folder('INBOX', ['\\HasNoChildren'])]));
		expect(routes(result)).toEqual({
			INBOX: 'INBOX',
			'INBOX/foo': 'INBOX/foo',
			'INBOX/foo/bar': 'INBOX/foo/bar',
		});
		expect(parents(result)).toEqual([]);
		expectParentsFirst(result);
	});

	it('land in the personal root of an INBOX. target, where that is the same place', () => {
		const result = plan(source, courier([]));
		expect(routes(result)).toEqual({
			INBOX: 'INBOX',
			'INBOX/foo': 'INBOX.foo',
			'INBOX/foo/bar': 'INBOX.foo.bar',
		});
		expect(entryFor(result, 'INBOX/foo').targetSegments).toEqual(['foo']);
		expect(entryFor(result, 'INBOX/foo').renamed).toBeUndefined();
	});

	it('move to the top level when the target INBOX is \\Noinferiors, saying so', () => {
		const result = plan(source, dovecot([folder('INBOX', ['\\Noinferiors'])]));
		expect(routes(result)).toEqual({
			INBOX: 'INBOX',
			'INBOX/foo': 'foo',
			'INBOX/foo/bar': 'foo/bar',
		});
		expect(entryFor(result, 'INBOX/foo').renamed).toMatch(/cannot have subfolders/);
		expect(entryFor(result, 'INBOX/foo/bar').renamed).toBeUndefined();
	});

	it('follow the inboxSubfolders option', () => {
		expect(
			routes(plan(source, dovecot([]), { inboxSubfolders: 'moveToRoot' }))['INBOX/foo/bar'],
		).toBe('foo/bar');
		expect(routes(plan(source, courier([]), { inboxSubfolders: 'keep' }))['INBOX/foo']).toBe(
			'INBOX.INBOX.foo',
		);
	});

	it('merge with a same-named top-level folder when both land in one place', () => {
		const result = plan(
			dovecot([folder('INBOX'), folder('INBOX/foo'), folder('foo')]),
			courier([]),
		);
		expect(entryFor(result, 'INBOX/foo')).toMatchObject({
			targetRaw: 'INBOX.foo',
			merged: true,
			mergedWith: ['foo'],
		});
		expect(entryFor(result, 'foo')).toMatchObject({
			targetRaw: 'INBOX.foo',
			merged: true,
			mergedWith: ['INBOX/foo'],
		});
		expect([entryFor(result, 'INBOX/foo').action, entryFor(result, 'foo').action].sort()).toEqual([
			'create',
			'exists',
		]);
	});
});

describe('planFolders: names the target cannot hold as they are', () => {
	it('keeps "a/b" from a "." server as one folder on a "/" server', () => {
		const result = plan(
			courier([folder('INBOX.a/b'), folder('INBOX.a/b.c'), folder('INBOX.a')]),
			dovecot([]),
		);
		expect(entryFor(result, 'INBOX.a/b')).toMatchObject({
			sourceSegments: ['a/b'],
			sourcePath: 'a\\/b',
			targetSegments: ['a_b'],
			targetRaw: 'a_b',
			action: 'create',
		});
		expect(entryFor(result, 'INBOX.a/b').renamed).toBe(
			"'a/b' contains the target's hierarchy delimiter '/', replaced by '_'",
		);
		expect(entryFor(result, 'INBOX.a/b.c')).toMatchObject({ targetRaw: 'a_b/c' });
		expect(entryFor(result, 'INBOX.a/b.c').renamed).toBeUndefined();
		expect(entryFor(result, 'INBOX.a').targetRaw).toBe('a');
	});

	it('keeps "a.b" from a "/" server as one folder on a "." server', () => {
		const result = plan(dovecot([folder('a.b'), folder('a.b/c.d')]), courier([]));
		expect(routes(result)).toEqual({ 'a.b': 'INBOX.a_b', 'a.b/c.d': 'INBOX.a_b.c_d' });
		expect(entryFor(result, 'a.b/c.d').renamed).toMatch(/'c\.d' contains .* '\.', replaced by '_'/);
	});

	it('uses a configured substitute and rejects one that would itself make hierarchy', () => {
		expect(
			routes(plan(dovecot([folder('a.b')]), courier([]), { delimiterSubstitute: '-' }))['a.b'],
		).toBe('INBOX.a-b');
		expect(() => plan(dovecot([folder('a.b')]), courier([]), { delimiterSubstitute: '.' })).toThrow(
			FolderPlanOptionError,
		);
		expect(() => plan(dovecot([]), courier([]), { delimiterSubstitute: '' })).toThrow(/non-empty/);
	});

	it('replaces control characters and empty names', () => {
		const result = plan(
			courier([folder(`INBOX.${encodeMutf7('tab\there')}`), folder('INBOX.x..y')]),
			dovecot([]),
		);
		expect(routes(result)).toEqual({ 'INBOX.tab&AAk-here': 'tab_here', 'INBOX.x..y': 'x/_/y' });
		expect(entryFor(result, 'INBOX.tab&AAk-here').renamed).toMatch(/control characters/);
		expect(entryFor(result, 'INBOX.x..y').renamed).toMatch(/empty folder name/);
	});

	it('encodes "&", accents, CJK and emoji for the target, or passes UTF-8 to a UTF8=ACCEPT target', () => {
		const source = dovecot([
			folder('Receipts &- Invoices'),
			folder('&2D3c5w- Mail'),
			folder('Entw&APw-rfe-Archiv'),
			folder('&ZeVnLIqe-/&ZeVnLIqe-'),
		]);
		const classic = plan(source, courier([]));
		expect(routes(classic)).toEqual({
			'Receipts &- Invoices': 'INBOX.Receipts &- Invoices',
			'&2D3c5w- Mail': 'INBOX.&2D3c5w- Mail',
			'Entw&APw-rfe-Archiv': 'INBOX.Entw&APw-rfe-Archiv',
			'&ZeVnLIqe-/&ZeVnLIqe-': 'INBOX.&ZeVnLIqe-.&ZeVnLIqe-',
		});
		expect(entryFor(classic, '&2D3c5w- Mail').targetName).toBe('INBOX.📧 Mail');
		const utf8 = plan(source, courier([], { utf8Names: true }));
		expect(routes(utf8)).toEqual({
			'Receipts &- Invoices': 'INBOX.Receipts & Invoices',
			'&2D3c5w- Mail': 'INBOX.📧 Mail',
			'Entw&APw-rfe-Archiv': 'INBOX.Entwürfe-Archiv',
			'&ZeVnLIqe-/&ZeVnLIqe-': 'INBOX.日本語.日本語',
		});
	});

	it('reads raw UTF-8 names from a UTF8=ACCEPT source', () => {
		const result = plan(
			dovecot([folder('Receipts & Invoices'), folder('Kunden/Müller GmbH')], { utf8Names: true }),
			dovecot([]),
		);
		expect(routes(result)).toEqual({
			'Receipts & Invoices': 'Receipts &- Invoices',
			'Kunden/Müller GmbH': 'Kunden/M&APw-ller GmbH',
		});
		expect(entryFor(result, 'Receipts & Invoices').sourcePath).toBe('Receipts & Invoices');
	});

	it('keeps a source name that is not valid modified UTF-7, with a warning', () => {
		const result = plan(dovecot([folder('Entwürfe 2019'), folder('Half&open')]), dovecot([]));
		expect(entryFor(result, 'Entwürfe 2019')).toMatchObject({
			sourcePath: 'Entwürfe 2019',
			targetRaw: 'Entw&APw-rfe 2019',
			action: 'create',
		});
		expect(entryFor(result, 'Entwürfe 2019').warning).toMatch(/not printable US-ASCII/);
		expect(entryFor(result, 'Half&open')).toMatchObject({
			sourcePath: 'Half&open',
			targetRaw: 'Half&-open',
		});
		expect(result.warnings).toHaveLength(2);
		expect(result.warnings[1]).toMatch(/^source: mailbox name "Half&open" .* never ends with '-'/);
	});
});

describe('planFolders: special-use folders', () => {
	it('maps localized special folders of a server without SPECIAL-USE, with their subfolders', () => {
		const result = plan(
			courier([
				folder('INBOX'),
				folder('INBOX.Gesendete Objekte'),
				folder('INBOX.Gesendete Objekte.2019'),
				folder('INBOX.Entw&APw-rfe'),
				folder('INBOX.Papierkorb'),
				folder('INBOX.Spamverdacht'),
				folder('INBOX.Archiv'),
				folder('INBOX.Projekte'),
				folder('INBOX.Projekte.Papierkorb'),
			]),
			dovecot([]),
		);
		expect(routes(result)).toEqual({
			INBOX: 'INBOX',
			'INBOX.Gesendete Objekte': 'Sent',
			'INBOX.Gesendete Objekte.2019': 'Sent/2019',
			'INBOX.Entw&APw-rfe': 'Drafts',
			'INBOX.Papierkorb': 'Trash',
			'INBOX.Spamverdacht': 'Junk',
			'INBOX.Archiv': 'Archive',
			'INBOX.Projekte': 'Projekte',
			'INBOX.Projekte.Papierkorb': 'Projekte/Papierkorb',
		});
		expect(entryFor(result, 'INBOX.Papierkorb')).toMatchObject({
			specialUse: 'trash',
			specialUseSource: 'name',
			automapped: true,
		});
		expect(entryFor(result, 'INBOX.Gesendete Objekte.2019')).toMatchObject({
			specialUse: null,
			automapped: false,
		});
		expect(entryFor(result, 'INBOX.Projekte.Papierkorb').specialUse).toBeNull();
		expectParentsFirst(result);
	});

	it.each([
		['Sent Items', 'Sent'],
		['Envoyés', 'Sent'],
		['Éléments envoyés', 'Sent'],
		['Posta inviata', 'Sent'],
		['Verzonden items', 'Sent'],
		['Wysłane', 'Sent'],
		['Отправленные', 'Sent'],
		['送信済み', 'Sent'],
		['Brouillons', 'Drafts'],
		['Черновики', 'Drafts'],
		['下書き', 'Drafts'],
		['Deleted Messages', 'Trash'],
		['Gelöschte Elemente', 'Trash'],
		['Éléments supprimés', 'Trash'],
		['Корзина', 'Trash'],
		['ゴミ箱', 'Trash'],
		['Junk E-mail', 'Junk'],
		['Junk-E-Mail', 'Junk'],
		['Courrier indésirable', 'Junk'],
		['Correo no deseado', 'Junk'],
		['Спам', 'Junk'],
		['SPAM', 'Junk'],
		['Archivio', 'Archive'],
		['Archief', 'Archive'],
	])('recognises %j as %s', (name, target) => {
		const result = plan(courier([folder(`INBOX.${encodeMutf7(name)}`)]), dovecot([]));
		expect(Object.values(routes(result))).toEqual([target]);
	});

	it('recognises a name written in decomposed Unicode (macOS)', () => {
		const result = plan(
			courier([folder(`INBOX.${encodeMutf7('Entwürfe'.normalize('NFD'))}`)]),
			dovecot([]),
		);
		expect(Object.values(routes(result))).toEqual(['Drafts']);
	});

	it('counts names only at the top level or directly under INBOX', () => {
		const result = plan(
			dovecot([
				folder('INBOX'),
				folder('INBOX/Gesendet'),
				folder('Projekte/Sent'),
				folder('INBOX/x/Trash'),
			]),
			dovecot([]),
		);
		expect(routes(result)).toEqual({
			INBOX: 'INBOX',
			'INBOX/Gesendet': 'Sent',
			'Projekte/Sent': 'Projekte/Sent',
			'INBOX/x/Trash': 'INBOX/x/Trash',
		});
	});

	it("uses the target's flagged folder for a role, whatever its name", () => {
		const result = plan(
			dovecot([
				folder('INBOX'),
				folder('Sent', ['\\Sent']),
				folder('Sent/2019'),
				folder('Trash', ['\\Trash']),
				folder('Spam', ['\\Junk']),
			]),
			dovecot([
				folder('INBOX'),
				folder('Sent'),
				folder('Sent Items', ['\\Sent']),
				folder('Deleted Items', ['\\Trash']),
				folder('Junk E-mail', ['\\Junk']),
			]),
		);
		expect(routes(result)).toEqual({
			INBOX: 'INBOX',
			Sent: 'Sent Items',
			'Sent/2019': 'Sent Items/2019',
			Trash: 'Deleted Items',
			Spam: 'Junk E-mail',
		});
		expect(entryFor(result, 'Sent')).toMatchObject({
			action: 'exists',
			specialUseSource: 'flag',
			automapped: true,
		});
		expect(entryFor(result, 'Sent/2019').action).toBe('create');
	});

	it("finds the target's folder for a role in the target's namespace", () => {
		const result = plan(
			dovecot([folder('Sent', ['\\Sent'])]),
			courier([folder('INBOX.Gesendete Objekte', ['\\Sent'])]),
		);
		expect(routes(result)).toEqual({ Sent: 'INBOX.Gesendete Objekte' });
		expect(entryFor(result, 'Sent').action).toBe('exists');
	});

	it('on an unflagged target, prefers the configured name, then a localized folder that is already there', () => {
		const source = dovecot([folder('Sent', ['\\Sent']), folder('Drafts', ['\\Drafts'])]);
		const result = plan(
			source,
			courier([folder('INBOX.Gesendete Elemente'), folder('INBOX.Drafts')]),
		);
		expect(routes(result)).toEqual({ Sent: 'INBOX.Gesendete Elemente', Drafts: 'INBOX.Drafts' });
		expect(result.entries.every((entry) => entry.action === 'exists')).toBe(true);
	});

	it('creates the configured name when the target has no folder for the role', () => {
		const result = plan(
			dovecot([folder('Sent', ['\\Sent']), folder('Trash', ['\\Trash'])]),
			dovecot([]),
			{
				specialFolderNames: { sent: 'Gesendet', trash: 'Ablage/Papierkorb' },
			},
		);
		expect(routes(result)).toEqual({ Sent: 'Gesendet', Trash: 'Ablage/Papierkorb' });
		expect(parents(result)).toEqual(['Ablage']);
		expect(entryFor(result, 'Sent').action).toBe('create');
	});

	it('lets flags decide a role when the source flags it, and names only the roles nobody flags', () => {
		const source = dovecot([
			folder('Sent', ['\\Sent']),
			folder('Gesendet'),
			folder('Papierkorb'),
			folder('Archive', ['\\Archive']),
		]);
		expect(routes(plan(source, dovecot([])))).toEqual({
			Sent: 'Sent',
			Gesendet: 'Gesendet',
			Papierkorb: 'Trash',
			Archive: 'Archive',
		});
		expect(routes(plan(source, dovecot([]), { detectSpecialUseByName: false }))).toMatchObject({
			Papierkorb: 'Papierkorb',
		});
	});

	it('accepts extra names for a role', () => {
		const result = plan(courier([folder('INBOX.Ausgang-Kopien')]), dovecot([]), {
			extraSpecialFolderNames: { sent: ['Ausgang-Kopien'] },
		});
		expect(routes(result)).toEqual({ 'INBOX.Ausgang-Kopien': 'Sent' });
	});

	it('keeps special folders where they are when automap is off', () => {
		const result = plan(
			courier([
				folder('INBOX.Gesendet'),
				folder('INBOX.Gesendet.2019'),
				folder('INBOX.Trash', ['\\Trash']),
			]),
			dovecot([folder('Sent Items', ['\\Sent'])]),
			{ specialUseAutomap: false },
		);
		expect(routes(result)).toEqual({
			'INBOX.Gesendet': 'Gesendet',
			'INBOX.Gesendet.2019': 'Gesendet/2019',
			'INBOX.Trash': 'Trash',
		});
		expect(entryFor(result, 'INBOX.Gesendet')).toMatchObject({
			specialUse: 'sent',
			automapped: false,
		});
	});

	it('skips virtual Gmail folders and leaves out a \\Noselect parent with nothing left inside', () => {
		const result = plan(
			dovecot([
				folder('INBOX'),
				folder('[Gmail]', ['\\Noselect', '\\HasChildren']),
				folder('[Gmail]/All Mail', ['\\All']),
				folder('[Gmail]/Starred', ['\\Flagged']),
				folder('[Gmail]/Important', ['\\Important']),
				folder('[Gmail]/Sent Mail', ['\\Sent']),
				folder('[Gmail]/Drafts', ['\\Drafts']),
				folder('[Gmail]/Bin', ['\\Trash']),
			]),
			dovecot([
				folder('Sent', ['\\Sent']),
				folder('Drafts', ['\\Drafts']),
				folder('Trash', ['\\Trash']),
			]),
		);
		expect(entryFor(result, '[Gmail]/All Mail')).toMatchObject({
			action: 'skip',
			specialUse: 'all',
			skipReason: 'virtual \\All folder: its messages are copied from the folders they belong to',
		});
		expect(entryFor(result, '[Gmail]/Starred').action).toBe('skip');
		expect(entryFor(result, '[Gmail]/Important').action).toBe('skip');
		expect(entryFor(result, '[Gmail]')).toMatchObject({
			action: 'skip',
			selectable: false,
			skipReason: 'cannot hold messages (\\Noselect) and no migrated folder lies inside it',
		});
		expect(routes(result)).toMatchObject({
			'[Gmail]/Sent Mail': 'Sent',
			'[Gmail]/Drafts': 'Drafts',
			'[Gmail]/Bin': 'Trash',
		});
		expect(parents(result)).toEqual([]);
		const included = plan(
			dovecot([folder('[Gmail]', ['\\Noselect']), folder('[Gmail]/All Mail', ['\\All'])]),
			dovecot([]),
			{ skipSpecialUse: [] },
		);
		expect(routes(included)).toEqual({
			'[Gmail]': '[Gmail]',
			'[Gmail]/All Mail': '[Gmail]/All Mail',
		});
		expect(entryFor(included, '[Gmail]').action).toBe('create');
	});
});

describe('planFolders: \\Noselect and missing parents', () => {
	it('creates a \\Noselect source parent as a container', () => {
		const result = plan(
			dovecot([
				folder('Kunden', ['\\Noselect', '\\HasChildren']),
				folder('Kunden/M&APw-ller GmbH'),
			]),
			dovecot([]),
		);
		expect(entryFor(result, 'Kunden')).toMatchObject({
			action: 'create',
			selectable: false,
			targetRaw: 'Kunden',
		});
		expect(entryFor(result, 'Kunden').skipReason).toBeUndefined();
		expect(parents(result)).toEqual([]);
		expect(result.entries.map((entry) => entry.sourceRaw)).toEqual([
			'Kunden',
			'Kunden/M&APw-ller GmbH',
		]);
	});

	it('adds a parent entry when only the child is listed, and none when the target has it', () => {
		const source = courier([folder('INBOX.Kunden.M&APw-ller GmbH')]);
		const result = plan(source, dovecot([]));
		expect(result.entries.map((entry) => [entry.kind, entry.targetPath, entry.action])).toEqual([
			['parent', 'Kunden', 'create'],
			['folder', 'Kunden/Müller GmbH', 'create'],
		]);
		expect(parents(plan(source, dovecot([folder('Kunden')])))).toEqual([]);
	});

	it('treats \\NonExistent like \\Noselect and uses an existing target folder as parent', () => {
		const result = plan(
			dovecot([
				folder('Old', ['\\NonExistent']),
				folder('Old/Mail'),
				folder('Gone', ['\\NonExistent']),
			]),
			dovecot([folder('Old')]),
		);
		expect(entryFor(result, 'Old')).toMatchObject({ action: 'exists', selectable: false });
		expect(entryFor(result, 'Gone').action).toBe('skip');
		expect(entryFor(result, 'Old/Mail').action).toBe('create');
	});

	it('does not count \\NonExistent target entries as existing folders', () => {
		const result = plan(dovecot([folder('A/B')]), dovecot([folder('A', ['\\NonExistent'])]));
		expect(parents(result)).toEqual(['A']);
	});

	it('warns when a target folder exists but cannot hold messages', () => {
		const result = plan(dovecot([folder('Box')]), dovecot([folder('Box', ['\\Noselect'])]));
		expect(entryFor(result, 'Box')).toMatchObject({ action: 'exists' });
		expect(entryFor(result, 'Box').warning).toMatch(/cannot hold messages/);
	});
});

describe('planFolders: include and exclude', () => {
	const source = dovecot([
		folder('INBOX'),
		folder('Archive'),
		folder('Archive/2019'),
		folder('Archived'),
		folder('Projects'),
		folder('Projects/A'),
		folder('Projects/A/Deep'),
		folder('spam-old'),
		folder('a.b/c'),
	]);
	const actions = (result: FolderPlan) =>
		Object.fromEntries(
			result.entries
				.filter((entry) => entry.kind === 'folder')
				.map((entry) => [entry.sourcePath, entry.action]),
		);

	it('skips excluded folders with the pattern as reason, globs as in IMAP', () => {
		const result = plan(source, dovecot([]), {
			exclude: ['Archive', 'Archive/*', 'Projects/%', '/^SPAM/i'],
		});
		expect(actions(result)).toEqual({
			INBOX: 'exists',
			Archive: 'skip',
			'Archive/2019': 'skip',
			Archived: 'create',
			Projects: 'create',
			'Projects/A': 'skip',
			'Projects/A/Deep': 'create',
			'spam-old': 'skip',
			'a.b/c': 'create',
		});
		expect(entryFor(result, 'Archive').skipReason).toBe("excluded by pattern 'Archive'");
		expect(entryFor(result, 'spam-old').skipReason).toBe("excluded by pattern '/^SPAM/i'");
		// The excluded parent still has to exist on the target for the included child.
		expect(
			result.entries
				.filter((entry) => entry.targetPath === 'Projects/A')
				.map((entry) => entry.kind),
		).toEqual(['parent', 'folder']);
		expect(result.entries.find((entry) => entry.kind === 'parent')?.action).toBe('create');
		expectParentsFirst(result);
	});

	it('copies only included folders', () => {
		const result = plan(source, dovecot([]), { include: ['inbox', 'Projects*'] });
		expect(actions(result)).toMatchObject({
			INBOX: 'exists',
			Projects: 'create',
			'Projects/A': 'create',
			'Projects/A/Deep': 'create',
			Archive: 'skip',
		});
		expect(entryFor(result, 'Archive').skipReason).toBe('matched by no include pattern');
	});

	it('lets % stop at hierarchy but not at a slash inside a name', () => {
		const result = plan(courier([folder('INBOX.a/b'), folder('INBOX.a/b.c')]), dovecot([]), {
			exclude: ['%'],
		});
		expect(entryFor(result, 'INBOX.a/b').action).toBe('skip');
		expect(entryFor(result, 'INBOX.a/b.c').action).toBe('create');
	});

	it('rejects an invalid regular expression pattern', () => {
		expect(() => plan(source, dovecot([]), { exclude: ['/([/'] })).toThrow(
			/exclude pattern "\/\(\[\/" is not a valid/,
		);
	});
});

describe('planFolders: rename rules', () => {
	it('renames a folder and its subfolders follow', () => {
		const result = plan(
			courier([
				folder('INBOX.Projekte'),
				folder('INBOX.Projekte.2024'),
				folder('INBOX.Projektarchiv'),
			]),
			dovecot([]),
			{ renameRules: [{ from: '^Projekte$', to: 'Projects' }] },
		);
		expect(routes(result)).toEqual({
			'INBOX.Projekte': 'Projects',
			'INBOX.Projekte.2024': 'Projects/2024',
			'INBOX.Projektarchiv': 'Projektarchiv',
		});
		expect(entryFor(result, 'INBOX.Projekte').renamed).toBe("renamed by rule 1 to 'Projects'");
		expect(entryFor(result, 'INBOX.Projekte.2024').renamed).toBeUndefined();
	});

	it('applies rules in order, each to the previous result, with flags and capture groups', () => {
		const result = plan(dovecot([folder('Old Mail/2019-Q1'), folder('Old Mail')]), dovecot([]), {
			renameRules: [
				{ from: ' ', to: '_', flags: 'g' },
				{ from: '^old_mail/(\\d{4})-(Q\\d)$', to: 'Archive/$1/$2', flags: 'i' },
			],
		});
		expect(routes(result)).toEqual({
			'Old Mail/2019-Q1': 'Archive/2019/Q1',
			'Old Mail': 'Old_Mail',
		});
		expect(entryFor(result, 'Old Mail/2019-Q1').renamed).toBe(
			"renamed by rule 1, rule 2 to 'Archive/2019/Q1'",
		);
		expect(parents(result)).toEqual(['Archive', 'Archive/2019']);
		expectParentsFirst(result);
	});

	it('wins over special-use automapping, and subfolders follow the renamed folder', () => {
		const result = plan(
			courier([
				folder('INBOX.Gesendet'),
				folder('INBOX.Gesendet.2019'),
				folder('INBOX.Papierkorb'),
			]),
			dovecot([folder('Sent', ['\\Sent'])]),
			{ renameRules: [{ from: '^Gesendet$', to: 'Alt/Gesendet' }] },
		);
		expect(routes(result)).toEqual({
			'INBOX.Gesendet': 'Alt/Gesendet',
			'INBOX.Gesendet.2019': 'Alt/Gesendet/2019',
			'INBOX.Papierkorb': 'Trash',
		});
		expect(entryFor(result, 'INBOX.Gesendet')).toMatchObject({
			specialUse: 'sent',
			automapped: false,
		});
	});

	it('can write a slash into one name with \\/ and it is still kept one folder on a "/" target', () => {
		const result = plan(dovecot([folder('AB')]), dovecot([]), {
			renameRules: [{ from: '^AB$', to: 'A\\/B' }],
		});
		expect(entryFor(result, 'AB')).toMatchObject({ targetRaw: 'A_B' });
		expect(entryFor(result, 'AB').renamed).toMatch(/renamed by rule 1 .*hierarchy delimiter/);
	});

	it('rejects invalid rules and rules that leave no name', () => {
		expect(() =>
			plan(dovecot([folder('A')]), dovecot([]), { renameRules: [{ from: '(', to: 'x' }] }),
		).toThrow(/rename rule 1 \("\("\) is not a valid regular expression/);
		expect(() =>
			plan(dovecot([folder('A')]), dovecot([]), { renameRules: [{ from: '^A$', to: '' }] }),
		).toThrow(/turn "A" into an empty name/);
	});
});

describe('planFolders: collisions and subscriptions', () => {
	it('flags two source folders that land in one target folder as merged', () => {
		const result = plan(
			courier([folder('INBOX.Sent'), folder('INBOX.Gesendet'), folder('INBOX.Other')]),
			dovecot([]),
		);
		expect(entryFor(result, 'INBOX.Sent')).toMatchObject({
			targetRaw: 'Sent',
			merged: true,
			mergedWith: ['Gesendet'],
			action: 'create',
		});
		expect(entryFor(result, 'INBOX.Gesendet')).toMatchObject({
			targetRaw: 'Sent',
			merged: true,
			mergedWith: ['Sent'],
			action: 'exists',
		});
		expect(entryFor(result, 'INBOX.Other').merged).toBe(false);
	});

	it('flags merges caused by substitution and, on case-insensitive targets, by case', () => {
		const source = courier([
			folder('INBOX.a/b'),
			folder('INBOX.a_b'),
			folder('INBOX.Work'),
			folder('INBOX.work'),
		]);
		const sensitive = plan(source, dovecot([]));
		expect(entryFor(sensitive, 'INBOX.a/b').merged).toBe(true);
		expect(entryFor(sensitive, 'INBOX.Work').merged).toBe(false);
		const insensitive = plan(source, dovecot([]), { targetCaseInsensitive: true });
		expect(entryFor(insensitive, 'INBOX.Work')).toMatchObject({
			merged: true,
			mergedWith: ['work'],
		});
		expect(
			[
				entryFor(insensitive, 'INBOX.Work').action,
				entryFor(insensitive, 'INBOX.work').action,
			].sort(),
		).toEqual(['create', 'exists']);
	});

	it('skips a folder listed twice rather than merging it with itself', () => {
		const result = plan(dovecot([folder('INBOX'), folder('Work'), folder('inbox')]), dovecot([]));
		const inboxes = result.entries.filter((entry) => entry.sourcePath === 'INBOX');
		expect(inboxes.map((entry) => entry.action)).toEqual(['exists', 'skip']);
		expect(inboxes[1].skipReason).toBe("the same folder as 'INBOX', listed twice");
		expect(inboxes[0].merged).toBe(false);
	});

	it('subscribes what the source had subscribed', () => {
		const result = plan(
			dovecot([folder('A', [], { subscribed: true }), folder('B', ['\\Subscribed']), folder('C')]),
			dovecot([]),
		);
		expect(result.entries.map((entry) => [entry.sourceRaw, entry.subscribe])).toEqual([
			['A', true],
			['B', true],
			['C', false],
		]);
	});
});
