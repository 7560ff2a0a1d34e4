/** Reads rendered reports back the way a person or a spreadsheet would, to compare them with the ledger. */

/** RFC 4180 CSV → rows keyed by the header (quoted fields with doubled quotes, commas and line breaks). */
export function csvRows(text: string): Record<string, string>[] {
	const records: string[][] = [];
	let record: string[] = [];
	let field = '';
	let quoted = false;
	for (let index = 0; index < text.length; index++) {
		const char = text[index];
		if (quoted) {
			if (char === '"' && text[index + 1] === '"') {
				field += '"';
				index++;
			} else if (char === '"') quoted = false;
			else field += char;
		} else if (char === '"') quoted = true;
		else if (char === ',') {
			record.push(field);
			field = '';
		} else if (char === '\r' && text[index + 1] === '\n') {
			record.push(field);
			records.push(record);
			record = [];
			field = '';
			index++;
		} else field += char;
	}
	const [header, ...rows] = records;
	return rows.map((row) => Object.fromEntries(header.map((name, column) => [name, row[column]])));
}

/** The exact value of a totals tile. */
export function htmlMetric(html: string, metric: string): number | null {
	const match = new RegExp(`data-metric="${metric}" data-value="(\\d+(?:\\.\\d+)?)"`).exec(html);
	return match ? Number(match[1]) : null;
}

function unescape(text: string): string {
	return text
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&quot;/g, '"')
		.replace(/&#39;/g, "'")
		.replace(/&amp;/g, '&');
}

/** [user, status] of each row of the mailboxes table, in order. */
export function htmlRowStatuses(html: string): [string, string][] {
	const table = html.slice(html.indexOf('<table id="mailboxes">'));
	return [...table.matchAll(/<tr data-user="([^"]*)">[\s\S]*?data-status="(\w+)"/g)].map(
		(match) => [unescape(match[1]), match[2]],
	);
}
