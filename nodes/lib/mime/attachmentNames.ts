/** File names for attachments packed into a zip: taken from the part, made safe, and unique. */
import { headerValue, parseStructuredHeader } from './headerFields';
import type { MimePart } from './mimeTree';

/** The name the sender gave: Content-Disposition filename first, then the Content-Type name. */
export function declaredFileName(part: MimePart): string | undefined {
	const disposition = headerValue(part.headers, 'content-disposition');
	const fromDisposition = disposition
		? parseStructuredHeader(disposition).params.get('filename')
		: undefined;
	const name = fromDisposition?.trim() || part.contentType.params.get('name')?.trim();
	return name || undefined;
}

function isMessage(part: MimePart): boolean {
	return part.contentType.value === 'message/rfc822' || part.contentType.value === 'message/global';
}

/**
 * Only the last path component counts (no folders, no `..` escaping the extraction folder), and
 * control characters go. Parts without a usable name become `attachment-N.bin` (`.eml` for
 * forwarded messages, so that they open in a mail program).
 */
function safeFileName(part: MimePart, position: number): string {
	const declared = declaredFileName(part) ?? '';
	const lastComponent = declared.split(/[/\\]/).pop() ?? '';
	const cleaned = lastComponent.replace(/[\u0000-\u001f\u007f]/g, '').trim();
	if (cleaned && cleaned !== '.' && cleaned !== '..') return cleaned;
	return `attachment-${position}.${isMessage(part) ? 'eml' : 'bin'}`;
}

/** `report.pdf`, `report (2).pdf`, ... compared without case, as Windows and macOS would on extraction. */
export function uniqueFileNames(parts: MimePart[]): string[] {
	const taken = new Set<string>();
	return parts.map((part, index) => {
		const name = safeFileName(part, index + 1);
		const dot = name.lastIndexOf('.');
		const stem = dot > 0 ? name.slice(0, dot) : name;
		const extension = dot > 0 ? name.slice(dot) : '';
		let candidate = name;
		for (let copy = 2; taken.has(candidate.toLowerCase()); copy++) {
			candidate = `${stem} (${copy})${extension}`;
		}
		taken.add(candidate.toLowerCase());
		return candidate;
	});
}
