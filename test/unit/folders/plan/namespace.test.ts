import { encodeMutf7 } from '../../../../nodes/lib/folders/mutf7';
import {
	decodeLeniently,
	isTopLevel,
	locate,
	locateListed,
	namespaceView,
	prefixIsInbox,
} from '../../../../nodes/lib/folders/plan/namespace';
import type { MailboxLayout } from '../../../../nodes/lib/folders/plan/types';

const layout = (extra: Partial<MailboxLayout> = {}): MailboxLayout => ({
	personalPrefix: '',
	delimiter: '/',
	folders: [],
	...extra,
});
const courier = namespaceView(layout({ personalPrefix: 'INBOX.', delimiter: '.' }));
const dovecot = namespaceView(layout());

describe('locating a name in the namespaces', () => {
	it('strips the personal prefix, whose INBOX part is case-insensitive, and splits on the delimiter', () => {
		expect(locate('INBOX.Sent', '.', courier)).toEqual({ kind: 'personal', segments: ['Sent'] });
		expect(locate('inbox.Kunden.Müller', '.', courier)).toEqual({
			kind: 'personal',
			segments: ['Kunden', 'Müller'],
		});
	});

	it('keeps INBOX as INBOX in any spelling, alone or as a parent without a prefix', () => {
		expect(locate('Inbox', '.', courier)).toEqual({ kind: 'personal', segments: ['INBOX'] });
		expect(locate('inbox/Rechnungen', '/', dovecot)).toEqual({
			kind: 'personal',
			segments: ['INBOX', 'Rechnungen'],
		});
	});

	it('sets aside the namespace root itself and names outside the prefix', () => {
		expect(locate('INBOX.', '.', courier)).toEqual({
			kind: 'ignored',
			reason: 'the personal namespace root itself',
		});
		expect(locate('Public.Team', '.', courier)).toEqual({
			kind: 'ignored',
			reason: "outside the personal namespace 'INBOX.'",
		});
	});

	it('sets aside other users and shared namespaces, their roots included', () => {
		const shared = namespaceView(layout({ otherNamespacePrefixes: ['Shared/', ''] }));
		const reason = "in the namespace 'Shared/', not the personal one";
		expect(locate('Shared/Team', '/', shared)).toEqual({ kind: 'ignored', reason });
		expect(locate('Shared', '/', shared)).toEqual({ kind: 'ignored', reason });
		expect(locate('Sharedfolder', '/', shared)).toEqual({
			kind: 'personal',
			segments: ['Sharedfolder'],
		});
	});

	it('keeps a name whole without a delimiter', () => {
		expect(locate('a/b', null, dovecot)).toEqual({ kind: 'personal', segments: ['a/b'] });
	});

	it('uses the delimiter a row lists and the layout delimiter when the row has none', () => {
		const source = layout({ delimiter: '.' });
		const view = namespaceView(source);
		expect(locateListed({ raw: 'a.b' }, source, view)).toMatchObject({ segments: ['a', 'b'] });
		expect(locateListed({ raw: 'a.b', delimiter: null }, source, view)).toMatchObject({
			segments: ['a.b'],
		});
		expect(locateListed({ raw: 'a/b.c', delimiter: '/' }, source, view)).toMatchObject({
			segments: ['a', 'b.c'],
		});
	});

	it('decodes the listed name and carries the warning when it cannot', () => {
		const source = layout();
		expect(locateListed({ raw: encodeMutf7('Entwürfe') }, source, dovecot)).toEqual({
			kind: 'personal',
			segments: ['Entwürfe'],
			warning: undefined,
		});
		const broken = locateListed({ raw: 'Bad&-Name&Zm9v' }, source, dovecot);
		expect(broken).toMatchObject({ kind: 'personal', segments: ['Bad&-Name&Zm9v'] });
		expect(broken.warning).toMatch(/the name is used as listed$/);
	});
});

describe('namespace helpers', () => {
	it('decodes as UTF-8 when the layout says so and leniently otherwise', () => {
		expect(decodeLeniently('Entwürfe', layout({ utf8Names: true }))).toEqual({ name: 'Entwürfe' });
		expect(decodeLeniently('&AOQ', layout()).name).toBe('&AOQ');
	});

	it('knows a prefix that is INBOX plus the delimiter', () => {
		expect(prefixIsInbox(courier)).toBe(true);
		expect(prefixIsInbox(namespaceView(layout({ personalPrefix: 'inbox/' })))).toBe(true);
		expect(prefixIsInbox(dovecot)).toBe(false);
		expect(prefixIsInbox(namespaceView(layout({ personalPrefix: 'INBOX', delimiter: '.' })))).toBe(
			false,
		);
		expect(prefixIsInbox(namespaceView(layout({ personalPrefix: 'Mail/' })))).toBe(false);
	});

	it('counts folders at the root or directly under INBOX as top level, INBOX itself not', () => {
		expect(isTopLevel(['Sent'])).toBe(true);
		expect(isTopLevel(['INBOX', 'Sent'])).toBe(true);
		expect(isTopLevel(['INBOX'])).toBe(false);
		expect(isTopLevel(['Projects', 'Sent'])).toBe(false);
		expect(isTopLevel(['INBOX', 'a', 'Sent'])).toBe(false);
	});
});
