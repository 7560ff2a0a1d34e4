import { flagFields, flagProperties, graphFlagState } from '../../../nodes/lib/graph/graphFlags';

const properties = (flags: string[]) =>
	Object.fromEntries(flagProperties(graphFlagState(flags)).map(({ id, value }) => [id, value]));

describe('IMAP flags as Graph fields and MAPI properties', () => {
	it('\\Seen is isRead and mfRead; no flag leaves an unread non-draft', () => {
		expect(flagFields(graphFlagState([]))).toEqual({ isRead: false });
		expect(properties([])).toEqual({ 'Integer 0x0E07': '0' });
		expect(flagFields(graphFlagState(['\\Seen']))).toEqual({ isRead: true });
		expect(properties(['\\Seen'])).toEqual({ 'Integer 0x0E07': '1' });
	});

	it('\\Flagged is a follow-up flag; \\Draft keeps mfUnsent, so a draft stays a draft', () => {
		expect(flagFields(graphFlagState(['\\Flagged']))).toEqual({
			isRead: false,
			flag: { flagStatus: 'flagged' },
		});
		expect(properties(['\\Draft'])).toEqual({ 'Integer 0x0E07': '8' });
		expect(properties(['\\Draft', '\\Seen'])).toEqual({ 'Integer 0x0E07': '9' });
	});

	it('\\Answered and $Forwarded are the last verb and its icon; \\Answered wins when both are set', () => {
		expect(properties(['\\Answered'])).toEqual({
			'Integer 0x0E07': '0',
			'Integer 0x1081': '102',
			'Integer 0x1080': '261',
		});
		expect(properties(['$Forwarded', '\\Seen'])).toEqual({
			'Integer 0x0E07': '1',
			'Integer 0x1081': '104',
			'Integer 0x1080': '262',
		});
		expect(properties(['\\answered', '$forwarded'])['Integer 0x1081']).toBe('102');
	});

	it('keywords are categories, without IMAP system keywords; Thunderbird labels get their names', () => {
		const state = graphFlagState([
			'Work',
			'$Forwarded',
			'$MDNSent',
			'$Junk',
			'$NotJunk',
			'Junk',
			'NonJunk',
			'NotJunk',
			'$Phishing',
			'$label1',
			'$label4',
			'Kunde Müller',
			'Work',
			'\\Recent',
			'\\Deleted',
		]);
		expect(state.categories).toEqual(['Work', 'Important', 'To Do', 'Kunde Müller']);
		expect(flagFields(state)).toEqual({
			isRead: false,
			categories: ['Work', 'Important', 'To Do', 'Kunde Müller'],
		});
	});
});
